package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
)

// cmdLoadtest drives a running server over loopback with many signed-in
// clients and reports throughput and latency per route (`make bench`).
// It only ever targets the URL it is given: loopback in our scripts.
func cmdLoadtest(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("loadtest", "Usage: fieldbook loadtest [flags]\n\nMeasures req/s, p50 and p99 per route against a running server\n(make bench starts one on the benchmark data set).", stderr)
	base := fs.String("url", "http://127.0.0.1:18080", "server to measure (loopback)")
	conns := fs.Int("connections", 64, "concurrent clients")
	dur := fs.Duration("duration", 8*time.Second, "time per route")
	learnerFmt := fs.String("learner", "bench-learner-%d", "learner usernames (printf with 1..connections)")
	password := fs.String("password", "", "password of those learners and of --volunteer")
	volunteer := fs.String("volunteer", "bench-volunteer-1", "an editor, for the dashboard")
	out := fs.String("out", "", "also write the table as Markdown to this file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *password == "" {
		return fmt.Errorf("%w: --password is required", errUsage)
	}
	u, err := url.Parse(*base)
	if err != nil || !(u.Hostname() == "127.0.0.1" || u.Hostname() == "localhost" || u.Hostname() == "::1") {
		return fmt.Errorf("%w: --url must be a loopback address", errUsage)
	}
	tr := &http.Transport{MaxIdleConnsPerHost: *conns * 2, MaxConnsPerHost: *conns * 2}
	newClient := func() *http.Client {
		jar, _ := cookiejar.New(nil)
		return &http.Client{Transport: tr, Jar: jar, Timeout: 30 * time.Second,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	signIn := func(c *http.Client, user string) error {
		resp, err := c.PostForm(*base+"/login", url.Values{"username": {user}, "password": {*password}})
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusSeeOther {
			return fmt.Errorf("sign-in of %s: status %d", user, resp.StatusCode)
		}
		return nil
	}
	learners := make([]*http.Client, *conns)
	for i := range learners {
		learners[i] = newClient()
		if err := signIn(learners[i], fmt.Sprintf(*learnerFmt, i+1)); err != nil {
			return err
		}
	}
	vol := newClient()
	if err := signIn(vol, *volunteer); err != nil {
		return err
	}

	// Pages to visit, from the learners' own course list.
	get := func(c *http.Client, path string) (string, error) {
		resp, err := c.Get(*base + path)
		if err != nil {
			return "", err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			return "", fmt.Errorf("GET %s: %d", path, resp.StatusCode)
		}
		return string(b), err
	}
	home, err := get(learners[0], "/")
	if err != nil {
		return err
	}
	course := regexp.MustCompile(`/courses/[0-9a-f-]{36}`).FindString(home)
	page, err := get(learners[0], course)
	if err != nil {
		return err
	}
	lessons := regexp.MustCompile(`/lessons/[0-9a-f-]{36}`).FindAllString(page, -1)
	if course == "" || len(lessons) == 0 {
		return errors.New("no course with lessons found on the home page")
	}
	studio, _ := get(vol, "/studio")
	dash := regexp.MustCompile(`/courses/[0-9a-f-]{36}/dashboard`).FindString(studio)
	if dash == "" {
		if edit := regexp.MustCompile(`/courses/[0-9a-f-]{36}/edit`).FindString(studio); edit != "" {
			dash = strings.TrimSuffix(edit, "/edit") + "/dashboard"
		}
	}
	var userIDs []string
	for _, c := range learners {
		body, err := get(c, course)
		if err != nil {
			return err
		}
		m := regexp.MustCompile(`name="fieldbook-user" content="([0-9a-f-]{36})"`).FindStringSubmatch(body)
		if m == nil {
			// the course page has no lesson status; read it from a lesson page
			body, _ = get(c, lessons[0])
			m = regexp.MustCompile(`name="fieldbook-user" content="([0-9a-f-]{36})"`).FindStringSubmatch(body)
		}
		if m == nil {
			return errors.New("cannot find the signed-in user's id on a page")
		}
		userIDs = append(userIDs, m[1])
	}

	type route struct {
		name string
		do   func(worker, i int) error
	}
	anon := newClient()
	expect := func(resp *http.Response, err error, want int) error {
		if err != nil {
			return err
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != want {
			return fmt.Errorf("status %d", resp.StatusCode)
		}
		return nil
	}
	at := time.Now().Add(-time.Hour)
	routes := []route{
		{"anonymous course list", func(w, i int) error { r, err := anon.Get(*base + "/"); return expect(r, err, 200) }},
		{"signed-in course list", func(w, i int) error { r, err := learners[w].Get(*base + "/"); return expect(r, err, 200) }},
		{"course page", func(w, i int) error { r, err := learners[w].Get(*base + course); return expect(r, err, 200) }},
		{"lesson page", func(w, i int) error {
			r, err := learners[w].Get(*base + lessons[i%len(lessons)])
			return expect(r, err, 200)
		}},
		{"progress JSON", func(w, i int) error {
			r, err := learners[w].Get(*base + "/api" + course + "/progress")
			return expect(r, err, 200)
		}},
		{"POST /api/progress (50 changes)", func(w, i int) error {
			var changes []map[string]any
			for j := 0; j < 50; j++ {
				changes = append(changes, map[string]any{"id": uuid.NewString(), "user_id": userIDs[w],
					"lesson_id": strings.TrimPrefix(lessons[j%len(lessons)], "/lessons/"), "completed": (i+j)%2 == 0,
					"at": at.Add(time.Duration(i*50+j) * time.Millisecond).Format(time.RFC3339Nano)})
			}
			body, _ := json.Marshal(map[string]any{"changes": changes})
			req, _ := http.NewRequest(http.MethodPost, *base+"/api/progress", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			r, err := learners[w].Do(req)
			return expect(r, err, 200)
		}},
	}
	if dash != "" {
		routes = append(routes, route{"dashboard of a busy course", func(w, i int) error { r, err := vol.Get(*base + dash); return expect(r, err, 200) }})
	}
	routes = append(routes, route{"sign-in (Argon2id)", func(w, i int) error {
		c := newClient()
		r, err := c.PostForm(*base+"/login", url.Values{"username": {fmt.Sprintf(*learnerFmt, w+1)}, "password": {*password}})
		return expect(r, err, http.StatusSeeOther)
	}})

	var table strings.Builder
	fmt.Fprintf(&table, "| Route | Connections | Requests | Req/s | p50 ms | p99 ms | Errors |\n|---|---|---|---|---|---|---|\n")
	fmt.Fprintf(stdout, "%-34s %6s %9s %9s %8s %8s %7s\n", "route", "conns", "requests", "req/s", "p50 ms", "p99 ms", "errors")
	for _, rt := range routes {
		n := *conns
		if strings.HasPrefix(rt.name, "sign-in") {
			n = min(n, 8) // it is meant to be slow; a handful of clients is enough to measure it
		}
		var mu sync.Mutex
		var lat []time.Duration
		errs := 0
		var firstErr error
		deadline := time.Now().Add(*dur)
		start := time.Now()
		var wg sync.WaitGroup
		for w := 0; w < n; w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				var mine []time.Duration
				for i := 0; time.Now().Before(deadline) && ctx.Err() == nil; i++ {
					t0 := time.Now()
					err := rt.do(w, i)
					d := time.Since(t0)
					if err != nil {
						mu.Lock()
						errs++
						if firstErr == nil {
							firstErr = err
						}
						mu.Unlock()
						continue
					}
					mine = append(mine, d)
				}
				mu.Lock()
				lat = append(lat, mine...)
				mu.Unlock()
			}(w)
		}
		wg.Wait()
		elapsed := time.Since(start)
		slices.Sort(lat)
		pct := func(p float64) float64 {
			if len(lat) == 0 {
				return 0
			}
			return float64(lat[min(len(lat)-1, int(float64(len(lat))*p))].Microseconds()) / 1000
		}
		rps := float64(len(lat)) / elapsed.Seconds()
		fmt.Fprintf(stdout, "%-34s %6d %9d %9.0f %8.1f %8.1f %7d\n", rt.name, n, len(lat), rps, pct(0.5), pct(0.99), errs)
		fmt.Fprintf(&table, "| %s | %d | %d | %.0f | %.1f | %.1f | %d |\n", rt.name, n, len(lat), rps, pct(0.5), pct(0.99), errs)
		if firstErr != nil {
			fmt.Fprintf(stderr, "loadtest: %s: first error: %v\n", rt.name, firstErr)
		}
	}
	if *out != "" {
		return writeFile(*out, table.String())
	}
	return nil
}
