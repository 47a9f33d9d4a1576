package views

// Account is the "Your account" page: change the password, see where you
// are signed in, sign out everywhere else.
type Account struct {
	// PasswordURL and EndSessionsURL are where the page's forms post.
	PasswordURL    string
	EndSessionsURL string
	Username       string
	Sessions       []SessionRow
	// Phones are the live keys of phones set up for offline use.
	Phones   []PhoneRow
	Password PasswordForm
	// MinPassword is the shortest password accepted, for the field's label.
	MinPassword int
	// Notice is the catalogue key of a one-line confirmation of the last
	// action, or "".
	Notice string
}

// SessionRow is one place the user is signed in.
type SessionRow struct {
	Device   string
	Since    string
	LastSeen string
	Current  bool
}

// PhoneRow is one phone set up for offline use, with a form to forget it.
type PhoneRow struct {
	KeyID    string
	Label    string
	Since    string
	LastUsed string
	// ForgetURL is where the row's "Forget this phone" form posts.
	ForgetURL string
	// ThisSession marks the phone this session set up: most likely the
	// one in the person's hand.
	ThisSession bool
}

// PasswordForm is the change-password form; passwords are never echoed.
type PasswordForm struct {
	Form
}
