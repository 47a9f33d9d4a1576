package store_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/alexedwards/scs/pgxstore"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"

	"fieldbook/migrations"
	"fieldbook/store"
	"fieldbook/store/storetest"
)

// sessionWorld is a test database with the app's pool, a session store and
// an owner connection; live starts a LISTEN connection that keeps the
// store's cache serving until the test ends.
type sessionWorld struct {
	db       storetest.DB
	pool     *pgxpool.Pool
	owner    *pgx.Conn
	sessions *store.SessionStore
}

func newSessionWorld(t *testing.T, cacheSize int, live bool) *sessionWorld {
	t.Helper()
	ctx := context.Background()
	w := &sessionWorld{db: storetest.NewDB(t)}
	var err error
	if w.pool, err = store.Open(ctx, w.db.AppURL); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.pool.Close)
	if w.owner, err = pgx.Connect(ctx, w.db.OwnerURL); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.owner.Close(ctx) })
	w.sessions = store.NewSessionStore(w.pool, cacheSize)
	if live {
		lctx, stop := context.WithCancel(ctx)
		done := make(chan struct{})
		l := &store.ProgressListener{URL: w.db.AppURL, Sessions: w.sessions, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
		go func() { defer close(done); _ = l.Run(lctx) }()
		t.Cleanup(func() { stop(); <-done })
		w.waitFor(t, "the cache to go live", w.sessions.Live)
	}
	return w
}

