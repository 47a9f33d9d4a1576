package store_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"fieldbook/store"
)

// Through the store, under the database role: learners and volunteers can
// neither read nor make invites or reset links, nor change roles or
// disable accounts; the anonymous role reaches invites only through the
// accept function. PostgreSQL refuses, not the handlers.
func TestInvitesAndAdminRLS(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	learner := e.user(t, store.RoleLearner)
	vol := e.user(t, store.RoleVolunteer)
	admin := e.user(t, store.RoleAdmin)
	token := store.NewLinkToken()
	err := e.s.InTx(ctx, admin, func(tx *store.Tx) error {
		if _, err := tx.CreateInvite(ctx, store.TokenHash(token), time.Now().Add(time.Hour)); err != nil {
			return err
		}
		return tx.CreatePasswordReset(ctx, learner.UserID, store.TokenHash(store.NewLinkToken()), time.Now().Add(time.Hour))
	})
	if err != nil {
		t.Fatalf("admin creates links: %v", err)
	}

	for _, c := range []store.Caller{learner, vol} {
		ops := map[string]func(*store.Tx) error{
			"read invites": func(tx *store.Tx) error { _, err := tx.OpenInvites(ctx); return err },
			"create invite": func(tx *store.Tx) error {
				_, err := tx.CreateInvite(ctx, store.TokenHash(store.NewLinkToken()), time.Now().Add(time.Hour))
				return err
			},
			"create reset": func(tx *store.Tx) error {
				return tx.CreatePasswordReset(ctx, c.UserID, store.TokenHash(store.NewLinkToken()), time.Now().Add(time.Hour))
			},
			"list users":       func(tx *store.Tx) error { _, err := tx.ListUsers(ctx); return err },
			"own role → admin": func(tx *store.Tx) error { return tx.SetUserRole(ctx, c.UserID, store.RoleAdmin) },
			"other's role":     func(tx *store.Tx) error { return tx.SetUserRole(ctx, admin.UserID, store.RoleLearner) },
			"disable other":    func(tx *store.Tx) error { return tx.SetUserDisabled(ctx, admin.UserID, true) },
		}
		for name, op := range ops {
			t.Run(string(c.Role)+"/"+name, func(t *testing.T) {
				err := e.s.InTx(ctx, c, op)
				if !errors.Is(err, store.ErrForbidden) {
					t.Fatalf("got %v, want store.ErrForbidden", err)
				}
			})
		}
	}
	// Raw reads of the link tables, for every non-admin role (anonymous too).
	for _, c := range []store.Caller{store.Anonymous, learner, vol} {
		for _, table := range []string{"invites", "password_resets"} {
			t.Run(fmt.Sprintf("%s/select %s", c.Role, table), func(t *testing.T) {
				role := map[store.Role]string{store.RoleAnonymous: store.DBRoleAnonymous, store.RoleLearner: store.DBRoleLearner, store.RoleVolunteer: store.DBRoleVolunteer}[c.Role]
				conn, err := pgx.Connect(ctx, e.db.AppURL)
				if err != nil {
					t.Fatal(err)
				}
				defer conn.Close(context.Background())
				tag, err := runAs(t, conn, role, c.UserID, `SELECT * FROM `+table)
				checkOutcome(t, tag, err, refused)
				tag, err = runAs(t, conn, role, c.UserID, `SELECT auth_end_sessions_of($1)`, admin.UserID)
				checkOutcome(t, tag, err, refused)
			})
		}
	}
	var roles int
	if err := e.owner.QueryRow(ctx, `SELECT count(*) FROM users WHERE role = 'admin'`).Scan(&roles); err != nil || roles != 1 {
		t.Fatalf("%d admins after refused changes (%v)", roles, err)
	}

	// The admin sees the open invite, never a token; the database keeps
	// only the SHA-256.
	var open []store.Invite
	if err := e.s.ReadTx(ctx, admin, func(tx *store.Tx) (err error) { open, err = tx.OpenInvites(ctx); return err }); err != nil || len(open) != 1 {
		t.Fatalf("admin sees %d open invites (%v), want 1", len(open), err)
	}
	var stored []byte
	if err := e.owner.QueryRow(ctx, `SELECT token_hash FROM invites`).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	want := sha256.Sum256([]byte(token))
	if !bytes.Equal(stored, want[:]) || bytes.Contains(stored, []byte(token)) {
		t.Fatal("the stored invite is not the SHA-256 of its token")
	}

	// Sign-up still makes learners only, even with an invite open.
	var id *uuid.UUID
	conn, err := pgx.Connect(ctx, e.db.AppURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(context.Background()) //nolint:errcheck
	if _, err := tx.Exec(ctx, store.SwitchRoleSQL, store.DBRoleAnonymous, ""); err != nil {
		t.Fatal(err)
	}
	if err := tx.QueryRow(ctx, `SELECT auth_sign_up('newbie', 'N', 'h')`).Scan(&id); err != nil || id == nil {
		t.Fatalf("sign-up: %v", err)
	}
	var role string
	if err := tx.QueryRow(ctx, `SELECT role FROM auth_user_by_username('newbie')`).Scan(&role); err != nil || role != "learner" {
		t.Fatalf("sign-up made a %q (%v)", role, err)
	}
}

// Two concurrent accepts of one invite through the store: exactly one
// account; a taken username leaves the invite open.
func TestAcceptInviteConcurrent(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	admin := e.user(t, store.RoleAdmin)
	taken := e.user(t, store.RoleLearner)
	var takenName string
	if err := e.owner.QueryRow(ctx, `SELECT username FROM users WHERE id = $1`, taken.UserID).Scan(&takenName); err != nil {
		t.Fatal(err)
	}
	token := store.NewLinkToken()
	if err := e.s.InTx(ctx, admin, func(tx *store.Tx) error {
		_, err := tx.CreateInvite(ctx, store.TokenHash(token), time.Now().Add(time.Hour))
		return err
	}); err != nil {
		t.Fatal(err)
	}
	accept := func(username string) error {
		return e.s.InTx(ctx, store.Anonymous, func(tx *store.Tx) error {
			_, err := tx.AcceptInvite(ctx, store.TokenHash(token), username, "Someone", "hash")
			return err
		})
	}
	if err := accept(takenName); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("taken username: %v, want ErrConflict", err)
	}
	const n = 10
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { errs[i] = accept(fmt.Sprintf("racer%d", i)) })
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case errors.Is(err, store.ErrLinkUsed):
		default:
			t.Errorf("accept: %v", err)
		}
	}
	var accounts int
	if err := e.owner.QueryRow(ctx, `SELECT count(*) FROM users WHERE username LIKE 'racer%' AND role = 'volunteer'`).Scan(&accounts); err != nil {
		t.Fatal(err)
	}
	if ok != 1 || accounts != 1 {
		t.Fatalf("%d accepts succeeded, %d accounts; want exactly 1 each", ok, accounts)
	}
	var usedBy uuid.UUID
	if err := e.owner.QueryRow(ctx, `SELECT i.used_by FROM invites i JOIN users u ON u.id = i.used_by WHERE u.username LIKE 'racer%'`).Scan(&usedBy); err != nil {
		t.Fatalf("invite not marked used by the new account: %v", err)
	}
}

