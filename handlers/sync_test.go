package handlers_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"fieldbook/store"
	"fieldbook/store/storetest"
)

const syncPath = "/api/progress"

// item is one change as the service worker sends it. A map, so a test can
// leave a field out or give it the wrong type.
type item map[string]any

// newItem is a well-formed change with a fresh id.
func newItem(user, lesson uuid.UUID, done bool, at time.Time) item {
	return item{
		"id": uuid.NewString(), "user_id": user.String(), "lesson_id": lesson.String(),
		"completed": done, "at": at.Format(time.RFC3339Nano),
	}
}

// with is a copy of it with key set (or removed, for a nil value).
func (it item) with(key string, v any) item {
	out := item{}
	for k, x := range it {
		out[k] = x
	}
	if v == nil {
		delete(out, key)
	} else {
		out[key] = v
	}
	return out
}

func syncBody(t testing.TB, changes ...any) []byte {
	t.Helper()
	if changes == nil {
		changes = []any{}
	}
	b, err := json.Marshal(map[string]any{"changes": changes})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// syncResult is one entry of the answer; Reason is nil when the key is absent.
type syncResult struct {
	ID     string  `json:"id"`
	Status string  `json:"status"`
	Reason *string `json:"reason"`
}

// results checks a 200 answer's shape, {"results": [{"id", "status",
// "reason"?}]}, with a reason exactly for rejected changes, and returns it.
func results(t *testing.T, res response) []syncResult {
	t.Helper()
	if res.Status != http.StatusOK {
		t.Fatalf("status %d, want 200\n%s", res.Status, res.Body)
	}
	if mt, _, _ := mime.ParseMediaType(res.Header.Get("Content-Type")); mt != "application/json" {
		t.Errorf("Content-Type = %q, want application/json", res.Header.Get("Content-Type"))
	}
	if cc := res.Header.Get("Cache-Control"); !strings.Contains(cc, "no-store") {
		t.Errorf("Cache-Control = %q, want no-store", cc)
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal([]byte(res.Body), &top); err != nil {
		t.Fatalf("answer is not a JSON object: %v\n%s", err, res.Body)
	}
	if _, ok := top["results"]; !ok || len(top) != 1 {
		t.Fatalf("answer keys = %v, want just \"results\"", keys(top))
	}
	var raw []map[string]json.RawMessage
	if err := json.Unmarshal(top["results"], &raw); err != nil {
		t.Fatalf("results is not a list of objects: %v\n%s", err, res.Body)
	}
	out := make([]syncResult, len(raw))
	for i, r := range raw {
		for k := range r {
			if k != "id" && k != "status" && k != "reason" {
				t.Errorf("result %d has an unexpected key %q", i, k)
			}
		}
		if _, ok := r["id"]; !ok {
			t.Errorf("result %d has no id", i)
		}
		b, _ := json.Marshal(r)
		if err := json.Unmarshal(b, &out[i]); err != nil {
			t.Fatalf("result %d: %v", i, err)
		}
		switch rejected := out[i].Status == "rejected"; {
		case rejected && (out[i].Reason == nil || *out[i].Reason == ""):
			t.Errorf("result %d is rejected without a reason", i)
		case !rejected && out[i].Reason != nil:
			t.Errorf("result %d is %s with a reason %q", i, out[i].Status, *out[i].Reason)
		}
	}
	return out
}

func keys(m map[string]json.RawMessage) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// checkAPIError checks a JSON error answer: the status, {"error": message}
// with a message a person can read, and no internals.
func checkAPIError(t *testing.T, res response, status int) string {
	t.Helper()
	if res.Status != status {
		t.Fatalf("status %d, want %d\n%s", res.Status, status, res.Body)
	}
	if mt, _, _ := mime.ParseMediaType(res.Header.Get("Content-Type")); mt != "application/json" {
		t.Errorf("Content-Type = %q, want application/json", res.Header.Get("Content-Type"))
	}
	var e map[string]string
	if err := json.Unmarshal([]byte(res.Body), &e); err != nil || len(e) != 1 || strings.TrimSpace(e["error"]) == "" {
		t.Errorf("body = %q, want {\"error\": message}", res.Body)
	}
	checkNoLeak(t, res.Body)
	return e["error"]
}

// syncSnapshot is snapshot plus the record of synced change ids.
func (a *testApp) syncSnapshot(t testing.TB) string {
	t.Helper()
	var digest string
	err := a.owner.QueryRow(context.Background(),
		`SELECT count(*) || ':' || md5(coalesce(string_agg(x::text, ',' ORDER BY x::text), '')) FROM progress_changes x`).
		Scan(&digest)
	if err != nil {
		t.Fatalf("snapshot progress_changes: %v", err)
	}
	return a.snapshot(t) + "progress_changes:" + digest
}

// progressJSON is GET /api/courses/{id}/progress for c.
func (c *client) progressJSON(course uuid.UUID) (done, total int) {
	c.t.Helper()
	res := c.GET("/api/courses/" + course.String() + "/progress").Expect(http.StatusOK)
	var p struct {
		Total     int `json:"total"`
		Completed int `json:"completed"`
	}
	if err := json.Unmarshal([]byte(res.Body), &p); err != nil {
		c.t.Fatalf("course progress: %v\n%s", err, res.Body)
	}
	return p.Completed, p.Total
}

func TestSyncProgress(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	w := a.seedWorld(t)
	c := a.newClient(t)
	c.signIn(storetest.LearnerUser, storetest.LearnerPass)
	base := time.Now().Add(-time.Hour).Truncate(time.Millisecond)

	items := []item{
		newItem(w.Learner.ID(), w.Course.Lessons[0], true, base),
		newItem(w.Learner.ID(), w.Course.Lessons[1], true, base.Add(time.Minute)),
		// An offset other than Z is still RFC 3339.
		newItem(w.Learner.ID(), w.OtherCourse.Lessons[0], true, base).with("at", base.In(time.FixedZone("", 3*3600)).Format(time.RFC3339)),
	}
	got := results(t, c.POST(syncPath).JSON(syncBody(t, items[0], items[1], items[2])).Send())
	if len(got) != len(items) {
		t.Fatalf("%d results for %d changes", len(got), len(items))
	}
	for i, r := range got {
		if r.ID != items[i]["id"] || r.Status != "applied" {
			t.Errorf("result %d = %+v, want id %s applied", i, r, items[i]["id"])
		}
	}
	for _, l := range []uuid.UUID{w.Course.Lessons[0], w.Course.Lessons[1], w.OtherCourse.Lessons[0]} {
		if d := a.completedInDB(t, w.Learner.ID(), l); d == nil || !*d {
			t.Errorf("lesson %s: stored mark %v, want completed", l, d)
		}
	}
	if n := a.count(t, `SELECT count(*) FROM progress_changes WHERE student_id = $1`, w.Learner.ID()); n != 3 {
		t.Errorf("%d changes recorded, want 3", n)
	}

	t.Run("empty list", func(t *testing.T) {
		res := c.POST(syncPath).JSON([]byte(`{"changes": []}`)).Send()
		if got := results(t, res); len(got) != 0 {
			t.Errorf("results = %+v, want none", got)
		}
		if !strings.Contains(res.Body, `"results":[]`) {
			t.Errorf("body = %s, want an empty list, not null", res.Body)
		}
	})
	for i, ct := range []string{"application/json; charset=utf-8", "Application/JSON; charset=UTF-8"} {
		t.Run("content type "+ct, func(t *testing.T) {
			it := newItem(w.Learner.ID(), w.Course.Lessons[2], i%2 == 0, base.Add(time.Duration(i)*time.Second))
			res := c.POST(syncPath).JSON(syncBody(t, it)).Headers(http.Header{"Content-Type": {ct}}).Send()
			if got := results(t, res); len(got) != 1 || got[0].Status != "applied" {
				t.Errorf("results = %+v, want one applied", got)
			}
		})
	}
	t.Run("exactly the limit", func(t *testing.T) {
		var batch []any
		for i := range handlersMax {
			batch = append(batch, newItem(w.Learner.ID(), w.Course.Lessons[i%3], i%2 == 0, base.Add(time.Duration(i)*time.Second)))
		}
		got := results(t, c.POST(syncPath).JSON(syncBody(t, batch...)).Send())
		n := map[string]int{}
		for _, r := range got {
			n[r.Status]++
		}
		if len(got) != handlersMax || n["applied"] != 3 || n["stale"] != handlersMax-3 {
			t.Errorf("%d results %v, want %d: 3 applied, the rest stale", len(got), n, handlersMax)
		}
	})
}

// handlersMax is the documented limit of changes per request.
const handlersMax = 500

func TestSyncProgressRejectsBadItems(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	w := a.seedWorld(t)
	other := a.seed.User(t, store.RoleLearner, "ravi", "Ravi", "ravi's password").ID()
	c := a.newClient(t)
	c.signIn(storetest.LearnerUser, storetest.LearnerPass)
	base := time.Now().Add(-time.Hour).Truncate(time.Millisecond)
	ok := func(lesson uuid.UUID) item { return newItem(w.Learner.ID(), lesson, true, base) }

	tests := []struct {
		name   string
		item   any
		wantID string // "" when the id cannot be echoed
		reason string // the reason, or a word it must contain
	}{
		{"missing id", ok(w.Course.Lessons[2]).with("id", nil), "", "missing id"},
		{"id not a UUID", ok(w.Course.Lessons[2]).with("id", "change-1"), "change-1", "UUID"},
		{"id the nil UUID", ok(w.Course.Lessons[2]).with("id", uuid.Nil.String()), uuid.Nil.String(), "UUID"},
		{"id a number", ok(w.Course.Lessons[2]).with("id", 7), "", "change"},
		{"another learner's change", newItem(other, w.Course.Lessons[2], true, base), "*", "wrong_user"},
		{"an unknown user's change", newItem(uuid.New(), w.Course.Lessons[2], true, base), "*", "wrong_user"},
		{"missing user_id", ok(w.Course.Lessons[2]).with("user_id", nil), "*", "user_id"},
		{"user_id not a UUID", ok(w.Course.Lessons[2]).with("user_id", "lena"), "*", "user_id"},
		{"missing lesson_id", ok(w.Course.Lessons[2]).with("lesson_id", nil), "*", "lesson_id"},
		{"lesson_id not a UUID", ok(w.Course.Lessons[2]).with("lesson_id", "lesson-3"), "*", "lesson_id"},
		{"missing completed", ok(w.Course.Lessons[2]).with("completed", nil), "*", "missing completed"},
		{"completed a string", ok(w.Course.Lessons[2]).with("completed", "yes"), "", "change"},
		{"missing at", ok(w.Course.Lessons[2]).with("at", nil), "*", "at"},
		{"at not a time", ok(w.Course.Lessons[2]).with("at", "yesterday"), "*", "RFC 3339"},
		{"at without a zone", ok(w.Course.Lessons[2]).with("at", base.Format("2006-01-02T15:04:05")), "*", "RFC 3339"},
		{"unknown lesson", ok(uuid.New()), "*", "lesson"},
		{"draft lesson", ok(w.DraftLesson()), "*", "lesson"},
		{"lesson of a draft course", ok(w.DraftCourseLesson()), "*", "lesson"},
		{"not an object", "complete lesson 3", "", "change"},
		{"null", nil, "", "id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// A bad change between two good ones spoils neither.
			before := a.count(t, `SELECT count(*) FROM progress_changes`)
			good1 := newItem(w.Learner.ID(), w.Course.Lessons[0], true, base.Add(time.Duration(before)*time.Second))
			good2 := newItem(w.Learner.ID(), w.Course.Lessons[1], true, base.Add(time.Duration(before)*time.Second))
			got := results(t, c.POST(syncPath).JSON(syncBody(t, good1, tt.item, good2)).Send())
			if len(got) != 3 {
				t.Fatalf("%d results, want 3", len(got))
			}
			for _, i := range []int{0, 2} {
				g := []item{good1, nil, good2}[i]
				if got[i].ID != g["id"] || got[i].Status != "applied" {
					t.Errorf("good change %d = %+v, want applied", i, got[i])
				}
			}
			r := got[1]
			if r.Status != "rejected" {
				t.Fatalf("bad change = %+v, want rejected", r)
			}
			wantID := tt.wantID
			if wantID == "*" {
				wantID = tt.item.(item)["id"].(string)
			}
			if r.ID != wantID {
				t.Errorf("id = %q, want %q", r.ID, wantID)
			}
			if tt.reason == "wrong_user" {
				if *r.Reason != "wrong_user" {
					t.Errorf("reason = %q, want exactly wrong_user", *r.Reason)
				}
			} else if !strings.Contains(*r.Reason, tt.reason) || *r.Reason == "wrong_user" {
				t.Errorf("reason = %q, want it to mention %q", *r.Reason, tt.reason)
			}
			if n := a.count(t, `SELECT count(*) FROM progress_changes`); n != before+2 {
				t.Errorf("%d changes recorded, want %d (the good ones only)", n, before+2)
			}
		})
	}
	for _, l := range []uuid.UUID{w.Course.Lessons[2], w.DraftLesson(), w.DraftCourseLesson()} {
		if d := a.completedInDB(t, w.Learner.ID(), l); d != nil {
			t.Errorf("lesson %s has a mark from a rejected change", l)
		}
	}
	if n := a.count(t, `SELECT count(*) FROM student_progress WHERE student_id <> $1`, w.Learner.ID()); n != 0 {
		t.Errorf("%d progress rows of other users, want 0", n)
	}
	if n := a.count(t, `SELECT count(*) FROM progress_changes WHERE student_id <> $1`, w.Learner.ID()); n != 0 {
		t.Errorf("%d changes recorded for other users, want 0", n)
	}
}

// TestSyncProgressSharedPhone: two learners share one phone. The queue holds
// changes of both; each account's sync takes its own and leaves the other's
// as wrong_user, for that account to send later.
func TestSyncProgressSharedPhone(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	w := a.seedWorld(t)
	ravi := a.seed.User(t, store.RoleLearner, "ravi", "Ravi", "ravi's password").ID()
	base := time.Now().Add(-time.Hour).Truncate(time.Millisecond)
	queue := []any{
		newItem(w.Learner.ID(), w.Course.Lessons[0], true, base),
		newItem(ravi, w.Course.Lessons[0], true, base),
		newItem(ravi, w.Course.Lessons[1], true, base),
		newItem(w.Learner.ID(), w.Course.Lessons[2], true, base),
	}
	body := syncBody(t, queue...)

	lena := a.newClient(t)
	lena.signIn(storetest.LearnerUser, storetest.LearnerPass)
	got := results(t, lena.POST(syncPath).JSON(body).Send())
	want := []string{"applied", "rejected", "rejected", "applied"}
	for i, r := range got {
		if r.Status != want[i] {
			t.Errorf("as lena, change %d: %s, want %s", i, r.Status, want[i])
		}
	}
	if d, n := lena.progressJSON(w.Course.ID); d != 2 || n != 3 {
		t.Errorf("lena's progress = %d/%d, want 2/3", d, n)
	}

	r := a.newClient(t)
	r.signIn("ravi", "ravi's password")
	got = results(t, r.POST(syncPath).JSON(body).Send())
	want = []string{"rejected", "applied", "applied", "rejected"}
	for i, res := range got {
		if res.Status != want[i] {
			t.Errorf("as ravi, change %d: %s, want %s", i, res.Status, want[i])
		}
	}
	if d, n := r.progressJSON(w.Course.ID); d != 2 || n != 3 {
		t.Errorf("ravi's progress = %d/%d, want 2/3", d, n)
	}
	if d := a.completedInDB(t, ravi, w.Course.Lessons[2]); d != nil {
		t.Error("lena's change reached ravi's progress")
	}
	if d := a.completedInDB(t, w.Learner.ID(), w.Course.Lessons[1]); d != nil {
		t.Error("ravi's change reached lena's progress")
	}
}

// chunked hides a reader's length, so the request goes out without a
// Content-Length, as a streamed body would.
type chunked struct{ io.Reader }

func TestSyncProgressBadRequests(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	w := a.seedWorld(t)
	c := a.newClient(t)
	c.signIn(storetest.LearnerUser, storetest.LearnerPass)
	base := time.Now().Add(-time.Hour)
	one := newItem(w.Learner.ID(), w.Course.Lessons[0], true, base)

	var tooMany []any
	for i := range handlersMax + 1 {
		tooMany = append(tooMany, newItem(w.Learner.ID(), w.Course.Lessons[i%3], true, base))
	}
	// A valid request made larger than 1 MB by a field the server ignores:
	// only its size can refuse it.
	padded := func(n int) []byte {
		b, _ := json.Marshal(map[string]any{"changes": []any{one}, "pad": strings.Repeat("x", n)})
		return b
	}
	big := padded(1_100_000)

	tests := []struct {
		name   string
		body   io.Reader
		ctype  string
		status int
	}{
		{"malformed JSON", strings.NewReader(`{"changes": [`), "application/json", http.StatusBadRequest},
		{"not JSON", strings.NewReader(`changes=1`), "application/json", http.StatusBadRequest},
		{"empty body", strings.NewReader(``), "application/json", http.StatusBadRequest},
		{"trailing garbage", strings.NewReader(string(syncBody(t, one)) + "x"), "application/json", http.StatusBadRequest},
		{"missing changes", strings.NewReader(`{"results": []}`), "application/json", http.StatusBadRequest},
		{"empty object", strings.NewReader(`{}`), "application/json", http.StatusBadRequest},
		{"changes null", strings.NewReader(`{"changes": null}`), "application/json", http.StatusBadRequest},
		{"changes not a list", strings.NewReader(`{"changes": {"0": {}}}`), "application/json", http.StatusBadRequest},
		{"a bare list", strings.NewReader(`[]`), "application/json", http.StatusBadRequest},
		{"JSON null", strings.NewReader(`null`), "application/json", http.StatusBadRequest},
		{"501 changes", bytes.NewReader(syncBody(t, tooMany...)), "application/json", http.StatusRequestEntityTooLarge},
		{"more than 1 MB", bytes.NewReader(big), "application/json", http.StatusRequestEntityTooLarge},
		{"more than 1 MB, no Content-Length", chunked{bytes.NewReader(big)}, "application/json", http.StatusRequestEntityTooLarge},
		{"a form", strings.NewReader(`changes=1`), "application/x-www-form-urlencoded", http.StatusUnsupportedMediaType},
		{"plain text", bytes.NewReader(syncBody(t, one)), "text/plain", http.StatusUnsupportedMediaType},
		{"multipart", bytes.NewReader(syncBody(t, one)), "multipart/form-data; boundary=x", http.StatusUnsupportedMediaType},
		{"JSON-like but not JSON", bytes.NewReader(syncBody(t, one)), "application/jsonp", http.StatusUnsupportedMediaType},
		{"unparsable content type", bytes.NewReader(syncBody(t, one)), "application/json; charset", http.StatusUnsupportedMediaType},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := a.syncSnapshot(t)
			res := c.POST(syncPath).Stream(tt.ctype, tt.body).Send()
			checkAPIError(t, res, tt.status)
			if a.syncSnapshot(t) != before {
				t.Error("a refused request changed the database")
			}
		})
	}

	// Just under the size limit, the same kind of body is accepted.
	t.Run("900 kB", func(t *testing.T) {
		for _, stream := range []bool{false, true} {
			one["id"] = uuid.NewString()
			var body io.Reader = bytes.NewReader(padded(900_000))
			if stream {
				body = chunked{body}
			}
			got := results(t, c.POST(syncPath).Stream("application/json", body).Send())
			if len(got) != 1 || got[0].Status != "applied" {
				t.Errorf("results = %+v, want one applied", got)
			}
		}
	})
}

