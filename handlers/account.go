package handlers

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"fieldbook/internal/i18n"
	"fieldbook/internal/password"
	"fieldbook/store"
	"fieldbook/views"
)

// accountHandlers serve "Your account": the password and the sessions.
type accountHandlers struct{ *App }

// sessSeen is when this session last updated its last_seen record.
const sessSeen = "seen"

// touchEvery is how often a session's "last seen" is written.
const touchEvery = 10 * time.Minute

// deviceHint names a device from its User-Agent, for the sessions list:
// its system and browser, proper names the same in every language, or ""
// when neither is known (deviceName says so in the reader's language).
func deviceHint(ua string) string {
	os := ""
	switch {
	case strings.Contains(ua, "Android"):
		os = "Android"
	case strings.Contains(ua, "iPhone"), strings.Contains(ua, "iPad"):
		os = "iPhone/iPad"
	case strings.Contains(ua, "Windows"):
		os = "Windows"
	case strings.Contains(ua, "Mac OS X"):
		os = "Mac"
	case strings.Contains(ua, "Linux"):
		os = "Linux"
	}
	browser := ""
	switch {
	case strings.Contains(ua, "SamsungBrowser"):
		browser = "Samsung Internet"
	case strings.Contains(ua, "Firefox/"):
		browser = "Firefox"
	case strings.Contains(ua, "Edg/"):
		browser = "Edge"
	case strings.Contains(ua, "Chrome/"), strings.Contains(ua, "Chromium/"):
		browser = "Chrome"
	case strings.Contains(ua, "Safari/"):
		browser = "Safari"
	}
	if browser == "" || os == "" {
		return os + browser
	}
	return os + ", " + browser
}

// deviceName is a stored device hint as the reader sees it. Hints stored
// before they were language-neutral said "Unknown device" and "other
// browser" in English; those words are left out or translated.
func deviceName(loc *i18n.Localizer, hint string) string {
	hint = strings.TrimSuffix(strings.TrimSuffix(hint, ", other browser"), "Unknown device")
	hint = strings.TrimPrefix(hint, ", ")
	if hint == "" {
		return loc.T("account.device_unknown")
	}
	return hint
}

// recordSession notes the new session of a user who just signed in.
func (a *App) recordSession(c echo.Context, caller store.Caller) error {
	ctx := c.Request().Context()
	a.sessions.Put(ctx, sessSeen, time.Now().Unix())
	token := a.sessions.Token(ctx)
	return a.store.InTx(ctx, caller, func(tx *store.Tx) error {
		return tx.RecordSession(ctx, token, deviceHint(c.Request().UserAgent()))
	})
}

// touchSession keeps "last seen" roughly current without a write per request.
func (a *App) touchSession(c echo.Context, caller store.Caller) {
	ctx := c.Request().Context()
	if seen := a.sessions.GetInt64(ctx, sessSeen); time.Since(time.Unix(seen, 0)) < touchEvery {
		return
	}
	token := a.sessions.Token(ctx)
	if token == "" {
		return
	}
	err := a.store.InTx(ctx, caller, func(tx *store.Tx) error { return tx.TouchSession(ctx, token) })
	if err != nil {
		a.log.Warn("touch session", "err", err)
		return
	}
	a.sessions.Put(ctx, sessSeen, time.Now().Unix())
}

func (h *accountHandlers) page(c echo.Context, status int, form views.PasswordForm, notice string) error {
	ctx := c.Request().Context()
	caller := callerOf(c)
	var user store.User
	var list []store.Session
	var phones []store.PhoneKey
	current := h.sessions.Token(ctx)
	err := h.store.ReadTx(ctx, caller, func(tx *store.Tx) (err error) {
		if user, err = tx.UserByID(ctx, caller.UserID); err != nil {
			return err
		}
		if list, err = tx.Sessions(ctx); err != nil {
			return err
		}
		phones, err = tx.PhoneKeys(ctx, current)
		return err
	})
	if err != nil {
		return err
	}
	loc := h.localizer(c)
	vm := views.Account{Username: user.Username, Password: form, Notice: notice, MinPassword: password.MinLen,
		PasswordURL: pathTo(routeAccountPassword), EndSessionsURL: pathTo(routeAccountEndSessions)}
	for _, s := range list {
		vm.Sessions = append(vm.Sessions, views.SessionRow{
			Device: deviceName(loc, s.Device), Since: sessionAgo(loc, s.CreatedAt), LastSeen: sessionAgo(loc, s.LastSeen),
			Current: s.Key == store.SessionKey(current),
		})
	}
	for _, k := range phones {
		vm.Phones = append(vm.Phones, views.PhoneRow{
			KeyID: k.ID.String(), Label: deviceName(loc, k.Label), Since: showTime(loc, k.CreatedAt, dayStyle),
			LastUsed: phoneLastUsed(loc, k), ForgetURL: accountPhoneForgetURL(k.ID), ThisSession: k.ThisSession,
		})
	}
	return h.render(c, status, loc.T("account.title"), views.AccountPage(vm))
}

