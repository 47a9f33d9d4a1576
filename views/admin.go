package views

// AdminNav links the admin pages to each other.
type AdminNav struct {
	UsersURL   string
	InvitesURL string
}

// AdminUsers is the admin's list of accounts.
type AdminUsers struct {
	Nav   AdminNav
	Users []AdminUserRow
	// Roles are the roles an admin can give, in the order offered.
	Roles []string
	// Notice is the catalogue key of a one-line confirmation of the last
	// action, or "".
	Notice string
}

// AdminUserRow is one account in the admin's list, with the actions that
// apply to it.
type AdminUserRow struct {
	ID          string
	Username    string
	DisplayName string
	// Role is the account's role: learner, volunteer or admin (roleName
	// says it in the page's language).
	Role    string
	Created string
	// Disabled is when the account was disabled, "" while it is active.
	Disabled string
	// Self is the admin's own row: no role change or disable offered, so
	// an admin cannot lock themselves out.
	Self bool
	// The addresses of the row's actions.
	RoleURL    string
	DisableURL string
	EnableURL  string
	ResetURL   string
}

// AdminInvites is the invitations page: a form to make a link, the link
// just made (shown once: only its hash is kept) and the open invites.
type AdminInvites struct {
	Nav AdminNav
	// CreateURL is where the form posts.
	CreateURL string
	Form      InviteForm
	// NewLink is the invite link just created, or "".
	NewLink    string
	NewExpires string
	Open       []InviteRow
}

// InviteForm is the "create an invite" form.
type InviteForm struct {
	Days string
	Form
}

// InviteRow is one open invite.
type InviteRow struct {
	CreatedBy string
	Created   string
	Expires   string
}

// ResetLink is the page that shows a password-reset link to hand over.
type ResetLink struct {
	Nav      AdminNav
	Username string
	Link     string
	Expires  string
}

// AcceptInvite is the form a newcomer fills in from an invite link.
// Passwords are never echoed.
type AcceptInvite struct {
	Action   string
	Username string
	Name     string
	Form
	// MinPassword is the shortest password accepted, for the field's label.
	MinPassword int
}

// AcceptReset is the "set a new password" form of a reset link.
type AcceptReset struct {
	Action   string
	Username string
	Form
	// Done: the password is set; the page says so and links to sign-in.
	Done     bool
	LoginURL string
	// MinPassword is the shortest password accepted, for the field's label.
	MinPassword int
}
