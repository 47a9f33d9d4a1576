package handlers_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/google/uuid"

	"fieldbook/store"
	"fieldbook/store/storetest"
)

// attemptWorld: a published course with a practice quiz (lesson pq: a
// single-choice question whose right choice is the second, and a
// true/false one whose answer is false), a check quiz (lesson cq: a number,
// 5 ± 0.5, and a text, "ORS"), a plain lesson, and a draft lesson with a
// quiz; Lena and Omar are learners, each with a phone key.
type attemptWorld struct {
	a                  *testApp
	vol, lena, omar    *client
	lenaID, omarID     uuid.UUID
	lenaKey, omarKey   *phone
	course, pq, cq     uuid.UUID
	plain, draft       uuid.UUID
	pqVersion, cqVer   int
	single, tf         string // the practice quiz's question ids
	num, txt           string // the check quiz's
	draftQ             string // the draft lesson's question
	base               time.Time
	otherCourseLessons []uuid.UUID
}

func newAttemptWorld(t *testing.T) *attemptWorld {
	t.Helper()
	return newAttemptWorldOn(t, newTestApp(t))
}

func newAttemptWorldOn(t *testing.T, a *testApp) *attemptWorld {
	t.Helper()
	w := &attemptWorld{a: a, base: time.Now().UTC().Add(-time.Hour).Truncate(time.Millisecond)}
	vol := a.seed.User(t, store.RoleVolunteer, storetest.VolunteerUser, storetest.VolunteerName, storetest.VolunteerPass)
	w.lenaID = a.seed.User(t, store.RoleLearner, storetest.LearnerUser, storetest.LearnerName, storetest.LearnerPass).ID()
	w.omarID = a.seed.User(t, store.RoleLearner, "omar", "Omar", "omar password 1").ID()
	course := a.seed.Course(t, vol.Caller, "Safe water", true, storetest.Published("Boiling"),
		storetest.Published("Salts"), storetest.Published("Storage"), storetest.Draft("Draft"))
	w.course = course.ID
	w.pq, w.cq, w.plain, w.draft = course.All[0], course.All[1], course.All[2], course.All[3]
	w.vol, w.lena, w.omar = a.newClient(t), a.newClient(t), a.newClient(t)
	w.vol.signIn(storetest.VolunteerUser, storetest.VolunteerPass)
	w.lena.signIn(storetest.LearnerUser, storetest.LearnerPass)
	w.omar.signIn("omar", "omar password 1")
	w.lenaKey = w.lena.registerPhone(newPhoneKey(t), "")
	w.omarKey = w.omar.registerPhone(newPhoneKey(t), "")
	add := func(lesson uuid.UUID, f url.Values) {
		w.vol.POST(lessonPath(lesson, "/questions")).Form(f).Expect(http.StatusSeeOther)
	}
	add(w.pq, questionForm("single", "Which pot?", "Clay\nSteel\nPlastic", "2", ""))
	add(w.pq, questionForm("truefalse", "Cloudy water is safe.", "", "false", ""))
	add(w.cq, questionForm("number", "How many grams?", "", "5", "0.5"))
	add(w.cq, questionForm("text", "Name the salts.", "", "ORS", ""))
	w.vol.POST(lessonPath(w.cq, "/quiz")).Form(url.Values{"mode": {"check"}, "pass_mark": {"100"}}).Expect(http.StatusSeeOther)
	add(w.draft, questionForm("truefalse", "Draft?", "", "true", ""))
	w.pqVersion, w.single, w.tf = quizIDs(t, w.lena, w.pq)
	w.cqVer, w.num, w.txt = quizIDs(t, w.lena, w.cq)
	if err := a.owner.QueryRow(t.Context(), `SELECT id::text FROM quiz_questions WHERE lesson_id = $1`, w.draft).Scan(&w.draftQ); err != nil {
		t.Fatal(err)
	}
	w.otherCourseLessons = a.seed.Course(t, vol.Caller, "Other", true, storetest.Published("Elsewhere")).All
	return w
}

