package handlers

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"fieldbook/store"
	"fieldbook/views"
)

// inviteHandlers serve one-time links: the admin's invitations page, and
// following an invite or a password-reset link.
type inviteHandlers struct{ *App }

// Defaults and bounds of an invite's lifetime, in days.
const (
	defaultInviteDays = 7
	maxInviteDays     = 30
)

// linkThrottle limits attempts to accept an invite or reset link per
// client address (each kind counted apart), like sign-up: every attempt
// counts, so nobody can hammer the accept forms.
var linkThrottle = store.Throttle{Threshold: 20, Max: 10 * time.Minute}

// linkGone is the clear page for a link that cannot be used: 410 for a used
// or expired one, 404 for one that never existed.
func linkGone(err error, what string) error {
	switch {
	case errors.Is(err, store.ErrLinkUsed):
		return echo.NewHTTPError(http.StatusGone, "This "+what+" link has already been used. Each link works once; ask an admin for a new one.")
	case errors.Is(err, store.ErrLinkExpired):
		return echo.NewHTTPError(http.StatusGone, "This "+what+" link has expired. Ask an admin for a new one.")
	case errors.Is(err, store.ErrLinkUnknown):
		return echo.NewHTTPError(http.StatusNotFound, "This "+what+" link is not valid. Check that you have all of it, or ask an admin for a new one.")
	}
	return err
}

func isLinkErr(err error) bool {
	return errors.Is(err, store.ErrLinkUsed) || errors.Is(err, store.ErrLinkExpired) || errors.Is(err, store.ErrLinkUnknown)
}

func (h *inviteHandlers) invitesPage(c echo.Context, status int, m views.AdminInvites) error {
	ctx := c.Request().Context()
	var open []store.Invite
	if err := h.store.ReadTx(ctx, callerOf(c), func(tx *store.Tx) (err error) {
		open, err = tx.OpenInvites(ctx)
		return err
	}); err != nil {
		return err
	}
	for _, i := range open {
		by := "the command line"
		if i.CreatedBy != nil {
			by = *i.CreatedBy
		}
		m.Open = append(m.Open, views.InviteRow{CreatedBy: by, Created: linkDate(i.CreatedAt), Expires: linkDate(i.ExpiresAt)})
	}
	return h.render(c, status, "Invite volunteers", views.AdminInvitesPage(m))
}

// listInvites is GET /admin/invites.
func (h *inviteHandlers) listInvites(c echo.Context) error {
	return h.invitesPage(c, http.StatusOK, views.AdminInvites{Form: views.InviteForm{Days: strconv.Itoa(defaultInviteDays)}})
}

// createInvite is POST /admin/invites: a single-use link, shown once.
func (h *inviteHandlers) createInvite(c echo.Context) error {
	if err := readForm(c); err != nil {
		return err
	}
	form := views.InviteForm{Days: strings.TrimSpace(c.FormValue("days")), Errors: map[string]string{}}
	days, err := strconv.Atoi(form.Days)
	if err != nil || days < 1 || days > maxInviteDays {
		form.Errors["days"] = "Enter a whole number of days from 1 to 30."
		return h.invitesPage(c, http.StatusUnprocessableEntity, views.AdminInvites{Form: form})
	}
	ctx := c.Request().Context()
	token := store.NewLinkToken()
	expires := time.Now().Add(time.Duration(days) * 24 * time.Hour)
	if err := h.store.InTx(ctx, callerOf(c), func(tx *store.Tx) error {
		_, err := tx.CreateInvite(ctx, store.TokenHash(token), expires)
		return err
	}); err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return h.invitesPage(c, http.StatusOK, views.AdminInvites{
		Form:    views.InviteForm{Days: strconv.Itoa(defaultInviteDays)},
		NewLink: absoluteURL(c, "/invite/"+token), NewExpires: linkDate(expires),
	})
}

// checkLink throttles one attempt from this address at a link of kind
// ("invite" or "reset") and says whether the link can still be used.
func (h *inviteHandlers) checkLink(c echo.Context, kind string, status func(*store.Tx) error) (locked time.Time, linkErr error, err error) {
	ctx := c.Request().Context()
	key := kind + "-ip:" + c.RealIP()
	err = h.store.InTx(ctx, store.Anonymous, func(tx *store.Tx) error {
		locked, err = tx.ThrottleReserve(ctx, h.now(), store.Attempt{Key: key, Throttle: linkThrottle})
		if err != nil || !locked.IsZero() {
			return err
		}
		linkErr = status(tx)
		if isLinkErr(linkErr) {
			return nil
		}
		return linkErr
	})
	return locked, linkErr, err
}

