package handlers

import (
	"net/http"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"fieldbook/store"
	"fieldbook/views"
)

// adminUserHandlers serve the admin's user management: the list, role
// changes, disabling, and password-reset links handed over in person.
type adminUserHandlers struct{ *App }

// resetLinkLifetime is how long a password-reset link works: long enough
// to hand it over, short enough that a lost note is soon harmless.
const resetLinkLifetime = 24 * time.Hour

// requireAdmin lets only admins through: anonymous callers are sent to sign
// in, everyone else gets a 403. The database refuses the same callers too.
func (a *App) requireAdmin(next echo.HandlerFunc) echo.HandlerFunc {
	return a.requireUser(func(c echo.Context) error {
		if callerOf(c).Role != store.RoleAdmin {
			return forbidden("admin.error.only_admins")
		}
		return next(c)
	})
}

// absoluteURL is path on this site, as a link to copy and hand over.
func absoluteURL(c echo.Context, path string) string {
	return c.Scheme() + "://" + c.Request().Host + path
}

// listUsers is GET /admin/users.
func (h *adminUserHandlers) listUsers(c echo.Context) error {
	ctx := c.Request().Context()
	caller := callerOf(c)
	var users []store.AdminUser
	err := h.store.ReadTx(ctx, caller, func(tx *store.Tx) (err error) {
		users, err = tx.ListUsers(ctx)
		return err
	})
	if err != nil {
		return err
	}
	loc := h.localizer(c)
	m := views.AdminUsers{Nav: adminNav()}
	for _, r := range store.Roles {
		m.Roles = append(m.Roles, string(r))
	}
	switch c.QueryParam("done") {
	case "role":
		m.Notice = "admin.done_role"
	case "disable":
		m.Notice = "admin.done_disable"
	case "enable":
		m.Notice = "admin.done_enable"
	}
	for _, u := range users {
		row := views.AdminUserRow{
			ID: u.ID.String(), Username: u.Username, DisplayName: u.DisplayName,
			Role: string(u.Role), Created: showTime(loc, u.CreatedAt, dayStyle), Self: u.ID == caller.UserID,
			RoleURL: pathTo(routeAdminUserRole, u.ID.String()), DisableURL: pathTo(routeAdminUserDisable, u.ID.String()),
			EnableURL: pathTo(routeAdminUserEnable, u.ID.String()), ResetURL: pathTo(routeAdminUserReset, u.ID.String()),
		}
		if u.DisabledAt != nil {
			row.Disabled = showTime(loc, *u.DisabledAt, dayStyle)
		}
		m.Users = append(m.Users, row)
	}
	return h.render(c, http.StatusOK, loc.T("admin.users.title"), views.AdminUsersPage(m))
}

// targetUser is the :id of an admin action; never the admin themselves for
// the actions that could lock them out.
func (h *adminUserHandlers) targetUser(c echo.Context, allowSelf bool) (uuid.UUID, error) {
	id, err := uuid.Parse(c.Param("id"))
	if err != nil {
		return uuid.Nil, notFound("admin.error.no_user")
	}
	if !allowSelf && id == callerOf(c).UserID {
		return uuid.Nil, badRequest("admin.error.self")
	}
	return id, nil
}

// setRole is POST /admin/users/:id/role. The database ends the user's
// sessions, which hold the old role.
func (h *adminUserHandlers) setRole(c echo.Context) error {
	if err := readForm(c); err != nil {
		return err
	}
	id, err := h.targetUser(c, false)
	if err != nil {
		return err
	}
	role := store.Role(c.FormValue("role"))
	if !role.Valid() {
		return badRequest("admin.error.role")
	}
	ctx := c.Request().Context()
	if err := h.store.InTx(ctx, callerOf(c), func(tx *store.Tx) error {
		return tx.SetUserRole(ctx, id, role)
	}); err != nil {
		return err
	}
	h.sessionStore.ForgetUser(id)
	return c.Redirect(http.StatusSeeOther, adminUsersURL("role"))
}

// setDisabled is POST /admin/users/:id/disable and /enable. Disabling ends
// every session of the account; sign-in no longer finds it.
func (h *adminUserHandlers) setDisabled(disabled bool) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := h.targetUser(c, false)
		if err != nil {
			return err
		}
		ctx := c.Request().Context()
		if err := h.store.InTx(ctx, callerOf(c), func(tx *store.Tx) error {
			return tx.SetUserDisabled(ctx, id, disabled)
		}); err != nil {
			return err
		}
		h.sessionStore.ForgetUser(id)
		done := "enable"
		if disabled {
			done = "disable"
		}
		return c.Redirect(http.StatusSeeOther, adminUsersURL(done))
	}
}

// createReset is POST /admin/users/:id/reset: a one-time link to hand over
// in person (there may be no email). Only its hash is stored, so the page
// shows it once.
func (h *adminUserHandlers) createReset(c echo.Context) error {
	id, err := h.targetUser(c, true)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	token := store.NewLinkToken()
	expires := time.Now().Add(resetLinkLifetime)
	var user store.User
	err = h.store.InTx(ctx, callerOf(c), func(tx *store.Tx) (err error) {
		if user, err = tx.UserByID(ctx, id); err != nil {
			return err
		}
		return tx.CreatePasswordReset(ctx, id, store.TokenHash(token), expires)
	})
	if err != nil {
		return err
	}
	// The link is a secret: keep it out of shared caches and history.
	c.Response().Header().Set("Cache-Control", "no-store")
	loc := h.localizer(c)
	return h.render(c, http.StatusOK, loc.T("admin.reset.title"), views.ResetLinkPage(views.ResetLink{
		Nav: adminNav(), Username: user.Username, Link: absoluteURL(c, resetURL(token)), Expires: showTime(loc, expires, minuteStyle),
	}))
}

// adminNav links the admin pages to each other.
func adminNav() views.AdminNav {
	return views.AdminNav{UsersURL: adminUsersURL(""), InvitesURL: pathTo(routeAdminInvites)}
}
