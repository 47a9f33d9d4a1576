package main

import (
	"fmt"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"time"

	"fieldbook/handlers"
)

// report is one run's results.
type report struct {
	label, scale        string
	date                time.Time
	loadStart, loadEnd  string
	results             []result
	bareRPS             float64
	personal            bool
	learners            int
	rss                 string
	propagation         []time.Duration
	propagationErr      error
	syncIdx, upsertIdx  int
	dashIdx             int
	machine             string
	connections, poolSz int
}

// run measures every route, then revocation propagation and peak RSS.
func (b *bench) run() (*report, error) {
	rep := &report{label: b.opts.label, scale: b.opts.scale, date: time.Now().UTC(), loadStart: loadAverage(),
		personal: b.personal, learners: b.world.Learners, machine: machine(),
		connections: b.opts.conns, poolSz: b.opts.poolSize}
	routes := b.routes()
	if b.opts.only != "" {
		re, err := regexp.Compile(b.opts.only)
		if err != nil {
			return nil, err
		}
		routes = slices.DeleteFunc(routes, func(rt route) bool {
			return !strings.HasPrefix(rt.name, "bare page") && !re.MatchString(rt.name)
		})
	}
	rep.syncIdx, rep.upsertIdx, rep.dashIdx = -1, -1, -1
	for i, rt := range routes {
		fmt.Fprintf(b.stderr, "bench: %s …\n", rt.name)
		res := b.measure(rt)
		if res.firstErr != nil {
			fmt.Fprintf(b.stderr, "bench: %s: %d errors, the first: %v\n", rt.name, res.errs, res.firstErr)
		}
		switch {
		case strings.HasPrefix(rt.name, "POST /api/progress"):
			rep.syncIdx = i
		case strings.HasPrefix(rt.name, "bare upsert"):
			rep.upsertIdx = i
		case strings.HasPrefix(rt.name, "dashboard"):
			rep.dashIdx = i
		}
		rep.results = append(rep.results, res)
		if b.ctx.Err() != nil {
			return nil, b.ctx.Err()
		}
	}
	rep.bareRPS = (rep.results[0].rps + rep.results[len(rep.results)-1].rps) / 2
	if b.opts.baseB != "" {
		fmt.Fprintf(b.stderr, "bench: session revocation across instances …\n")
		rep.propagation, rep.propagationErr = b.propagation()
	}
	if b.opts.pid > 0 {
		rep.rss = peakRSS(b.opts.pid)
	}
	rep.loadEnd = loadAverage()
	return rep, nil
}

// propagation signs a learner in on instance A, has instance B serve that
// session, signs out on A, and times until B refuses the same cookie: the
// time a revocation takes to reach another instance (PostgreSQL reads on
// every request: about zero; a session cache: its invalidation's delay).
func (b *bench) propagation() ([]time.Duration, error) {
	probe := handlers.CourseProgressAPIPath(b.world.Course)
	noJar := &http.Client{Transport: b.tr, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	send := func(method, u string, cookie *http.Cookie) (int, error) {
		req, err := http.NewRequestWithContext(b.ctx, method, u, nil)
		if err != nil {
			return 0, err
		}
		req.AddCookie(cookie)
		return b.do(noJar, req)
	}
	var out []time.Duration
	for k := range b.opts.propagationRuns {
		c := b.client()
		if err := b.signIn(c, b.opts.base, fmt.Sprintf(b.opts.learnerFmt, k%b.opts.conns+1)); err != nil {
			return out, err
		}
		u, _ := url.Parse(b.opts.base)
		var cookie *http.Cookie
		for _, ck := range c.Jar.Cookies(u) {
			if ck.Name == "fieldbook_session" {
				cookie = ck
			}
		}
		if cookie == nil {
			return out, fmt.Errorf("no session cookie after sign-in")
		}
		for range 3 {
			if st, err := send(http.MethodGet, b.opts.baseB+probe, cookie); err != nil || st != http.StatusOK {
				return out, fmt.Errorf("instance B does not take the session: %d %v", st, err)
			}
		}
		if st, err := send(http.MethodPost, b.opts.base+handlers.LogoutPath(), cookie); err != nil || st != http.StatusSeeOther {
			return out, fmt.Errorf("sign-out on A: %d %v", st, err)
		}
		signedOut := time.Now()
		for {
			st, err := send(http.MethodGet, b.opts.baseB+probe, cookie)
			if err != nil {
				return out, err
			}
			if st == http.StatusUnauthorized {
				out = append(out, time.Since(signedOut))
				break
			}
			if time.Since(signedOut) > 10*time.Second {
				return out, fmt.Errorf("instance B still takes a session signed out 10 s ago (status %d)", st)
			}
			time.Sleep(2 * time.Millisecond)
		}
	}
	return out, nil
}

// machine names the CPU and core count.
func machine() string {
	model := "unknown CPU"
	if raw, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(raw), "\n") {
			if v, ok := strings.CutPrefix(line, "model name"); ok {
				model = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(v), ":"))
				break
			}
		}
	}
	return fmt.Sprintf("%s, %d cores", model, runtime.NumCPU())
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f", float64(d.Microseconds())/1000) }