// waitFor polls cond for up to 10 s: notifications arrive asynchronously.
func (w *sessionWorld) waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (w *sessionWorld) exec(t *testing.T, sql string, args ...any) {
	t.Helper()
	if _, err := w.owner.Exec(context.Background(), sql, args...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

func (w *sessionWorld) find(t *testing.T, token string) ([]byte, bool) {
	t.Helper()
	data, ok, err := w.sessions.Find(token)
	if err != nil {
		t.Fatal(err)
	}
	return data, ok
}

// rowVersion is the row's xmin: it changes with every write to the row.
func (w *sessionWorld) rowVersion(t *testing.T, token string) string {
	t.Helper()
	var v string
	if err := w.owner.QueryRow(context.Background(), `SELECT xmin::text FROM sessions WHERE token = $1`,
		store.SessionKey(token)).Scan(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

// The table keeps the token's SHA-256, never the token: the key found in
// the table does not work as a token.
func TestSessionTokensStoredHashed(t *testing.T) {
	w := newSessionWorld(t, 0, false)
	token := "a-session-token-from-a-cookie"
	if err := w.sessions.Commit(token, []byte("data"), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	var stored string
	if err := w.owner.QueryRow(context.Background(), `SELECT token FROM sessions`).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if stored == token || stored != store.SessionKey(token) || len(stored) != 64 {
		t.Fatalf("stored %q for token %q", stored, token)
	}
	if data, ok := w.find(t, token); !ok || string(data) != "data" {
		t.Fatalf("find by token: %q %v", data, ok)
	}
	if _, ok := w.find(t, stored); ok {
		t.Fatal("the stored key works as a token")
	}
	if err := w.sessions.Delete(token); err != nil {
		t.Fatal(err)
	}
	if _, ok := w.find(t, token); ok {
		t.Fatal("found after delete")
	}
}

// Sessions saved by the plain pgxstore (raw tokens in the same table, as
// before migration 00012) keep working after the migration, as do their
// user_sessions records.
func TestSessionMigrationKeepsLiveSessions(t *testing.T) {
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, storetest.Shared().AdminURL)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	name := fmt.Sprintf("fieldbook_premig_%d", time.Now().UnixNano())
	if _, err := admin.Exec(ctx, `CREATE DATABASE `+name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = admin.Exec(context.Background(), `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`) })
	url := storetest.Shared().URLFor(name, "", "")
	cfg, _ := pgx.ParseConfig(url)
	sqlDB := stdlib.OpenDB(*cfg)
	defer sqlDB.Close()
	provider, err := goose.NewProvider(goose.DialectPostgres, sqlDB, migrations.FS)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := provider.UpTo(ctx, 11); err != nil {
		t.Fatal(err)
	}
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	token := "tokenFromBeforeTheMigration0123456789abcdef"
	var user uuid.UUID
	if err := pool.QueryRow(ctx, `INSERT INTO users (username, display_name, password_hash) VALUES ('old', 'Old', 'h') RETURNING id`).Scan(&user); err != nil {
		t.Fatal(err)
	}
	old := pgxstore.NewWithCleanupInterval(pool, 0)
	if err := old.Commit(token, []byte("old data"), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `INSERT INTO user_sessions (token, user_id) VALUES ($1, $2)`, token, user); err != nil {
		t.Fatal(err)
	}
	if _, err := provider.Up(ctx); err != nil {
		t.Fatal(err)
	}
	data, ok, err := store.NewSessionStore(pool, 0).Find(token)
	if err != nil || !ok || !bytes.Equal(data, []byte("old data")) {
		t.Fatalf("a session from before the migration: %q %v %v", data, ok, err)
	}
	var n int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM user_sessions WHERE token = $1`, store.SessionKey(token)).Scan(&n); err != nil || n != 1 {
		t.Fatalf("the session's record was not rehashed: %d %v", n, err)
	}
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM sessions WHERE token = $1`, token).Scan(&n); err != nil || n != 0 {
		t.Fatalf("a raw token is still stored: %d %v", n, err)
	}
}

// While live, the cache answers without PostgreSQL (a change made with the
// notification trigger off goes unseen); a notified change is seen.
func TestSessionCacheServesAndIsInvalidated(t *testing.T) {
	w := newSessionWorld(t, 0, true)
	token := "cached-token"
	if err := w.sessions.Commit(token, []byte("v1"), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if data, ok := w.find(t, token); !ok || string(data) != "v1" {
		t.Fatalf("first find: %q %v", data, ok)
	}
	w.exec(t, `ALTER TABLE sessions DISABLE TRIGGER sessions_changed`)
	w.exec(t, `UPDATE sessions SET data = 'v2'`)
	w.exec(t, `ALTER TABLE sessions ENABLE TRIGGER sessions_changed`)
	if data, _ := w.find(t, token); string(data) != "v1" {
		t.Fatalf("the cache did not serve: %q", data)
	}
	// A request that changes data reads the session fresh.
	if data, _, err := w.sessions.FindCtx(store.FreshSessions(context.Background()), token); err != nil || string(data) != "v2" {
		t.Fatalf("a fresh read got %q (%v), want the stored v2", data, err)
	}
	// A notified change (another instance signs the session out).
	w.exec(t, `DELETE FROM sessions WHERE token = $1`, store.SessionKey(token))
	w.waitFor(t, "the deleted session to be refused", func() bool { _, ok := w.find(t, token); return !ok })
}

// A change to the user (role, disabled, password) drops their cached
// sessions on every instance.
func TestSessionCacheDropsAUsersSessions(t *testing.T) {
	w := newSessionWorld(t, 0, true)
	var user uuid.UUID
	if err := w.owner.QueryRow(context.Background(), `INSERT INTO users (username, display_name, password_hash) VALUES ('ula', 'Ula', 'h') RETURNING id`).Scan(&user); err != nil {
		t.Fatal(err)
	}
	w.sessions.SetPolicy(func([]byte) (store.SessionInfo, error) {
		return store.SessionInfo{User: user, Deadline: time.Now().Add(time.Hour)}, nil
	})
	token := "users-token"
	if err := w.sessions.Commit(token, []byte("v1"), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	w.find(t, token)
	w.exec(t, `ALTER TABLE sessions DISABLE TRIGGER sessions_changed`)
	w.exec(t, `UPDATE sessions SET data = 'v2'`)
	w.exec(t, `ALTER TABLE sessions ENABLE TRIGGER sessions_changed`)
	if data, _ := w.find(t, token); string(data) != "v1" {
		t.Fatalf("the cache did not serve: %q", data)
	}
	w.exec(t, `UPDATE users SET role = 'volunteer' WHERE id = $1`, user)
	w.waitFor(t, "the user's change to reach the cache", func() bool { d, _ := w.find(t, token); return string(d) == "v2" })
}

// Without a LISTEN connection the cache never serves: every find reads
// PostgreSQL. And a cache that loses its connection empties.
func TestSessionCacheBypassedWhileNotListening(t *testing.T) {
	w := newSessionWorld(t, 0, false)
	token := "uncached-token"
	if err := w.sessions.Commit(token, []byte("v1"), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	w.find(t, token)
	w.exec(t, `ALTER TABLE sessions DISABLE TRIGGER sessions_changed`)
	w.exec(t, `UPDATE sessions SET data = 'v2'`)
	if data, _ := w.find(t, token); string(data) != "v2" {
		t.Fatalf("served %q from a cache that cannot hear changes", data)
	}
	w.sessions.SetLive(true)
	w.find(t, token)
	w.exec(t, `UPDATE sessions SET data = 'v3'`)
	w.sessions.SetLive(false) // the connection dropped
	w.sessions.SetLive(true)  // and came back: nothing from before is served
	if data, _ := w.find(t, token); string(data) != "v3" {
		t.Fatalf("served %q cached before the connection dropped", data)
	}
}

// The cache holds at most its size.
func TestSessionCacheIsBounded(t *testing.T) {
	w := newSessionWorld(t, 3, true)
	for i := range 6 {
		token := fmt.Sprintf("bounded-%d", i)
		if err := w.sessions.Commit(token, []byte("x"), time.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		w.find(t, token)
	}
	w.exec(t, `ALTER TABLE sessions DISABLE TRIGGER sessions_changed`)
	w.exec(t, `UPDATE sessions SET data = 'y'`)
	served := 0
	for i := range 6 {
		if d, _ := w.find(t, fmt.Sprintf("bounded-%d", i)); string(d) == "x" {
			served++
		}
	}
	if served > 3 {
		t.Fatalf("%d of 6 sessions served from a cache of 3", served)
	}
}

// A cached session past its expiry is read again before it is refused:
// another instance may have extended it.
func TestSessionCacheRereadsBeforeRefusing(t *testing.T) {
	w := newSessionWorld(t, 0, true)
	token := "short-token"
	if err := w.sessions.Commit(token, []byte("x"), time.Now().Add(300*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	w.find(t, token)
	w.exec(t, `ALTER TABLE sessions DISABLE TRIGGER sessions_changed`)
	w.exec(t, `UPDATE sessions SET expiry = now() + interval '1 hour'`)
	time.Sleep(400 * time.Millisecond)
	if _, ok := w.find(t, token); !ok {
		t.Fatal("refused a session another instance had extended")
	}
}

// Idle expiry without a write per request: finds leave the row alone until
// its expiry lags ExtendEvery behind, then one find extends it. (No cache
// here, so every find reads the row: none writes it.)
func TestSessionIdleExpiryWritesRarely(t *testing.T) {
	w := newSessionWorld(t, 0, false)
	w.sessions.SetPolicy(func([]byte) (store.SessionInfo, error) {
		return store.SessionInfo{Deadline: time.Now().Add(24 * time.Hour), Idle: time.Hour}, nil
	})
	token := "idle-token"
	if err := w.sessions.Commit(token, []byte("x"), time.Now().Add(24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	var expiry time.Time
	if err := w.owner.QueryRow(context.Background(), `SELECT expiry FROM sessions`).Scan(&expiry); err != nil {
		t.Fatal(err)
	}
	if d := time.Until(expiry); d > time.Hour || d < 59*time.Minute {
		t.Fatalf("stored expiry %v away, want the idle timeout", d)
	}
	before := w.rowVersion(t, token)
	for range 20 {
		if _, ok := w.find(t, token); !ok {
			t.Fatal("not found")
		}
	}
	if after := w.rowVersion(t, token); after != before {
		t.Fatal("finding a session wrote it")
	}
	// An expiry that lags (the session was last extended 10 minutes ago).
	w.exec(t, `UPDATE sessions SET expiry = now() + interval '50 minutes'`)
	w.find(t, token)
	if err := w.owner.QueryRow(context.Background(), `SELECT expiry FROM sessions`).Scan(&expiry); err != nil {
		t.Fatal(err)
	}
	if d := time.Until(expiry); d < 59*time.Minute {
		t.Fatalf("a session used after 10 idle minutes still expires in %v", d)
	}
}
