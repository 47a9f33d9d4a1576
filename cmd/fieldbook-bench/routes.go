package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"time"

	"github.com/google/uuid"

	"fieldbook/handlers"
	"fieldbook/store/benchdata"
)

// route is one line of the table: an operation that workers repeat.
type route struct {
	name string
	// goal is the ratio to the bare page this route must reach ("" none).
	goal float64
	// conns overrides the number of concurrent workers (0: --connections).
	conns int
	dur   time.Duration
	do    func(worker, i int) error
}

// result is what one route measured.
type result struct {
	route    route
	conns    int
	n        int
	rps      float64
	p50, p99 time.Duration
	errs     int
	firstErr error
}

// syncBatch is how many changes one sync request (and one bare upsert)
// carries: the service worker's batch size.
const syncBatch = 50

// changes is worker w's i-th batch: the same rows for the sync request and
// the bare upsert, each batch later than the one before.
func (b *bench) changes(start time.Time, w, i int) (lessons []uuid.UUID, completed []bool, at []time.Time) {
	n := min(syncBatch, len(b.world.Lessons))
	for j := range n {
		lessons = append(lessons, b.world.Lessons[j])
		completed = append(completed, (i+j)%2 == 0)
		at = append(at, start.Add(time.Duration(i*n+j)*time.Millisecond))
	}
	return lessons, completed, at
}

// routes are the table's operations, in the order they run. The bare page
// runs first and last: their mean is the reference, their spread shows the
// run's noise.
func (b *bench) routes() []route {
	o := b.opts
	course := handlers.CoursePath(b.world.Course)
	me := handlers.MyProgressAPIPath()
	meCourse := me + "?course=" + b.world.Course.String()
	lesson := func(i int) string { return handlers.LessonPath(b.world.Lessons[i%len(b.world.Lessons)]) }
	anon := b.client()
	start := time.Now().Add(-time.Hour)
	bare := route{name: "bare page (reference)", do: func(w, i int) error { return b.getOK(anon, o.bare+"/") }}
	return []route{
		bare,
		{name: "anonymous course list", goal: 0.8, do: func(w, i int) error { return b.getOK(anon, o.base+handlers.HomePath()) }},
		{name: "anonymous lesson page", goal: 0.8, do: func(w, i int) error { return b.getOK(anon, o.base+lesson(i)) }},
		{name: "signed-in course list", goal: 0.5, do: func(w, i int) error { return b.pageView(b.learners[w], handlers.HomePath(), me) }},
		{name: "signed-in course page", do: func(w, i int) error { return b.pageView(b.learners[w], course, meCourse) }},
		{name: "signed-in lesson page", goal: 0.6, do: func(w, i int) error { return b.pageView(b.learners[w], lesson(i), meCourse) }},
		{name: "progress JSON", do: func(w, i int) error {
			return b.getOK(b.learners[w], o.base+handlers.CourseProgressAPIPath(b.world.Course))
		}},
		{name: fmt.Sprintf("POST /api/progress (%d changes)", syncBatch), do: func(w, i int) error {
			return b.sync(w, i, start)
		}},
		{name: fmt.Sprintf("bare upsert of the same %d rows", syncBatch), do: func(w, i int) error {
			l, c, at := b.changes(start, w, i)
			return benchdata.BareUpsert(b.ctx, b.pool, b.ids[w], l, c, at)
		}},
		{name: "dashboard, largest course, sequential", conns: 1, dur: o.dashDur, do: func(w, i int) error {
			return b.getOK(b.editor, o.base+handlers.DashboardPath(b.world.Course))
		}},
		{name: "sign-in (Argon2id)", conns: min(o.conns, 8), do: func(w, i int) error {
			c := b.client()
			req, _ := http.NewRequestWithContext(b.ctx, http.MethodPost, o.base+handlers.LoginPath(),
				bytes.NewBufferString(url.Values{"username": {fmt.Sprintf(o.learnerFmt, w+1)}, "password": {o.password}}.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			return b.expect(c, req, http.StatusSeeOther)
		}},
		bare,
	}
}

// sync posts worker w's i-th batch as the service worker does.
func (b *bench) sync(w, i int, start time.Time) error {
	lessons, completed, at := b.changes(start, w, i)
	changes := make([]map[string]any, len(lessons))
	for j := range lessons {
		changes[j] = map[string]any{"id": uuid.NewString(), "user_id": b.ids[w], "lesson_id": lessons[j],
			"completed": completed[j], "at": at[j].Format(time.RFC3339Nano)}
	}
	body, _ := json.Marshal(map[string]any{"changes": changes})
	req, err := http.NewRequestWithContext(b.ctx, http.MethodPost, b.opts.base+handlers.SyncPath(), bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	return b.expect(b.learners[w], req, http.StatusOK)
}

// measure runs a route with its workers for its duration.
func (b *bench) measure(rt route) result {
	n := rt.conns
	if n == 0 {
		n = b.opts.conns
	}
	dur := rt.dur
	if dur == 0 {
		dur = b.opts.dur
	}
	var mu sync.Mutex
	var lat []time.Duration
	res := result{route: rt, conns: n}
	deadline := time.Now().Add(dur)
	start := time.Now()
	var wg sync.WaitGroup
	for w := range n {
		wg.Go(func() {
			var mine []time.Duration
			var errs int
			var first error
			for i := 0; time.Now().Before(deadline) && b.ctx.Err() == nil; i++ {
				t0 := time.Now()
				if err := rt.do(w, i); err != nil {
					errs++
					first = cmp(first, err)
					continue
				}
				mine = append(mine, time.Since(t0))
			}
			mu.Lock()
			lat = append(lat, mine...)
			res.errs += errs
			res.firstErr = cmp(res.firstErr, first)
			mu.Unlock()
		})
	}
	wg.Wait()
	slices.Sort(lat)
	res.n = len(lat)
	res.rps = float64(len(lat)) / time.Since(start).Seconds()
	if len(lat) > 0 {
		res.p50 = lat[min(len(lat)-1, len(lat)/2)]
		res.p99 = lat[min(len(lat)-1, len(lat)*99/100)]
	}
	return res
}

// cmp keeps the first non-nil error.
func cmp(a, b error) error {
	if a != nil {
		return a
	}
	return b
}
