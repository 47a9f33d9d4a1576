package store_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"fieldbook/store"
)

// newPublicKey is a fresh P-256 public key as the phone_keys table keeps it.
func newPublicKey(t testing.TB) []byte {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	b, err := k.PublicKey.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func (e *env) register(c store.Caller, key []byte, label, token string) (uuid.UUID, bool, error) {
	var id uuid.UUID
	var created bool
	ctx := context.Background()
	err := e.s.InTx(ctx, c, func(tx *store.Tx) (err error) {
		id, created, err = tx.RegisterPhoneKey(ctx, key, label, token)
		return err
	})
	return id, created, err
}

func (e *env) mustRegister(t *testing.T, c store.Caller, token string) uuid.UUID {
	t.Helper()
	id, created, err := e.register(c, newPublicKey(t), "Phone", token)
	if err != nil || !created {
		t.Fatalf("register phone key as %s: created %v, %v", c.Role, created, err)
	}
	return id
}

func (e *env) phoneKeys(t *testing.T, c store.Caller, token string) []store.PhoneKey {
	t.Helper()
	var list []store.PhoneKey
	err := e.s.ReadTx(t.Context(), c, func(tx *store.Tx) (err error) {
		list, err = tx.PhoneKeys(t.Context(), token)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return list
}

func (e *env) recordSession(t *testing.T, c store.Caller, token string) {
	t.Helper()
	if err := e.s.InTx(t.Context(), c, func(tx *store.Tx) error { return tx.RecordSession(t.Context(), token, "Android, Chrome") }); err != nil {
		t.Fatal(err)
	}
}

// ownerCount runs a count as the owner, behind RLS's back.
func (e *env) ownerCount(t *testing.T, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := e.owner.QueryRow(t.Context(), sql, args...).Scan(&n); err != nil {
		t.Fatalf("owner: %s: %v", sql, err)
	}
	return n
}

// revoked reports whether the key is revoked, as the owner sees the table.
func (e *env) revoked(t *testing.T, id uuid.UUID) bool {
	t.Helper()
	var r bool
	if err := e.owner.QueryRow(t.Context(), `SELECT revoked_at IS NOT NULL FROM phone_keys WHERE id = $1`, id).Scan(&r); err != nil {
		t.Fatalf("key %s: %v", id, err)
	}
	return r
}

func keyIDs(list []store.PhoneKey) []uuid.UUID {
	var out []uuid.UUID
	for _, k := range list {
		out = append(out, k.ID)
	}
	slices.SortFunc(out, func(a, b uuid.UUID) int { return bytes.Compare(a[:], b[:]) })
	return out
}

func sortedIDs(ids ...uuid.UUID) []uuid.UUID {
	out := slices.Clone(ids)
	slices.SortFunc(out, func(a, b uuid.UUID) int { return bytes.Compare(a[:], b[:]) })
	return out
}

func TestRegisterPhoneKey(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a, b := e.user(t, store.RoleLearner), e.user(t, store.RoleLearner)
	e.recordSession(t, a, "token-a")
	e.recordSession(t, b, "token-b")

	key := newPublicKey(t)
	id, created, err := e.register(a, key, "Amina's phone", "token-a")
	if err != nil || !created {
		t.Fatalf("register: created %v, %v", created, err)
	}
	var stored []byte
	var owner uuid.UUID
	var label string
	var session *uuid.UUID
	if err := e.owner.QueryRow(t.Context(), `SELECT public_key, user_id, label, session_id FROM phone_keys WHERE id = $1`, id).
		Scan(&stored, &owner, &label, &session); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(stored, key) || owner != a.UserID || label != "Amina's phone" || session == nil {
		t.Errorf("stored key %x of %s labelled %q, session %v; want %x of %s with its session", stored, owner, label, session, key, a.UserID)
	}

	// The phone retries: the same key is the same id.
	if again, created, err := e.register(a, key, "Amina's phone", "token-a"); err != nil || created || again != id {
		t.Errorf("register again = %s, created %v, %v; want %s, not created", again, created, err, id)
	}
	// Another account cannot claim it.
	if _, _, err := e.register(b, key, "", "token-b"); !errors.Is(err, store.ErrConflict) {
		t.Errorf("B registers A's key: %v, want ErrConflict", err)
	}
	// A key is registered from one's own session only: another's token
	// names no session.
	other, _, err := e.register(a, newPublicKey(t), "", "token-b")
	if err != nil {
		t.Fatal(err)
	}
	if n := e.ownerCount(t, `SELECT count(*) FROM phone_keys WHERE id = $1 AND session_id IS NULL`, other); n != 1 {
		t.Error("a key registered with another account's session token points at that session")
	}

	list := e.phoneKeys(t, a, "token-a")
	if len(list) != 2 || !slices.Equal(keyIDs(list), sortedIDs(id, other)) {
		t.Fatalf("A's phones = %+v, want %s and %s", list, id, other)
	}
	for _, k := range list {
		if k.ThisSession != (k.ID == id) || k.LastUsedAt != nil {
			t.Errorf("phone %+v: ThisSession should mark only %s, and nothing is used yet", k, id)
		}
	}
	if list := e.phoneKeys(t, b, "token-b"); len(list) != 0 {
		t.Errorf("B sees %d phones, want 0", len(list))
	}

	// A forgotten key stays forgotten: registering it again is refused.
	if err := e.s.InTx(t.Context(), a, func(tx *store.Tx) error { return tx.ForgetPhoneKey(t.Context(), id) }); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.register(a, key, "", "token-a"); !errors.Is(err, store.ErrConflict) {
		t.Errorf("register a revoked key: %v, want ErrConflict", err)
	}
	if list := e.phoneKeys(t, a, ""); len(list) != 1 || list[0].ID != other {
		t.Errorf("after forgetting, A's phones = %+v, want only %s", list, other)
	}
}

func TestRegisterPhoneKeyCap(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a, b := e.user(t, store.RoleVolunteer), e.user(t, store.RoleLearner)
	var ids []uuid.UUID
	for range store.MaxPhones {
		ids = append(ids, e.mustRegister(t, a, ""))
	}
	if _, _, err := e.register(a, newPublicKey(t), "", ""); !errors.Is(err, store.ErrTooManyPhones) {
		t.Fatalf("key %d: %v, want ErrTooManyPhones", store.MaxPhones+1, err)
	}
	// Another account's keys do not count, and forgetting one makes room.
	e.mustRegister(t, b, "")
	if err := e.s.InTx(t.Context(), a, func(tx *store.Tx) error { return tx.ForgetPhoneKey(t.Context(), ids[3]) }); err != nil {
		t.Fatal(err)
	}
	e.mustRegister(t, a, "")
	if n := e.ownerCount(t, `SELECT count(*) FROM phone_keys WHERE user_id = $1 AND revoked_at IS NULL`, a.UserID); n != store.MaxPhones {
		t.Errorf("%d live keys, want %d", n, store.MaxPhones)
	}
}

func TestForgetPhoneKey(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a, b := e.user(t, store.RoleLearner), e.user(t, store.RoleAdmin)
	ka, kb := e.mustRegister(t, a, ""), e.mustRegister(t, b, "")
	forget := func(c store.Caller, id uuid.UUID) error {
		return e.s.InTx(t.Context(), c, func(tx *store.Tx) error { return tx.ForgetPhoneKey(t.Context(), id) })
	}
	// Not even an admin forgets another account's phone.
	for _, id := range []uuid.UUID{kb, uuid.New()} {
		if err := forget(a, id); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("A forgets %s: %v, want ErrNotFound", id, err)
		}
	}
	if err := forget(b, ka); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("admin forgets A's key: %v, want ErrNotFound", err)
	}
	if e.revoked(t, kb) || e.revoked(t, ka) {
		t.Fatal("a refused forget revoked a key")
	}
	for i := range 2 { // the second time is already done
		if err := forget(a, ka); err != nil {
			t.Fatalf("forget own key (%d): %v", i+1, err)
		}
	}
	if !e.revoked(t, ka) || e.revoked(t, kb) {
		t.Error("forget revoked the wrong key")
	}
}

func TestForgetOtherPhoneKeys(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a, b := e.user(t, store.RoleLearner), e.user(t, store.RoleLearner)
	e.recordSession(t, a, "here")
	e.recordSession(t, a, "there")
	here := e.mustRegister(t, a, "here")   // the phone in the hand, this session
	named := e.mustRegister(t, a, "")      // the phone in the hand, named by the page
	there := e.mustRegister(t, a, "there") // another phone
	old := e.mustRegister(t, a, "")        // a phone whose session ended long ago
	kb := e.mustRegister(t, b, "")

	var n int
	err := e.s.InTx(t.Context(), a, func(tx *store.Tx) (err error) {
		n, err = tx.ForgetOtherPhoneKeys(t.Context(), named, "here")
		return err
	})
	if err != nil || n != 2 {
		t.Fatalf("forget others = %d, %v; want 2", n, err)
	}
	for id, want := range map[uuid.UUID]bool{here: false, named: false, there: true, old: true, kb: false} {
		if got := e.revoked(t, id); got != want {
			t.Errorf("key %s revoked = %v, want %v", id, got, want)
		}
	}
	// Nothing named and no session: every phone of A goes.
	err = e.s.InTx(t.Context(), a, func(tx *store.Tx) (err error) {
		n, err = tx.ForgetOtherPhoneKeys(t.Context(), uuid.Nil, "")
		return err
	})
	if err != nil || n != 2 || !e.revoked(t, here) || !e.revoked(t, named) || e.revoked(t, kb) {
		t.Errorf("forget all = %d, %v; want A's last 2, not B's", n, err)
	}
}

func TestLivePhoneKeys(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a, v, gone := e.user(t, store.RoleLearner), e.user(t, store.RoleVolunteer), e.user(t, store.RoleLearner)
	keyA := newPublicKey(t)
	ka, _, err := e.register(a, keyA, "", "")
	if err != nil {
		t.Fatal(err)
	}
	kv := e.mustRegister(t, v, "")
	revoked := e.mustRegister(t, a, "")
	ofDisabled := e.mustRegister(t, gone, "")
	e.ownerExec(t, `UPDATE phone_keys SET revoked_at = now() WHERE id = $1`, revoked)
	// Disabled without the trigger (as if the key had outlived it): the
	// lookup still refuses a disabled account's key.
	e.ownerExec(t, `ALTER TABLE users DISABLE TRIGGER users_revoke_phone_keys`)
	e.ownerExec(t, `UPDATE users SET disabled_at = now() WHERE id = $1`, gone.UserID)
	e.ownerExec(t, `ALTER TABLE users ENABLE TRIGGER users_revoke_phone_keys`)

	for _, caller := range []store.Caller{store.Anonymous, a, v} {
		var got map[uuid.UUID]store.LivePhoneKey
		err := e.s.ReadTx(t.Context(), caller, func(tx *store.Tx) (err error) {
			got, err = tx.LivePhoneKeys(t.Context(), []uuid.UUID{ka, kv, revoked, ofDisabled, uuid.New(), ka})
			return err
		})
		if err != nil {
			t.Fatalf("as %s: %v", caller.Role, err)
		}
		if len(got) != 2 {
			t.Errorf("as %s: %d live keys, want 2 (A's and V's)", caller.Role, len(got))
		}
		if k := got[ka]; k.Owner != a || !bytes.Equal(k.PublicKey, keyA) || k.LastUsedAt != nil || !k.DueForTouch(time.Now()) {
			t.Errorf("as %s: A's key = %+v", caller.Role, k)
		}
		if k := got[kv]; k.Owner != v {
			t.Errorf("as %s: V's key owner = %+v, want %+v", caller.Role, k.Owner, v)
		}
	}
}

func TestTouchPhoneKeys(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a, b := e.user(t, store.RoleLearner), e.user(t, store.RoleLearner)
	ka, kb := e.mustRegister(t, a, ""), e.mustRegister(t, b, "")
	touch := func(ids ...uuid.UUID) {
		t.Helper()
		if err := e.s.InTx(t.Context(), a, func(tx *store.Tx) error { return tx.TouchPhoneKeys(t.Context(), ids) }); err != nil {
			t.Fatal(err)
		}
	}
	lastUsed := func(id uuid.UUID) *time.Time {
		var at *time.Time
		if err := e.owner.QueryRow(t.Context(), `SELECT last_used_at FROM phone_keys WHERE id = $1`, id).Scan(&at); err != nil {
			t.Fatal(err)
		}
		return at
	}
	touch(ka, kb)
	first := lastUsed(ka)
	if first == nil || lastUsed(kb) != nil {
		t.Fatalf("after a touch by A: A's %v, B's %v; want A's set, B's untouched", first, lastUsed(kb))
	}
	touch(ka)
	if again := lastUsed(ka); !again.Equal(*first) {
		t.Errorf("a second touch the same day wrote %v over %v", again, first)
	}
	e.ownerExec(t, `UPDATE phone_keys SET last_used_at = now() - interval '25 hours' WHERE id = $1`, ka)
	touch(ka)
	if at := lastUsed(ka); time.Since(*at) > time.Hour {
		t.Errorf("a day later, the touch left %v", at)
	}
	k := store.LivePhoneKey{LastUsedAt: first}
	if k.DueForTouch(first.Add(time.Hour)) || !k.DueForTouch(first.Add(store.PhoneKeyTouchEvery)) {
		t.Error("DueForTouch: due an hour later, or not due a day later")
	}
}

// TestPhoneKeysRevokedOnAccountChanges: every way a password, role or
// account changes revokes the user's keys, whoever makes the change; the
// same password's hash upgraded at sign-in, or a new display name, does not.
func TestPhoneKeysRevokedOnAccountChanges(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.user(t, store.RoleAdmin)
	for _, tt := range []struct {
		name    string
		change  func(t *testing.T, u store.Caller, username string) error
		revokes bool
	}{
		{"password change in the app", func(t *testing.T, u store.Caller, _ string) error {
			return e.s.InTx(t.Context(), u, func(tx *store.Tx) error { return tx.SetOwnPassword(t.Context(), "new-hash") })
		}, true},
		{"fieldbook user passwd", func(t *testing.T, _ store.Caller, username string) error {
			return e.s.InTx(t.Context(), store.Operator, func(tx *store.Tx) error {
				return tx.SetPasswordByUsername(t.Context(), username, "new-hash")
			})
		}, true},
		{"password reset link", func(t *testing.T, u store.Caller, _ string) error {
			token := store.NewLinkToken()
			err := e.s.InTx(t.Context(), admin, func(tx *store.Tx) error {
				return tx.CreatePasswordReset(t.Context(), u.UserID, store.TokenHash(token), time.Now().Add(time.Hour))
			})
			if err != nil {
				return err
			}
			return e.s.InTx(t.Context(), store.Anonymous, func(tx *store.Tx) error {
				_, err := tx.AcceptPasswordReset(t.Context(), store.TokenHash(token), "new-hash")
				return err
			})
		}, true},
		{"role change", func(t *testing.T, u store.Caller, _ string) error {
			return e.s.InTx(t.Context(), admin, func(tx *store.Tx) error { return tx.SetUserRole(t.Context(), u.UserID, store.RoleVolunteer) })
		}, true},
		{"disable", func(t *testing.T, u store.Caller, _ string) error {
			return e.s.InTx(t.Context(), admin, func(tx *store.Tx) error { return tx.SetUserDisabled(t.Context(), u.UserID, true) })
		}, true},
		{"hash upgrade at sign-in", func(t *testing.T, u store.Caller, _ string) error {
			return e.s.InTx(t.Context(), u, func(tx *store.Tx) error { return tx.UpgradeOwnPasswordHash(t.Context(), "rehashed") })
		}, false},
		{"new display name", func(t *testing.T, u store.Caller, _ string) error {
			_, err := e.owner.Exec(t.Context(), `UPDATE users SET display_name = 'Renamed' WHERE id = $1`, u.UserID)
			return err
		}, false},
		{"same role set again", func(t *testing.T, u store.Caller, _ string) error {
			return e.s.InTx(t.Context(), admin, func(tx *store.Tx) error { return tx.SetUserRole(t.Context(), u.UserID, store.RoleLearner) })
		}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			u, bystander := e.user(t, store.RoleLearner), e.user(t, store.RoleLearner)
			var username string
			if err := e.owner.QueryRow(t.Context(), `SELECT username FROM users WHERE id = $1`, u.UserID).Scan(&username); err != nil {
				t.Fatal(err)
			}
			k1, k2, kb := e.mustRegister(t, u, ""), e.mustRegister(t, u, ""), e.mustRegister(t, bystander, "")
			if err := tt.change(t, u, username); err != nil {
				t.Fatal(err)
			}
			if e.revoked(t, k1) != tt.revokes || e.revoked(t, k2) != tt.revokes {
				t.Errorf("keys revoked = %v, %v; want %v", e.revoked(t, k1), e.revoked(t, k2), tt.revokes)
			}
			if e.revoked(t, kb) {
				t.Error("another user's key was revoked")
			}
		})
	}
	t.Run("enabling again brings no key back", func(t *testing.T) {
		u := e.user(t, store.RoleLearner)
		k := e.mustRegister(t, u, "")
		for _, d := range []bool{true, false} {
			if err := e.s.InTx(t.Context(), admin, func(tx *store.Tx) error { return tx.SetUserDisabled(t.Context(), u.UserID, d) }); err != nil {
				t.Fatal(err)
			}
		}
		if !e.revoked(t, k) {
			t.Error("the key is live again after disable and enable")
		}
	})
	// The upgrade's exemption lasts for its own statement only.
	t.Run("a password change after an upgrade in one transaction", func(t *testing.T) {
		u := e.user(t, store.RoleLearner)
		k := e.mustRegister(t, u, "")
		err := e.s.InTx(t.Context(), u, func(tx *store.Tx) error {
			if err := tx.UpgradeOwnPasswordHash(t.Context(), "rehashed"); err != nil {
				return err
			}
			return tx.SetOwnPassword(t.Context(), "changed")
		})
		if err != nil || !e.revoked(t, k) {
			t.Errorf("key revoked = %v (%v), want revoked", e.revoked(t, k), err)
		}
	})
}