// showInvite is GET /invite/:token: the form to become a volunteer.
func (h *inviteHandlers) showInvite(c echo.Context) error {
	ctx := c.Request().Context()
	hash := store.TokenHash(c.Param("token"))
	if err := h.store.ReadTx(ctx, store.Anonymous, func(tx *store.Tx) error {
		return tx.InviteStatus(ctx, hash)
	}); err != nil {
		return linkGone(err, "invite")
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return h.render(c, http.StatusOK, "Join as a volunteer", views.AcceptInvitePage(views.AcceptInvite{Action: c.Request().URL.Path}))
}

// acceptInvite is POST /invite/:token: creates the volunteer account (the
// database makes the link single-use, even under concurrent accepts) and
// signs them in with a fresh session.
func (h *inviteHandlers) acceptInvite(c echo.Context) error {
	if err := readForm(c); err != nil {
		return err
	}
	ctx := c.Request().Context()
	hash := store.TokenHash(c.Param("token"))
	form := views.AcceptInvite{
		Action:   c.Request().URL.Path,
		Username: strings.ToLower(strings.TrimSpace(c.FormValue("username"))),
		Name:     strings.TrimSpace(c.FormValue("name")),
		Errors:   map[string]string{},
	}
	page := func(status int) error {
		c.Response().Header().Set("Cache-Control", "no-store")
		return h.render(c, status, "Join as a volunteer", views.AcceptInvitePage(form))
	}
	locked, linkErr, err := h.checkLink(c, "invite", func(tx *store.Tx) error { return tx.InviteStatus(ctx, hash) })
	if err != nil {
		return err
	}
	if !locked.IsZero() {
		form.Message = h.tooManyMessage(h.localizer(c), "invite.error.throttle", locked)
		h.setRetryAfter(c, locked)
		return page(http.StatusTooManyRequests)
	}
	if linkErr != nil {
		return linkGone(linkErr, "invite")
	}
	password := c.FormValue("password")
	if msg := ValidateUsername(h.localizer(c), form.Username); msg != "" {
		form.Errors["username"] = msg
	}
	if msg := validateDisplayName(h.localizer(c), form.Name, "invite.error.name_missing"); msg != "" {
		form.Errors["name"] = msg
	}
	if msg := ValidatePassword(h.localizer(c), password); msg != "" {
		form.Errors["password"] = msg
	}
	if len(form.Errors) > 0 {
		return page(http.StatusUnprocessableEntity)
	}
	pwHash, err := HashPassword(ctx, password)
	if err != nil {
		return err
	}
	var u store.AuthUser
	err = h.store.InTx(ctx, store.Anonymous, func(tx *store.Tx) error {
		id, err := tx.AcceptInvite(ctx, hash, form.Username, form.Name, pwHash)
		u = store.AuthUser{ID: id, Role: store.RoleVolunteer, DisplayName: form.Name}
		return err
	})
	switch {
	case isConflict(err):
		form.Errors["username"] = h.localizer(c).T("auth.error.username_taken")
		return page(http.StatusUnprocessableEntity)
	case isLinkErr(err):
		return linkGone(err, "invite")
	case err != nil:
		return err
	}
	auth := &authHandlers{App: h.App}
	if err := auth.startSession(c, u.ID.String(), string(u.Role), u.DisplayName, true); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/studio")
}

// showReset is GET /reset/:token: the form for a new password.
func (h *inviteHandlers) showReset(c echo.Context) error {
	ctx := c.Request().Context()
	hash := store.TokenHash(c.Param("token"))
	var username string
	if err := h.store.ReadTx(ctx, store.Anonymous, func(tx *store.Tx) (err error) {
		username, err = tx.PasswordResetStatus(ctx, hash)
		return err
	}); err != nil {
		return linkGone(err, "password reset")
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return h.render(c, http.StatusOK, "New password", views.AcceptResetPage(views.AcceptReset{Action: c.Request().URL.Path, Username: username}))
}

// acceptReset is POST /reset/:token: sets the new password once and ends
// every session of that user (in the database, in one transaction).
func (h *inviteHandlers) acceptReset(c echo.Context) error {
	if err := readForm(c); err != nil {
		return err
	}
	ctx := c.Request().Context()
	hash := store.TokenHash(c.Param("token"))
	form := views.AcceptReset{Action: c.Request().URL.Path, Errors: map[string]string{}}
	page := func(status int) error {
		c.Response().Header().Set("Cache-Control", "no-store")
		return h.render(c, status, "New password", views.AcceptResetPage(form))
	}
	locked, linkErr, err := h.checkLink(c, "reset", func(tx *store.Tx) (err error) {
		form.Username, err = tx.PasswordResetStatus(ctx, hash)
		return err
	})
	if err != nil {
		return err
	}
	if !locked.IsZero() {
		form.Message = h.tooManyMessage(h.localizer(c), "invite.error.throttle", locked)
		h.setRetryAfter(c, locked)
		return page(http.StatusTooManyRequests)
	}
	if linkErr != nil {
		return linkGone(linkErr, "password reset")
	}
	password := c.FormValue("password")
	if msg := ValidatePassword(h.localizer(c), password); msg != "" {
		form.Errors["password"] = msg
		return page(http.StatusUnprocessableEntity)
	}
	pwHash, err := HashPassword(ctx, password)
	if err != nil {
		return err
	}
	var user uuid.UUID
	err = h.store.InTx(ctx, store.Anonymous, func(tx *store.Tx) (err error) {
		user, err = tx.AcceptPasswordReset(ctx, hash, pwHash)
		return err
	})
	if isLinkErr(err) {
		return linkGone(err, "password reset")
	} else if err != nil {
		return err
	}
	h.sessionStore.ForgetUser(user)
	form.Done = true
	return page(http.StatusOK)
}
