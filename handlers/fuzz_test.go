package handlers

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/uuid"

	"fieldbook/internal/i18n"
	"fieldbook/internal/password"
)

// FuzzValidateChange feeds arbitrary JSON to the sync change validator: it
// never panics, accepts a change only when every field is well formed and
// belongs to the caller, and otherwise says why.
func FuzzValidateChange(f *testing.F) {
	caller := uuid.MustParse("11111111-1111-4111-8111-111111111111")
	f.Add(`{"id":"22222222-2222-4222-8222-222222222222","user_id":"11111111-1111-4111-8111-111111111111","lesson_id":"33333333-3333-4333-8333-333333333333","completed":true,"at":"2026-11-25T09:30:00Z"}`)
	f.Add(`{"id":"x"}`)
	f.Add(`{"id":null,"completed":"yes"}`)
	f.Add(`[]`)
	f.Add(`{"id":"22222222-2222-4222-8222-222222222222","user_id":"11111111-1111-4111-8111-111111111111","lesson_id":"33333333-3333-4333-8333-333333333333","completed":false,"at":"1999-01-01T00:00:00Z"}`)
	f.Add(`{"id":"22222222-2222-4222-8222-222222222222","user_id":"44444444-4444-4444-8444-444444444444","lesson_id":"33333333-3333-4333-8333-333333333333","completed":false,"at":"2026-11-25T09:30:00.123456789+03:00"}`)
	f.Fuzz(func(t *testing.T, raw string) {
		ch, res := validateChange(json.RawMessage(raw), caller)
		if res.Status == "" {
			if ch.ID == uuid.Nil || ch.LessonID == uuid.Nil && !strings.Contains(raw, "00000000-0000-0000-0000-000000000000") || ch.At.Year() < 2000 {
				t.Fatalf("accepted a malformed change %q: %+v", raw, ch)
			}
			var m map[string]any
			if json.Unmarshal([]byte(raw), &m) != nil || m["user_id"] != caller.String() && !strings.EqualFold(m["user_id"].(string), caller.String()) {
				t.Fatalf("accepted a change of another user: %q", raw)
			}
		} else if res.Status != "rejected" || res.Reason == "" {
			t.Fatalf("refused without a reason: %q → %+v", raw, res)
		}
	})
}

// FuzzSafeNext: whatever the "next" parameter, the redirect stays on this
// site: a path starting with a single slash, no control characters.
func FuzzSafeNext(f *testing.F) {
	for _, s := range []string{"/", "/courses/x", "//evil.example", "/\\evil", "/\t/evil.example", "https://evil.example", "", "/%2F%2Fevil", "/ok?x=1#y"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, next string) {
		got := safeNext(next)
		if !strings.HasPrefix(got, "/") || strings.HasPrefix(got, "//") || strings.HasPrefix(got, "/\\") {
			t.Fatalf("safeNext(%q) = %q leaves the site", next, got)
		}
		for _, r := range got {
			if r < 0x20 || r == 0x7f {
				t.Fatalf("safeNext(%q) = %q keeps a control character", next, got)
			}
		}
		u, err := url.Parse(got)
		if err == nil && (u.Host != "" || u.Scheme != "") {
			t.Fatalf("safeNext(%q) = %q parses with host %q", next, got, u.Host)
		}
	})
}

// FuzzSignupFields: the username and password validators never panic, and
// anything they accept fits the database's own rules.
func FuzzSignupFields(f *testing.F) {
	for _, s := range []string{"ana", "Ana", "a", "ab.c", "-ab", "ana_k-1.x", strings.Repeat("a", 33), "ñandú", "\x00abc"} {
		f.Add(s, "correct horse battery")
	}
	f.Fuzz(func(t *testing.T, username, pw string) {
		if ValidateUsername(english(), username) == "" {
			if len(username) < 3 || len(username) > 32 || strings.ToLower(username) != username || !usernameRE.MatchString(username) {
				t.Fatalf("accepted username %q", username)
			}
		}
		if password.Validate(english(), pw) == "" {
			n := utf8.RuneCountInString(pw)
			if !utf8.ValidString(pw) || n < password.MinLen || n > password.MaxLen {
				t.Fatalf("accepted password of %d runes (valid UTF-8 %v)", n, utf8.ValidString(pw))
			}
		}
	})
}

// FuzzCSVCell: no exported cell can start a spreadsheet formula, and a cell
// that could not is left as it was.
func FuzzCSVCell(f *testing.F) {
	for _, s := range []string{"", "Amina", "=1+1", "+cmd", "-2", "@SUM(A1)", "\t=x", "\r=x", "'quoted", "a,b", "é"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := csvCell(s)
		if got != "" && strings.ContainsRune("=+-@\t\r", rune(got[0])) {
			t.Fatalf("csvCell(%q) = %q starts a formula", s, got)
		}
		if s == "" || !strings.ContainsRune("=+-@\t\r", rune(s[0])) {
			if got != s {
				t.Fatalf("csvCell(%q) = %q changed a harmless cell", s, got)
			}
		} else if got != "'"+s {
			t.Fatalf("csvCell(%q) = %q, want it prefixed with an apostrophe", s, got)
		}
	})
}

// english is the source language's localizer, for checks of English text.
func english() *i18n.Localizer { return i18n.Default().Localizer(i18n.Source) }