func TestSyncProgressNotSignedIn(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	w := a.seedWorld(t)
	body := syncBody(t, newItem(w.Learner.ID(), w.Course.Lessons[0], true, time.Now().Add(-time.Minute)))

	signedOut := a.newClient(t)
	signedOut.signIn(storetest.LearnerUser, storetest.LearnerPass)
	signedOut.POST("/logout").Expect(http.StatusSeeOther)
	stale, h := a.withCookie(t, "no-such-session-token")

	for _, tt := range []struct {
		name   string
		c      *client
		header http.Header
	}{
		{"no session", a.newClient(t), nil},
		{"signed out", signedOut, nil},
		{"unknown session cookie", stale, h},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before := a.syncSnapshot(t)
			res := tt.c.POST(syncPath).JSON(body).Headers(tt.header).Send()
			checkAPIError(t, res, http.StatusUnauthorized)
			if loc := res.Header.Get("Location"); loc != "" {
				t.Errorf("Location = %q: an API answer is not a redirect", loc)
			}
			if a.syncSnapshot(t) != before {
				t.Error("an anonymous sync changed the database")
			}
		})
	}
	if n := a.count(t, `SELECT count(*) FROM progress_changes`); n != 0 {
		t.Errorf("%d changes recorded, want 0", n)
	}
}

