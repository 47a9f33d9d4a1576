package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"log/slog"
	"math"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"fieldbook/internal/password"
	"fieldbook/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

// cli runs the command line in-process with the given stdin.
func cli(t *testing.T, stdin string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errb bytes.Buffer
	err = run(context.Background(), args, strings.NewReader(stdin), &out, &errb)
	return out.String(), errb.String(), err
}

func ownerCount(t *testing.T, url, sql string) int {
	t.Helper()
	return ownerScan[int](t, url, sql)
}

// ownerString is a query's one text value, as the schema owner.
func ownerString(t *testing.T, url, sql string) string {
	t.Helper()
	return ownerScan[string](t, url, sql)
}

func ownerScan[T any](t *testing.T, url, sql string) T {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var v T
	if err := conn.QueryRow(context.Background(), sql).Scan(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestHelp(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"help"}} {
		out, _, err := cli(t, "", args...)
		if err != nil || !strings.Contains(out, "fieldbook serve") {
			t.Fatalf("%v: err %v, output %q", args, err, out)
		}
	}
	for _, args := range [][]string{{"serve", "--help"}, {"migrate", "-h"}, {"demo", "--help"}, {"user", "add", "--help"}} {
		_, errOut, err := cli(t, "", args...)
		if !errors.Is(err, flag.ErrHelp) || errOut == "" {
			t.Fatalf("%v: want help (flag.ErrHelp, exit 0) with text, got %v %q", args, err, errOut)
		}
	}
	if _, _, err := cli(t, "", "user", "--help"); err != nil {
		t.Fatalf("user --help: %v", err)
	}
}

func TestUsageErrors(t *testing.T) {
	t.Setenv("DATABASE_URL", "")
	t.Setenv("FIELDBOOK_MIGRATE_DATABASE_URL", "")
	cases := []struct {
		args []string
		want string
	}{
		{nil, "no command"},
		{[]string{"frobnicate"}, "unknown command"},
		{[]string{"user"}, "subcommand"},
		{[]string{"user", "remove"}, "unknown user subcommand"},
		{[]string{"user", "add", "--username", "x", "--role", "admin"}, "--username"},
		{[]string{"user", "add", "--username", "ada", "--role", "wizard"}, "--role"},
		{[]string{"user", "passwd"}, "--username is required"},
		{[]string{"migrate"}, "DATABASE_URL is not set"},
		{[]string{"serve"}, "DATABASE_URL is not set"},
	}
	for _, c := range cases {
		_, _, err := cli(t, "long enough password\n", c.args...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: error %v, want one containing %q", c.args, err, c.want)
		}
	}
}

func TestServeRefusesInsecureProduction(t *testing.T) {
	t.Setenv("DATABASE_URL", "postgres://x@127.0.0.1:1/x")
	t.Setenv("FIELDBOOK_ENV", "production")
	t.Setenv("FIELDBOOK_COOKIE_SECURE", "false")
	_, _, err := cli(t, "", "serve")
	if err == nil || !strings.Contains(err.Error(), "FIELDBOOK_COOKIE_SECURE=false is refused in production") {
		t.Fatalf("serve in production with an insecure cookie: %v", err)
	}
	t.Setenv("FIELDBOOK_ENV", "staging")
	if _, _, err := cli(t, "", "serve"); err == nil || !strings.Contains(err.Error(), "FIELDBOOK_ENV must be") {
		t.Fatalf("serve with a bad FIELDBOOK_ENV: %v", err)
	}
}

