package handlers

import (
	"context"
	"encoding/hex"
	"errors"
	"math"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/a-h/templ"
	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"fieldbook/internal/i18n"
	"fieldbook/internal/password"
	"fieldbook/store"
	"fieldbook/views"
)

// authHandlers serve sign-up, sign-in and sign-out.
type authHandlers struct{ *App }

var usernameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{2,31}$`)

// maxDisplayNameLen bounds a display name, in characters (the database
// checks it too).
const maxDisplayNameLen = 100

// ValidateUsername returns what is wrong with a (lower-cased) username, in
// loc's language, or "".
func ValidateUsername(loc *i18n.Localizer, username string) string {
	switch {
	case username == "":
		return loc.T("account.error.username_choose")
	case !usernameRE.MatchString(username):
		return loc.T("account.error.username_rule")
	}
	return ""
}

// validateDisplayName returns what is wrong with a display name (missing is
// the message key for an empty one, worded for the form it is on), or "".
func validateDisplayName(loc *i18n.Localizer, name, missing string) string {
	switch n := utf8.RuneCountInString(name); {
	case n == 0:
		return loc.T(missing)
	case n > maxDisplayNameLen || !utf8.ValidString(name):
		return loc.N("account.error.name_too_long", maxDisplayNameLen)
	}
	return ""
}

// Throttles (store.Throttle): failures per hour before a lock, and the
// longest lock. Never permanent, so nobody can lock a learner out for good.
var (
	// ipThrottle: per client address, all usernames together.
	ipThrottle = store.Throttle{Threshold: 10, Max: 5 * time.Minute}
	// accountThrottle: per username, from every address and device that
	// has not signed in to the account before.
	accountThrottle = store.Throttle{Threshold: 5, Max: 15 * time.Minute}
	// deviceThrottle: per account, for a device that has signed in to it
	// before (deviceCookie): a smaller budget of its own, which strangers
	// locking the account cannot use up (docs/security.md).
	deviceThrottle = store.Throttle{Threshold: 3, Max: 15 * time.Minute}
	// passwordChangeThrottle: wrong current passwords per account on
	// "Change password", so a stolen session cannot guess it.
	passwordChangeThrottle = store.Throttle{Threshold: 5, Max: 15 * time.Minute}
	// signupThrottle: sign-ups per address; a class signing up on one Wi-Fi
	// stays well under it.
	signupThrottle = store.Throttle{Threshold: 50, Max: 10 * time.Minute}
)

// waitSeconds is how long until a throttle lock ends, at least 1 second.
func (a *App) waitSeconds(until time.Time) int {
	return max(int(math.Ceil(until.Sub(a.now()).Seconds())), 1)
}

// setRetryAfter tells the client when a throttled request may be tried again.
func (a *App) setRetryAfter(c echo.Context, until time.Time) {
	c.Response().Header().Set("Retry-After", strconv.Itoa(a.waitSeconds(until)))
}

// refuseThrottled tells the form's sender to wait for the lock to end: key
// is the throttle's message, which counts the seconds.
func (a *App) refuseThrottled(f *views.Form, key string, until time.Time) {
	f.Refuse(key, "count", a.waitSeconds(until))
}

// throttled answers 429 with Retry-After and the form, message included.
func (h *authHandlers) throttled(c echo.Context, until time.Time, page templ.Component, title string) error {
	h.setRetryAfter(c, until)
	return h.render(c, http.StatusTooManyRequests, title, page)
}

func (h *authHandlers) showLogin(c echo.Context) error {
	if signedIn(c) {
		return c.Redirect(http.StatusSeeOther, safeNext(c.QueryParam("next")))
	}
	return h.render(c, http.StatusOK, h.localizer(c).T("auth.signin.title"),
		views.LoginPage(authForm(views.AuthForm{Next: safeNext(c.QueryParam("next"))})))
}

func (h *authHandlers) showSignup(c echo.Context) error {
	if signedIn(c) {
		return c.Redirect(http.StatusSeeOther, homeURL())
	}
	return h.render(c, http.StatusOK, h.localizer(c).T("auth.signup.title"), views.SignupPage(authForm(views.AuthForm{})))
}

// signInAttempt is what sign-in reads before checking a password: any
// throttle lock, else the attempt it reserved and the account if there is
// one.
type signInAttempt struct {
	locked   time.Time
	attempts []store.Attempt
	user     store.AuthUser
	found    bool
}

// login checks the credentials and starts a fresh session. An unknown user
// and a wrong password get the same message and take the same time. The
// attempt is counted before the password is checked (reserveSignIn), so
// parallel requests cannot check more passwords than the throttle allows;
// a right password is forgiven.
func (h *authHandlers) login(c echo.Context) error {
	ctx := c.Request().Context()
	if err := readForm(c); err != nil {
		return err
	}
	form := authForm(views.AuthForm{
		Username: strings.ToLower(strings.TrimSpace(c.FormValue("username"))),
		Next:     safeNext(c.FormValue("next")),
	})
	title := h.localizer(c).T("auth.signin.title")
	pw := c.FormValue("password")
	if form.Username == "" {
		form.Fail("username", "auth.error.enter_username")
	}
	if pw == "" {
		form.Fail("password", "auth.error.enter_password")
	}
	if !form.Valid() {
		return h.render(c, http.StatusUnprocessableEntity, title, views.LoginPage(form))
	}
	at, err := h.reserveSignIn(c, form.Username)
	if err != nil {
		return err
	}
	if !at.locked.IsZero() {
		h.refuseThrottled(&form.Form, "auth.error.throttle_signin", at.locked)
		return h.throttled(c, at.locked, views.LoginPage(form), title)
	}
	hash := at.user.PasswordHash
	if !at.found || len(pw) > 4*password.MaxLen {
		hash = password.Dummy
	}
	ok, err := password.Check(ctx, pw, hash)
	if err != nil {
		// Not checked (the server is busy): the attempt does not count.
		return errors.Join(err, h.settleSignIn(c, at.attempts, false))
	}
	if !at.found || !ok {
		form.Refuse("auth.error.wrong")
		return h.render(c, http.StatusUnauthorized, title, views.LoginPage(form))
	}
	if err := h.settleSignIn(c, at.attempts, true); err != nil {
		return err
	}
	h.upgradeHash(ctx, at.user, pw)
	if err := h.startSession(c, at.user.ID.String(), string(at.user.Role), at.user.DisplayName, false); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, form.Next)
}

// signInAttempts are the throttle keys a sign-in counts against: a device
// that has signed in to the account before has its own budget for it;
// anyone else counts against the account and the client address.
func signInAttempts(ip, username string, device []byte, known bool) []store.Attempt {
	if known {
		return []store.Attempt{{Key: "device:" + hex.EncodeToString(device) + ":" + username, Throttle: deviceThrottle}}
	}
	return []store.Attempt{
		{Key: "ip:" + ip, Throttle: ipThrottle},
		{Key: "user:" + username, Throttle: accountThrottle},
	}
}

// reserveSignIn counts a sign-in attempt (unless a key is locked: then
// locked is its end) and looks the account up, in one transaction that
// commits before any password is checked.
func (h *authHandlers) reserveSignIn(c echo.Context, username string) (signInAttempt, error) {
	device := deviceHash(c)
	return anonTx(h.App, c, func(ctx context.Context, tx *store.Tx) (at signInAttempt, err error) {
		known := false
		if device != nil {
			if known, err = tx.DeviceKnown(ctx, device, username); err != nil {
				return at, err
			}
		}
		at.attempts = signInAttempts(c.RealIP(), username, device, known)
		if at.locked, err = tx.ThrottleReserve(ctx, h.now(), at.attempts...); err != nil || !at.locked.IsZero() {
			return at, err
		}
		at.user, err = tx.UserForSignIn(ctx, username)
		at.found = err == nil
		if errors.Is(err, store.ErrNotFound) {
			err = nil
		}
		return at, err
	})
}

// settleSignIn takes back a sign-in's reserved attempt: after the right
// password the account's (or device's) count starts again and the address's
// loses this one; when the password was never checked, each loses this one.
func (h *authHandlers) settleSignIn(c echo.Context, attempts []store.Attempt, success bool) error {
	ctx := c.Request().Context()
	return h.store.InTx(ctx, store.Anonymous, func(tx *store.Tx) error {
		for _, a := range attempts {
			var err error
			if success && !strings.HasPrefix(a.Key, "ip:") {
				err = tx.ThrottleReset(ctx, a.Key)
			} else {
				err = tx.ThrottleForgive(ctx, a)
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
}

// upgradeHash replaces a hash made with older Argon2id parameters now,
// while the password is at hand (the same password: phones keep their
// keys). A failure only waits for the next sign-in.
func (h *authHandlers) upgradeHash(ctx context.Context, u store.AuthUser, pw string) {
	if !password.NeedsRehash(u.PasswordHash) {
		return
	}
	hash, err := password.Hash(ctx, pw)
	if err != nil {
		return
	}
	caller := store.Caller{UserID: u.ID, Role: u.Role}
	if err := h.store.InTx(ctx, caller, func(tx *store.Tx) error {
		return tx.UpgradeOwnPasswordHash(ctx, hash)
	}); err != nil {
		h.log.Warn("upgrade password hash", "err", err)
	}
}

// signup creates a learner account and signs it in.
func (h *authHandlers) signup(c echo.Context) error {
	ctx := c.Request().Context()
	if err := readForm(c); err != nil {
		return err
	}
	form := authForm(views.AuthForm{
		Username: strings.ToLower(strings.TrimSpace(c.FormValue("username"))),
		Name:     strings.TrimSpace(c.FormValue("name")),
	})
	loc := h.localizer(c)
	title := loc.T("auth.signup.title")
	pw := c.FormValue("password")
	checkNewAccount(loc, &form.Form, form.Username, form.Name, pw, "auth.error.name_missing")
	if !form.Valid() {
		return h.render(c, http.StatusUnprocessableEntity, title, views.SignupPage(form))
	}
	signup := store.Attempt{Key: "signup-ip:" + c.RealIP(), Throttle: signupThrottle}
	locked, err := anonTx(h.App, c, func(ctx context.Context, tx *store.Tx) (time.Time, error) {
		return tx.ThrottleReserve(ctx, h.now(), signup)
	})
	if err != nil {
		return err
	}
	if !locked.IsZero() {
		h.refuseThrottled(&form.Form, "auth.error.throttle_signup", locked)
		return h.throttled(c, locked, views.SignupPage(form), title)
	}
	hash, err := password.Hash(ctx, pw)
	if err != nil {
		return err
	}
	id, err := anonTx(h.App, c, func(ctx context.Context, tx *store.Tx) (uuid.UUID, error) {
		return tx.SignUp(ctx, form.Username, form.Name, hash)
	})
	if errors.Is(err, store.ErrConflict) {
		form.Fail("username", usernameTaken)
		return h.render(c, http.StatusUnprocessableEntity, title, views.SignupPage(form))
	} else if err != nil {
		return err
	}
	if err := h.startSession(c, id.String(), string(store.RoleLearner), form.Name, true); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, homeURL())
}

// usernameTaken is the message of a username someone else has.
const usernameTaken = "auth.error.username_taken"

// checkNewAccount records on f what is wrong with a new account's
// username, name and password, in loc's language; missingName is the name
// field's message key when empty, worded for the form it is on.
func checkNewAccount(loc *i18n.Localizer, f *views.Form, username, name, pw, missingName string) {
	if msg := ValidateUsername(loc, username); msg != "" {
		f.Fail("username", msg)
	}
	if msg := validateDisplayName(loc, name, missingName); msg != "" {
		f.Fail("name", msg)
	}
	if msg := password.Validate(loc, pw); msg != "" {
		f.Fail("password", msg)
	}
}

// authForm gives the sign-in and sign-up forms their addresses and the
// password rule the sign-up form states.
func authForm(f views.AuthForm) views.AuthForm {
	f.LoginURL, f.SignupURL = pathTo(routeLoginSubmit), pathTo(routeSignupSubmit)
	f.MinPassword = password.MinLen
	return f
}

// startSession renews the session token (against fixation), stores who
// signed in and settles their language (settleLanguage); fresh is a new
// account.
func (h *authHandlers) startSession(c echo.Context, id, role, name string, fresh bool) error {
	ctx := c.Request().Context()
	if err := h.sessions.RenewToken(ctx); err != nil {
		return err
	}
	h.sessions.Put(ctx, sessUserID, id)
	h.sessions.Put(ctx, sessRole, role)
	h.sessions.Put(ctx, sessName, name)
	h.sessions.Put(ctx, sessSignedIn, time.Now().Unix())
	if role == string(store.RoleAdmin) {
		h.sessions.SetDeadline(ctx, time.Now().Add(h.adminLifetime))
	}
	uid, err := uuid.Parse(id)
	if err != nil {
		return err
	}
	caller := store.Caller{UserID: uid, Role: store.Role(role)}
	if err := h.recordSession(c, caller); err != nil {
		return err
	}
	if err := h.rememberDevice(c, caller); err != nil {
		return err
	}
	return h.settleLanguage(c, caller, fresh)
}

// logout ends the session on the server, not just in the browser.
func (h *authHandlers) logout(c echo.Context) error {
	ctx := c.Request().Context()
	if signedIn(c) {
		token := h.sessions.Token(ctx)
		if err := h.store.InTx(ctx, callerOf(c), func(tx *store.Tx) error {
			return tx.ForgetSession(ctx, token)
		}); err != nil {
			return err
		}
	}
	// Renewing deletes the old token from the store; destroying then
	// deletes the new one and expires the cookie.
	if err := h.sessions.RenewToken(ctx); err != nil {
		return err
	}
	if err := h.sessions.Destroy(ctx); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, homeURL())
}
