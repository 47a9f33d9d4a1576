package password

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"fieldbook/internal/i18n"
)

func TestValidate(t *testing.T) {
	cases := []struct {
		pw   string
		want string // "" valid, else a word the message must contain
	}{
		{"short", "at least 8"},
		{"1234567", "at least 8"},
		{"password", "most common"},
		{"PassWord", "most common"},
		{"12345678", "most common"},
		{"qwertyuiop", "most common"},
		{"baseball1", "most common"},
		{"ngombe-na-mbuzi", ""},
		{"correct horse battery", ""},
		{"maji safi ni uhai", ""},
		{"пароль-для-полевых", ""},
		{strings.Repeat("a", 128), ""},
		{strings.Repeat("a", 129), "at most 128"},
		{strings.Repeat("é", 128), ""},
		{"\xff\xfe invalid utf8", "not valid text"},
	}
	for _, c := range cases {
		got := Validate(english(), c.pw)
		if (c.want == "") != (got == "") || (c.want != "" && !strings.Contains(got, c.want)) {
			t.Errorf("Validate(%q) = %q, want %q", c.pw, got, c.want)
		}
	}
}

func TestHashRoundTrip(t *testing.T) {
	ctx := context.Background()
	h, err := Hash(ctx, "maji safi ni uhai")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("hash %q does not carry the OWASP parameters", h)
	}
	h2, _ := Hash(ctx, "maji safi ni uhai")
	if h == h2 {
		t.Fatal("two hashes of one password are equal: no salt")
	}
	for pw, want := range map[string]bool{"maji safi ni uhai": true, "maji safi ni uhai ": false, "": false} {
		ok, err := Check(ctx, pw, h)
		if err != nil || ok != want {
			t.Errorf("Check(%q) = %v, %v; want %v", pw, ok, err, want)
		}
	}
	for _, bad := range []string{"", "plain", "$argon2i$v=19$m=1,t=1,p=1$c2FsdA$a2V5", "$argon2id$v=18$m=19456,t=2,p=1$c2FsdA$a2V5",
		"$argon2id$v=19$m=0,t=2,p=1$c2FsdA$a2V5", "$argon2id$v=19$m=19456,t=2,p=1$!!$a2V5"} {
		if _, err := Check(ctx, "x", bad); err == nil {
			t.Errorf("CheckPassword accepted malformed hash %q", bad)
		}
	}
}

// Argon2 runs at most NumCPU at a time: with every slot taken, another hash
// waits (here until its context gives up) instead of piling on memory.
func TestHashConcurrencyIsBounded(t *testing.T) {
	n := cap(hashSlots)
	if n < 1 {
		t.Fatalf("hash slots: %d", n)
	}
	for i := 0; i < n; i++ {
		hashSlots <- struct{}{}
	}
	defer func() {
		for i := 0; i < n; i++ {
			<-hashSlots
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := Hash(ctx, "maji safi ni uhai"); err == nil {
		t.Fatal("a hash ran with every slot taken")
	}
}

// With every slot taken and 4 × NumCPU hashes already waiting, one more is
// refused at once (ErrBusy) instead of queueing.
func TestHashQueueIsBounded(t *testing.T) {
	release := FillQueueForTest()
	defer release()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := Check(ctx, "x", Dummy); !errors.Is(err, ErrBusy) {
		t.Fatalf("a hash beyond the queue: %v, want ErrBusy", err)
	}
	if _, err := Hash(ctx, "maji safi ni uhai"); !errors.Is(err, ErrBusy) {
		t.Fatalf("a hash beyond the queue: %v, want ErrBusy", err)
	}
}

// english is the source language's localizer, for checks of English text.
func english() *i18n.Localizer { return i18n.Default().Localizer(i18n.Source) }
