package handlers

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"fieldbook/internal/password"
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

// linkMessages explain a link that cannot be used (410 for a used or
// expired one, 404 for one that never existed), by its kind.
var linkMessages = map[string]explanations{
	"invite": {
		store.ErrLinkUsed:    "link.invite_used",
		store.ErrLinkExpired: "link.invite_expired",
		store.ErrLinkUnknown: "link.invite_unknown",
	},
	"reset": {
		store.ErrLinkUsed:    "link.reset_used",
		store.ErrLinkExpired: "link.reset_expired",
		store.ErrLinkUnknown: "link.reset_unknown",
	},
}

// linkGone is the clear page for a link of kind ("invite" or "reset") that
// cannot be used.
func linkGone(err error, kind string) error { return explain(err, linkMessages[kind]) }

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
	loc := h.localizer(c)
	for _, i := range open {
		by := loc.T("admin.invites.by_cli")
		if i.CreatedBy != nil {
			by = *i.CreatedBy
		}
		m.Open = append(m.Open, views.InviteRow{CreatedBy: by, Created: showTime(loc, i.CreatedAt, minuteStyle),
			Expires: showTime(loc, i.ExpiresAt, minuteStyle)})
	}
	m.Nav, m.CreateURL = adminNav(), pathTo(routeAdminInviteCreate)
	return h.render(c, status, loc.T("admin.invites.title"), views.AdminInvitesPage(m))
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
	form := views.InviteForm{Days: strings.TrimSpace(c.FormValue("days"))}
	days, err := strconv.Atoi(form.Days)
	if err != nil || days < 1 || days > maxInviteDays {
		form.Fail("days", "admin.invites.error_days", "max", maxInviteDays)
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
		NewLink: absoluteURL(c, inviteURL(token)), NewExpires: showTime(h.localizer(c), expires, minuteStyle),
	})
}

// openLink counts one attempt from this address at a link of kind
// ("invite" or "reset", each throttled apart) and checks, with status, that
// the link can still be used. When it cannot be used, or the address must
// wait (then f carries the message), done is true and err is the answer,
// already rendered by page for a throttle.
func (h *inviteHandlers) openLink(c echo.Context, kind string, f *views.Form, page func(int) error,
	status func(*store.Tx) error) (done bool, err error) {
	key := kind + "-ip:" + c.RealIP()
	type opened struct {
		locked  time.Time
		linkErr error
	}
	o, err := anonTx(h.App, c, func(ctx context.Context, tx *store.Tx) (o opened, err error) {
		o.locked, err = tx.ThrottleReserve(ctx, h.now(), store.Attempt{Key: key, Throttle: linkThrottle})
		if err != nil || !o.locked.IsZero() {
			return o, err
		}
		if o.linkErr = status(tx); isLinkErr(o.linkErr) {
			return o, nil
		}
		return o, o.linkErr
	})
	switch {
	case err != nil:
		return true, err
	case !o.locked.IsZero():
		h.refuseThrottled(f, "invite.error.throttle", o.locked)
		h.setRetryAfter(c, o.locked)
		return true, page(http.StatusTooManyRequests)
	case o.linkErr != nil:
		return true, linkGone(o.linkErr, kind)
	}
	return false, nil
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
	return h.render(c, http.StatusOK, h.localizer(c).T("invite.title"), views.AcceptInvitePage(views.AcceptInvite{
		Action: pathTo(routeInviteAccept, c.Param("token")), MinPassword: password.MinLen}))
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
		Action:      pathTo(routeInviteAccept, c.Param("token")),
		Username:    strings.ToLower(strings.TrimSpace(c.FormValue("username"))),
		Name:        strings.TrimSpace(c.FormValue("name")),
		MinPassword: password.MinLen,
	}
	page := func(status int) error {
		c.Response().Header().Set("Cache-Control", "no-store")
		return h.render(c, status, h.localizer(c).T("invite.title"), views.AcceptInvitePage(form))
	}
	if done, err := h.openLink(c, "invite", &form.Form, page, func(tx *store.Tx) error { return tx.InviteStatus(ctx, hash) }); done {
		return err
	}
	pw := c.FormValue("password")
	checkNewAccount(h.localizer(c), &form.Form, form.Username, form.Name, pw, "invite.error.name_missing")
	if !form.Valid() {
		return page(http.StatusUnprocessableEntity)
	}
	pwHash, err := password.Hash(ctx, pw)
	if err != nil {
		return err
	}
	id, err := anonTx(h.App, c, func(ctx context.Context, tx *store.Tx) (uuid.UUID, error) {
		return tx.AcceptInvite(ctx, hash, form.Username, form.Name, pwHash)
	})
	switch {
	case errors.Is(err, store.ErrConflict):
		form.Fail("username", usernameTaken)
		return page(http.StatusUnprocessableEntity)
	case isLinkErr(err):
		return linkGone(err, "invite")
	case err != nil:
		return err
	}
	auth := &authHandlers{App: h.App}
	if err := auth.startSession(c, id.String(), string(store.RoleVolunteer), form.Name, true); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, studioURL())
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
		return linkGone(err, "reset")
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return h.render(c, http.StatusOK, h.localizer(c).T("reset.title"), views.AcceptResetPage(views.AcceptReset{
		Action: pathTo(routeResetAccept, c.Param("token")), Username: username, MinPassword: password.MinLen}))
}

// acceptReset is POST /reset/:token: sets the new password once and ends
// every session of that user (in the database, in one transaction).
func (h *inviteHandlers) acceptReset(c echo.Context) error {
	if err := readForm(c); err != nil {
		return err
	}
	ctx := c.Request().Context()
	hash := store.TokenHash(c.Param("token"))
	form := views.AcceptReset{Action: pathTo(routeResetAccept, c.Param("token")), LoginURL: pathTo(routeLogin), MinPassword: password.MinLen}
	page := func(status int) error {
		c.Response().Header().Set("Cache-Control", "no-store")
		return h.render(c, status, h.localizer(c).T("reset.title"), views.AcceptResetPage(form))
	}
	if done, err := h.openLink(c, "reset", &form.Form, page, func(tx *store.Tx) (err error) {
		form.Username, err = tx.PasswordResetStatus(ctx, hash)
		return err
	}); done {
		return err
	}
	pw := c.FormValue("password")
	if msg := password.Validate(h.localizer(c), pw); msg != "" {
		form.Fail("password", msg)
		return page(http.StatusUnprocessableEntity)
	}
	pwHash, err := password.Hash(ctx, pw)
	if err != nil {
		return err
	}
	user, err := anonTx(h.App, c, func(ctx context.Context, tx *store.Tx) (uuid.UUID, error) {
		return tx.AcceptPasswordReset(ctx, hash, pwHash)
	})
	if isLinkErr(err) {
		return linkGone(err, "reset")
	} else if err != nil {
		return err
	}
	h.sessionStore.ForgetUser(user)
	form.Done = true
	return page(http.StatusOK)
}
