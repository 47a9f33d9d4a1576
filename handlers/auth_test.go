package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"fieldbook/store"
	"fieldbook/store/storetest"
)

func TestSignUp(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	c := a.newClient(t)

	page := c.GET("/signup").Expect(http.StatusOK)
	doc := page.Doc()
	checkPage(t, doc)
	form := mustSelect(t, doc, "form[id=\"signup-form\"]")
	if m, _ := form.Attr("method"); m != "post" {
		t.Errorf("sign-up form method = %q, want post", m)
	}
	for _, name := range []string{"username", "name", "password"} {
		if _, ok := formValue(form, name); !ok {
			t.Errorf("sign-up form has no input %q", name)
		}
	}
	if typ, _ := form.Find("input[name=\"password\"]").First().Attr("type"); typ != "password" {
		t.Errorf("password input type = %q, want password", typ)
	}

	// Markup in the name must come back as text, not as elements.
	const name = `Ana "Ani" <b>Bello</b> & Co`
	res := c.POST("/signup").Form(url.Values{
		"username": {"  Ana.Bello "}, "name": {name}, "password": {"a long enough secret"},
	}).Send()
	if res.Status != http.StatusSeeOther {
		t.Fatalf("POST /signup: status %d, want 303\n%s", res.Status, res.Body)
	}
	if loc := res.Header.Get("Location"); loc != "/" {
		t.Errorf("POST /signup: Location = %q, want /", loc)
	}
	ck := res.cookie(sessionCookie)
	if ck == nil {
		t.Fatalf("POST /signup set no %s cookie; Set-Cookie: %q", sessionCookie, res.Header.Values("Set-Cookie"))
	}
	if ck.Value == "" {
		t.Error("session cookie is empty")
	}
	if !ck.HttpOnly {
		t.Error("session cookie is not HttpOnly")
	}
	if ck.SameSite != http.SameSiteLaxMode {
		t.Errorf("session cookie SameSite = %v, want Lax", ck.SameSite)
	}
	if ck.Path != "/" {
		t.Errorf("session cookie Path = %q, want /", ck.Path)
	}
	if ck.Secure {
		t.Error("session cookie is Secure although CookieSecure is false")
	}
	if ck.MaxAge < int((29 * 24 * time.Hour).Seconds()) {
		t.Errorf("session cookie Max-Age = %d, want a persistent cookie of about 30 days", ck.MaxAge)
	}
	if !a.sessionExists(t, ck.Value) {
		t.Error("the session cookie's token is not in the sessions table")
	}
	if n := a.count(t, `SELECT count(*) FROM users WHERE username = 'ana.bello' AND display_name = $1 AND role = 'learner'
		AND password_hash LIKE '$argon2id$%'`, name); n != 1 {
		t.Errorf("users with the signed-up account = %d, want 1", n)
	}

	// The cookie goes back through Echo and the session names the user.
	if got := c.sessionToken(); got != ck.Value {
		t.Fatalf("the jar holds %q, want the Set-Cookie value %q", got, ck.Value)
	}
	home := c.GET(personalPage).Expect(http.StatusOK)
	hdoc := home.Doc()
	if got := headerName(hdoc); got != name {
		t.Errorf("header shows %q, want the display name %q", got, name)
	}
	header := hdoc.Find("header.top").First()
	if header.Find("form[action=\"/logout\"]").Length() == 0 {
		t.Error("signed-in header has no sign-out form")
	}
	if header.Find("a[href=\"/signup\"]").Length() > 0 {
		t.Error("signed-in header still offers Sign up")
	}
	if hdoc.Find("b").Length() > 0 {
		t.Error("the display name's markup was rendered as HTML")
	}

	// Signed in, the sign-up page sends you home.
	again := c.GET("/signup").Send()
	if again.Status != http.StatusSeeOther || again.Header.Get("Location") != "/" {
		t.Errorf("GET /signup signed in: status %d Location %q, want 303 to /", again.Status, again.Header.Get("Location"))
	}
}

