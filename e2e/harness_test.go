// Package e2e drives a real headless Chromium against a real fieldbook
// server process and a real PostgreSQL. The server is the built binary, run
// as a child process, so tests can stop it, kill it and start it again.
package e2e

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"

	"fieldbook/store/storetest"
)

var (
	binary string
	// binaryNext is the same program with another static.BuildID: a "new
	// build" whose service worker must replace the old one cleanly.
	binaryNext string
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "fieldbook-e2e-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "fieldbook")
	build := exec.Command("go", "build", "-o", binary, "fieldbook/cmd/fieldbook")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "e2e: build fieldbook:", err)
		os.Exit(1)
	}
	binaryNext = filepath.Join(dir, "fieldbook-next")
	build = exec.Command("go", "build", "-ldflags", "-X fieldbook/static.BuildID=next", "-o", binaryNext, "fieldbook/cmd/fieldbook")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "e2e: build fieldbook-next:", err)
		os.Exit(1)
	}
	code := storetest.Run(m)
	os.RemoveAll(dir)
	os.Exit(code)
}

// server is one fieldbook serve process.
type server struct {
	t       *testing.T
	db      storetest.DB
	addr    string
	URL     string
	cmd     *exec.Cmd
	logPath string
	// binary is the fieldbook executable this server runs.
	binary string
	// Passwords of the demo accounts, from `fieldbook demo`.
	Passwords map[string]string
	// env overrides the default environment (later entries win).
	env []string
}

// startServer runs `fieldbook demo` then `fieldbook serve` against a fresh
// database, connected as the unprivileged app role, on a free loopback port.
func startServer(t *testing.T) *server {
	t.Helper()
	db := storetest.NewDB(t)
	s := &server{t: t, db: db, addr: freeAddr(t), logPath: filepath.Join(t.TempDir(), "server.log"),
		binary: binary, Passwords: map[string]string{}}
	s.URL = "http://" + s.addr
	out, err := s.command("demo").CombinedOutput()
	if err != nil {
		t.Fatalf("fieldbook demo: %v\n%s", err, out)
	}
	// "demo: created learner demo-learner with password xyz"
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		if len(f) == 7 && f[1] == "created" && f[5] == "password" {
			s.Passwords[f[3]] = f[6]
		}
	}
	s.Start()
	t.Cleanup(func() {
		s.Stop()
		if t.Failed() {
			log, _ := os.ReadFile(s.logPath)
			lines := strings.Split(strings.TrimSpace(string(log)), "\n")
			if len(lines) > 40 {
				lines = lines[len(lines)-40:]
			}
			t.Logf("last server log lines:\n%s", strings.Join(lines, "\n"))
		}
	})
	return s
}

func (s *server) command(args ...string) *exec.Cmd {
	cmd := exec.Command(s.binary, args...)
	cmd.Env = append(os.Environ(),
		"DATABASE_URL="+s.db.AppURL,
		"FIELDBOOK_MIGRATE_DATABASE_URL="+s.db.OwnerURL,
		"FIELDBOOK_ADDR="+s.addr,
		"FIELDBOOK_ENV=development",
	)
	cmd.Env = append(cmd.Env, s.env...)
	return cmd
}

// Start starts the server process and waits until it answers.
func (s *server) Start() {
	s.t.Helper()
	logf, err := os.OpenFile(s.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		s.t.Fatal(err)
	}
	cmd := s.command("serve")
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	s.cmd = cmd
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); logf.Close(); close(exited) }()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			log, _ := os.ReadFile(s.logPath)
			s.t.Fatalf("server exited before it answered:\n%s", log)
		default:
		}
		resp, err := http.Get(s.URL + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	log, _ := os.ReadFile(s.logPath)
	s.t.Fatalf("server did not start:\n%s", log)
}