// rows are the table's cells, shared by the text and Markdown forms.
func (r *report) rows() [][]string {
	out := [][]string{{"route", "conns", "req/s", "p50 ms", "p99 ms", "× bare", "goal", "errors"}}
	for _, res := range r.results {
		goal := ""
		if res.route.goal > 0 {
			mark := "met"
			if res.rps/r.bareRPS < res.route.goal {
				mark = "NOT met"
			}
			goal = fmt.Sprintf("≥ %.1f (%s)", res.route.goal, mark)
		}
		out = append(out, []string{res.route.name, fmt.Sprint(res.conns), fmt.Sprintf("%.0f", res.rps),
			ms(res.p50), ms(res.p99), fmt.Sprintf("%.2f", res.rps/r.bareRPS), goal, fmt.Sprint(res.errs)})
	}
	return out
}

// summary is the lines under the table.
func (r *report) summary() []string {
	view := "a signed-in page view is the page alone (this build has no /api/me/progress)"
	if r.personal {
		view = "a signed-in page view is the page and its GET /api/me/progress together"
	}
	lines := []string{
		fmt.Sprintf("Page views: %s; every request sends Accept-Encoding: gzip.", view),
		fmt.Sprintf("Bare page: %.0f and %.0f req/s at the start and the end (mean %.0f, the ratios' reference).",
			r.results[0].rps, r.results[len(r.results)-1].rps, r.bareRPS),
	}
	if r.syncIdx >= 0 && r.upsertIdx >= 0 {
		sync, up := r.results[r.syncIdx], r.results[r.upsertIdx]
		lines = append(lines, fmt.Sprintf("Sync: %.0f completions/s; bare upsert of the same rows (no triggers, %d connections): %.0f rows/s; ratio %.2f (goal ≥ 0.5).",
			sync.rps*syncBatch, r.poolSz, up.rps*syncBatch, sync.rps/up.rps))
	}
	if r.dashIdx >= 0 {
		dash := r.results[r.dashIdx]
		lines = append(lines, fmt.Sprintf("Dashboard of the largest course (%d learners), one client: p50 %s ms, p99 %s ms (goal p50 ≤ 25 ms at the full scale).",
			r.learners, ms(dash.p50), ms(dash.p99)))
	}
	switch {
	case r.propagationErr != nil:
		lines = append(lines, fmt.Sprintf("Session revocation A → B: failed: %v", r.propagationErr))
	case len(r.propagation) > 0:
		p := slices.Clone(r.propagation)
		slices.Sort(p)
		lines = append(lines, fmt.Sprintf("Session revocation A → B (sign-out on A until B refuses the cookie), %d runs: p50 %s ms, max %s ms (goal ≤ 1000 ms).",
			len(p), ms(p[len(p)/2]), ms(p[len(p)-1])))
	}
	if r.rss != "" {
		lines = append(lines, fmt.Sprintf("Server peak RSS (VmHWM, whole run including sign-ins): %s (goal ≤ 60 MiB).", r.rss))
	}
	lines = append(lines, fmt.Sprintf("Load average (1, 5, 15 min): %s at the start, %s at the end.", r.loadStart, r.loadEnd))
	return lines
}

func (r *report) heading() string {
	return fmt.Sprintf("%s — %s, scale %s, %d connections, %s", r.label, r.date.Format("2006-01-02 15:04 UTC"),
		r.scale, r.connections, r.machine)
}

// text is the table as make bench prints it.
func (r *report) text() string {
	var s strings.Builder
	fmt.Fprintf(&s, "\n%s\n", r.heading())
	for _, row := range r.rows() {
		fmt.Fprintf(&s, "%-40s %5s %8s %8s %8s %7s %-16s %6s\n", row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7])
	}
	for _, l := range r.summary() {
		fmt.Fprintf(&s, "%s\n", l)
	}
	return s.String()
}

// markdown is the same for docs/performance.md.
func (r *report) markdown() string {
	var s strings.Builder
	fmt.Fprintf(&s, "### %s\n\n", r.heading())
	for i, row := range r.rows() {
		fmt.Fprintf(&s, "| %s |\n", strings.Join(row, " | "))
		if i == 0 {
			fmt.Fprintf(&s, "|%s\n", strings.Repeat("---|", len(row)))
		}
	}
	s.WriteString("\n")
	for _, l := range r.summary() {
		fmt.Fprintf(&s, "- %s\n", l)
	}
	return s.String()
}
