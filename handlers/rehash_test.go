package handlers_test

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/crypto/argon2"

	"fieldbook/store"
)

// A hash made with weaker, older Argon2id parameters is replaced with one of
// the current parameters at the next good sign-in, transparently.
func TestSignInUpgradesOldHash(t *testing.T) {
	a := newTestApp(t)
	id := a.seed.User(t, store.RoleLearner, "old", "Old Hash", "an older long password").ID()
	salt := []byte("0123456789abcdef")
	key := argon2.IDKey([]byte("an older long password"), salt, 1, 8*1024, 1, 32)
	old := "$argon2id$v=19$m=8192,t=1,p=1$" + base64.RawStdEncoding.EncodeToString(salt) + "$" + base64.RawStdEncoding.EncodeToString(key)
	if _, err := a.owner.Exec(context.Background(), `UPDATE users SET password_hash = $1 WHERE id = $2`, old, id); err != nil {
		t.Fatal(err)
	}
	a.POST(t, "/login").Form(url.Values{"username": {"old"}, "password": {"an older long password"}}).Expect(http.StatusSeeOther)
	var now string
	if err := a.owner.QueryRow(context.Background(), `SELECT password_hash FROM users WHERE id = $1`, id).Scan(&now); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(now, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("the hash was not upgraded: %s", now)
	}
	a.POST(t, "/login").Form(url.Values{"username": {"old"}, "password": {"an older long password"}}).Expect(http.StatusSeeOther)
	// A wrong password never touches the hash.
	a.POST(t, "/login").Form(url.Values{"username": {"old"}, "password": {"not the password at all"}}).Send()
	var after string
	_ = a.owner.QueryRow(context.Background(), `SELECT password_hash FROM users WHERE id = $1`, id).Scan(&after)
	if after != now {
		t.Fatal("a failed sign-in changed the hash")
	}
}