// Stop ends the server gracefully.
func (s *server) Stop() {
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		for s.cmd.ProcessState == nil {
			if err := s.cmd.Process.Signal(syscall.Signal(0)); err != nil {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = s.cmd.Process.Kill()
	}
	s.cmd = nil
}

// Kill ends the server with SIGKILL, as a crash would.
func (s *server) Kill() {
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	time.Sleep(100 * time.Millisecond)
	s.cmd = nil
}

// handedOut holds every port freeAddr has given in this test binary. A
// port is free only while nothing listens on it: between freeAddr and a
// server's bind (a whole `fieldbook demo` later) the kernel may hand the
// same port to a parallel test, whose server then answers this one's
// health check while this one's bind fails. Never giving a port twice
// closes that window for the servers and PgBouncers the tests start.
var handedOut = struct {
	sync.Mutex
	ports map[string]bool
}{ports: map[string]bool{}}

func freeAddr(t *testing.T) string {
	t.Helper()
	handedOut.Lock()
	defer handedOut.Unlock()
	for {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := l.Addr().String()
		l.Close()
		if !handedOut.ports[addr] {
			handedOut.ports[addr] = true
			return addr
		}
	}
}

func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, c := range []string{os.Getenv("FIELDBOOK_CHROMIUM"), "chromium", "chromium-browser", "google-chrome"} {
		if c == "" {
			continue
		}
		if p, err := exec.LookPath(c); err == nil {
			return p
		}
	}
	t.Fatal("no Chromium found: run scripts/install-chromium.sh (make test does)")
	return ""
}

// browser is a headless Chromium with its own profile directory.
type browser struct {
	ctx     context.Context
	cancel  context.CancelFunc
	profile string

	mu       sync.Mutex
	problems []string
	// swCtx are contexts attached to service worker targets for emulation.
	swCtx map[target.ID]context.Context
}

// newBrowser starts Chromium on profile (a fresh directory when empty).
func newBrowser(t *testing.T, profile string) *browser {
	t.Helper()
	if profile == "" {
		profile = t.TempDir()
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(412, 900),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
	}
	actx, acancel := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	b := &browser{ctx: ctx, profile: profile}
	b.cancel = func() { cancel(); acancel() }
	// Report CSP violations to the console, where the watcher below sees them.
	_, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{
		Source: `document.addEventListener("securitypolicyviolation",
			e => console.error("Content Security Policy violation: " + e.violatedDirective + " " + e.blockedURI))`,
	})
	if err != nil {
		b.cancel()
		t.Fatalf("start chromium: %v", err)
	}
	msgs := chromedp.Console(ctx)
	go func() {
		for m, err := range msgs {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleException || strings.Contains(m.Text, "Content Security Policy") {
				b.mu.Lock()
				b.problems = append(b.problems, string(m.Type)+": "+m.Text)
				b.mu.Unlock()
			}
		}
	}()
	t.Cleanup(b.Close)
	return b
}

// Problems are CSP violations and uncaught exceptions seen so far.
func (b *browser) Problems() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.problems...)
}

// Close ends the browser process the way a person closing it does, so the
// profile (cookies, IndexedDB, caches) is flushed to disk.
func (b *browser) Close() {
	if b.cancel == nil {
		return
	}
	// chromedp.Cancel closes the browser gracefully (Browser.close) and waits
	// for the process to exit.
	_ = chromedp.Cancel(b.ctx)
	b.cancel()
	b.cancel = nil
}

// stepTimeout bounds one group of browser steps. It is a deadline for a
// page that never gets there, not a speed goal: generous, because a loaded
// 2-core machine running Chromium at 4× CPU slowdown can take a while.
const stepTimeout = 60 * time.Second

// do runs actions with a timeout, failing the test on error.
func (b *browser) do(t *testing.T, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("browser: %v", err)
	}
}

// get runs one action that returns a value, failing the test on error.
func get[T any](t *testing.T, b *browser, a chromedp.Action[T]) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatalf("browser: %v", err)
	}
	return v
}

// text is the visible text of the first element matching a CSS selector.
func (b *browser) text(t *testing.T, css string) string {
	t.Helper()
	return get(t, b, chromedp.Text(chromedp.CSS(css)))
}

// eval evaluates a JavaScript expression in the page.
func eval[T any](t *testing.T, b *browser, js string) T {
	t.Helper()
	return get(t, b, chromedp.Evaluate[T](js, chromedp.EvalAwaitPromise))
}

// poll calls ok until it is true or the timeout passes.
func poll(t *testing.T, timeout time.Duration, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
