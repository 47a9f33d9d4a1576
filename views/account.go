package views

// Account is the "Your account" page: change the password, see where you
// are signed in, sign out everywhere else.
type Account struct {
	// PasswordURL and EndSessionsURL are where the page's forms post.
	PasswordURL    string
	EndSessionsURL string
	Username       string
	Sessions       []SessionRow
	Password       PasswordForm
	// Notice is a one-line confirmation (e.g. "Signed out of 2 other sessions.").
	Notice string
}

// SessionRow is one place the user is signed in.
type SessionRow struct {
	Device   string
	Since    string
	LastSeen string
	Current  bool
}

// PasswordForm is the change-password form; passwords are never echoed.
type PasswordForm struct {
	Form
}