func TestMyProgress(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	vol := e.user(t, store.RoleVolunteer)
	learner, other := e.user(t, store.RoleLearner), e.user(t, store.RoleLearner)
	started := e.course(t, vol, "B started", true)
	s1 := e.lesson(t, vol, started, "one", true)
	s2 := e.lesson(t, vol, started, "two", true)
	s3 := e.lesson(t, vol, started, "three", true)
	sDraft := e.lesson(t, vol, started, "draft", false)
	never := e.course(t, vol, "A never opened", true)
	e.lesson(t, vol, never, "one", true)
	e.lesson(t, vol, never, "two", true)
	draft := e.course(t, vol, "C draft", false)
	e.lesson(t, vol, draft, "one", true)
	archived := e.course(t, vol, "D archived", true)
	a1 := e.lesson(t, vol, archived, "one", true)
	now := time.Now()
	e.mustSetCompleted(t, learner, s3, true, now)
	e.mustSetCompleted(t, learner, s1, true, now)
	e.mustSetCompleted(t, learner, s2, true, now)
	e.mustSetCompleted(t, learner, s2, false, now.Add(time.Second))
	e.mustSetCompleted(t, learner, a1, true, now)
	e.mustSetCompleted(t, other, s2, true, now)
	e.ownerExec(t, `INSERT INTO student_progress (student_id, lesson_id, completed, completed_at) VALUES ($1, $2, true, now())`,
		learner.UserID, sDraft)
	e.ownerExec(t, `UPDATE courses SET archived_at = now() WHERE id = $1`, archived)

	traced, log := tracedStore(t, e.db)
	log.queries()
	var got []store.CourseDone
	if err := traced.ReadTx(t.Context(), learner, func(tx *store.Tx) (err error) {
		got, err = tx.MyProgress(t.Context())
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if q := log.queries(); len(q) != 1 {
		t.Errorf("MyProgress ran %d queries, want 1: %q", len(q), q)
	}
	want := []store.CourseDone{
		{CourseID: never, Total: 2, Completed: 0, Done: []uuid.UUID{}},
		{CourseID: started, Total: 3, Completed: 2, Done: []uuid.UUID{s1, s3}},
	}
	checkCourseDone(t, got, want)

	var one store.CourseDone
	if err := traced.ReadTx(t.Context(), learner, func(tx *store.Tx) (err error) {
		one, err = tx.MyCourseProgress(t.Context(), started)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if q := log.queries(); len(q) != 1 {
		t.Errorf("MyCourseProgress ran %d queries, want 1: %q", len(q), q)
	}
	checkCourseDone(t, []store.CourseDone{one}, want[1:])
	for _, id := range []uuid.UUID{draft, archived, uuid.New()} {
		err := e.s.ReadTx(t.Context(), learner, func(tx *store.Tx) (err error) {
			_, err = tx.MyCourseProgress(t.Context(), id)
			return err
		})
		if !errors.Is(err, store.ErrNotFound) {
			t.Errorf("course %s: %v, want ErrNotFound", id, err)
		}
	}
	// The other learner and a volunteer without progress see their own.
	for _, c := range []struct {
		who  store.Caller
		done []uuid.UUID
	}{{other, []uuid.UUID{s2}}, {vol, []uuid.UUID{}}} {
		err := e.s.ReadTx(t.Context(), c.who, func(tx *store.Tx) (err error) {
			got, err = tx.MyProgress(t.Context())
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		checkCourseDone(t, got, []store.CourseDone{
			{CourseID: never, Total: 2, Done: []uuid.UUID{}},
			{CourseID: started, Total: 3, Completed: len(c.done), Done: c.done},
		})
	}
}

func checkCourseDone(t *testing.T, got, want []store.CourseDone) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d courses %+v, want %d %+v", len(got), got, len(want), want)
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.CourseID != w.CourseID || g.Total != w.Total || g.Completed != w.Completed || !slices.Equal(g.Done, w.Done) || g.Done == nil {
			t.Errorf("course %d = %+v, want %+v", i, g, w)
		}
	}
}

// BenchmarkMyProgress is GET /api/me/progress: every course (40 of 25
// lessons) with the learner's done lessons, one query under RLS.
func BenchmarkMyProgress(b *testing.B) {
	st, _, learner, _ := benchWorld(b)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if err := st.ReadTx(ctx, learner, func(tx *store.Tx) error {
			_, err := tx.MyProgress(ctx)
			return err
		}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMyCourseProgress is GET /api/me/progress?course=…, which the page
// asks on every course and lesson view.
func BenchmarkMyCourseProgress(b *testing.B) {
	st, _, learner, course := benchWorld(b)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if err := st.ReadTx(ctx, learner, func(tx *store.Tx) error {
			_, err := tx.MyCourseProgress(ctx, course)
			return err
		}); err != nil {
			b.Fatal(err)
		}
	}
}
