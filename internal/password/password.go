// Package password hashes, checks and judges passwords: Argon2id hashes in
// the PHC string format, and the rules a new password must meet. The web
// handlers and the command line share it.
package password

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/trustelem/zxcvbn/frequency"
	"golang.org/x/crypto/argon2"

	"fieldbook/internal/i18n"
)

// Argon2id parameters: OWASP's minimum recommendation (19 MiB, t=2, p=1).
// They are stored in every hash, so raising them later still verifies old
// hashes.
const (
	argonMemoryKiB = 19 * 1024
	argonTime      = 2
	argonThreads   = 1
	argonKeyLen    = 32
	argonSaltLen   = 16
)

// hashSlots bounds how many Argon2 computations run at once: each takes 19 MiB
// and a core, and sign-in floods must not starve page requests.
var hashSlots = make(chan struct{}, max(1, runtime.NumCPU()))

// ArgonMemoryBytes is the memory one Argon2 computation holds.
const ArgonMemoryBytes = argonMemoryKiB << 10

// SetHashConcurrency sets how many Argon2 computations may run at once
// (at least 1): serve derives it from its memory budget, since each holds
// ArgonMemoryBytes. Call it before serving.
func SetHashConcurrency(n int) {
	hashSlots = make(chan struct{}, max(1, n))
}

// HashConcurrency is how many Argon2 computations may run at once.
func HashConcurrency() int { return cap(hashSlots) }

// maxHashWaiting is how many hashes may wait for a slot: four per core, a
// second or so of work. Beyond it a request is refused at once (ErrBusy)
// rather than queued behind minutes of Argon2.
var maxHashWaiting = int64(4 * runtime.NumCPU())

// hashWaiting counts the hashes waiting for a slot.
var hashWaiting atomic.Int64

// ErrBusy refuses a password hash while too many are already waiting; the
// client is told to retry shortly (503 with Retry-After).
var ErrBusy = errors.New("password: too many password checks waiting")

// FillQueueForTest takes every hashing slot and fills the queue of hashes
// waiting for one, as a flood of sign-ins would, and returns the function
// that gives them back: for tests of how callers answer ErrBusy (never
// called by the application). Tests using it must not run in parallel.
func FillQueueForTest() (release func()) {
	for range cap(hashSlots) {
		hashSlots <- struct{}{}
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	for range maxHashWaiting {
		go func() {
			_, _ = Hash(ctx, "waiting in the queue")
			done <- struct{}{}
		}()
	}
	for hashWaiting.Load() < maxHashWaiting {
		time.Sleep(time.Millisecond)
	}
	return func() {
		cancel()
		for range maxHashWaiting {
			<-done
		}
		for range cap(hashSlots) {
			<-hashSlots
		}
	}
}

func withHashSlot(ctx context.Context, fn func()) error {
	select {
	case hashSlots <- struct{}{}:
	default:
		if hashWaiting.Add(1) > maxHashWaiting {
			hashWaiting.Add(-1)
			return ErrBusy
		}
		select {
		case hashSlots <- struct{}{}:
			hashWaiting.Add(-1)
		case <-ctx.Done():
			hashWaiting.Add(-1)
			return ctx.Err()
		}
	}
	defer func() { <-hashSlots }()
	fn()
	// The hash's 19 MiB is garbage now: collect it while the slot is still
	// held, so the next hash reuses that memory instead of the heap growing
	// to hold both (about a millisecond against the hash's 50).
	runtime.GC()
	return nil
}

// Hash returns an encoded Argon2id hash in the PHC string format
// ($argon2id$v=19$m=…,t=…,p=…$salt$key).
func Hash(ctx context.Context, password string) (string, error) {
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("password: salt: %w", err)
	}
	var key []byte
	if err := withHashSlot(ctx, func() {
		key = argon2.IDKey([]byte(password), salt, argonTime, argonMemoryKiB, argonThreads, argonKeyLen)
	}); err != nil {
		return "", err
	}
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, argonMemoryKiB, argonTime, argonThreads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

var errBadHash = errors.New("password: malformed hash")

// Check reports whether password matches the encoded hash, in
// constant time over the key.
func Check(ctx context.Context, password, encoded string) (bool, error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, errBadHash
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, errBadHash
	}
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil || m == 0 || t == 0 || p == 0 {
		return false, errBadHash
	}
	b64 := base64.RawStdEncoding
	salt, err := b64.DecodeString(parts[4])
	if err != nil {
		return false, errBadHash
	}
	want, err := b64.DecodeString(parts[5])
	if err != nil || len(want) == 0 {
		return false, errBadHash
	}
	var got []byte
	if err := withHashSlot(ctx, func() {
		got = argon2.IDKey([]byte(password), salt, t, m, p, uint32(len(want)))
	}); err != nil {
		return false, err
	}
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// Dummy is a hash to check against when a username does not exist, so
// that an unknown user and a wrong password take the same time. Any hash
// with the current parameters does (no password matches this key), so none
// is computed at start-up: that would cost every process 19 MiB and a
// core's 50 ms.
var Dummy = fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$ZmllbGRib29rLWR1bW15$%s",
	argon2.Version, argonMemoryKiB, argonTime, argonThreads, strings.Repeat("A", 43))

// NeedsRehash reports whether an encoded hash was made with other parameters
// than the current ones (or is not one of ours), so sign-in replaces it.
func NeedsRehash(encoded string) bool {
	want := fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$", argon2.Version, argonMemoryKiB, argonTime, argonThreads)
	if !strings.HasPrefix(encoded, want) {
		return true
	}
	parts := strings.Split(encoded, "$")
	key, err := base64.RawStdEncoding.DecodeString(parts[len(parts)-1])
	return err != nil || len(key) != argonKeyLen
}

// Length bounds of a new password, counted in characters (any Unicode is
// fine).
const (
	MinLen = 8
	MaxLen = 128
)

// Validate returns what is wrong with a new password, in loc's language,
// or "".
func Validate(loc *i18n.Localizer, password string) string {
	if !utf8.ValidString(password) {
		return loc.T("account.error.password_invalid")
	}
	switch n := utf8.RuneCountInString(password); {
	case n < MinLen:
		return loc.N("account.error.password_short", MinLen)
	case n > MaxLen:
		return loc.N("account.error.password_long", MaxLen)
	}
	if isCommonPassword(password) {
		return loc.T("account.error.password_common")
	}
	return ""
}

var (
	commonOnce      sync.Once
	commonPasswords map[string]struct{}
)

// isCommonPassword reports whether password is on the common-password list
// that zxcvbn ships (about 30,000 leaked passwords), ignoring case.
func isCommonPassword(password string) bool {
	commonOnce.Do(func() {
		list := frequency.FrequencyLists["passwords"]
		commonPasswords = make(map[string]struct{}, len(list)/4)
		for _, p := range list {
			if utf8.RuneCountInString(p) >= MinLen {
				commonPasswords[strings.ToLower(p)] = struct{}{}
			}
		}
	})
	_, ok := commonPasswords[strings.ToLower(password)]
	return ok
}