func TestSignUpValidation(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	a.seed.User(t, store.RoleLearner, "ana", "Ana Existing", "existing password")

	const (
		msgChooseUsername = "Choose a username."
		msgBadUsername    = "Use 3 to 32 letters, digits, dots, dashes or underscores, starting with a letter or digit."
		msgTaken          = "That username is taken. Try another."
		msgName           = "Enter your name, as your trainer knows you."
		msgNameLong       = "Use at most 100 characters."
		msgShort          = "Use at least 8 characters."
		msgLong           = "Use at most 128 characters."
	)
	longName := strings.Repeat("n", 101)
	tests := []struct {
		name         string
		form         url.Values
		wantErrors   map[string]string // field → message; others must have none
		wantUsername string
		wantName     string
	}{
		{
			name:       "all fields empty",
			form:       url.Values{"username": {""}, "name": {""}, "password": {""}},
			wantErrors: map[string]string{"username": msgChooseUsername, "name": msgName, "password": msgShort},
		},
		{
			name:       "all fields missing",
			form:       url.Values{},
			wantErrors: map[string]string{"username": msgChooseUsername, "name": msgName, "password": msgShort},
		},
		{
			name:         "name only spaces",
			form:         url.Values{"username": {"newbie"}, "name": {"   "}, "password": {"long enough pw"}},
			wantErrors:   map[string]string{"name": msgName},
			wantUsername: "newbie",
		},
		{
			name:         "password of 7 characters",
			form:         url.Values{"username": {"newbie"}, "name": {"New Bie"}, "password": {"s3ven!!"}},
			wantErrors:   map[string]string{"password": msgShort},
			wantUsername: "newbie", wantName: "New Bie",
		},
		{
			name:         "password of 7 two-byte characters",
			form:         url.Values{"username": {"newbie"}, "name": {"New Bie"}, "password": {"ééééééé"}},
			wantErrors:   map[string]string{"password": msgShort},
			wantUsername: "newbie", wantName: "New Bie",
		},
		{
			name:         "password of 129 characters",
			form:         url.Values{"username": {"newbie"}, "name": {"New Bie"}, "password": {strings.Repeat("p", 129)}},
			wantErrors:   map[string]string{"password": msgLong},
			wantUsername: "newbie", wantName: "New Bie",
		},
		{
			name:         "username with a space",
			form:         url.Values{"username": {"new bie"}, "name": {"New Bie"}, "password": {"long enough pw"}},
			wantErrors:   map[string]string{"username": msgBadUsername},
			wantUsername: "new bie", wantName: "New Bie",
		},
		{
			name:         "username too short",
			form:         url.Values{"username": {"ab"}, "name": {"New Bie"}, "password": {"long enough pw"}},
			wantErrors:   map[string]string{"username": msgBadUsername},
			wantUsername: "ab", wantName: "New Bie",
		},
		{
			name:         "username starting with a dot",
			form:         url.Values{"username": {".newbie"}, "name": {"New Bie"}, "password": {"long enough pw"}},
			wantErrors:   map[string]string{"username": msgBadUsername},
			wantUsername: ".newbie", wantName: "New Bie",
		},
		{
			name:         "username with markup",
			form:         url.Values{"username": {`"><b>x</b>`}, "name": {"New Bie"}, "password": {"long enough pw"}},
			wantErrors:   map[string]string{"username": msgBadUsername},
			wantUsername: `"><b>x</b>`, wantName: "New Bie",
		},
		{
			name:         "name too long",
			form:         url.Values{"username": {"newbie"}, "name": {longName}, "password": {"long enough pw"}},
			wantErrors:   map[string]string{"name": msgNameLong},
			wantUsername: "newbie", wantName: longName,
		},
		{
			name:         "duplicate username in other case",
			form:         url.Values{"username": {"Ana"}, "name": {"Another Ana"}, "password": {"long enough pw"}},
			wantErrors:   map[string]string{"username": msgTaken},
			wantUsername: "ana", wantName: "Another Ana",
		},
		{
			name:         "duplicate username with spaces",
			form:         url.Values{"username": {"  ANA  "}, "name": {"Another Ana"}, "password": {"long enough pw"}},
			wantErrors:   map[string]string{"username": msgTaken},
			wantUsername: "ana", wantName: "Another Ana",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := a.snapshot(t)
			users := a.count(t, `SELECT count(*) FROM users`)
			res := a.POST(t, "/signup").Form(tt.form).Send()
			if res.Status != http.StatusUnprocessableEntity {
				t.Fatalf("status %d, want 422\n%s", res.Status, res.Body)
			}
			doc := res.Doc()
			checkPage(t, doc)
			form := mustSelect(t, doc, "form[id=\"signup-form\"]")
			for _, field := range []string{"username", "name", "password"} {
				if got := fieldMessage(t, form, field); got != tt.wantErrors[field] {
					t.Errorf("message at %s = %q, want %q", field, got, tt.wantErrors[field])
				}
			}
			if got, _ := formValue(form, "username"); got != tt.wantUsername {
				t.Errorf("username kept as %q, want %q", got, tt.wantUsername)
			}
			if got, _ := formValue(form, "name"); got != tt.wantName {
				t.Errorf("name kept as %q, want %q", got, tt.wantName)
			}
			if got, ok := formValue(form, "password"); !ok || got != "" {
				t.Errorf("password input value = %q (present %v), want an empty password input", got, ok)
			}
			if pw := tt.form.Get("password"); len(pw) >= 6 && strings.Contains(res.Body, pw) {
				t.Errorf("the password %q is echoed in the page", pw)
			}
			if doc.Find("b").Length() > 0 {
				t.Error("typed markup was rendered as HTML")
			}
			if got := a.count(t, `SELECT count(*) FROM users`); got != users {
				t.Errorf("users: %d before, %d after", users, got)
			}
			if after := a.snapshot(t); after != before {
				t.Error("the database changed")
			}
			if res.cookie(sessionCookie) != nil {
				t.Error("a failed sign-up set a session cookie")
			}
			if n := a.count(t, `SELECT count(*) FROM sessions`); n != 0 {
				t.Errorf("sessions = %d, want 0", n)
			}
			checkNoLeak(t, res.Body)
		})
	}
}

