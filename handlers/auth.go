package handlers

import (
	"context"
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

	"fieldbook/internal/password"
	"fieldbook/store"
	"fieldbook/views"
)

// authHandlers serve sign-up, sign-in and sign-out.
type authHandlers struct{ *App }

var usernameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{2,31}$`)

// ValidateUsername returns what is wrong with a (lower-cased) username, or "".
func ValidateUsername(username string) string {
	switch {
	case username == "":
		return "Choose a username."
	case !usernameRE.MatchString(username):
		return "Use 3 to 32 letters, digits, dots, dashes or underscores, starting with a letter or digit."
	}
	return ""
}

// validateDisplayName returns what is wrong with a display name (missing is
// the message for an empty one, worded for the form it is on), or "".
func validateDisplayName(name, missing string) string {
	switch n := utf8.RuneCountInString(name); {
	case n == 0:
		return missing
	case n > 100 || !utf8.ValidString(name):
		return "Use at most 100 characters."
	}
	return ""
}

const wrongCredentials = "Wrong username or password."

// Throttles (store.Throttle): failures per hour before a lock, and the
// longest lock. Never permanent, so nobody can lock a learner out for good.
var (
	// ipThrottle: per client address, all usernames together.
	ipThrottle = store.Throttle{Threshold: 10, Max: 5 * time.Minute}
	// accountThrottle: per username, from every address.
	accountThrottle = store.Throttle{Threshold: 5, Max: 15 * time.Minute}
	// signupThrottle: sign-ups per address; a class signing up on one Wi-Fi
	// stays well under it.
	signupThrottle = store.Throttle{Threshold: 50, Max: 10 * time.Minute}
)

// waitSeconds is how long until a throttle lock ends, at least 1 second.
func waitSeconds(until time.Time) int {
	return max(int(math.Ceil(time.Until(until).Seconds())), 1)
}

// setRetryAfter tells the client when a throttled request may be tried again.
func setRetryAfter(c echo.Context, until time.Time) {
	c.Response().Header().Set("Retry-After", strconv.Itoa(waitSeconds(until)))
}

// throttleMessage asks to wait for a throttle lock on what to end: the
// sentence and its variable parts.
func throttleMessage(what string, until time.Time) (string, []any) {
	wait := waitSeconds(until)
	unit := "seconds"
	if wait == 1 {
		unit = "second"
	}
	return "Too many %s. Please wait %d %s and try again.", []any{what, wait, unit}
}

// refuseThrottled tells the form's sender to wait for the lock to end.
func refuseThrottled(f *views.Form, what string, until time.Time) {
	msg, args := throttleMessage(what, until)
	f.Refuse(msg, args...)
}

// throttled answers 429 with Retry-After and the form, message included.
func (h *authHandlers) throttled(c echo.Context, until time.Time, page templ.Component, title string) error {
	setRetryAfter(c, until)
	return h.render(c, http.StatusTooManyRequests, title, page)
}

func (h *authHandlers) showLogin(c echo.Context) error {
	if signedIn(c) {
		return c.Redirect(http.StatusSeeOther, safeNext(c.QueryParam("next")))
	}
	return h.render(c, http.StatusOK, "Sign in", views.LoginPage(authForm(views.AuthForm{Next: safeNext(c.QueryParam("next"))})))
}

func (h *authHandlers) showSignup(c echo.Context) error {
	if signedIn(c) {
		return c.Redirect(http.StatusSeeOther, homeURL())
	}
	return h.render(c, http.StatusOK, "Sign up", views.SignupPage(authForm(views.AuthForm{})))
}

// signInAttempt is what sign-in reads before checking a password: any
// throttle lock, and the account if there is one.
type signInAttempt struct {
	locked time.Time
	user   store.AuthUser
	found  bool
}

// login checks the credentials and starts a fresh session. An unknown user
// and a wrong password get the same message and take the same time.
func (h *authHandlers) login(c echo.Context) error {
	ctx := c.Request().Context()
	if err := readForm(c); err != nil {
		return err
	}
	form := authForm(views.AuthForm{
		Username: strings.ToLower(strings.TrimSpace(c.FormValue("username"))),
		Next:     safeNext(c.FormValue("next")),
	})
	pw := c.FormValue("password")
	if form.Username == "" {
		form.Fail("username", "Enter your username.")
	}
	if pw == "" {
		form.Fail("password", "Enter your password.")
	}
	if !form.Valid() {
		return h.render(c, http.StatusUnprocessableEntity, "Sign in", views.LoginPage(form))
	}
	ipKey, userKey := "ip:"+c.RealIP(), "user:"+form.Username
	at, err := anonTx(h.App, c, func(ctx context.Context, tx *store.Tx) (at signInAttempt, err error) {
		if at.locked, err = tx.ThrottledUntil(ctx, ipKey, userKey); err != nil || !at.locked.IsZero() {
			return at, err
		}
		at.user, err = tx.UserForSignIn(ctx, form.Username)
		at.found = err == nil
		if errors.Is(err, store.ErrNotFound) {
			err = nil
		}
		return at, err
	})
	if err != nil {
		return err
	}
	if !at.locked.IsZero() {
		refuseThrottled(&form.Form, "sign-in attempts", at.locked)
		return h.throttled(c, at.locked, views.LoginPage(form), "Sign in")
	}
	hash := at.user.PasswordHash
	if !at.found || len(pw) > 4*password.MaxLen {
		hash = password.Dummy
	}
	ok, err := password.Check(ctx, pw, hash)
	if err != nil {
		return err
	}
	if !at.found || !ok {
		if err := h.recordFailure(c, ipKey, userKey); err != nil {
			return err
		}
		form.Refuse(wrongCredentials)
		return h.render(c, http.StatusUnauthorized, "Sign in", views.LoginPage(form))
	}
	if err := h.store.InTx(ctx, store.Anonymous, func(tx *store.Tx) error {
		return tx.ThrottleReset(ctx, userKey)
	}); err != nil {
		return err
	}
	h.upgradeHash(ctx, at.user, pw)
	if err := h.startSession(c, at.user.ID.String(), string(at.user.Role), at.user.DisplayName); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, form.Next)
}

// recordFailure counts a failed sign-in against the address and the account.
func (h *authHandlers) recordFailure(c echo.Context, ipKey, userKey string) error {
	ctx := c.Request().Context()
	return h.store.InTx(ctx, store.Anonymous, func(tx *store.Tx) error {
		if _, err := tx.ThrottleFailure(ctx, ipKey, ipThrottle); err != nil {
			return err
		}
		_, err := tx.ThrottleFailure(ctx, userKey, accountThrottle)
		return err
	})
}

// upgradeHash replaces a hash made with older Argon2id parameters now,
// while the password is at hand. A failure only waits for the next sign-in.
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
		return tx.SetOwnPassword(ctx, hash)
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
	pw := c.FormValue("password")
	checkNewAccount(&form.Form, form.Username, form.Name, pw, "Enter your name, as your trainer knows you.")
	if !form.Valid() {
		return h.render(c, http.StatusUnprocessableEntity, "Sign up", views.SignupPage(form))
	}
	signupKey := "signup-ip:" + c.RealIP()
	locked, err := anonTx(h.App, c, func(ctx context.Context, tx *store.Tx) (locked time.Time, err error) {
		if locked, err = tx.ThrottledUntil(ctx, signupKey); err != nil || !locked.IsZero() {
			return locked, err
		}
		_, err = tx.ThrottleFailure(ctx, signupKey, signupThrottle)
		return locked, err
	})
	if err != nil {
		return err
	}
	if !locked.IsZero() {
		refuseThrottled(&form.Form, "sign-ups from this network", locked)
		return h.throttled(c, locked, views.SignupPage(form), "Sign up")
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
		return h.render(c, http.StatusUnprocessableEntity, "Sign up", views.SignupPage(form))
	} else if err != nil {
		return err
	}
	if err := h.startSession(c, id.String(), string(store.RoleLearner), form.Name); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, homeURL())
}

// usernameTaken is the message of a username someone else has.
const usernameTaken = "That username is taken. Try another."

// checkNewAccount records on f what is wrong with a new account's
// username, name and password; missingName is the name field's message
// when empty, worded for the form it is on.
func checkNewAccount(f *views.Form, username, name, pw, missingName string) {
	if msg := ValidateUsername(username); msg != "" {
		f.Fail("username", msg)
	}
	if msg := validateDisplayName(name, missingName); msg != "" {
		f.Fail("name", msg)
	}
	if msg := password.Validate(pw); msg != "" {
		f.Fail("password", msg)
	}
}

// authForm gives the sign-in and sign-up forms their addresses.
func authForm(f views.AuthForm) views.AuthForm {
	f.LoginURL, f.SignupURL = pathTo(routeLoginSubmit), pathTo(routeSignupSubmit)
	return f
}

// startSession renews the session token (against fixation) and stores who
// signed in.
func (h *authHandlers) startSession(c echo.Context, id, role, name string) error {
	ctx := c.Request().Context()
	if err := h.sessions.RenewToken(ctx); err != nil {
		return err
	}
	h.sessions.Put(ctx, sessUserID, id)
	h.sessions.Put(ctx, sessRole, role)
	h.sessions.Put(ctx, sessName, name)
	if role == string(store.RoleAdmin) {
		h.sessions.Put(ctx, sessActive, time.Now().Unix())
		h.sessions.SetDeadline(ctx, time.Now().Add(h.adminLifetime))
	}
	uid, err := uuid.Parse(id)
	if err != nil {
		return err
	}
	return h.recordSession(c, store.Caller{UserID: uid, Role: store.Role(role)})
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