func TestSyncProgressCrossOrigin(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	w := a.seedWorld(t)
	c := a.newClient(t)
	c.signIn(storetest.LearnerUser, storetest.LearnerPass)
	base := time.Now().Add(-time.Hour)

	for i, tt := range []struct {
		name   string
		header http.Header
		status int
	}{
		{"Sec-Fetch-Site cross-site", http.Header{"Sec-Fetch-Site": {"cross-site"}}, http.StatusForbidden},
		{"Sec-Fetch-Site same-site", http.Header{"Sec-Fetch-Site": {"same-site"}}, http.StatusForbidden},
		{"foreign Origin", http.Header{"Origin": {"https://evil.example"}}, http.StatusForbidden},
		{"Sec-Fetch-Site same-origin", http.Header{"Sec-Fetch-Site": {"same-origin"}}, http.StatusOK},
		{"own Origin", http.Header{"Origin": {a.URL}}, http.StatusOK},
	} {
		t.Run(tt.name, func(t *testing.T) {
			it := newItem(w.Learner.ID(), w.Course.Lessons[i%3], true, base.Add(time.Duration(i)*time.Minute))
			before := a.syncSnapshot(t)
			res := c.POST(syncPath).JSON(syncBody(t, it)).Headers(tt.header).Send()
			if tt.status == http.StatusForbidden {
				checkAPIError(t, res, http.StatusForbidden)
				if a.syncSnapshot(t) != before {
					t.Error("a cross-site sync changed the database")
				}
				return
			}
			if got := results(t, res); len(got) != 1 || got[0].Status != "applied" {
				t.Errorf("results = %+v, want one applied", got)
			}
		})
	}
}