// showAccount is GET /account.
func (h *accountHandlers) showAccount(c echo.Context) error {
	notice := ""
	switch c.QueryParam("done") {
	case "password":
		notice = "account.done_password"
	case "sessions":
		notice = "account.done_sessions"
	case "phone":
		notice = "account.done_phone"
	}
	return h.page(c, http.StatusOK, views.PasswordForm{}, notice)
}

// changePassword checks the current password, sets the new one, ends every
// other session and renews this one's token.
func (h *accountHandlers) changePassword(c echo.Context) error {
	if err := readForm(c); err != nil {
		return err
	}
	ctx := c.Request().Context()
	var form views.PasswordForm
	current, next := c.FormValue("current_password"), c.FormValue("new_password")
	if current == "" {
		form.Fail("current_password", "account.error.current_missing")
	}
	if msg := password.Validate(h.localizer(c), next); msg != "" {
		form.Fail("new_password", msg)
	} else if next == current {
		form.Fail("new_password", "account.error.password_same")
	}
	if !form.Valid() {
		return h.page(c, http.StatusUnprocessableEntity, form, "")
	}
	attempt := store.Attempt{Key: "passwd:" + callerOf(c).UserID.String(), Throttle: passwordChangeThrottle}
	locked, ok, err := h.checkCurrentPassword(c, attempt, current)
	if err != nil {
		return err
	}
	if !locked.IsZero() {
		form.Fail("current_password", "account.error.throttle_password", "count", h.waitSeconds(locked))
		h.setRetryAfter(c, locked)
		return h.page(c, http.StatusTooManyRequests, form, "")
	}
	if !ok {
		form.Fail("current_password", "account.error.current_wrong")
		return h.page(c, http.StatusUnprocessableEntity, form, "")
	}
	hash, err := password.Hash(ctx, next)
	if err != nil {
		return err
	}
	old := h.sessions.Token(ctx)
	if err := h.renewToken(ctx); err != nil {
		return err
	}
	renewed := h.sessions.Token(ctx)
	device := deviceHint(c.Request().UserAgent())
	err = h.store.InTx(ctx, callerOf(c), func(tx *store.Tx) error {
		if err := tx.ThrottleReset(ctx, attempt.Key); err != nil {
			return err
		}
		if err := tx.SetOwnPassword(ctx, hash); err != nil {
			return err
		}
		if _, err := tx.EndOtherSessions(ctx, old); err != nil {
			return err
		}
		if err := tx.ForgetSession(ctx, old); err != nil {
			return err
		}
		return tx.RecordSession(ctx, renewed, device)
	})
	if err != nil {
		return err
	}
	h.sessionStore.ForgetUser(callerOf(c).UserID)
	return c.Redirect(http.StatusSeeOther, accountURL("password"))
}

// checkCurrentPassword checks the caller's current password, throttled per
// account like sign-in: the attempt is counted before the check (locked is
// the lock's end when too many failed), and taken back if the server was too
// busy to check. The hash is read as at sign-in: no caller role may read it
// directly.
func (h *accountHandlers) checkCurrentPassword(c echo.Context, attempt store.Attempt, pw string) (locked time.Time, ok bool, err error) {
	type reserved struct {
		locked time.Time
		user   store.User
	}
	r, err := inTx(h.App, c, func(ctx context.Context, tx *store.Tx) (r reserved, err error) {
		if r.locked, err = tx.ThrottleReserve(ctx, h.now(), attempt); err != nil || !r.locked.IsZero() {
			return r, err
		}
		r.user, err = tx.UserByID(ctx, callerOf(c).UserID)
		return r, err
	})
	if err != nil || !r.locked.IsZero() {
		return r.locked, false, err
	}
	auth, err := runTx(c, store.Anonymous, h.store.ReadTx, func(ctx context.Context, tx *store.Tx) (store.AuthUser, error) {
		return tx.UserForSignIn(ctx, r.user.Username)
	})
	if err != nil {
		return r.locked, false, err
	}
	if ok, err = password.Check(c.Request().Context(), pw, auth.PasswordHash); err != nil {
		_, ferr := inTx(h.App, c, func(ctx context.Context, tx *store.Tx) (struct{}, error) {
			return struct{}{}, tx.ThrottleForgive(ctx, attempt)
		})
		return r.locked, false, errors.Join(err, ferr)
	}
	return r.locked, ok, nil
}

// endOtherSessions is "Sign out everywhere else": it ends the other
// sessions and forgets the other phones, keeping this one's key (the one
// this session registered, and the one the page names in keep_key).
func (h *accountHandlers) endOtherSessions(c echo.Context) error {
	if err := readForm(c); err != nil {
		return err
	}
	keepPhone, err := keepKey(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	keep := h.sessions.Token(ctx)
	err = h.store.InTx(ctx, callerOf(c), func(tx *store.Tx) error {
		if _, err := tx.ForgetOtherPhoneKeys(ctx, keepPhone, keep); err != nil {
			return err
		}
		_, err := tx.EndOtherSessions(ctx, keep)
		return err
	})
	if err != nil {
		return err
	}
	h.sessionStore.ForgetUser(callerOf(c).UserID)
	return c.Redirect(http.StatusSeeOther, accountURL("sessions"))
}
