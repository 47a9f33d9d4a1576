package views

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"fieldbook/internal/i18n"
)

func TestForm(t *testing.T) {
	ctx := i18n.WithLocalizer(context.Background(), i18n.Default().Localizer(i18n.Source))
	var f Form
	if !f.Valid() || f.Error(ctx, "title") != "" || f.Message(ctx) != "" {
		t.Fatal("an empty form is not valid and quiet")
	}
	f.Refuse("auth.error.throttle_signin", "count", 3)
	if !f.Valid() {
		t.Error("a form-wide message made the fields invalid")
	}
	f.Fail("title", "Enter a title.")
	f.Fail("title", "Use at most %d characters (this has %d).", 200, 250)
	if f.Valid() || f.Error(ctx, "title") != "Use at most 200 characters (this has 250)." || f.Error(ctx, "body") != "" {
		t.Errorf("field errors: valid=%v title=%q", f.Valid(), f.Error(ctx, "title"))
	}
	if f.Message(ctx) != "Too many sign-in attempts. Please wait 3 seconds and try again." {
		t.Errorf("message %q", f.Message(ctx))
	}
	// In another language, the catalogue's words.
	fr := i18n.WithLocalizer(context.Background(), i18n.Default().Localizer("fr"))
	if got := f.Message(fr); got == f.Message(ctx) || got == "" {
		t.Errorf("French message %q", got)
	}
	// A literal percent sign in a message without arguments stays as it is.
	f.Fail("body", "100% sure?")
	if f.Error(ctx, "body") != "100% sure?" {
		t.Errorf("%q", f.Error(ctx, "body"))
	}
}

// A form's errors reach its fields and its form-wide message on the page.
func TestFormRendersItsErrors(t *testing.T) {
	f := AuthForm{LoginURL: "/login", SignupURL: "/signup", Username: "ana"}
	f.Fail("password", "Enter your password.")
	f.Refuse("auth.error.wrong")
	var buf bytes.Buffer
	if err := LoginPage(f).Render(context.Background(), &buf); err != nil {
		t.Fatal(err)
	}
	html := buf.String()
	for _, want := range []string{`<p class="form-error" role="alert">Wrong username or password.</p>`,
		`aria-describedby="password-error"`, `<p class="field-error" id="password-error">Enter your password.</p>`} {
		if !strings.Contains(html, want) {
			t.Errorf("the page lacks %s:\n%s", want, html)
		}
	}
	if strings.Contains(html, "username-error") {
		t.Error("a field without an error is marked")
	}
}
