// Package storetest gives tests a real PostgreSQL. Each test binary starts one
// throwaway cluster in a fresh temporary directory (as the postgres user when
// running as root, since PostgreSQL refuses to run as root), migrates a
// template database once, and hands every test its own database copied from
// that template: isolated, and fast because CREATE DATABASE … TEMPLATE is a
// file copy. Set FIELDBOOK_TEST_DATABASE_URL to a superuser URL to use an
// existing server instead. Tests never skip for want of a database.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"fieldbook/store"
)

// AppPassword is the password the test cluster gives the fieldbook_app login
// role. The cluster listens on a private Unix socket only.
const AppPassword = "fieldbook-test-only"

var (
	server   *Server
	template string
	counter  atomic.Int64
)

// Server is a running PostgreSQL cluster owned by this test binary.
type Server struct {
	// AdminURL is a superuser URL to the "postgres" database.
	AdminURL string
	dir      string
	dataDir  string
	cmd      *exec.Cmd
	uid, gid int
	bin      string
	external bool
}

// Main starts the database, runs the tests, stops the database and exits.
// Call it from TestMain.
func Main(m *testing.M) {
	os.Exit(Run(m))
}

// Run is Main without the exit, for a TestMain with its own clean-up.
func Run(m *testing.M) int {
	var err error
	server, err = Start()
	if err != nil {
		fmt.Fprintln(os.Stderr, "storetest:", err)
		return 1
	}
	defer server.Stop()
	template, err = server.prepareTemplate()
	if err != nil {
		fmt.Fprintln(os.Stderr, "storetest:", err)
		return 1
	}
	defer server.dropDatabase(template)
	return m.Run()
}

// Shared returns the server Main started.
func Shared() *Server { return server }

// Start starts a throwaway cluster, or connects to FIELDBOOK_TEST_DATABASE_URL.
func Start() (*Server, error) {
	if u := os.Getenv("FIELDBOOK_TEST_DATABASE_URL"); u != "" {
		return &Server{AdminURL: u, external: true}, nil
	}
	bin, err := findBinDir()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "fieldbook-pg-")
	if err != nil {
		return nil, fmt.Errorf("temp dir: %w", err)
	}
	s := &Server{dir: dir, dataDir: filepath.Join(dir, "data"), bin: bin, uid: -1, gid: -1}
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			return nil, fmt.Errorf("running as root needs a postgres user to run PostgreSQL: %w", err)
		}
		s.uid, _ = strconv.Atoi(u.Uid)
		s.gid, _ = strconv.Atoi(u.Gid)
		if err := os.Chown(dir, s.uid, s.gid); err != nil {
			return nil, fmt.Errorf("chown temp dir: %w", err)
		}
	}
	initdb := s.command(filepath.Join(bin, "initdb"), "-D", s.dataDir, "-U", "postgres",
		"--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C")
	if out, err := initdb.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("initdb: %w\n%s", err, out)
	}
	if err := s.startPostgres(); err != nil {
		return nil, err
	}
	s.AdminURL = (&url.URL{Scheme: "postgres", User: url.User("postgres"), Path: "/postgres",
		RawQuery: url.Values{"host": {dir}, "sslmode": {"disable"}}.Encode()}).String()
	if err := waitReady(s.AdminURL, 60*time.Second); err != nil {
		log, _ := os.ReadFile(filepath.Join(dir, "postgres.log"))
		s.Stop()
		return nil, fmt.Errorf("postgres did not start: %w\n%s", err, log)
	}
	return s, nil
}

func (s *Server) command(name string, args ...string) *exec.Cmd {
	cmd := exec.Command(name, args...)
	cmd.Dir = s.dir
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	cmd.SysProcAttr = &syscall.SysProcAttr{}
	if s.uid >= 0 {
		cmd.SysProcAttr.Credential = &syscall.Credential{Uid: uint32(s.uid), Gid: uint32(s.gid)}
	}
	return cmd
}

func (s *Server) startPostgres() error {
	logf, err := os.OpenFile(filepath.Join(s.dir, "postgres.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("postgres log: %w", err)
	}
	cmd := s.command(filepath.Join(s.bin, "postgres"), "-D", s.dataDir, "-k", s.dir,
		"-c", "listen_addresses=", "-c", "fsync=off", "-c", "synchronous_commit=off",
		"-c", "full_page_writes=off", "-c", "max_connections=300", "-c", "shared_buffers=64MB")
	cmd.Stdout, cmd.Stderr = logf, logf
	// If the test binary dies, PostgreSQL gets an immediate-shutdown signal.
	cmd.SysProcAttr.Pdeathsig = syscall.SIGQUIT
	cmd.SysProcAttr.Setpgid = true
	if err := cmd.Start(); err != nil {
		logf.Close()
		return fmt.Errorf("start postgres: %w", err)
	}
	s.cmd = cmd
	go func() { _ = cmd.Wait(); logf.Close() }()
	return nil
}

// Stop shuts the cluster down (fast mode) and removes its directory.
func (s *Server) Stop() {
	if s == nil || s.external {
		return
	}
	s.stopPostgres()
	_ = os.RemoveAll(s.dir)
}

func (s *Server) stopPostgres() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGINT)
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if err := s.cmd.Process.Signal(syscall.Signal(0)); err != nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	_ = s.cmd.Process.Kill()
	s.cmd = nil
}

