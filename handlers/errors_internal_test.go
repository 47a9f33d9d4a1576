package handlers

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"fieldbook/internal/i18n"
	"fieldbook/store"
)

// Every error becomes one Error: a status, a message safe to show, and
// the cause for the log alone.
func TestAsError(t *testing.T) {
	a := &App{now: time.Now}
	secret := errors.New("pq: relation users column password_hash")
	wrap := func(err error) error { return fmt.Errorf("store: something: %w", err) }
	for _, tc := range []struct {
		name   string
		err    error
		status int
		msg    string
	}{
		{"ours", badRequest("Use at most %d characters (this has %d).", 200, 250), 400, "Use at most 200 characters (this has 250)."},
		{"not found", wrap(store.ErrNotFound), 404, "There is nothing at this address."},
		{"forbidden", wrap(store.ErrForbidden), 403, "You may not do that."},
		{"archived", wrap(store.ErrArchived), 409, "This course is archived, so it cannot be changed. Restore it first."},
		{"explained", explain(wrap(store.ErrNotFound), explanations{store.ErrNotFound: "No course has that id."}), 404, "No course has that id."},
		{"explained with args", linkGone(wrap(store.ErrLinkExpired), "invite"), 410, "This invite link has expired. Ask an admin for a new one."},
		{"explained other kind", explain(wrap(store.ErrForbidden), explanations{store.ErrNotFound: "No course has that id."}), 403, "You may not do that."},
		{"router 404", echo.ErrNotFound, 404, "There is nothing at this address."},
		{"router 405", echo.ErrMethodNotAllowed, 405, "This address does not accept that kind of request."},
		{"body limit", echo.ErrStatusRequestEntityTooLarge, 413, "What you sent is too large."},
		{"unknown", fmt.Errorf("query: %w", secret), 500, "Something went wrong on our side. Please try again in a moment."},
		{"echo 500", echo.NewHTTPError(500, secret.Error()), 500, "Something went wrong on our side. Please try again in a moment."},
		{"catalogue key with a count", newError(http.StatusTooManyRequests, nil, "invite.error.throttle", "count", 1), 429,
			"Too many attempts from this network. Please wait 1 second and try again."},
		{"catalogue key with a placeholder", badRequest("language.unknown", "list", "English (en)"), 400,
			"Fieldbook does not offer that language. Choose one of: English (en)."},
	} {
		e := a.asError(tc.err)
		if e.Status != tc.status || e.Text(english()) != tc.msg {
			t.Errorf("%s: %d %q, want %d %q", tc.name, e.Status, e.Text(english()), tc.status, tc.msg)
		}
		if strings.Contains(e.Text(english()), "password_hash") {
			t.Errorf("%s: the cause reached the message", tc.name)
		}
	}
	// The cause stays reachable for errors.Is and the log.
	e := explain(wrap(store.ErrNotFound), explanations{store.ErrNotFound: "x"})
	if !errors.Is(e, store.ErrNotFound) || !strings.Contains(e.Error(), "store: something") {
		t.Errorf("explained error lost its cause: %v", e)
	}
	if explain(nil, authoringMessages) != nil || explain(secret, authoringMessages) != secret {
		t.Error("explain changed an error that is not the store's")
	}
	if got := a.asError(newError(http.StatusServiceUnavailable, secret, "Try again soon.")); got.Text(english()) != "Try again soon." {
		t.Errorf("a 503's own message: %q", got.Text(english()))
	}
	// The page's language decides the words.
	fr := i18n.Default().Localizer("fr")
	if got := a.asError(wrap(store.ErrNotFound)).Text(fr); got == "There is nothing at this address." || got == nothingHereMessage {
		t.Errorf("the French message is %q", got)
	}
}