func TestSignIn(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	w := a.seedWorld(t)
	course := "/courses/" + w.Course.ID.String()

	tests := []struct {
		name     string
		username string
		next     string // "" sends no next field
		wantLoc  string
	}{
		{"no next", storetest.LearnerUser, "", "/"},
		{"username in other case with spaces", "  LENA ", "", "/"},
		{"local next", storetest.LearnerUser, course, course},
		{"local next with query", storetest.LearnerUser, "/?a=1", "/?a=1"},
		{"protocol-relative next", storetest.LearnerUser, "//evil.example/x", "/"},
		{"absolute next", storetest.LearnerUser, "https://evil.example/", "/"},
		{"backslash next", storetest.LearnerUser, `/\evil.example`, "/"},
		{"next with a tab", storetest.LearnerUser, "/\t/evil.example", "/"},
		{"next with a newline", storetest.LearnerUser, "/\nLocation: https://evil.example", "/"},
		{"relative next", storetest.LearnerUser, "evil.example", "/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := a.newClient(t)
			form := url.Values{"username": {tt.username}, "password": {storetest.LearnerPass}}
			if tt.next != "" {
				form.Set("next", tt.next)
			}
			res := c.POST("/login").Form(form).Send()
			if res.Status != http.StatusSeeOther {
				t.Fatalf("status %d, want 303\n%s", res.Status, res.Body)
			}
			if loc := res.Header.Get("Location"); loc != tt.wantLoc {
				t.Errorf("Location = %q, want %q", loc, tt.wantLoc)
			}
			ck := res.cookie(sessionCookie)
			if ck == nil || !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode {
				t.Fatalf("session cookie = %+v, want an HttpOnly SameSite=Lax cookie", ck)
			}
			if got := signedInAs(t, c, nil); got != storetest.LearnerName {
				t.Errorf("header after sign-in shows %q, want %q", got, storetest.LearnerName)
			}
		})
	}

	// The sign-in page carries next into its form, and sends a signed-in
	// user on at once, to a local address only.
	t.Run("login page keeps next", func(t *testing.T) {
		res := a.GET(t, "/login?next="+url.QueryEscape(course)).Send()
		if res.Status != http.StatusOK {
			t.Fatalf("status %d", res.Status)
		}
		if got, _ := formValue(res.Doc(), "next"); got != course {
			t.Errorf("hidden next = %q, want %q", got, course)
		}
	})
	for _, tt := range []struct{ next, want string }{
		{course, course}, {"//evil.example", "/"}, {"/\t/evil.example", "/"},
	} {
		t.Run("signed in GET /login next="+tt.next, func(t *testing.T) {
			c := a.newClient(t)
			c.signIn(storetest.LearnerUser, storetest.LearnerPass)
			res := c.GET("/login?next=" + url.QueryEscape(tt.next)).Send()
			if res.Status != http.StatusSeeOther || res.Header.Get("Location") != tt.want {
				t.Errorf("status %d Location %q, want 303 to %q", res.Status, res.Header.Get("Location"), tt.want)
			}
		})
	}
}