func TestUserAddAndDemo(t *testing.T) {
	db := storetest.NewDB(t)
	t.Setenv("DATABASE_URL", db.AppURL)
	t.Setenv("FIELDBOOK_MIGRATE_DATABASE_URL", db.OwnerURL)

	if out, _, err := cli(t, "", "migrate"); err != nil || !strings.Contains(out, "up to date") {
		t.Fatalf("migrate on a migrated database: %v %q", err, out)
	}

	// A short password is refused before anything is written.
	if _, _, err := cli(t, "short\n", "user", "add", "--username", "ada", "--role", "admin"); err == nil ||
		!strings.Contains(err.Error(), "at least 8") {
		t.Fatalf("short password: %v", err)
	}
	if n := ownerCount(t, db.OwnerURL, `SELECT count(*) FROM users`); n != 0 {
		t.Fatalf("a refused user add created %d users", n)
	}
	out, _, err := cli(t, "a long admin passphrase\n", "user", "add", "--username", "Ada", "--role", "admin", "--name", "Ada L")
	if err != nil || !strings.Contains(out, `created admin "ada"`) {
		t.Fatalf("user add: %v %q", err, out)
	}
	if n := ownerCount(t, db.OwnerURL, `SELECT count(*) FROM users WHERE username = 'ada' AND role = 'admin' AND display_name = 'Ada L'`); n != 1 {
		t.Fatalf("admin rows: %d", n)
	}
	if _, _, err := cli(t, "another long passphrase\n", "user", "add", "--username", "ADA", "--role", "learner"); err == nil ||
		!strings.Contains(err.Error(), "taken") {
		t.Fatalf("duplicate username (case-insensitive): %v", err)
	}
	if _, _, err := cli(t, "a new long passphrase\n", "user", "passwd", "--username", "nobody"); err == nil ||
		!strings.Contains(err.Error(), `no user "nobody"`) {
		t.Fatalf("passwd for an unknown user: %v", err)
	}
	if out, _, err := cli(t, "a new long passphrase\n", "user", "passwd", "--username", "ada"); err != nil || !strings.Contains(out, "password changed") {
		t.Fatalf("passwd: %v %q", err, out)
	}

	// demo: creates accounts and courses once; the second run changes nothing.
	out, _, err = cli(t, "", "demo")
	if err != nil || strings.Count(out, "with password") != 2 {
		t.Fatalf("demo: %v %q", err, out)
	}
	courses := ownerCount(t, db.OwnerURL, `SELECT count(*) FROM courses WHERE published`)
	lessons := ownerCount(t, db.OwnerURL, `SELECT count(*) FROM lessons WHERE published`)
	if courses < 2 || lessons < 10 {
		t.Fatalf("demo made %d courses and %d lessons", courses, lessons)
	}
	// Quizzes: every demo course has one, the translated ones too,
	// practice and check both, each served as a single version of its
	// published lesson.
	const quizzes = `SELECT count(DISTINCT l.course_id) || ' ' || count(*) FILTER (WHERE v.mode = 'practice') || ' ' ||
		count(*) FILTER (WHERE v.mode = 'check') || ' ' || count(*) FILTER (WHERE v.served AND v.questions >= 5 AND z.version = 1)
		FROM quizzes z JOIN quiz_versions v ON v.lesson_id = z.lesson_id JOIN lessons l ON l.id = z.lesson_id AND l.published`
	if got := ownerString(t, db.OwnerURL, quizzes); got != "5 3 2 5" {
		t.Fatalf("demo quizzes (courses, practice, check, served single versions) = %s, want 5 3 2 5", got)
	}
	out, _, err = cli(t, "", "demo")
	if err != nil || strings.Contains(out, "with password") || !strings.Contains(out, "exists") || strings.Contains(out, "quiz") {
		t.Fatalf("second demo: %v %q", err, out)
	}
	if c, l := ownerCount(t, db.OwnerURL, `SELECT count(*) FROM courses`), ownerCount(t, db.OwnerURL, `SELECT count(*) FROM lessons`); c != courses || l != lessons {
		t.Fatalf("second demo changed the data: %d/%d courses, %d/%d lessons", c, courses, l, lessons)
	}
	if got := ownerString(t, db.OwnerURL, quizzes); got != "5 3 2 5" {
		t.Fatalf("second demo changed the quizzes: %s", got)
	}
}

