package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"fieldbook/store/storetest"
)

// The scale-out topology of docs/operations.md ("Native topology test"),
// with real processes on loopback: the test PostgreSQL, PgBouncer 1.18 in
// transaction mode in front of it, and two `fieldbook serve` instances
// whose DATABASE_URL goes through PgBouncer (exec mode, since 1.18 has no
// prepared-statement support) while LISTEN and migrations connect directly.
//
// It logs its measurements (lines starting MEASURED; docs/operations.md
// keeps them); with SCALE_LOGDIR set, the instances' and PgBouncer's logs
// are kept there. Not parallel: it restarts the PostgreSQL every test of
// this binary shares.
func TestScaleOut(t *testing.T) {
	if os.Getenv("FIELDBOOK_TEST_DATABASE_URL") != "" {
		t.Fatal("the scale-out test restarts PostgreSQL, which it cannot do to an external server: unset FIELDBOOK_TEST_DATABASE_URL")
	}
	db := storetest.NewDB(t)
	bouncer := startPgBouncer(t)
	viaBouncer := bouncer.URL(db.Name, "fieldbook_app", storetest.AppPassword) + "&default_query_exec_mode=exec"
	checkPgxThroughBouncer(t, viaBouncer)

	logDir := os.Getenv("SCALE_LOGDIR")
	if logDir == "" {
		logDir = t.TempDir()
	}
	newInstance := func(name string) *server {
		s := &server{t: t, db: db, addr: freeAddr(t), logPath: filepath.Join(logDir, name+".log"),
			binary: binary, Passwords: map[string]string{},
			env: []string{"DATABASE_URL=" + viaBouncer, "FIELDBOOK_LISTEN_DATABASE_URL=" + db.AppURL}}
		s.URL = "http://" + s.addr
		return s
	}
	a, b := newInstance("a"), newInstance("b")
	out, err := a.command("demo").CombinedOutput()
	if err != nil {
		t.Fatalf("fieldbook demo through PgBouncer: %v\n%s", err, out)
	}
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		if len(f) == 7 && f[1] == "created" && f[5] == "password" {
			a.Passwords[f[3]] = f[6]
		}
	}
	for _, s := range []*server{a, b} {
		s.Start()
		t.Cleanup(func() {
			s.Stop()
			if t.Failed() {
				log, _ := os.ReadFile(s.logPath)
				lines := strings.Split(strings.TrimSpace(string(log)), "\n")
				if len(lines) > 30 {
					lines = lines[len(lines)-30:]
				}
				t.Logf("last log lines of %s:\n%s", s.URL, strings.Join(lines, "\n"))
			}
		})
	}
	for _, s := range []*server{a, b} {
		waitReady(t, s, 15*time.Second)
	}

	owner := ownerConn(t, a)
	ctx := context.Background()
	var learnerID string
	if err := owner.QueryRow(ctx, `SELECT id::text FROM users WHERE username = 'demo-learner'`).Scan(&learnerID); err != nil {
		t.Fatal(err)
	}
	var courseID string
	var lessonIDs []string
	rows, err := owner.Query(ctx, `
		SELECT c.id::text, l.id::text FROM lessons l JOIN courses c ON c.id = l.course_id
		WHERE c.title = 'Basic first aid' ORDER BY l.position`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var l string
		if err := rows.Scan(&courseID, &l); err != nil {
			t.Fatal(err)
		}
		lessonIDs = append(lessonIDs, l)
	}
	if rows.Err() != nil || len(lessonIDs) < 5 {
		t.Fatalf("want 5 lessons in the first demo course, have %d (%v)", len(lessonIDs), rows.Err())
	}

	// 1. A session made on A is good on B: sessions live in PostgreSQL.
	learner := signInHTTP(t, a, "demo-learner", a.Passwords["demo-learner"])
	editor := signInHTTP(t, a, "demo-volunteer", a.Passwords["demo-volunteer"])
	res := learner.do(t, b, http.MethodGet, "/api/courses/"+courseID+"/progress", "", "")
	if res.status != http.StatusOK {
		t.Fatalf("instance B refuses the session made on A: %d %s", res.status, res.body)
	}
	if res = learner.do(t, b, http.MethodGet, "/api/me", "", ""); res.status != http.StatusOK || !strings.Contains(res.body, "Demo Learner") {
		t.Fatalf("instance B does not know the learner signed in on A: %d", res.status)
	}

	// 1b. A sign-out on A reaches B, which had the session in its cache:
	// the sessions trigger's NOTIFY drops it there.
	other := signInHTTP(t, a, "demo-learner", a.Passwords["demo-learner"])
	progress := "/api/courses/" + courseID + "/progress"
	for range 3 {
		if r := other.do(t, b, http.MethodGet, progress, "", ""); r.status != http.StatusOK {
			t.Fatalf("B before the sign-out: %d", r.status)
		}
	}
	if r := other.do(t, a, http.MethodPost, "/logout", "", ""); r.status != http.StatusSeeOther {
		t.Fatalf("sign out on A: %d %s", r.status, r.body)
	}
	signedOut := time.Now()
	poll(t, 10*time.Second, "B to refuse the cookie signed out on A", func() bool {
		return other.do(t, b, http.MethodGet, progress, "", "").status == http.StatusUnauthorized
	})
	t.Logf("MEASURED sign-out on A refused on B after %v", time.Since(signedOut).Round(time.Millisecond))
	if r := learner.do(t, b, http.MethodGet, progress, "", ""); r.status != http.StatusOK {
		t.Fatalf("the learner's other session ended with the signed-out one: %d", r.status)
	}

	// 2. A completion posted to A reaches a dashboard streaming from B.
	events := editor.stream(t, b, "/courses/"+courseID+"/dashboard/events?since="+strconv.FormatInt(time.Now().UnixMilli(), 10))
	drain(events)
	start := time.Now()
	if res := learner.do(t, a, http.MethodPost, "/lessons/"+lessonIDs[0]+"/complete", "application/x-www-form-urlencoded", "completed=true"); res.status != http.StatusSeeOther {
		t.Fatalf("complete a lesson on A: %d %s", res.status, res.body)
	}
	ev := waitSSE(t, events, "progress", 5*time.Second)
	sseLatency := time.Since(start)
	if !strings.Contains(ev.data, lessonIDs[0]) {
		t.Fatalf("progress event for another lesson: %s", ev.data)
	}
	t.Logf("MEASURED cross-instance SSE latency (POST on A → event on B, incl. the 250 ms coalescing): %v", sseLatency.Round(time.Millisecond))

	// 3. PostgreSQL restarts (fast stop, start) under light load on both.
	load := startLoad(learner, []*server{a, b})
	time.Sleep(300 * time.Millisecond)
	change := func(id, lesson string) map[string]any {
		return map[string]any{"id": id, "user_id": learnerID, "lesson_id": lesson, "completed": true,
			"at": time.Now().UTC().Format(time.RFC3339Nano)}
	}
	batch := []map[string]any{
		change(uuid.NewString(), lessonIDs[2]),
		change(uuid.NewString(), lessonIDs[3]),
	}
	batchJSON, _ := json.Marshal(map[string]any{"changes": batch})
	restarted := make(chan error, 1)
	var upAt time.Time
	downAt := time.Now()
	go func() {
		err := storetest.Shared().Restart(2 * time.Second)
		upAt = time.Now()
		restarted <- err
	}()
	// While it is down: both instances say not ready, and a sync fails
	// quickly with a 5xx (the client keeps its queue and retries).
	poll(t, 10*time.Second, "instance A's /readyz to report 503", func() bool {
		return getPath(t, a, "/readyz").status == http.StatusServiceUnavailable
	})
	t.Logf("A noticed the outage %v after the stop began", time.Since(downAt).Round(time.Millisecond))
	if r := getPath(t, b, "/readyz"); r.status != http.StatusServiceUnavailable {
		t.Errorf("B's /readyz while PostgreSQL is down: %d %s", r.status, r.body)
	}
	failed := learner.do(t, a, http.MethodPost, "/api/progress", "application/json", string(batchJSON))
	if failed.status != http.StatusServiceUnavailable || !strings.Contains(failed.body, "cannot reach its database") {
		t.Fatalf("sync while PostgreSQL is down: %d %s, want 503 saying the database is unreachable", failed.status, failed.body)
	}
	t.Logf("sync while down: %d in %v: %s", failed.status, failed.took.Round(time.Millisecond), strings.TrimSpace(failed.body))
	if err := <-restarted; err != nil {
		t.Fatalf("restart PostgreSQL: %v", err)
	}
	// Back: both instances serve again by themselves.
	recovered := map[string]time.Duration{}
	for name, s := range map[string]*server{"A": a, "B": b} {
		waitReady(t, s, 20*time.Second)
		recovered[name] = time.Since(upAt)
	}
	for _, s := range []*server{a, b} {
		poll(t, 10*time.Second, "pages to serve after the restart", func() bool {
			return learner.do(t, s, http.MethodGet, "/", "", "").status == http.StatusOK
		})
	}
	t.Logf("MEASURED recovery after PostgreSQL answers again (/readyz 200): A %v, B %v",
		recovered["A"].Round(time.Millisecond), recovered["B"].Round(time.Millisecond))
	time.Sleep(500 * time.Millisecond)
	stats := load.stop()
	t.Logf("MEASURED load during the restart: %d requests, statuses %v, slowest 5xx %v, slowest overall %v, first-to-last 5xx window %v",
		stats.total, stats.statuses, stats.max5xx.Round(time.Millisecond), stats.max.Round(time.Millisecond), stats.window.Round(time.Millisecond))
	if len(stats.problems) > 0 {
		t.Errorf("load requests during the restart went wrong (want 200 or a quick 5xx):\n%s", strings.Join(stats.problems, "\n"))
	}
	if stats.errors5xx == 0 {
		t.Errorf("no request failed while PostgreSQL was down: did it restart?")
	}
	// The client retries its failed sync with the same change ids: nothing
	// is lost, nothing is applied twice.
	var retry struct {
		Results []struct{ ID, Status string } `json:"results"`
	}
	r := learner.do(t, b, http.MethodPost, "/api/progress", "application/json", string(batchJSON))
	if r.status != http.StatusOK || json.Unmarshal([]byte(r.body), &retry) != nil || len(retry.Results) != len(batch) {
		t.Fatalf("retried sync: %d %s", r.status, r.body)
	}
	for _, res := range retry.Results {
		if res.Status != "applied" {
			t.Errorf("retried change %s: %s, want applied", res.ID, res.Status)
		}
	}
	r = learner.do(t, a, http.MethodPost, "/api/progress", "application/json", string(batchJSON))
	if r.status != http.StatusOK || !strings.Contains(r.body, `"duplicate"`) || strings.Contains(r.body, `"applied"`) {
		t.Fatalf("second retry: %d %s, want every change a duplicate", r.status, r.body)
	}
	ids := []string{batch[0]["id"].(string), batch[1]["id"].(string)}
	var rowsN, distinctN, completedN int
	if err := reconnect(t, owner, db.OwnerURL).QueryRow(ctx, `
		SELECT count(*), count(DISTINCT id),
		       (SELECT count(*) FROM student_progress WHERE student_id = $2 AND lesson_id = ANY($3) AND completed)
		FROM progress_changes WHERE id = ANY($1)`, ids, learnerID, []string{lessonIDs[2], lessonIDs[3]}).
		Scan(&rowsN, &distinctN, &completedN); err != nil {
		t.Fatal(err)
	}
	if rowsN != 2 || distinctN != 2 || completedN != 2 {
		t.Fatalf("after the retried sync: %d change rows (%d distinct), %d completed lessons; want 2, 2, 2", rowsN, distinctN, completedN)
	}
	// The listeners reconnected: a new completion on A reaches B's stream
	// (the same stream, which was told to re-read meanwhile).
	drain(events)
	start = time.Now()
	if res := learner.do(t, a, http.MethodPost, "/lessons/"+lessonIDs[1]+"/complete", "application/x-www-form-urlencoded", "completed=true"); res.status != http.StatusSeeOther {
		t.Fatalf("complete a lesson on A after the restart: %d %s", res.status, res.body)
	}
	for {
		ev := waitSSE(t, events, "progress", 5*time.Second)
		if strings.Contains(ev.data, lessonIDs[1]) {
			break
		}
	}
	t.Logf("MEASURED cross-instance SSE latency after the restart: %v", time.Since(start).Round(time.Millisecond))

	// 4. SIGTERM to A while a request is in flight: it completes, A stops
	// accepting, B carries on.
	slowID := uuid.NewString()
	slowBody, _ := json.Marshal(map[string]any{"changes": []map[string]any{change(slowID, lessonIDs[4])}})
	pr, pw := io.Pipe()
	req, _ := http.NewRequest(http.MethodPost, a.URL+"/api/progress", pr)
	req.Header.Set("Content-Type", "application/json")
	req.AddCookie(learner.cookie)
	type result struct {
		status int
		body   string
		err    error
	}
	done := make(chan result, 1)
	go func() {
		c := &http.Client{Timeout: 20 * time.Second}
		resp, err := c.Do(req)
		if err != nil {
			done <- result{err: err}
			return
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		done <- result{status: resp.StatusCode, body: string(body)}
	}()
	half := len(slowBody) / 2
	if _, err := pw.Write(slowBody[:half]); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond) // the server is now reading the body
	termAt := time.Now()
	if err := a.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	poll(t, 5*time.Second, "A's port to refuse connections", func() bool {
		c, err := net.DialTimeout("tcp", a.addr, time.Second)
		if err == nil {
			c.Close()
			return false
		}
		return true
	})
	if r := learner.do(t, b, http.MethodGet, "/", "", ""); r.status != http.StatusOK {
		t.Fatalf("B while A drains: %d", r.status)
	}
	time.Sleep(500 * time.Millisecond)
	if _, err := pw.Write(slowBody[half:]); err != nil {
		t.Fatalf("finish the in-flight request body: %v", err)
	}
	pw.Close()
	slow := <-done
	if slow.err != nil || slow.status != http.StatusOK || !strings.Contains(slow.body, `"applied"`) {
		t.Fatalf("in-flight request during SIGTERM: %v %d %s", slow.err, slow.status, slow.body)
	}
	poll(t, 15*time.Second, "A to exit", func() bool { return a.cmd.Process.Signal(syscall.Signal(0)) != nil })
	t.Logf("A drained its in-flight request and exited %v after SIGTERM", time.Since(termAt).Round(time.Millisecond))
	if n := count(t, a, `SELECT count(*) FROM progress_changes WHERE id = $1`, slowID); n != 1 {
		t.Fatalf("the change sent during shutdown was stored %d times", n)
	}
	if r := learner.do(t, b, http.MethodGet, "/api/courses/"+courseID+"/progress", "", ""); r.status != http.StatusOK {
		t.Fatalf("B after A stopped: %d", r.status)
	}
}

