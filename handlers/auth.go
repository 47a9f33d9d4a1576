package handlers

import (
	"encoding/hex"
	"errors"
	"math"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/trustelem/zxcvbn/frequency"

	"github.com/a-h/templ"
	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"fieldbook/internal/i18n"
	"fieldbook/store"
	"fieldbook/views"
)

// authHandlers serve sign-up, sign-in and sign-out.
type authHandlers struct{ *App }

// Password length bounds, counted in characters (any Unicode is fine).
const (
	minPasswordLen = 8
	maxPasswordLen = 128
)

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

// ValidatePassword returns what is wrong with a new password, in loc's
// language, or "".
func ValidatePassword(loc *i18n.Localizer, password string) string {
	if !utf8.ValidString(password) {
		return loc.T("account.error.password_invalid")
	}
	switch n := utf8.RuneCountInString(password); {
	case n < minPasswordLen:
		return loc.N("account.error.password_short", minPasswordLen)
	case n > maxPasswordLen:
		return loc.N("account.error.password_long", maxPasswordLen)
	}
	if isCommonPassword(password) {
		return loc.T("account.error.password_common")
	}
	return ""
}

var (
	commonOnce      sync.Once
	commonPasswords map[string]struct{}
)

// isCommonPassword reports whether password is on the common-password list
// that zxcvbn ships (about 30,000 leaked passwords), ignoring case.
func isCommonPassword(password string) bool {
	commonOnce.Do(func() {
		list := frequency.FrequencyLists["passwords"]
		commonPasswords = make(map[string]struct{}, len(list)/4)
		for _, p := range list {
			if utf8.RuneCountInString(p) >= minPasswordLen {
				commonPasswords[strings.ToLower(p)] = struct{}{}
			}
		}
	})
	_, ok := commonPasswords[strings.ToLower(password)]
	return ok
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

// tooManyMessage is the throttle message key (which counts seconds) with
// the wait until the lock ends.
func (a *App) tooManyMessage(loc *i18n.Localizer, key string, until time.Time) string {
	return loc.N(key, a.waitSeconds(until))
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
	loc := h.localizer(c)
	return h.render(c, http.StatusOK, loc.T("auth.signin.title"), views.LoginPage(views.AuthForm{Next: safeNext(c.QueryParam("next"))}))
}

func (h *authHandlers) showSignup(c echo.Context) error {
	if signedIn(c) {
		return c.Redirect(http.StatusSeeOther, "/")
	}
	return h.render(c, http.StatusOK, h.localizer(c).T("auth.signup.title"), views.SignupPage(views.AuthForm{MinPassword: minPasswordLen}))
}

// login checks the credentials and starts a fresh session. An unknown user
// and a wrong password get the same message and take the same time. The
// attempt is counted before the password is checked (signInAttempts), so
// parallel requests cannot check more passwords than the throttle allows;
// a right password is forgiven.
func (h *authHandlers) login(c echo.Context) error {
	ctx := c.Request().Context()
	if err := readForm(c); err != nil {
		return err
	}
	form := views.AuthForm{
		Username: strings.ToLower(strings.TrimSpace(c.FormValue("username"))),
		Next:     safeNext(c.FormValue("next")),
		Errors:   map[string]string{},
	}
	loc := h.localizer(c)
	title := loc.T("auth.signin.title")
	password := c.FormValue("password")
	if form.Username == "" {
		form.Errors["username"] = loc.T("auth.error.enter_username")
	}
	if password == "" {
		form.Errors["password"] = loc.T("auth.error.enter_password")
	}
	if len(form.Errors) > 0 {
		return h.render(c, http.StatusUnprocessableEntity, title, views.LoginPage(form))
	}
	u, found, attempts, locked, err := h.reserveSignIn(c, form.Username)
	if err != nil {
		return err
	}
	if !locked.IsZero() {
		form.Message = h.tooManyMessage(loc, "auth.error.throttle_signin", locked)
		return h.throttled(c, locked, views.LoginPage(form), title)
	}
	hash := u.PasswordHash
	if !found || len(password) > 4*maxPasswordLen {
		hash = dummyHash
	}
	ok, err := CheckPassword(ctx, password, hash)
	if err != nil {
		// Not checked (the server is busy): the attempt does not count.
		return errors.Join(err, h.settleSignIn(c, attempts, false))
	}
	if !found || !ok {
		form.Message = loc.T("auth.error.wrong")
		return h.render(c, http.StatusUnauthorized, title, views.LoginPage(form))
	}
	if err := h.settleSignIn(c, attempts, true); err != nil {
		return err
	}
	// Hashes made with older Argon2id parameters are upgraded now, while
	// the password is at hand (the same password: phones keep their keys).
	if needsRehash(u.PasswordHash) {
		if hash, err := HashPassword(ctx, password); err == nil {
			caller := store.Caller{UserID: u.ID, Role: u.Role}
			if err := h.store.InTx(ctx, caller, func(tx *store.Tx) error {
				return tx.UpgradeOwnPasswordHash(ctx, hash)
			}); err != nil {
				h.log.Warn("upgrade password hash", "err", err)
			}
		}
	}
	if err := h.startSession(c, u.ID.String(), string(u.Role), u.DisplayName, false); err != nil {
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
func (h *authHandlers) reserveSignIn(c echo.Context, username string) (u store.AuthUser, found bool, attempts []store.Attempt, locked time.Time, err error) {
	ctx := c.Request().Context()
	device := deviceHash(c)
	err = h.store.InTx(ctx, store.Anonymous, func(tx *store.Tx) (err error) {
		known := false
		if device != nil {
			if known, err = tx.DeviceKnown(ctx, device, username); err != nil {
				return err
			}
		}
		attempts = signInAttempts(c.RealIP(), username, device, known)
		if locked, err = tx.ThrottleReserve(ctx, h.now(), attempts...); err != nil || !locked.IsZero() {
			return err
		}
		u, err = tx.UserForSignIn(ctx, username)
		if store.IsNotFound(err) {
			return nil
		}
		found = err == nil
		return err
	})
	return u, found, attempts, locked, err
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

// signup creates a learner account and signs it in.
func (h *authHandlers) signup(c echo.Context) error {
	ctx := c.Request().Context()
	if err := readForm(c); err != nil {
		return err
	}
	form := views.AuthForm{
		Username: strings.ToLower(strings.TrimSpace(c.FormValue("username"))),
		Name:     strings.TrimSpace(c.FormValue("name")),
		Errors:   map[string]string{},
	}
	form.MinPassword = minPasswordLen
	loc := h.localizer(c)
	title := loc.T("auth.signup.title")
	password := c.FormValue("password")
	if msg := ValidateUsername(loc, form.Username); msg != "" {
		form.Errors["username"] = msg
	}
	if msg := validateDisplayName(loc, form.Name, "auth.error.name_missing"); msg != "" {
		form.Errors["name"] = msg
	}
	if msg := ValidatePassword(loc, password); msg != "" {
		form.Errors["password"] = msg
	}
	if len(form.Errors) > 0 {
		return h.render(c, http.StatusUnprocessableEntity, title, views.SignupPage(form))
	}
	signup := store.Attempt{Key: "signup-ip:" + c.RealIP(), Throttle: signupThrottle}
	var locked time.Time
	err := h.store.InTx(ctx, store.Anonymous, func(tx *store.Tx) (err error) {
		locked, err = tx.ThrottleReserve(ctx, h.now(), signup)
		return err
	})
	if err != nil {
		return err
	}
	if !locked.IsZero() {
		form.Message = h.tooManyMessage(loc, "auth.error.throttle_signup", locked)
		return h.throttled(c, locked, views.SignupPage(form), title)
	}
	hash, err := HashPassword(ctx, password)
	if err != nil {
		return err
	}
	var u store.AuthUser
	err = h.store.InTx(ctx, store.Anonymous, func(tx *store.Tx) error {
		id, err := tx.SignUp(ctx, form.Username, form.Name, hash)
		if err != nil {
			return err
		}
		u = store.AuthUser{ID: id, Role: store.RoleLearner, DisplayName: form.Name}
		return nil
	})
	if err != nil {
		if isConflict(err) {
			form.Errors["username"] = loc.T("auth.error.username_taken")
			return h.render(c, http.StatusUnprocessableEntity, title, views.SignupPage(form))
		}
		return err
	}
	if err := h.startSession(c, u.ID.String(), string(u.Role), u.DisplayName, true); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/")
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
	return c.Redirect(http.StatusSeeOther, "/")
}
