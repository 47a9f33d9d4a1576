package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"fieldbook/handlers"
	"fieldbook/store/benchdata"
)

// loadOpts are the load command's flags.
type loadOpts struct {
	base, baseB, bare string
	conns, poolSize   int
	dur, dashDur      time.Duration
	learnerFmt        string
	password          string
	pid               int
	propagationRuns   int
	out, label, scale string
	only              string
	personal          string
}

// bench is one measuring session against one server build.
type bench struct {
	opts     loadOpts
	ctx      context.Context
	world    benchdata.World
	learners []*http.Client
	ids      []uuid.UUID
	editor   *http.Client
	tr       *http.Transport
	pool     *pgxpool.Pool
	// personal is true when the server has GET /api/me/progress: a
	// signed-in page view is then the page and that request together.
	personal bool
	stderr   io.Writer
}

// cmdLoad measures a running server (and the bare page) route by route and
// prints the table `make bench` keeps.
func cmdLoad(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("load", "Usage: fieldbook-bench load [flags]\n\nMeasures req/s, p50 and p99 per route of a running server against the bare\npage, then sync against a bare upsert, the largest course's dashboard, session\nrevocation between two instances and the server's peak RSS.", stderr)
	var o loadOpts
	fs.StringVar(&o.base, "url", "http://127.0.0.1:18080", "the server to measure (loopback)")
	fs.StringVar(&o.baseB, "url-b", "", "a second instance on the same database, for revocation propagation")
	fs.StringVar(&o.bare, "bare-url", "", "the bare reference page (fieldbook-bench bare)")
	fs.IntVar(&o.conns, "connections", 64, "concurrent clients")
	fs.IntVar(&o.poolSize, "bare-pool", 4, "database connections of the bare upsert (the server's pool size)")
	fs.DurationVar(&o.dur, "duration", 8*time.Second, "time per route")
	fs.DurationVar(&o.dashDur, "dashboard-duration", 5*time.Second, "time of the sequential dashboard measurement")
	fs.StringVar(&o.learnerFmt, "learner", "bench-learner-%d", "learner usernames (printf with 1..connections)")
	fs.StringVar(&o.password, "password", "", "password of those learners and of the largest course's editor")
	fs.IntVar(&o.pid, "pid", 0, "the server's process id, for its peak RSS")
	fs.IntVar(&o.propagationRuns, "propagation-runs", 10, "sign-outs timed across instances")
	fs.StringVar(&o.out, "out", "", "also write the results as Markdown to this file")
	fs.StringVar(&o.label, "label", "", "what is measured (a build), for the heading")
	fs.StringVar(&o.scale, "scale", "", "the data set's scale, for the heading")
	fs.StringVar(&o.personal, "personal", "auto", "whether a signed-in page view also fetches GET /api/me/progress: on, off, or auto (when the server has it)")
	fs.StringVar(&o.only, "only", "", "measure only the routes whose name matches this regular expression (and the bare page)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if o.password == "" {
		return errors.New("--password is required")
	}
	for _, u := range []string{o.base, o.baseB, o.bare} {
		if u != "" && !isLoopback(u) {
			return fmt.Errorf("%s: only loopback servers are measured", u)
		}
	}
	b, err := newBench(ctx, o, stderr)
	if err != nil {
		return err
	}
	defer b.pool.Close()
	rep, err := b.run()
	if err != nil {
		return err
	}
	fmt.Fprint(stdout, rep.text())
	if o.out != "" {
		return os.WriteFile(o.out, []byte(rep.markdown()), 0o644)
	}
	return nil
}

func isLoopback(raw string) bool {
	u, err := url.Parse(raw)
	return err == nil && (u.Hostname() == "127.0.0.1" || u.Hostname() == "localhost" || u.Hostname() == "::1")
}