// pgBouncer is a PgBouncer process run for one test.
type pgBouncer struct {
	addr string
}

// URL is a connection string to database through PgBouncer.
func (p *pgBouncer) URL(database, user, password string) string {
	return (&url.URL{Scheme: "postgres", User: url.UserPassword(user, password), Host: p.addr,
		Path: "/" + database, RawQuery: "sslmode=disable"}).String()
}

func pgBouncerPath(t *testing.T) string {
	t.Helper()
	for _, c := range []string{os.Getenv("FIELDBOOK_PGBOUNCER"), "/usr/sbin/pgbouncer", "pgbouncer"} {
		if c == "" {
			continue
		}
		if p, err := exec.LookPath(c); err == nil {
			return p
		}
	}
	t.Fatal("no pgbouncer found: run scripts/install-pgbouncer.sh (make test does)")
	return ""
}

// startPgBouncer runs PgBouncer in transaction mode in front of the test
// cluster, on a free loopback port. PgBouncer refuses to run as root, so
// as root it runs as postgres, in a directory of its own.
func startPgBouncer(t *testing.T) *pgBouncer {
	t.Helper()
	bin := pgBouncerPath(t)
	admin, err := url.Parse(storetest.Shared().AdminURL)
	if err != nil {
		t.Fatal(err)
	}
	socketDir := admin.Query().Get("host")
	if !strings.HasPrefix(socketDir, "/") {
		t.Fatalf("the test cluster does not listen on a Unix socket: %s", socketDir)
	}
	dir, err := os.MkdirTemp("", "fieldbook-pgbouncer-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	var cred *syscall.Credential
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Fatalf("running as root needs a postgres user to run PgBouncer: %v", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
	p := &pgBouncer{addr: freeAddr(t)}
	_, port, _ := net.SplitHostPort(p.addr)
	ini := fmt.Sprintf(`[databases]
* = host=%s port=5432

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = %s
unix_socket_dir =
auth_type = scram-sha-256
auth_file = %s
pool_mode = transaction
max_client_conn = 200
default_pool_size = 20
ignore_startup_parameters = extra_float_digits
; While PostgreSQL is down, fail fast instead of queueing (docs/operations.md):
; after a failed connect or login, wait this long before the next attempt
; (default 15 s), refusing clients at once meanwhile;
server_login_retry = 1
; give up on a connect that does not answer (default 15 s);
server_connect_timeout = 1
; and disconnect a client whose query waited this long for a server
; (default 120 s: requests would hang that long).
query_wait_timeout = 0.5
`, socketDir, port, filepath.Join(dir, "userlist.txt"))
	files := map[string]string{
		"pgbouncer.ini": ini,
		"userlist.txt":  fmt.Sprintf("%q %q\n", "fieldbook_app", storetest.AppPassword),
	}
	for name, body := range files {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		if cred != nil {
			if err := os.Chown(path, int(cred.Uid), int(cred.Gid)); err != nil {
				t.Fatal(err)
			}
		}
	}
	logPath := filepath.Join(dir, "pgbouncer.log")
	logf, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, filepath.Join(dir, "pgbouncer.ini"))
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Pdeathsig: syscall.SIGTERM}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start pgbouncer: %v", err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); logf.Close(); close(exited) }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
		}
		if d := os.Getenv("SCALE_LOGDIR"); d != "" {
			b, _ := os.ReadFile(logPath)
			_ = os.WriteFile(filepath.Join(d, "pgbouncer.txt"), b, 0o644)
		}
		if t.Failed() {
			log, _ := os.ReadFile(logPath)
			lines := strings.Split(strings.TrimSpace(string(log)), "\n")
			if len(lines) > 30 {
				lines = lines[len(lines)-30:]
			}
			t.Logf("last pgbouncer log lines:\n%s", strings.Join(lines, "\n"))
		}
	})
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", p.addr, time.Second)
		if err == nil {
			c.Close()
			return p
		}
		select {
		case <-exited:
			log, _ := os.ReadFile(logPath)
			t.Fatalf("pgbouncer exited:\n%s", log)
		default:
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(logPath)
			t.Fatalf("pgbouncer did not listen on %s:\n%s", p.addr, log)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// checkPgxThroughBouncer runs what the store does (a transaction with
// transaction-local settings, parameters of several types) through
// PgBouncer in transaction mode with the exec query mode.
func checkPgxThroughBouncer(t *testing.T, dsn string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("connect through PgBouncer: %v", err)
	}
	defer conn.Close(ctx)
	for i := range 3 {
		tx, err := conn.Begin(ctx)
		if err != nil {
			t.Fatalf("begin through PgBouncer: %v", err)
		}
		var role string
		var n int
		var id uuid.UUID
		if _, err := tx.Exec(ctx, `SELECT set_config('fieldbook.user_id', $1, true)`, "x"); err != nil {
			t.Fatalf("set_config through PgBouncer: %v", err)
		}
		if err := tx.QueryRow(ctx, `SELECT current_setting('fieldbook.user_id'), $1::int + 1, $2::uuid`, i, uuid.Nil).Scan(&role, &n, &id); err != nil {
			t.Fatalf("query through PgBouncer: %v", err)
		}
		if role != "x" || n != i+1 || id != uuid.Nil {
			t.Fatalf("through PgBouncer: got %q %d %v", role, n, id)
		}
		if err := tx.Rollback(ctx); err != nil {
			t.Fatal(err)
		}
	}
}