// The link tables have row-level security enabled and forced, with
// policies, and the columns their lookups filter on are indexed.
func TestInvitesTablesForcedRLS(t *testing.T) {
	e := newEnv(t)
	for _, table := range []string{"invites", "password_resets"} {
		var enabled, forced bool
		var policies int
		err := e.owner.QueryRow(t.Context(), `
			SELECT c.relrowsecurity, c.relforcerowsecurity,
			       (SELECT count(*) FROM pg_policies p WHERE p.schemaname = 'public' AND p.tablename = c.relname)::int
			FROM pg_class c WHERE c.oid = to_regclass('public.' || $1)`, table).Scan(&enabled, &forced, &policies)
		if err != nil {
			t.Fatal(err)
		}
		if !enabled || !forced || policies == 0 {
			t.Errorf("%s: enabled=%v forced=%v policies=%d", table, enabled, forced, policies)
		}
	}
	for _, idx := range []string{"invites_token_hash_key", "password_resets_token_hash_key", "password_resets_user_idx", "invites_used_by_idx"} {
		var n int
		if err := e.owner.QueryRow(t.Context(), `SELECT count(*) FROM pg_indexes WHERE schemaname = 'public' AND indexname = $1`, idx).Scan(&n); err != nil || n != 1 {
			t.Errorf("index %s: %d (%v)", idx, n, err)
		}
	}
}