func TestSignInFailures(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	a.seedWorld(t)
	const wrong = "Wrong username or password."

	tests := []struct {
		name         string
		form         url.Values
		wantStatus   int
		wantMessage  string // the form-wide message
		wantErrors   map[string]string
		wantUsername string
	}{
		{
			name:         "wrong password",
			form:         url.Values{"username": {storetest.LearnerUser}, "password": {"not the password"}, "next": {"/courses"}},
			wantStatus:   http.StatusUnauthorized,
			wantMessage:  wrong,
			wantUsername: storetest.LearnerUser,
		},
		{
			name:         "unknown user",
			form:         url.Values{"username": {"nobody"}, "password": {"not the password"}, "next": {"/courses"}},
			wantStatus:   http.StatusUnauthorized,
			wantMessage:  wrong,
			wantUsername: "nobody",
		},
		{
			name:         "unknown user in capitals",
			form:         url.Values{"username": {"NoBody"}, "password": {"not the password"}, "next": {"/courses"}},
			wantStatus:   http.StatusUnauthorized,
			wantMessage:  wrong,
			wantUsername: "nobody",
		},
		{
			name:         "right password of another user",
			form:         url.Values{"username": {"victor"}, "password": {storetest.LearnerPass}, "next": {"/courses"}},
			wantStatus:   http.StatusUnauthorized,
			wantMessage:  wrong,
			wantUsername: "victor",
		},
		{
			name:         "very long password",
			form:         url.Values{"username": {storetest.LearnerUser}, "password": {strings.Repeat("x", 5000)}, "next": {"/courses"}},
			wantStatus:   http.StatusUnauthorized,
			wantMessage:  wrong,
			wantUsername: storetest.LearnerUser,
		},
		{
			name:         "password missing",
			form:         url.Values{"username": {storetest.LearnerUser}, "next": {"/courses"}},
			wantStatus:   http.StatusUnprocessableEntity,
			wantErrors:   map[string]string{"password": "Enter your password."},
			wantUsername: storetest.LearnerUser,
		},
		{
			name:       "username missing",
			form:       url.Values{"password": {storetest.LearnerPass}, "next": {"/courses"}},
			wantStatus: http.StatusUnprocessableEntity,
			wantErrors: map[string]string{"username": "Enter your username."},
		},
		{
			name:       "both missing",
			form:       url.Values{"username": {" "}, "password": {""}, "next": {"/courses"}},
			wantStatus: http.StatusUnprocessableEntity,
			wantErrors: map[string]string{"username": "Enter your username.", "password": "Enter your password."},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := a.POST(t, "/login").Form(tt.form).Send()
			if res.Status != tt.wantStatus {
				t.Fatalf("status %d, want %d\n%s", res.Status, tt.wantStatus, res.Body)
			}
			doc := res.Doc()
			checkPage(t, doc)
			form := mustSelect(t, doc, "form[id=\"login-form\"]")
			if got := textOf(form.Find("p.form-error").First()); got != tt.wantMessage {
				t.Errorf("form message = %q, want %q", got, tt.wantMessage)
			}
			for _, field := range []string{"username", "password"} {
				if got := fieldMessage(t, form, field); got != tt.wantErrors[field] {
					t.Errorf("message at %s = %q, want %q", field, got, tt.wantErrors[field])
				}
			}
			if got, _ := formValue(form, "username"); got != tt.wantUsername {
				t.Errorf("username kept as %q, want %q", got, tt.wantUsername)
			}
			if got, _ := formValue(form, "next"); got != "/courses" {
				t.Errorf("next kept as %q, want /courses", got)
			}
			if got, ok := formValue(form, "password"); !ok || got != "" {
				t.Errorf("password input value = %q (present %v), want empty", got, ok)
			}
			if pw := tt.form.Get("password"); pw != "" && strings.Contains(res.Body, pw) {
				t.Error("the password is echoed in the page")
			}
			if res.cookie(sessionCookie) != nil {
				t.Error("a failed sign-in set a session cookie")
			}
			if n := a.count(t, `SELECT count(*) FROM sessions`); n != 0 {
				t.Errorf("sessions = %d, want 0", n)
			}
		})
	}
}