// reconnect returns conn, or a new connection when the restart broke it.
func reconnect(t *testing.T, conn *pgx.Conn, dsn string) *pgx.Conn {
	t.Helper()
	if conn.Ping(context.Background()) == nil {
		return conn
	}
	c, err := pgx.Connect(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(context.Background()) })
	return c
}

// httpClient is a signed-in person, talking HTTP with one session cookie
// to whichever instance.
type httpClient struct {
	cookie *http.Cookie
}

type httpResult struct {
	status int
	body   string
	took   time.Duration
}

// scaleClient never follows redirects and gives up after a few seconds.
var scaleClient = &http.Client{
	Timeout:       5 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

func signInHTTP(t *testing.T, s *server, username, password string) *httpClient {
	t.Helper()
	form := url.Values{"username": {username}, "password": {password}}
	resp, err := scaleClient.PostForm(s.URL+"/login", form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign in %s: status %d", username, resp.StatusCode)
	}
	for _, c := range resp.Cookies() {
		if c.Name == "fieldbook_session" && c.Value != "" {
			return &httpClient{cookie: c}
		}
	}
	t.Fatalf("sign in %s: no session cookie", username)
	return nil
}

func (c *httpClient) do(t *testing.T, s *server, method, path, contentType, body string) httpResult {
	t.Helper()
	r, err := c.try(s, method, path, contentType, body)
	if err != nil {
		t.Fatalf("%s %s%s: %v", method, s.URL, path, err)
	}
	return r
}

func (c *httpClient) try(s *server, method, path, contentType, body string) (httpResult, error) {
	req, err := http.NewRequest(method, s.URL+path, strings.NewReader(body))
	if err != nil {
		return httpResult{}, err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if c != nil {
		req.AddCookie(c.cookie)
	}
	start := time.Now()
	resp, err := scaleClient.Do(req)
	if err != nil {
		return httpResult{took: time.Since(start)}, err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return httpResult{status: resp.StatusCode, body: string(b), took: time.Since(start)}, nil
}

func getPath(t *testing.T, s *server, path string) httpResult {
	t.Helper()
	return (*httpClient)(nil).do(t, s, http.MethodGet, path, "", "")
}

func waitReady(t *testing.T, s *server, within time.Duration) {
	t.Helper()
	poll(t, within, s.URL+"/readyz to answer 200", func() bool {
		r, err := (*httpClient)(nil).try(s, http.MethodGet, "/readyz", "", "")
		return err == nil && r.status == http.StatusOK
	})
}

// sse is one message read off an event stream.
type sse struct{ name, data string }

// stream opens an event stream and delivers its named messages.
func (c *httpClient) stream(t *testing.T, s *server, path string) <-chan sse {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.URL+path, nil)
	req.Header.Set("Accept", "text/event-stream")
	req.AddCookie(c.cookie)
	tr := &http.Transport{}
	resp, err := tr.RoundTrip(req)
	if err != nil {
		cancel()
		t.Fatalf("open stream: %v", err)
	}
	t.Cleanup(func() { cancel(); resp.Body.Close(); tr.CloseIdleConnections() })
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("open stream: status %d %s", resp.StatusCode, b)
	}
	out := make(chan sse, 100)
	go func() {
		defer close(out)
		sc := bufio.NewScanner(resp.Body)
		var ev sse
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "":
				if ev.name != "" {
					out <- ev
				}
				ev = sse{}
			case strings.HasPrefix(line, "event: "):
				ev.name = line[len("event: "):]
			case strings.HasPrefix(line, "data: "):
				ev.data = line[len("data: "):]
			}
		}
	}()
	return out
}