func TestSyncProgressReplay(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	w := a.seedWorld(t)
	c := a.newClient(t)
	c.signIn(storetest.LearnerUser, storetest.LearnerPass)
	base := time.Now().Add(-time.Hour).Truncate(time.Millisecond)
	body := syncBody(t,
		newItem(w.Learner.ID(), w.Course.Lessons[0], true, base.Add(2*time.Minute)),
		newItem(w.Learner.ID(), w.Course.Lessons[0], false, base.Add(time.Minute)),
		newItem(w.Learner.ID(), w.Course.Lessons[1], true, base),
		newItem(w.Learner.ID(), uuid.New(), true, base),
		newItem(uuid.New(), w.Course.Lessons[2], true, base),
	)
	first := results(t, c.POST(syncPath).JSON(body).Send())
	want := []string{"applied", "stale", "applied", "rejected", "rejected"}
	for i, r := range first {
		if r.Status != want[i] {
			t.Errorf("first: change %d %s, want %s", i, r.Status, want[i])
		}
	}
	before := a.syncSnapshot(t)

	// The answer to the first request was lost; the device sends it again.
	again := results(t, c.POST(syncPath).JSON(body).Send())
	want = []string{"duplicate", "duplicate", "duplicate", "rejected", "rejected"}
	for i, r := range again {
		if r.ID != first[i].ID || r.Status != want[i] {
			t.Errorf("replay: change %d %+v, want id %s %s", i, r, first[i].ID, want[i])
		}
	}
	if a.syncSnapshot(t) != before {
		t.Error("the replay changed the database")
	}
}