// Restart stops PostgreSQL (fast shutdown) and starts it again after pause,
// for tests of reconnection. It waits until the server answers.
func (s *Server) Restart(pause time.Duration) error {
	if s.external {
		return errors.New("storetest: cannot restart an external server")
	}
	s.stopPostgres()
	time.Sleep(pause)
	if err := s.startPostgres(); err != nil {
		return err
	}
	return waitReady(s.AdminURL, 60*time.Second)
}

func findBinDir() (string, error) {
	if p, err := exec.LookPath("postgres"); err == nil {
		return filepath.Dir(p), nil
	}
	if out, err := exec.Command("pg_config", "--bindir").Output(); err == nil {
		dir := string(out[:len(out)-1])
		if _, err := os.Stat(filepath.Join(dir, "postgres")); err == nil {
			return dir, nil
		}
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool {
		vi, _ := strconv.Atoi(filepath.Base(filepath.Dir(dirs[i])))
		vj, _ := strconv.Atoi(filepath.Base(filepath.Dir(dirs[j])))
		return vi > vj
	})
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "postgres")); err == nil {
			return d, nil
		}
	}
	return "", errors.New("no PostgreSQL server binaries found (install postgresql, e.g. apt-get install postgresql-15)")
}

func waitReady(dsn string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	var last error
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		conn, err := pgx.Connect(ctx, dsn)
		if err == nil {
			err = conn.Ping(ctx)
			conn.Close(ctx)
		}
		cancel()
		if err == nil {
			return nil
		}
		last = err
		time.Sleep(100 * time.Millisecond)
	}
	return last
}

func (s *Server) exec(sql string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, s.AdminURL)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, sql)
	return err
}

// URLFor returns a URL to database name as user (with password, if any).
func (s *Server) URLFor(name, user, password string) string {
	u, err := url.Parse(s.AdminURL)
	if err != nil {
		panic(err)
	}
	if user != "" {
		if password != "" {
			u.User = url.UserPassword(user, password)
		} else {
			u.User = url.User(user)
		}
	}
	u.Path = "/" + name
	return u.String()
}

func (s *Server) prepareTemplate() (string, error) {
	name := fmt.Sprintf("fieldbook_tpl_%d_%d", os.Getpid(), time.Now().UnixNano()%1e6)
	if err := s.exec(`CREATE DATABASE ` + pgx.Identifier{name}.Sanitize()); err != nil {
		return "", fmt.Errorf("create template: %w", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	if _, err := store.Migrate(ctx, s.URLFor(name, "", "")); err != nil {
		return "", fmt.Errorf("migrate template: %w", err)
	}
	if err := s.exec(`ALTER ROLE fieldbook_app LOGIN PASSWORD '` + AppPassword + `'`); err != nil {
		return "", fmt.Errorf("enable app role: %w", err)
	}
	return name, nil
}

func (s *Server) dropDatabase(name string) {
	_ = s.exec(`DROP DATABASE IF EXISTS ` + pgx.Identifier{name}.Sanitize() + ` WITH (FORCE)`)
}

// DB is one test's own migrated database.
type DB struct {
	Name string
	// OwnerURL connects as the superuser that owns the schema.
	OwnerURL string
	// AppURL connects as fieldbook_app, the production login role: it owns
	// nothing and reaches data only through the caller roles.
	AppURL string
}

// NewDB creates a fresh database from the migrated template and drops it when
// the test ends.
func NewDB(t testing.TB) DB {
	t.Helper()
	if server == nil {
		t.Fatal("storetest: call storetest.Main from TestMain")
	}
	name := fmt.Sprintf("%s_t%d", template, counter.Add(1))
	if err := server.exec(`CREATE DATABASE ` + pgx.Identifier{name}.Sanitize() +
		` TEMPLATE ` + pgx.Identifier{template}.Sanitize()); err != nil {
		t.Fatalf("storetest: create database: %v", err)
	}
	t.Cleanup(func() { server.dropDatabase(name) })
	return DB{
		Name:     name,
		OwnerURL: server.URLFor(name, "", ""),
		AppURL:   server.URLFor(name, "fieldbook_app", AppPassword),
	}
}