// quizIDs is a lesson's quiz version and first two question ids, from the API.
func quizIDs(t *testing.T, c *client, lesson uuid.UUID) (int, string, string) {
	t.Helper()
	status, q, body := apiQuiz(t, c, lesson)
	if status != http.StatusOK {
		t.Fatalf("quiz of %s: %d %s", lesson, status, body)
	}
	qs := q["questions"].([]any)
	return int(q["version"].(float64)), qs[0].(map[string]any)["id"].(string), qs[1].(map[string]any)["id"].(string)
}

// attempt is a well-formed attempt as the worker sends it.
func (w *attemptWorld) attempt(user, lesson uuid.UUID, version int, answers map[string]any) item {
	return item{"id": uuid.NewString(), "user_id": user.String(), "lesson_id": lesson.String(),
		"version": version, "answers": answers, "at": w.base.Format(time.RFC3339Nano)}
}

// practice is an attempt of the practice quiz with one (right) or two right answers.
func (w *attemptWorld) practice(user uuid.UUID, pass bool) item {
	tf := true
	if pass {
		tf = false
	}
	return w.attempt(user, w.pq, w.pqVersion, map[string]any{w.single: 1, w.tf: tf})
}

// attemptText is the canonical text of a signed attempt, built from the
// contract in docs/offline.md independently of the server's code (question
// ids and the values used here need no escaping).
func attemptText(it item) string {
	answers := it["answers"].(map[string]any)
	keys := make([]string, 0, len(answers))
	for k := range answers {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var parts []string
	for _, k := range keys {
		v, _ := json.Marshal(answers[k])
		parts = append(parts, strconv.Quote(k)+":"+string(v))
	}
	return strings.Join([]string{"fieldbook-attempt-v1", it["id"].(string), it["user_id"].(string), it["lesson_id"].(string),
		strconv.Itoa(it["version"].(int)), it["at"].(string), "{" + strings.Join(parts, ",") + "}"}, "\n")
}

func (p *phone) signAttempt(it item) item {
	return it.with("key_id", p.id).with("sig", p.sigOf(attemptText(it)))
}

func attemptsBody(t testing.TB, changes []any, attempts ...any) []byte {
	t.Helper()
	m := map[string]any{"attempts": attempts}
	if changes != nil {
		m["changes"] = changes
	}
	if attempts == nil {
		m["attempts"] = []any{}
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// attemptResults checks a 200 answer with both lists and returns the
// attempts' answers: {"id", "status", "reason"?, "score", "passed"}, a
// reason exactly for rejected ones, which say nothing else.
func attemptResults(t *testing.T, res response) ([]syncResult, []attemptOut) {
	t.Helper()
	if res.Status != http.StatusOK {
		t.Fatalf("status %d, want 200\n%s", res.Status, res.Body)
	}
	var top struct {
		Results        []syncResult                 `json:"results"`
		AttemptResults []map[string]json.RawMessage `json:"attempt_results"`
	}
	if err := json.Unmarshal([]byte(res.Body), &top); err != nil || top.Results == nil || top.AttemptResults == nil {
		t.Fatalf("answer %s: %v", res.Body, err)
	}
	out := make([]attemptOut, len(top.AttemptResults))
	for i, r := range top.AttemptResults {
		for _, k := range []string{"id", "status", "score", "passed"} {
			if _, ok := r[k]; !ok {
				t.Errorf("attempt result %d has no %q: %s", i, k, res.Body)
			}
		}
		b, _ := json.Marshal(r)
		if err := json.Unmarshal(b, &out[i]); err != nil {
			t.Fatal(err)
		}
		rejected := out[i].Status == "rejected"
		if rejected != (out[i].Reason != "") || rejected && (out[i].Score != 0 || out[i].Passed) {
			t.Errorf("attempt result %d: %+v", i, out[i])
		}
	}
	return top.Results, out
}

type attemptOut struct {
	ID     string `json:"id"`
	Status string `json:"status"`
	Reason string `json:"reason"`
	Score  int    `json:"score"`
	Passed bool   `json:"passed"`
}

func (o attemptOut) String() string {
	if o.Reason != "" {
		return o.Status + ":" + o.Reason
	}
	return o.Status + " " + strconv.Itoa(o.Score) + " " + strconv.FormatBool(o.Passed)
}

func joined(out []attemptOut) string {
	var s []string
	for _, o := range out {
		s = append(s, o.String())
	}
	return strings.Join(s, ", ")
}

func (w *attemptWorld) attempts(t *testing.T, student uuid.UUID) int {
	t.Helper()
	return w.a.count(t, `SELECT count(*) FROM quiz_attempts WHERE student_id = $1`, student)
}

func TestSyncAttempts(t *testing.T) {
	t.Parallel()
	w := newAttemptWorld(t)
	fail, pass := w.practice(w.lenaID, false), w.practice(w.lenaID, true)
	plain := newItem(w.lenaID, w.plain, true, w.base)
	byHand := newItem(w.lenaID, w.pq, true, w.base)

	// One batch: a completion, a manual completion of the quiz lesson
	// (refused), a failed and a passed attempt, in input order.
	body := attemptsBody(t, []any{plain, byHand}, fail, pass)
	res, got := attemptResults(t, w.lena.POST(syncPath).JSON(body).Send())
	if st := statuses(res); st != "applied rejected:quiz_lesson" {
		t.Errorf("changes: %s", st)
	}
	if j := joined(got); j != "applied 50 false, applied 100 true" || got[0].ID != fail["id"] || got[1].ID != pass["id"] {
		t.Fatalf("attempts: %s", j)
	}
	if d := w.a.completedInDB(t, w.lenaID, w.pq); d == nil || !*d {
		t.Error("the passing attempt did not complete the lesson")
	}
	// The passing attempt's completion went through the change log, like
	// any completion (so counters, events and the CSV follow).
	if n := w.a.count(t, `SELECT count(*) FROM progress_changes WHERE student_id = $1 AND lesson_id = $2`, w.lenaID, w.pq); n != 1 {
		t.Errorf("%d change records for the mastered lesson, want 1", n)
	}

	// A replay (a lost answer, a second tab): the stored grades, nothing new.
	before := w.a.snapshot(t)
	res, got = attemptResults(t, w.lena.POST(syncPath).JSON(body).Send())
	if j := joined(got); j != "duplicate 50 false, duplicate 100 true" || statuses(res) != "duplicate rejected:quiz_lesson" {
		t.Errorf("replay: %s / %s", statuses(res), j)
	}
	if n := w.attempts(t, w.lenaID); n != 2 || w.a.snapshot(t) != before {
		t.Errorf("after the replay %d attempts (want 2), database changed: %v", n, w.a.snapshot(t) != before)
	}
	// The same id twice in one batch counts once.
	again := w.practice(w.lenaID, true)
	if _, got = attemptResults(t, w.lena.POST(syncPath).JSON(attemptsBody(t, nil, again, again)).Send()); joined(got) != "applied 100 true, duplicate 100 true" {
		t.Errorf("an id twice in a batch: %s", joined(got))
	}

	// The check quiz: graded by the server alone, against a key the phone
	// never had; attempts alone, without "changes".
	r := w.lena.POST(syncPath).JSON(attemptsBody(t, nil,
		w.attempt(w.lenaID, w.cq, w.cqVer, map[string]any{w.num: 5.4, w.txt: " ors "}),
		w.attempt(w.lenaID, w.cq, w.cqVer, map[string]any{w.num: 5.6, w.txt: "Oral"}),
		w.attempt(w.lenaID, w.cq, w.cqVer, map[string]any{w.num: 5}))).Send()
	if res, got = attemptResults(t, r); len(res) != 0 || joined(got) != "applied 100 true, applied 0 false, applied 50 false" {
		t.Errorf("check quiz: %v / %s", res, joined(got))
	}
	if strings.Contains(r.Body, "ORS") {
		t.Error("the answer shows the check quiz's key")
	}
	if d := w.a.completedInDB(t, w.lenaID, w.cq); d == nil || !*d {
		t.Error("the passing check attempt did not complete the lesson")
	}
	// What is stored: the answers as sent, the server's grade per question.
	var answers, results string
	if err := w.a.owner.QueryRow(t.Context(), `SELECT answers::text, results::text FROM quiz_attempts WHERE id = $1`,
		pass["id"]).Scan(&answers, &results); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(answers, `"`+w.single+`": 1`) || !strings.Contains(results, `"`+w.tf+`": true`) {
		t.Errorf("stored answers %s, results %s", answers, results)
	}
}

func TestSyncAttemptsRejected(t *testing.T) {
	t.Parallel()
	w := newAttemptWorld(t)
	// Omar's attempt, whose id Lena will try to reuse.
	omars := w.practice(w.omarID, true)
	if _, got := attemptResults(t, w.omar.POST(syncPath).JSON(attemptsBody(t, nil, omars)).Send()); joined(got) != "applied 100 true" {
		t.Fatalf("Omar's attempt: %s", joined(got))
	}
	good := w.practice(w.lenaID, true)
	cases := []struct {
		name string
		v    any
		want string
	}{
		{"not an object", []int{1}, "malformed"},
		{"a string", "attempt", "malformed"},
		{"no id", good.with("id", nil), "bad_id"},
		{"id not a UUID", good.with("id", "one"), "bad_id"},
		{"another learner's user_id", w.practice(w.omarID, true), "wrong_user"},
		{"no user_id", good.with("user_id", nil), "wrong_user"},
		{"no lesson_id", good.with("lesson_id", nil), "bad_lesson_id"},
		{"lesson_id not a UUID", good.with("lesson_id", "boiling"), "bad_lesson_id"},
		{"version a string", good.with("version", "1"), "bad_version"},
		{"version zero", good.with("version", 0), "bad_version"},
		{"version a fraction", good.with("version", 1.5), "bad_version"},
		{"no at", good.with("at", nil), "bad_at"},
		{"at not a time", good.with("at", "yesterday"), "bad_at"},
		{"answers a list", good.with("answers", []any{1}), "bad_answers"},
		{"no answers", good.with("answers", nil), "bad_answers"},
		{"another lesson's question", good.with("answers", map[string]any{w.num: 5}), "unknown_question"},
		{"a made-up question", good.with("answers", map[string]any{uuid.NewString(): 1}), "unknown_question"},
		{"a choice as text", good.with("answers", map[string]any{w.single: "1"}), "wrong_type"},
		{"a boolean as a number", good.with("answers", map[string]any{w.tf: 0}), "wrong_type"},
		{"a choice that does not exist", good.with("answers", map[string]any{w.single: 3}), "bad_answer"},
		{"an unpublished lesson", w.attempt(w.lenaID, w.draft, 1, map[string]any{w.draftQ: true}), "unknown_lesson"},
		{"an unknown lesson", good.with("lesson_id", uuid.NewString()), "unknown_lesson"},
		{"a lesson without a quiz", good.with("lesson_id", w.plain.String()), "unknown_version"},
		{"an unknown version", good.with("version", 99), "unknown_version"},
		{"another learner's attempt id", good.with("id", omars["id"]), "id_taken"},
	}
	var batch []any
	for _, c := range cases {
		batch = append(batch, c.v)
	}
	before := w.a.snapshot(t)
	omarsBefore := w.a.count(t, `SELECT count(*) FROM quiz_attempts WHERE id = $1 AND student_id = $2 AND score = 100`, omars["id"], w.omarID)
	r := w.lena.POST(syncPath).JSON(attemptsBody(t, nil, batch...)).Send()
	_, got := attemptResults(t, r)
	for i, c := range cases {
		if got[i].Status != "rejected" || got[i].Reason != c.want {
			t.Errorf("%s: %s, want rejected:%s", c.name, got[i], c.want)
		}
	}
	if w.attempts(t, w.lenaID) != 0 || w.a.snapshot(t) != before {
		t.Error("rejected attempts changed the database")
	}
	if omarsBefore != 1 || w.a.count(t, `SELECT count(*) FROM quiz_attempts WHERE id = $1 AND student_id = $2 AND score = 100`, omars["id"], w.omarID) != 1 {
		t.Error("Omar's attempt changed")
	}
	// The reuse of Omar's id tells nothing about his attempt: the same
	// answer as for an id nobody used, but rejected.
	if strings.Contains(r.Body, w.omarID.String()) {
		t.Error("the answer names the other learner")
	}

	// Bad input is one item's problem: the good attempt in the same batch
	// is applied.
	if _, got := attemptResults(t, w.lena.POST(syncPath).JSON(attemptsBody(t, nil, good.with("version", 0), good)).Send()); joined(got) != "rejected:bad_version, applied 100 true" {
		t.Errorf("mixed batch: %s", joined(got))
	}
	// Signed out, unsigned attempts: 401 (the phone keeps them).
	checkAPIError(t, w.a.newClient(t).POST(syncPath).JSON(attemptsBody(t, nil, w.practice(w.lenaID, true))).Send(), http.StatusUnauthorized)
	// Neither list, or not JSON: 400.
	checkAPIError(t, w.lena.POST(syncPath).JSON([]byte(`{"answers": []}`)).Send(), http.StatusBadRequest)
	checkAPIError(t, w.lena.POST(syncPath).JSON([]byte(`{"attempts": {}}`)).Send(), http.StatusBadRequest)
}

func TestSyncAttemptLimits(t *testing.T) {
	t.Parallel()
	w := newAttemptWorld(t)
	many := func(n int) []any {
		out := make([]any, n)
		for i := range out {
			out[i] = w.practice(w.lenaID, i%2 == 0)
		}
		return out
	}
	before := w.a.snapshot(t)
	checkAPIError(t, w.lena.POST(syncPath).JSON(attemptsBody(t, nil, many(201)...)).Send(), http.StatusRequestEntityTooLarge)
	if w.attempts(t, w.lenaID) != 0 || w.a.snapshot(t) != before {
		t.Error("a refused batch of 201 attempts changed the database")
	}
	// Over 1 MB: a long text answer.
	big := w.practice(w.lenaID, true).with("answers", map[string]any{w.single: 1, w.tf: false, "x": strings.Repeat("a", 1_000_001)})
	checkAPIError(t, w.lena.POST(syncPath).JSON(attemptsBody(t, nil, big)).Send(), http.StatusRequestEntityTooLarge)
	if w.attempts(t, w.lenaID) != 0 {
		t.Error("a refused batch over 1 MB changed the database")
	}
	_, got := attemptResults(t, w.lena.POST(syncPath).JSON(attemptsBody(t, nil, many(200)...)).Send())
	if len(got) != 200 || got[0].String() != "applied 100 true" || got[199].String() != "applied 50 false" {
		t.Fatalf("200 attempts: %d answers, first %s, last %s", len(got), got[0], got[199])
	}
	if n := w.attempts(t, w.lenaID); n != 200 {
		t.Errorf("%d attempts stored, want 200", n)
	}
}

func TestSignedAttempts(t *testing.T) {
	t.Parallel()
	w := newAttemptWorld(t)
	// Offline, Lena picked herself and took both quizzes; the network comes
	// back with Omar signed in. Omar's own unsigned attempt goes too.
	lp := w.lenaKey.signAttempt(w.practice(w.lenaID, true))
	lc := w.lenaKey.signAttempt(w.attempt(w.lenaID, w.cq, w.cqVer, map[string]any{w.num: 4.5, w.txt: "ors"}))
	om := w.practice(w.omarID, false)
	res, got := attemptResults(t, w.omar.POST(syncPath).JSON(attemptsBody(t, []any{}, lp, om, lc)).Send())
	if len(res) != 0 || joined(got) != "applied 100 true, applied 50 false, applied 100 true" {
		t.Fatalf("signed attempts with Omar's session: %s", joined(got))
	}
	if w.attempts(t, w.lenaID) != 2 || w.attempts(t, w.omarID) != 1 {
		t.Errorf("attempts: Lena %d (want 2), Omar %d (want 1)", w.attempts(t, w.lenaID), w.attempts(t, w.omarID))
	}
	for _, l := range []uuid.UUID{w.pq, w.cq} {
		if d := w.a.completedInDB(t, w.lenaID, l); d == nil || !*d {
			t.Errorf("Lena's lesson %s is not complete", l)
		}
	}
	if d := w.a.completedInDB(t, w.omarID, w.pq); d != nil && *d {
		t.Error("Omar's failed attempt or Lena's completed his lesson")
	}

	// With nobody signed in; then replayed: the stored grade.
	anon := w.a.newClient(t)
	l2 := w.lenaKey.signAttempt(w.practice(w.lenaID, false))
	if _, got = attemptResults(t, anon.POST(syncPath).JSON(attemptsBody(t, nil, l2)).Send()); joined(got) != "applied 50 false" {
		t.Fatalf("signed attempt, no session: %s", joined(got))
	}
	if _, got = attemptResults(t, anon.POST(syncPath).JSON(attemptsBody(t, nil, l2, lp)).Send()); joined(got) != "duplicate 50 false, duplicate 100 true" {
		t.Errorf("signed replay: %s", joined(got))
	}

	// Refused, each changing nothing: a changed answer, a signature moved
	// from another attempt, Omar's key over an attempt naming Lena, an
	// unknown key; with no session the unsigned one is wrong_user.
	tampered := w.lenaKey.signAttempt(w.practice(w.lenaID, false))
	tampered["answers"] = map[string]any{w.single: 1, w.tf: false}
	moved := w.practice(w.lenaID, true).with("key_id", w.lenaKey.id).with("sig", l2["sig"])
	omarsKey := w.omarKey.signAttempt(w.practice(w.lenaID, true))
	unknown := w.practice(w.lenaID, true).with("key_id", uuid.NewString()).with("sig", l2["sig"])
	badSig := w.practice(w.lenaID, true).with("key_id", w.lenaKey.id).with("sig", "AAAA")
	before := w.a.snapshot(t)
	n := w.attempts(t, w.lenaID)
	_, got = attemptResults(t, anon.POST(syncPath).JSON(attemptsBody(t, nil, tampered, moved, omarsKey, unknown, badSig, w.practice(w.lenaID, true))).Send())
	if j := joined(got); j != "rejected:bad_signature, rejected:bad_signature, rejected:wrong_key_user, rejected:revoked_key, rejected:bad_signature, rejected:wrong_user" {
		t.Errorf("refused signed attempts: %s", j)
	}
	if w.a.snapshot(t) != before || w.attempts(t, w.lenaID) != n {
		t.Error("refused signed attempts changed the database")
	}

	// A forgotten key: revoked_key, and the same attempt goes through
	// unsigned under Lena's session.
	w.lena.POST("/api/phones/" + w.lenaKey.id + "/forget").JSON(nil).Expect(http.StatusNoContent)
	late := w.lenaKey.signAttempt(w.practice(w.lenaID, true))
	if _, got = attemptResults(t, anon.POST(syncPath).JSON(attemptsBody(t, nil, late)).Send()); joined(got) != "rejected:revoked_key" {
		t.Errorf("revoked key: %s", joined(got))
	}
	unsigned := late.with("key_id", nil).with("sig", nil)
	if _, got = attemptResults(t, w.lena.POST(syncPath).JSON(attemptsBody(t, nil, unsigned)).Send()); joined(got) != "applied 100 true" {
		t.Errorf("the same attempt unsigned under Lena's session: %s", joined(got))
	}
}

// TestLessonPageQuiz: a quiz lesson's page carries its quiz, the same for
// every caller (the worker caches it for everyone): real form controls
// with labels, the grading data as JSON (a practice quiz's keys and
// explanations; never a check quiz's), quiz.js only there, and no
// completion buttons.
func TestLessonPageQuiz(t *testing.T) {
	t.Parallel()
	w := newAttemptWorld(t)
	// Lena has attempts and a completion; nothing of it may show.
	if _, got := attemptResults(t, w.lena.POST(syncPath).JSON(attemptsBody(t, nil, w.practice(w.lenaID, true))).Send()); joined(got) != "applied 100 true" {
		t.Fatal(joined(got))
	}
	callers := []*client{w.a.newClient(t), w.lena, w.omar, w.vol}
	quizJS := regexp.MustCompile(`<script src="/static/[0-9a-f]+/quiz\.js" defer>`)
	for _, tt := range []struct {
		name   string
		lesson uuid.UUID
		mode   string
		keys   bool
	}{{"practice", w.pq, "practice", true}, {"check", w.cq, "check", false}} {
		t.Run(tt.name, func(t *testing.T) {
			doc := neutralBodies(t, w.a, callers, lessonPath(tt.lesson, ""))
			body := w.lena.GET(lessonPath(tt.lesson, "")).Send().Body
			if !quizJS.MatchString(body) {
				t.Error("the quiz lesson does not load quiz.js")
			}
			sec := mustSelect(t, doc, "section"+attrIs("id", "quiz"))
			if m, _ := sec.Attr("data-mode"); m != tt.mode {
				t.Errorf("data-mode %q", m)
			}
			if n := doc.Find(`button[name="completed"]`).Length(); n != 0 {
				t.Errorf("%d completion buttons on a quiz lesson", n)
			}
			script := mustSelect(t, doc, "script"+attrIs("id", "quiz-data"))
			if typ, _ := script.Attr("type"); typ != "application/json" {
				t.Errorf("quiz data type %q", typ)
			}
			var data struct {
				LessonID  string `json:"lesson_id"`
				Mode      string `json:"mode"`
				Version   int    `json:"version"`
				Questions []map[string]json.RawMessage
			}
			if err := json.Unmarshal([]byte(script.Text()), &data); err != nil || data.LessonID != tt.lesson.String() ||
				data.Mode != tt.mode || len(data.Questions) != 2 {
				t.Fatalf("quiz data %v: %+v", err, data)
			}
			for _, q := range data.Questions {
				if _, has := q["answer"]; has != tt.keys {
					t.Errorf("question %s: answer present %v, want %v", q["id"], has, tt.keys)
				}
			}
			// The world's questions have explanations ("Because so."):
			// in the page of a practice quiz only.
			if n := sec.Find(".q-expl").Length(); tt.keys && n != 2 || !tt.keys && n != 0 {
				t.Errorf("%d explanations in the page", n)
			}
			if strings.Contains(body, "Because") != tt.keys {
				t.Errorf("explanations in the page: %v, want %v", strings.Contains(body, "Because"), tt.keys)
			}
			// Every control has a label.
			sec.Find("input").Each(func(_ int, in *goquery.Selection) {
				if typ, _ := in.Attr("type"); typ == "radio" || typ == "checkbox" {
					if !in.Parent().Is("label") {
						t.Errorf("a %s outside a label", typ)
					}
					return
				}
				id, _ := in.Attr("id")
				if sec.Find("label"+attrIs("for", id)).Length() == 0 {
					t.Errorf("input %q has no label", id)
				}
			})
		})
	}
	// A lesson without a quiz: no quiz, no quiz.js, the buttons.
	plain := w.lena.GET(lessonPath(w.plain, "")).Send().Body
	if quizJS.MatchString(plain) || strings.Contains(plain, `id="quiz"`) || !strings.Contains(plain, `name="completed"`) {
		t.Error("a lesson without a quiz shows quiz parts or lacks its buttons")
	}
}