func TestSyncProgressShowsInCourseProgress(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	w := a.seedWorld(t)
	c := a.newClient(t)
	c.signIn(storetest.LearnerUser, storetest.LearnerPass)
	base := time.Now().Add(-time.Hour).Truncate(time.Millisecond)

	if d, n := c.progressJSON(w.Course.ID); d != 0 || n != 3 {
		t.Fatalf("progress before = %d/%d, want 0/3", d, n)
	}
	steps := []struct {
		name     string
		items    []any
		course   int // course done count afterwards
		other    int // other course done count afterwards
		statuses string
	}{
		{"two completions offline", []any{
			newItem(w.Learner.ID(), w.Course.Lessons[0], true, base),
			newItem(w.Learner.ID(), w.Course.Lessons[2], true, base),
			newItem(w.Learner.ID(), w.OtherCourse.Lessons[1], true, base),
		}, 2, 1, "applied applied applied"},
		{"an older undo loses", []any{newItem(w.Learner.ID(), w.Course.Lessons[0], false, base.Add(-time.Minute))}, 2, 1, "stale"},
		{"a newer undo wins", []any{newItem(w.Learner.ID(), w.Course.Lessons[0], false, base.Add(time.Minute))}, 1, 1, "applied"},
		{"draft lesson never counts", []any{newItem(w.Learner.ID(), w.DraftLesson(), true, base)}, 1, 1, "rejected"},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			got := results(t, c.POST(syncPath).JSON(syncBody(t, st.items...)).Send())
			var statuses []string
			for _, r := range got {
				statuses = append(statuses, r.Status)
			}
			if s := strings.Join(statuses, " "); s != st.statuses {
				t.Errorf("statuses = %q, want %q", s, st.statuses)
			}
			if d, n := c.progressJSON(w.Course.ID); d != st.course || n != 3 {
				t.Errorf("course progress = %d/%d, want %d/3", d, n, st.course)
			}
			if d, n := c.progressJSON(w.OtherCourse.ID); d != st.other || n != 2 {
				t.Errorf("other course progress = %d/%d, want %d/2", d, n, st.other)
			}
			// "My progress" agrees with the JSON.
			res := c.GET("/me/progress").Send()
			if res.Status != http.StatusOK {
				t.Fatalf("my progress page: status %d", res.Status)
			}
			card := res.Doc().Find("li.card").Has(attrIs("href", "/courses/"+w.Course.ID.String())).First()
			if v, _ := progressOf(card).Attr("value"); v != fmt.Sprint(st.course) {
				t.Errorf("my progress value = %q, want %d", v, st.course)
			}
		})
	}
}