// drain discards the messages already received.
func drain(ch <-chan sse) {
	for {
		select {
		case <-ch:
		case <-time.After(100 * time.Millisecond):
			return
		}
	}
}

func waitSSE(t *testing.T, ch <-chan sse, name string, within time.Duration) sse {
	t.Helper()
	deadline := time.After(within)
	for {
		select {
		case ev, ok := <-ch:
			if !ok {
				t.Fatalf("stream ended while waiting for %q", name)
			}
			if ev.name == name {
				return ev
			}
		case <-deadline:
			t.Fatalf("no %q event within %v", name, within)
		}
	}
}

// load is a bounded loop of signed-in page views on each instance.
type load struct {
	stopc chan struct{}
	wg    sync.WaitGroup
	mu    sync.Mutex
	stats loadStats
	first time.Time
	last  time.Time
}

type loadStats struct {
	total, errors5xx int
	statuses         map[int]int
	max5xx, max      time.Duration
	window           time.Duration
	problems         []string
}

func startLoad(c *httpClient, servers []*server) *load {
	l := &load{stopc: make(chan struct{}), stats: loadStats{statuses: map[int]int{}}}
	for _, s := range servers {
		for _, path := range []string{"/", "/readyz"} {
			l.wg.Add(1)
			go func() {
				defer l.wg.Done()
				for i := 0; i < 2000; i++ {
					select {
					case <-l.stopc:
						return
					case <-time.After(50 * time.Millisecond):
					}
					r, err := c.try(s, http.MethodGet, path, "", "")
					l.record(s, path, r, err)
				}
			}()
		}
	}
	return l
}

func (l *load) record(s *server, path string, r httpResult, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	st := &l.stats
	st.total++
	st.max = max(st.max, r.took)
	if err == nil {
		st.statuses[r.status]++
	}
	switch {
	case err != nil:
		st.problems = append(st.problems, fmt.Sprintf("%s%s: %v after %v", s.URL, path, err, r.took))
	case r.status >= 500:
		st.errors5xx++
		st.max5xx = max(st.max5xx, r.took)
		if l.first.IsZero() {
			l.first = time.Now()
		}
		l.last = time.Now()
	case r.status != http.StatusOK:
		st.problems = append(st.problems, fmt.Sprintf("%s%s: status %d", s.URL, path, r.status))
	}
}

func (l *load) stop() loadStats {
	close(l.stopc)
	l.wg.Wait()
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.first.IsZero() {
		l.stats.window = l.last.Sub(l.first)
	}
	sort.Strings(l.stats.problems)
	if len(l.stats.problems) > 20 {
		l.stats.problems = append(l.stats.problems[:20], "…")
	}
	return l.stats
}