func TestConfigValidate(t *testing.T) {
	cases := []struct {
		env  map[string]string
		want string // "" valid
	}{
		{map[string]string{}, ""},
		{map[string]string{"FIELDBOOK_CORS_ORIGINS": "https://a.example, http://localhost:3000"}, ""},
		{map[string]string{"FIELDBOOK_CORS_ORIGINS": "*"}, "FIELDBOOK_CORS_ORIGINS"},
		{map[string]string{"FIELDBOOK_CORS_ORIGINS": "https://*.example"}, "FIELDBOOK_CORS_ORIGINS"},
		{map[string]string{"FIELDBOOK_CORS_ORIGINS": "https://a.example/path"}, "FIELDBOOK_CORS_ORIGINS"},
		{map[string]string{"FIELDBOOK_CORS_ORIGINS": "ftp://a.example"}, "FIELDBOOK_CORS_ORIGINS"},
		{map[string]string{"FIELDBOOK_TRUSTED_PROXIES": "10.0.0.0/8, 127.0.0.1, ::1"}, ""},
		{map[string]string{"FIELDBOOK_TRUSTED_PROXIES": "proxy.local"}, "FIELDBOOK_TRUSTED_PROXIES"},
		{map[string]string{"FIELDBOOK_COOKIE_SECURE": "maybe"}, "FIELDBOOK_COOKIE_SECURE"},
		{map[string]string{"FIELDBOOK_ENV": "production"}, ""},
		{map[string]string{"FIELDBOOK_ENV": "production", "FIELDBOOK_COOKIE_SECURE": "no"}, "refused in production"},
		{map[string]string{"FIELDBOOK_SESSION_IDLE": "168h", "FIELDBOOK_SESSION_LIFETIME": "720h"}, ""},
		{map[string]string{"FIELDBOOK_SESSION_IDLE": "soon"}, "FIELDBOOK_SESSION_IDLE"},
		{map[string]string{"FIELDBOOK_ADMIN_SESSION_LIFETIME": "5s"}, "FIELDBOOK_ADMIN_SESSION_LIFETIME"},
		{map[string]string{"FIELDBOOK_ADMIN_SESSION_IDLE": "48h"}, "idle timeout cannot be longer"},
		{map[string]string{"FIELDBOOK_MEMORY_LIMIT_MIB": "0"}, ""},
		{map[string]string{"FIELDBOOK_MEMORY_LIMIT_MIB": "128"}, ""},
		{map[string]string{"FIELDBOOK_MEMORY_LIMIT_MIB": "16"}, "FIELDBOOK_MEMORY_LIMIT_MIB"},
		{map[string]string{"FIELDBOOK_MEMORY_LIMIT_MIB": "64MB"}, "FIELDBOOK_MEMORY_LIMIT_MIB"},
	}
	for _, c := range cases {
		for _, k := range []string{"FIELDBOOK_CORS_ORIGINS", "FIELDBOOK_TRUSTED_PROXIES", "FIELDBOOK_COOKIE_SECURE", "FIELDBOOK_ENV",
			"FIELDBOOK_SESSION_IDLE", "FIELDBOOK_SESSION_LIFETIME", "FIELDBOOK_ADMIN_SESSION_IDLE", "FIELDBOOK_ADMIN_SESSION_LIFETIME",
			"FIELDBOOK_MEMORY_LIMIT_MIB"} {
			t.Setenv(k, c.env[k])
		}
		t.Setenv("DATABASE_URL", "postgres://x@localhost/x")
		err := loadConfig().Validate()
		if (c.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), c.want)) {
			t.Errorf("%v: Validate() = %v, want %q", c.env, err, c.want)
		}
	}
	t.Setenv("FIELDBOOK_ENV", "")
	t.Setenv("FIELDBOOK_COOKIE_SECURE", "")
	t.Setenv("FIELDBOOK_TRUSTED_PROXIES", "127.0.0.1")
	if cfg := loadConfig(); cfg.CookieSecure || len(cfg.TrustedProxies) != 1 || cfg.TrustedProxies[0].String() != "127.0.0.1/32" {
		t.Fatalf("development defaults: %+v", cfg)
	}
}

// The memory budget sets the soft limit and how many 19 MiB password hashes
// run at once: one under the default 36 MiB, one per core without a limit.
func TestMemoryBudget(t *testing.T) {
	t.Setenv("GOMEMLIMIT", "")
	prev := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(prev); password.SetHashConcurrency(runtime.NumCPU()) })
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	for _, c := range []struct {
		mib       int
		wantLimit int64
		wantSlots int
	}{
		{36, 36 << 20, 1},
		{0, math.MaxInt64, runtime.NumCPU()},
		{17 + 19*2, (17 + 19*2) << 20, min(2, runtime.NumCPU())},
		{17 + 19*64, (17 + 19*64) << 20, min(64, runtime.NumCPU())},
	} {
		debug.SetMemoryLimit(math.MaxInt64)
		applyMemoryLimit(Config{MemoryLimitMiB: c.mib}, log)
		if got := debug.SetMemoryLimit(-1); got != c.wantLimit {
			t.Errorf("%d MiB: limit %d, want %d", c.mib, got, c.wantLimit)
		}
		if got := password.HashConcurrency(); got != c.wantSlots {
			t.Errorf("%d MiB: %d concurrent hashes, want %d", c.mib, got, c.wantSlots)
		}
	}
}
