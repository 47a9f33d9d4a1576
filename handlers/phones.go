package handlers

import (
	"context"
	"encoding/json"
	"errors"
	"mime"
	"net/http"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"fieldbook/internal/i18n"
	"fieldbook/store"
)

// phoneHandlers register and forget the per-phone keys that sign a picked
// learner's offline changes (docs/offline.md, "Phone protocol").
type phoneHandlers struct{ *App }

// maxPhoneLabel is the longest label a phone may give itself, in characters.
const maxPhoneLabel = 60

// The messages of this file: catalogue keys.
const (
	msgPhonesJSON       = "phone.error.json"
	msgPhonesBody       = "phone.error.body"
	msgKeyNotJWK        = "phone.error.key_jwk"
	msgKeyPrivate       = "phone.error.key_private"
	msgKeyNotP256       = "phone.error.key_p256"
	msgKeyCoordinates   = "phone.error.key_xy"
	msgKeyNotOnCurve    = "phone.error.key_curve"
	msgLabelTooLong     = "phone.error.label_long"
	msgLabelControl     = "phone.error.label_control"
	msgTooManyPhones    = "phone.error.too_many"
	msgKeyTaken         = "phone.error.key_taken"
	msgNoSuchPhone      = "phone.error.no_such"
	msgKeepKeyMalformed = "phone.error.keep_key"
)

type registerPhoneRequest struct {
	PublicKey json.RawMessage `json:"public_key"`
	Label     *string         `json:"label"`
}

type registerPhoneJSON struct {
	KeyID string `json:"key_id"`
}

// phoneLabel checks the label a phone sent; none (or blank) becomes a hint
// from the browser's User-Agent, as the sessions list shows.
func phoneLabel(label *string, userAgent string) (string, string) {
	if label == nil || strings.TrimSpace(*label) == "" {
		return deviceHint(userAgent), ""
	}
	l := strings.TrimSpace(*label)
	if !utf8.ValidString(l) || strings.ContainsFunc(l, unicode.IsControl) {
		return "", msgLabelControl
	}
	if utf8.RuneCountInString(l) > maxPhoneLabel {
		return "", msgLabelTooLong
	}
	return l, ""
}

// register is POST /api/phones: the phone sends the public half of the key
// it made for the signed-in learner, and gets the key's id back. Sending
// the same key again gives the same id.
func (h *phoneHandlers) register(c echo.Context) error {
	if mt, _, err := mime.ParseMediaType(c.Request().Header.Get("Content-Type")); err != nil || mt != "application/json" {
		return newError(http.StatusUnsupportedMediaType, err, msgPhonesJSON)
	}
	var req registerPhoneRequest
	dec := json.NewDecoder(c.Request().Body)
	if err := dec.Decode(&req); err != nil || dec.More() {
		var he *echo.HTTPError
		if errors.As(err, &he) {
			return he // the body limit's 413
		}
		return badRequest(msgPhonesBody)
	}
	point, msg := parsePhoneKey(req.PublicKey)
	if msg != "" {
		return newError(http.StatusUnprocessableEntity, nil, msg)
	}
	label, msg := phoneLabel(req.Label, c.Request().UserAgent())
	if msg != "" {
		return newError(http.StatusUnprocessableEntity, nil, msg)
	}
	token := h.sessions.Token(c.Request().Context())
	id, err := inTx(h.App, c, func(ctx context.Context, tx *store.Tx) (uuid.UUID, error) {
		id, _, err := tx.RegisterPhoneKey(ctx, point, label, token)
		return id, err
	})
	if err != nil {
		// Too many phones has its own message; a taken key is a conflict.
		return explain(err, explanations{store.ErrConflict: msgKeyTaken})
	}
	return c.JSON(http.StatusCreated, registerPhoneJSON{KeyID: id.String()})
}

// phoneJSON is one live key in GET /api/phones.
type phoneJSON struct {
	KeyID      string     `json:"key_id"`
	Label      string     `json:"label"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
}

// list is GET /api/phones: the caller's live keys, so a phone can tell
// whether the key it holds for this learner still works (a password change
// elsewhere revokes it) and offer to set itself up again.
func (h *phoneHandlers) list(c echo.Context) error {
	keys, err := readTx(h.App, c, func(ctx context.Context, tx *store.Tx) ([]store.PhoneKey, error) {
		return tx.PhoneKeys(ctx, "")
	})
	if err != nil {
		return err
	}
	out := struct {
		Phones []phoneJSON `json:"phones"`
	}{Phones: make([]phoneJSON, len(keys))}
	loc := h.localizer(c)
	for i, k := range keys {
		out.Phones[i] = phoneJSON{KeyID: k.ID.String(), Label: deviceName(loc, k.Label), CreatedAt: k.CreatedAt.UTC(), LastUsedAt: k.LastUsedAt}
	}
	return c.JSON(http.StatusOK, out)
}

// forget revokes one of the caller's phone keys; a key already forgotten
// is fine, another account's (or none) is a 404.
func (h *phoneHandlers) forget(c echo.Context) error {
	id, err := parseID(c, "id")
	if err != nil {
		return err
	}
	_, err = inTx(h.App, c, func(ctx context.Context, tx *store.Tx) (struct{}, error) {
		return struct{}{}, tx.ForgetPhoneKey(ctx, id)
	})
	return explain(err, explanations{store.ErrNotFound: msgNoSuchPhone})
}

// forgetOwn is POST /api/phones/{id}/forget: "Forget this phone" on the
// phone itself.
func (h *phoneHandlers) forgetOwn(c echo.Context) error {
	if err := h.forget(c); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// forgetFromAccount is POST /account/phones/{id}/forget, the plain form on
// "Your account".
func (h *phoneHandlers) forgetFromAccount(c echo.Context) error {
	if err := readForm(c); err != nil {
		return err
	}
	if err := h.forget(c); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, accountURL("phone"))
}

// accountPhoneForgetURL is where the account page's form forgets a phone.
func accountPhoneForgetURL(id uuid.UUID) string { return pathTo(routeAccountPhoneForget, id.String()) }

// keepKey reads the optional keep_key field of "Sign out everywhere else":
// the key of the phone the form was sent from, which its page fills in.
func keepKey(c echo.Context) (uuid.UUID, error) {
	v := strings.TrimSpace(c.FormValue("keep_key"))
	if v == "" {
		return uuid.Nil, nil
	}
	id, err := uuid.Parse(v)
	if err != nil {
		return uuid.Nil, badRequest(msgKeepKeyMalformed)
	}
	return id, nil
}

// phoneLastUsed says when a phone last sent a signed change, to the day:
// the server notes a key's use at most once a day.
func phoneLastUsed(loc *i18n.Localizer, k store.PhoneKey) string {
	switch {
	case k.LastUsedAt == nil:
		return loc.T("account.phone_unused")
	case time.Since(*k.LastUsedAt) < store.PhoneKeyTouchEvery:
		return loc.T("account.phone_used_today")
	}
	return loc.T("account.phone_last_used", "date", showTime(loc, *k.LastUsedAt, dayStyle))
}
