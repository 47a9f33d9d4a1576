package handlers

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"fieldbook/store"
	"fieldbook/views"
)

// certificateHandlers serve a learner's printable certificate and the
// public verification of a code.
type certificateHandlers struct{ *App }

// verifyThrottle: unknown codes per address per hour before verification
// slows down; a real code never counts, so checking certificates at a desk
// is never slowed, and guessing 65-bit codes is hopeless anyway.
var verifyThrottle = store.Throttle{Threshold: 30, Max: 10 * time.Minute}

// codeGroups writes a code in groups of four or five for reading aloud.
func codeGroups(code string) string {
	if len(code) != 13 {
		return code
	}
	return code[:4] + " " + code[4:8] + " " + code[8:]
}

// showCertificate is the caller's own certificate of a course, printable
// (certificate.css has the A4 and Letter layout).
func (h *certificateHandlers) showCertificate(c echo.Context) error {
	courseID, err := parseID(c, "id")
	if err != nil {
		return err
	}
	cert, err := readTx(h.App, c, func(ctx context.Context, tx *store.Tx) (store.Certificate, error) {
		return tx.MyCertificate(ctx, courseID)
	})
	if err != nil {
		return explain(err, explanations{store.ErrNotFound: msgNoCertificate})
	}
	scheme := "https"
	if c.Request().TLS == nil && c.Scheme() == "http" {
		scheme = "http"
	}
	path := pathTo(routeVerify, cert.Code)
	vm := views.Certificate{
		DisplayName: cert.DisplayName, CourseTitle: cert.CourseTitle, CourseURL: courseURL(courseID),
		Date: showTime(h.localizer(c), cert.CompletedAt, longDayStyle), Code: cert.Code, CodeGroups: codeGroups(cert.Code),
		VerifyPath: path, VerifyURL: scheme + "://" + c.Request().Host + path,
	}
	p := h.page(c, h.localizer(c).T("certificate.title", "course", cert.CourseTitle))
	p.Styles = []string{h.assets.URL("certificate.css")}
	return h.renderPage(c, http.StatusOK, p, views.CertificatePage(vm))
}

// verifyCertificate is the public check of a code: name, course and date,
// or 404 "no such certificate". It always runs as the anonymous role (the
// definer function is all it reads), and unknown codes are throttled per
// address with the sign-in throttle.
func (h *certificateHandlers) verifyCertificate(c echo.Context) error {
	code := store.NormalizeCertificateCode(c.Param("code"))
	key := "verify-ip:" + c.RealIP()
	ctx := c.Request().Context()
	var proof store.CertificateProof
	var locked time.Time
	found := false
	attempt := store.Attempt{Key: key, Throttle: verifyThrottle}
	err := h.store.InTx(ctx, store.Anonymous, func(tx *store.Tx) (err error) {
		// Counted first, so parallel guesses cannot pass the throttle; a
		// known code is forgiven.
		if locked, err = tx.ThrottleReserve(ctx, h.now(), attempt); err != nil || !locked.IsZero() {
			return err
		}
		proof, err = tx.VerifyCertificate(ctx, code)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if found = err == nil; found {
			err = tx.ThrottleForgive(ctx, attempt)
		}
		return err
	})
	if err != nil {
		return err
	}
	if !locked.IsZero() {
		h.setRetryAfter(c, locked)
		return newError(http.StatusTooManyRequests, nil, "certificate.error.throttle", "count", h.waitSeconds(locked))
	}
	vm := views.Verification{Found: found, Code: code}
	status := http.StatusNotFound
	if found {
		status = http.StatusOK
		vm.DisplayName, vm.CourseTitle, vm.Date = proof.DisplayName, proof.CourseTitle, showTime(h.localizer(c), proof.CompletedAt, longDayStyle)
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	title := h.localizer(c).T("certificate.verify_title")
	if !found {
		title = h.localizer(c).T("certificate.verify_missing_title")
	}
	return h.render(c, status, title, views.VerifyPage(vm))
}
