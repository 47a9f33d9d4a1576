package handlers

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"fieldbook/internal/i18n"
	"fieldbook/internal/password"
)

// FuzzValidateChange feeds arbitrary JSON to the sync change validator: it
// never panics, accepts an unsigned change only when every field is well
// formed and belongs to the caller, and otherwise says why. Any time is well
// formed (the store clamps it into the account's lifetime). (Signed
// changes: FuzzSignedChange.)
func FuzzValidateChange(f *testing.F) {
	caller := uuid.MustParse("11111111-1111-4111-8111-111111111111")
	f.Add(`{"id":"22222222-2222-4222-8222-222222222222","user_id":"11111111-1111-4111-8111-111111111111","lesson_id":"33333333-3333-4333-8333-333333333333","completed":true,"at":"2026-11-25T09:30:00Z"}`)
	f.Add(`{"id":"x"}`)
	f.Add(`{"id":null,"completed":"yes"}`)
	f.Add(`[]`)
	f.Add(`{"id":"22222222-2222-4222-8222-222222222222","user_id":"11111111-1111-4111-8111-111111111111","lesson_id":"33333333-3333-4333-8333-333333333333","completed":false,"at":"1999-01-01T00:00:00Z"}`)
	f.Add(`{"id":"22222222-2222-4222-8222-222222222222","user_id":"44444444-4444-4444-8444-444444444444","lesson_id":"33333333-3333-4333-8333-333333333333","completed":false,"at":"2026-11-25T09:30:00.123456789+03:00"}`)
	f.Fuzz(func(t *testing.T, raw string) {
		ch, si, res := validateChange(json.RawMessage(raw), caller)
		if res.Status == "" && si == nil {
			if ch.ID == uuid.Nil || ch.LessonID == uuid.Nil && !strings.Contains(raw, "00000000-0000-0000-0000-000000000000") {
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

// FuzzSignedChange feeds arbitrary JSON to the validator and the signature
// check of signed changes, with nobody signed in. Whatever the input, an
// unsigned change is never accepted; a change passes the key check only
// with a signature the phone's key really made over that very text; and the
// text it passed with names exactly the change that would be applied.
func FuzzSignedChange(f *testing.F) {
	priv, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), bytes.Repeat([]byte{7}, 32))
	if err != nil {
		f.Fatal(err)
	}
	pub, err := priv.PublicKey.Bytes()
	if err != nil {
		f.Fatal(err)
	}
	keyID := "55555555-5555-4555-8555-555555555555"
	signedTexts := map[string]bool{}
	sign := func(id, user, lesson string, done bool, at string) string {
		msg := "fieldbook-change-v1\n" + id + "\n" + user + "\n" + lesson + "\n" + strconv.FormatBool(done) + "\n" + at
		signedTexts[msg] = true
		h := sha256.Sum256([]byte(msg))
		r, s, err := ecdsa.Sign(rand.Reader, priv, h[:])
		if err != nil {
			f.Fatal(err)
		}
		sig := append(r.FillBytes(make([]byte, 32)), s.FillBytes(make([]byte, 32))...)
		return base64.RawURLEncoding.EncodeToString(sig)
	}
	item := func(id, user, lesson string, done bool, at, sig string) string {
		b, _ := json.Marshal(map[string]any{"id": id, "user_id": user, "lesson_id": lesson, "completed": done, "at": at, "key_id": keyID, "sig": sig})
		return string(b)
	}
	const (
		id     = "22222222-2222-4222-8222-222222222222"
		user   = "11111111-1111-4111-8111-111111111111"
		lesson = "33333333-3333-4333-8333-333333333333"
		at     = "2026-11-25T09:30:00.123+03:00"
	)
	good := sign(id, user, lesson, true, at)
	other := sign("44444444-4444-4444-8444-444444444444", user, lesson, false, at)
	f.Add(item(id, user, lesson, true, at, good))
	f.Add(item(id, user, lesson, false, at, good))                                                                                             // altered completed
	f.Add(item(id, user, lesson, true, "2026-11-25T09:30:00.124+03:00", good))                                                                 // altered at
	f.Add(item(id, user, lesson, true, "2026-11-25T06:30:00.123Z", good))                                                                      // the same time, written otherwise
	f.Add(item(id, strings.ToUpper(user), lesson, true, at, good))                                                                             // the same user, written otherwise
	f.Add(item(id, user, lesson, true, at, other))                                                                                             // another change's signature
	f.Add(item(id, user, lesson, true, at, good+"=="))                                                                                         // padded
	f.Add(item(id, user, lesson, true, at, good[:len(good)-2]))                                                                                // short
	f.Add(item(id, user, lesson, true, at, ""))                                                                                                // empty
	f.Add(`{"id":"` + id + `","user_id":"` + user + `","lesson_id":"` + lesson + `","completed":true,"at":"` + at + `","sig":"` + good + `"}`) // no key id
	f.Add(`{"id":"` + id + `","user_id":"` + user + `","lesson_id":"` + lesson + `","completed":true,"at":"` + at + `"}`)                      // unsigned
	// The property below is only worth something if the genuine item passes.
	if _, si, res := validateChange(json.RawMessage(item(id, user, lesson, true, at, good)), uuid.Nil); si == nil || !si.verify(pub) {
		f.Fatalf("the genuinely signed change does not pass: %+v", res)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		ch, si, res := validateChange(json.RawMessage(raw), uuid.Nil)
		if res.Status != "" {
			if res.Status != "rejected" || res.Reason == "" {
				t.Fatalf("refused without a reason: %q → %+v", raw, res)
			}
			return
		}
		if si == nil {
			t.Fatalf("accepted an unsigned change with nobody signed in: %q", raw)
		}
		if !si.verify(pub) {
			return
		}
		if !signedTexts[string(si.msg)] {
			t.Fatalf("a signature the key never made passed: %q", raw)
		}
		lines := strings.Split(string(si.msg), "\n")
		if len(lines) != 6 || lines[0] != "fieldbook-change-v1" {
			t.Fatalf("signed text %q is not a change", si.msg)
		}
		at, err := time.Parse(time.RFC3339Nano, lines[5])
		if uuid.MustParse(lines[1]) != ch.ID || uuid.MustParse(lines[2]) != si.user || uuid.MustParse(lines[3]) != ch.LessonID ||
			lines[4] != strconv.FormatBool(ch.Completed) || err != nil || !at.Equal(ch.At) {
			t.Fatalf("signed text %q does not name the change applied: %+v for %s", si.msg, ch, si.user)
		}
	})
}
