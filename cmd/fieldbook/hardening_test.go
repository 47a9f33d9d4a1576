package main

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"fieldbook/store"
	"fieldbook/store/storetest"
)

// serveInProcess runs `fieldbook serve` with the environment as set and
// returns its address once /readyz answers 200; it stops with the test.
func serveInProcess(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	t.Setenv("FIELDBOOK_ADDR", addr)
	ctx, cancel := context.WithCancel(context.Background())
	stderr, err := os.Create(filepath.Join(t.TempDir(), "serve.log"))
	if err != nil {
		t.Fatal(err)
	}
	log := func() string { b, _ := os.ReadFile(stderr.Name()); return string(b) }
	errc := make(chan error, 1)
	go func() { errc <- run(ctx, []string{"serve"}, strings.NewReader(""), io.Discard, stderr) }()
	t.Cleanup(func() {
		cancel()
		<-errc
	})
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		select {
		case err := <-errc:
			errc <- err
			t.Fatalf("serve stopped: %v\n%s", err, log())
		default:
		}
		if res, err := http.Get("http://" + addr + "/readyz"); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return addr
			}
		}
	}
	t.Fatalf("serve never became ready:\n%s", log())
	return ""
}

// Item 12: `serve` needs only the app's role: it does not migrate (that is
// `fieldbook migrate`, a one-shot step), and refuses to serve a database
// whose schema is older than the binary, saying what to run.
func TestServeNeedsOnlyTheAppRole(t *testing.T) {
	db := storetest.NewDB(t)
	t.Setenv("DATABASE_URL", db.AppURL)
	t.Setenv("FIELDBOOK_MIGRATE_DATABASE_URL", "")
	t.Setenv("FIELDBOOK_ENV", "development")
	serveInProcess(t)

	old := storetest.NewDB(t)
	conn, err := pgx.Connect(context.Background(), old.OwnerURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(context.Background(),
		`DELETE FROM goose_db_version WHERE version_id = (SELECT max(version_id) FROM goose_db_version)`); err != nil {
		t.Fatal(err)
	}
	t.Setenv("DATABASE_URL", old.AppURL)
	if _, _, err := cli(t, "", "serve"); err == nil || !strings.Contains(err.Error(), "fieldbook migrate") {
		t.Fatalf("serve on an old schema: %v", err)
	}
}

// Item 8: serve purges, at start and then hourly, change ids older than
// FIELDBOOK_CHANGE_RETENTION and throttle rows that no longer count; newer
// change ids and the progress itself stay.
func TestServePurgesOldRows(t *testing.T) {
	w := storetest.NewWorld(t).SeedProgress(t)
	db := w.DB
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, db.OwnerURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	// The learner's completion of the first lesson, sent 3 days and 2 hours ago.
	w.Exec(t, `INSERT INTO progress_changes (id, student_id, lesson_id, completed, client_at, outcome, received_at)
		SELECT gen_random_uuid(), $1, $2, true, now() - d, 'applied', now() - d
		FROM unnest(ARRAY[interval '3 days', interval '2 hours']) d`, w.Learner.ID(), w.Course.Lessons[0])
	if _, err := conn.Exec(ctx, `INSERT INTO login_throttle (key, failures, last_failure) VALUES
		('user:old', 3, now() - interval '2 hours'), ('user:recent', 3, now())`); err != nil {
		t.Fatal(err)
	}
	t.Setenv("DATABASE_URL", db.AppURL)
	t.Setenv("FIELDBOOK_ENV", "development")
	t.Setenv("FIELDBOOK_CHANGE_RETENTION", "24h")
	progress := w.Count(t, `SELECT count(*) FROM student_progress`)
	serveInProcess(t)
	count := func(sql string) int {
		var n int
		if err := conn.QueryRow(ctx, sql).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	for deadline := time.Now().Add(20 * time.Second); count(`SELECT count(*) FROM progress_changes`) != 1; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d change ids after the purge, want the recent one only", count(`SELECT count(*) FROM progress_changes`))
		}
	}
	if n := count(`SELECT count(*) FROM progress_changes WHERE received_at > now() - interval '1 day'`); n != 1 {
		t.Errorf("the recent change id went")
	}
	if n := count(`SELECT count(*) FROM login_throttle`); n != 1 || count(`SELECT count(*) FROM login_throttle WHERE key = 'user:recent'`) != 1 {
		t.Errorf("throttle rows after the purge: %d, want the recent one only", n)
	}
	if n := count(`SELECT count(*) FROM student_progress`); n != progress || progress == 0 {
		t.Errorf("the purge touched progress: %d rows, want %d", n, progress)
	}
}

// Item 10: `fieldbook user passwd` ends the user's sessions, as a password
// change in the app does: a browser signed in before is signed out.
func TestUserPasswdEndsSessions(t *testing.T) {
	db := storetest.NewDB(t)
	t.Setenv("DATABASE_URL", db.AppURL)
	if _, _, err := cli(t, "the first long password\n", "user", "add", "--username", "lena", "--role", "learner"); err != nil {
		t.Fatal(err)
	}
	pool, err := store.Open(context.Background(), db.AppURL)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	// The server serve builds, with Config's defaults.
	built, _, _, err := newServer(store.New(pool), loadConfig(), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(built.Handler)
	defer srv.Close()
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := browser.PostForm(srv.URL+"/login", url.Values{"username": {"lena"}, "password": {"the first long password"}})
	if err != nil || res.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign in: %v %v", err, res)
	}
	res.Body.Close()
	account := func() int {
		res, err := browser.Get(srv.URL + "/account")
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if s := account(); s != http.StatusOK {
		t.Fatalf("signed in, /account: %d", s)
	}
	if out, _, err := cli(t, "the second long password\n", "user", "passwd", "--username", "lena"); err != nil || !strings.Contains(out, "password changed") {
		t.Fatalf("user passwd: %v %q", err, out)
	}
	if s := account(); s != http.StatusSeeOther {
		t.Errorf("after user passwd, the old session still works: /account %d", s)
	}
	if n := ownerCount(t, db.OwnerURL, `SELECT count(*) FROM user_sessions`); n != 0 {
		t.Errorf("%d session records left", n)
	}
}