// TestSignInRenewsSessionToken: signing in always starts a new token, so a
// token planted in a victim's browser (session fixation) never becomes the
// victim's session.
func TestSignInRenewsSessionToken(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	a.seedWorld(t)
	a.seed.User(t, store.RoleLearner, "mallory", "Mallory", "mallory password")

	tests := []struct {
		name  string
		plant func(t *testing.T) string // the token in the browser before sign-in
	}{
		{"own earlier session", func(t *testing.T) string {
			c := a.newClient(t)
			c.signIn(storetest.LearnerUser, storetest.LearnerPass)
			return c.sessionToken()
		}},
		{"attacker's session", func(t *testing.T) string {
			c := a.newClient(t)
			c.signIn("mallory", "mallory password")
			return c.sessionToken()
		}},
		{"made-up token", func(t *testing.T) string { return "planted0token0that0was0never0issued0000000" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			old := tt.plant(t)
			c := a.newClient(t)
			c.setSessionToken(old)

			res := c.POST("/login").Form(url.Values{"username": {storetest.LearnerUser}, "password": {storetest.LearnerPass}}).Send()
			if res.Status != http.StatusSeeOther {
				t.Fatalf("status %d, want 303", res.Status)
			}
			ck := res.cookie(sessionCookie)
			if ck == nil || ck.Value == "" {
				t.Fatal("sign-in set no session cookie")
			}
			if ck.Value == old {
				t.Fatal("sign-in kept the token the browser already had")
			}
			if a.sessionExists(t, old) {
				t.Error("the old token is still in the sessions table")
			}
			if !a.sessionExists(t, ck.Value) {
				t.Error("the new token is not in the sessions table")
			}
			replay, h := a.withCookie(t, old)
			if got := signedInAs(t, replay, h); got != "" {
				t.Errorf("the old token still signs in (as %q)", got)
			}
			if got := signedInAs(t, c, nil); got != storetest.LearnerName {
				t.Errorf("the new session shows %q, want %q", got, storetest.LearnerName)
			}
		})
	}
}

func TestSignOut(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	w := a.seedWorld(t)
	c := a.newClient(t)
	c.signIn(storetest.LearnerUser, storetest.LearnerPass)
	old := c.sessionToken()
	other := a.newClient(t) // the same user on another device stays signed in
	other.signIn(storetest.LearnerUser, storetest.LearnerPass)

	res := c.POST("/logout").Form(url.Values{}).Send()
	if res.Status != http.StatusSeeOther || res.Header.Get("Location") != "/" {
		t.Fatalf("POST /logout: status %d Location %q, want 303 to /", res.Status, res.Header.Get("Location"))
	}
	ck := res.cookie(sessionCookie)
	if ck == nil || ck.MaxAge >= 0 || ck.Value != "" {
		t.Errorf("logout cookie = %+v, want an emptied, expired cookie", ck)
	}
	if c.sessionToken() != "" {
		t.Error("the browser still holds a session cookie")
	}
	if a.sessionExists(t, old) {
		t.Error("the session row is still in the sessions table")
	}
	if n := a.count(t, `SELECT count(*) FROM sessions`); n != 1 {
		t.Errorf("sessions = %d, want 1 (the other device's)", n)
	}

	replay, h := a.withCookie(t, old)
	lesson := "/lessons/" + w.Course.Lessons[0].String()
	before := a.snapshot(t)
	tests := []struct {
		name   string
		method string
		path   string
		status int
	}{
		{"home page", http.MethodGet, "/", http.StatusOK},
		{"progress API", http.MethodGet, "/api/courses/" + w.Course.ID.String() + "/progress", http.StatusUnauthorized},
		{"complete a lesson", http.MethodPost, lesson + "/complete", http.StatusSeeOther},
	}
	for _, tt := range tests {
		t.Run("old cookie: "+tt.name, func(t *testing.T) {
			hh := h.Clone()
			var res response
			if tt.method == http.MethodPost {
				res = replay.Request(tt.method, tt.path).Headers(hh).Form(url.Values{"completed": {"true"}}).Send()
			} else {
				res = replay.GET(tt.path).Headers(hh).Send()
			}
			if res.Status != tt.status {
				t.Fatalf("status %d, want %d", res.Status, tt.status)
			}
			switch tt.status {
			case http.StatusOK:
				if got := headerName(res.Doc()); got != "" {
					t.Errorf("the old cookie still signs in as %q", got)
				}
			case http.StatusSeeOther:
				if loc, _ := url.Parse(res.Header.Get("Location")); loc == nil || loc.Path != "/login" {
					t.Errorf("Location = %q, want the sign-in page", res.Header.Get("Location"))
				}
			}
			if res.cookie(sessionCookie) != nil && res.cookie(sessionCookie).Value != "" {
				t.Error("the old cookie was given a session")
			}
		})
	}
	if a.snapshot(t) != before {
		t.Error("the old cookie changed the database")
	}
	if got := signedInAs(t, c, nil); got != "" {
		t.Errorf("after sign-out the header shows %q", got)
	}
	if got := signedInAs(t, other, nil); got != storetest.LearnerName {
		t.Errorf("the other device shows %q, want still signed in as %q", got, storetest.LearnerName)
	}
}