func newBench(ctx context.Context, o loadOpts, stderr io.Writer) (*bench, error) {
	dsn, err := databaseURL()
	if err != nil {
		return nil, err
	}
	b := &bench{opts: o, ctx: ctx, stderr: stderr,
		tr: &http.Transport{MaxIdleConnsPerHost: o.conns * 2, MaxConnsPerHost: o.conns * 2}}
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return nil, err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if b.world, err = benchdata.LoadWorld(ctx, conn); err != nil {
		return nil, err
	}
	names := make([]string, o.conns)
	for i := range names {
		names[i] = fmt.Sprintf(o.learnerFmt, i+1)
	}
	ids, err := benchdata.UserIDs(ctx, conn, names)
	if err != nil {
		return nil, err
	}
	for _, n := range names {
		if ids[n] == uuid.Nil {
			return nil, fmt.Errorf("no learner %s in the data set", n)
		}
		b.ids = append(b.ids, ids[n])
	}
	if err := benchdata.PrepareBareUpsert(ctx, conn); err != nil {
		return nil, err
	}
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, err
	}
	cfg.MaxConns = int32(o.poolSize)
	if b.pool, err = pgxpool.NewWithConfig(ctx, cfg); err != nil {
		return nil, err
	}
	fmt.Fprintf(stderr, "bench: signing in %d learners and %s\n", o.conns, b.world.Editor)
	for _, n := range names {
		c := b.client()
		if err := b.signIn(c, o.base, n); err != nil {
			b.pool.Close()
			return nil, err
		}
		b.learners = append(b.learners, c)
	}
	b.editor = b.client()
	if err := b.signIn(b.editor, o.base, b.world.Editor); err != nil {
		b.pool.Close()
		return nil, err
	}
	switch o.personal {
	case "on", "off":
		b.personal = o.personal == "on"
	default:
		status, _ := b.get(b.learners[0], o.base+handlers.MyProgressAPIPath()+"?course="+b.world.Course.String())
		b.personal = status == http.StatusOK
	}
	return b, nil
}

// client is one browser: its own cookies, never following redirects.
func (b *bench) client() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Transport: b.tr, Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func (b *bench) signIn(c *http.Client, base, user string) error {
	resp, err := c.PostForm(base+handlers.LoginPath(), url.Values{"username": {user}, "password": {b.opts.password}})
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		return fmt.Errorf("sign-in of %s on %s: status %d", user, base, resp.StatusCode)
	}
	return nil
}

// get fetches a URL as a phone would (gzip accepted) and returns its status.
func (b *bench) get(c *http.Client, u string) (int, error) {
	req, err := http.NewRequestWithContext(b.ctx, http.MethodGet, u, nil)
	if err != nil {
		return 0, err
	}
	return b.do(c, req)
}

// do sends req with Accept-Encoding: gzip, reads the whole body and closes it.
// Setting the header ourselves keeps Go's transport from decompressing: the
// bytes on the wire are what a phone receives.
func (b *bench) do(c *http.Client, req *http.Request) (int, error) {
	req.Header.Set("Accept-Encoding", "gzip")
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return 0, err
	}
	return resp.StatusCode, nil
}

// expect is one request of a route that must answer want.
func (b *bench) expect(c *http.Client, req *http.Request, want int) error {
	status, err := b.do(c, req)
	if err != nil {
		return err
	}
	if status != want {
		return fmt.Errorf("%s %s: status %d, want %d", req.Method, req.URL.Path, status, want)
	}
	return nil
}

func (b *bench) getOK(c *http.Client, u string) error {
	req, err := http.NewRequestWithContext(b.ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	return b.expect(c, req, http.StatusOK)
}

// pageView fetches a page and, when the server has it, the page's personal
// part as a signed-in browser then does.
func (b *bench) pageView(c *http.Client, path, personal string) error {
	if err := b.getOK(c, b.opts.base+path); err != nil {
		return err
	}
	if b.personal && personal != "" {
		return b.getOK(c, b.opts.base+personal)
	}
	return nil
}

// loadAverage is /proc/loadavg's first three fields.
func loadAverage() string {
	raw, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(raw))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

// peakRSS is a process's VmHWM.
func peakRSS(pid int) string {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return "unknown"
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}
