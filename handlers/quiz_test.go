package handlers_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/google/uuid"

	"fieldbook/store"
	"fieldbook/store/storetest"
)

// quizWorld: a volunteer's published course of two published lessons, the
// first one with no quiz yet, a learner, and another volunteer.
type quizWorld struct {
	a              *testApp
	vol, other     *client
	learner        *client
	learnerID      uuid.UUID
	course         uuid.UUID
	lesson, second uuid.UUID
}

func newQuizWorld(t *testing.T) *quizWorld {
	t.Helper()
	a := newTestApp(t)
	w := &quizWorld{a: a}
	vol := a.seed.User(t, store.RoleVolunteer, storetest.VolunteerUser, storetest.VolunteerName, storetest.VolunteerPass)
	a.seed.User(t, store.RoleVolunteer, "olga", "Olga Other", "volunteer password")
	w.learnerID = a.seed.User(t, store.RoleLearner, storetest.LearnerUser, storetest.LearnerName, storetest.LearnerPass).ID()
	course := a.seed.Course(t, vol.Caller, "Safe water", true, storetest.Published("Boiling"), storetest.Published("Storage"))
	w.course, w.lesson, w.second = course.ID, course.All[0], course.All[1]
	w.vol, w.other, w.learner = a.newClient(t), a.newClient(t), a.newClient(t)
	w.vol.signIn("victor", "volunteer password")
	w.other.signIn("olga", "volunteer password")
	w.learner.signIn(storetest.LearnerUser, storetest.LearnerPass)
	return w
}

func lessonPath(id uuid.UUID, rest string) string { return "/lessons/" + id.String() + rest }

// formError is the message at a question form's field ("" when none).
func formError(t *testing.T, body, formID, field string) string {
	t.Helper()
	return textOf(byID(htmlDoc(t, body), formID+"-"+field+"-error").First())
}

func questionForm(kind, prompt, choices, answer, tolerance string) url.Values {
	return url.Values{"kind": {kind}, "prompt": {prompt}, "choices": {choices}, "answer": {answer},
		"tolerance": {tolerance}, "explanation": {"Because *so*."}}
}

// apiQuiz fetches GET /api/lessons/{id}/quiz as c.
func apiQuiz(t *testing.T, c *client, lesson uuid.UUID) (int, map[string]any, string) {
	t.Helper()
	r := c.GET("/api/lessons/" + lesson.String() + "/quiz").Send()
	var m map[string]any
	if r.Status == http.StatusOK {
		if err := json.Unmarshal([]byte(r.Body), &m); err != nil {
			t.Fatalf("quiz JSON: %v\n%s", err, r.Body)
		}
	}
	return r.Status, m, r.Body
}

func TestQuestionForms(t *testing.T) {
	w := newQuizWorld(t)
	add := lessonPath(w.lesson, "/questions")

	// The 422s keep what was typed and say what is wrong, field by field.
	for _, tt := range []struct {
		name  string
		form  url.Values
		field string
	}{
		{"single without a right answer", questionForm("single", "Which pot?", "Clay\nSteel", "", ""), "answer"},
		{"tolerance below zero", questionForm("number", "Minutes?", "", "1,5", "-0.5"), "tolerance"},
		{"fewer than two choices", questionForm("multiple", "Which?", "\nOnly one\n\n", "1", ""), "choices"},
		{"a choice that does not exist", questionForm("single", "Which?", "A\nB", "3", ""), "answer"},
		{"no prompt", questionForm("truefalse", "  ", "", "true", ""), "prompt"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before := w.a.snapshot(t)
			r := w.vol.POST(add).Form(tt.form).Send()
			if r.Status != http.StatusUnprocessableEntity {
				t.Fatalf("status %d, want 422", r.Status)
			}
			if msg := formError(t, r.Body, "new", tt.field); msg == "" {
				t.Errorf("no message at %s", tt.field)
			}
			doc := r.Doc()
			prompt := doc.Find("textarea[name=\"prompt\"]").First()
			if prompt.Length() == 0 || textOf(prompt) != strings.TrimSpace(tt.form.Get("prompt")) && strings.TrimSpace(tt.form.Get("prompt")) != "" {
				t.Errorf("the prompt typed is not kept")
			}
			if after := w.a.snapshot(t); after != before {
				t.Error("a refused form changed the database")
			}
			// htmx gets the form alone.
			r = w.vol.POST(add).Form(tt.form).HTMX().Send()
			if r.Status != http.StatusUnprocessableEntity || wholePage(r.Body) || r.Fragment().Filter(attrIs("id", "question-editor-new")).Length() != 1 {
				t.Errorf("htmx: %d, fragment? %v", r.Status, !wholePage(r.Body))
			}
		})
	}

	// Valid questions of every kind; numbers in Eastern Arabic digits.
	for _, f := range []url.Values{
		questionForm("single", "Which pot is **safe**?", "Clay\n\nSteel\n", "2", ""),
		questionForm("multiple", "Which kill germs?", "Boiling\nSunlight\nShaking", "1, 2", ""),
		questionForm("truefalse", "Cloudy water is safe.", "", "false", ""),
		questionForm("number", "Minutes of rolling boil?", "", "١", "٠٫٥"),
		questionForm("text", "Name the salts.", "", "ORS\nOral rehydration salts", ""),
	} {
		if r := w.vol.POST(add).Form(f).Send(); r.Status != http.StatusSeeOther || r.Header.Get("Location") != lessonPath(w.lesson, "/edit#quiz") {
			t.Fatalf("add %s: %d %s", f.Get("kind"), r.Status, r.Header.Get("Location"))
		}
	}
	edit := w.vol.GET(lessonPath(w.lesson, "/edit")).Send()
	doc := edit.Doc()
	list := doc.Find("[id=\"quiz-questions\"]").First()
	if list.Length() == 0 || list.Find("li").Length() != 5 || !hasText(doc, "strong", "safe") {
		t.Fatalf("the lesson edit page does not list 5 questions with their Markdown rendered")
	}

	// The JSON API, practice mode: answers in the shapes.
	status, q, _ := apiQuiz(t, w.a.newClient(t), w.lesson)
	if status != http.StatusOK || q["mode"] != "practice" || q["pass_mark"] != float64(80) || q["lesson_id"] != w.lesson.String() {
		t.Fatalf("api: %d %v", status, q)
	}
	qs := q["questions"].([]any)
	answers := []string{}
	for _, x := range qs {
		m := x.(map[string]any)
		b, _ := json.Marshal(m["answer"])
		answers = append(answers, string(b))
		if _, ok := m["explanation_html"]; !ok {
			t.Errorf("practice question without explanation_html: %v", m)
		}
	}
	if got := strings.Join(answers, " "); got != `1 [0,1] false {"tolerance":0.5,"value":1} ["ORS","Oral rehydration salts"]` {
		t.Errorf("answers %s", got)
	}
	firstID := qs[0].(map[string]any)["id"].(string)

	// Settings: check mode, pass mark in Eastern Arabic digits; the API
	// then never carries an answer or an explanation.
	w.vol.POST(lessonPath(w.lesson, "/quiz")).Form(url.Values{"mode": {"check"}, "pass_mark": {"٩٠"}}).Expect(http.StatusSeeOther)
	status, q, body := apiQuiz(t, w.learner, w.lesson)
	if status != http.StatusOK || q["mode"] != "check" || q["pass_mark"] != float64(90) ||
		strings.Contains(body, `"answer"`) || strings.Contains(body, "explanation_html") {
		t.Fatalf("check-mode API: %d %s", status, body)
	}
	for _, bad := range []url.Values{{"mode": {"check"}, "pass_mark": {"0"}}, {"pass_mark": {"101"}}, {"pass_mark": {"8,5"}}} {
		if r := w.vol.POST(lessonPath(w.lesson, "/quiz")).Form(bad).Send(); r.Status != http.StatusUnprocessableEntity ||
			!strings.Contains(r.Body, "whole number from 1 to 100") {
			t.Errorf("pass mark %v: %d", bad, r.Status)
		}
	}
	if r := w.vol.POST(lessonPath(w.lesson, "/quiz")).Form(url.Values{"mode": {"exam"}}).Send(); r.Status != http.StatusBadRequest {
		t.Errorf("mode exam: %d", r.Status)
	}

	// Edit one question: the form carries its version; a stale one is 409.
	page := w.vol.GET("/questions/" + firstID + "/edit").Send()
	v, ok := formValue(page.Doc(), "version")
	if page.Status != http.StatusOK || !ok || v == "" {
		t.Fatalf("edit page: %d, version %q", page.Status, v)
	}
	changed := questionForm("single", "Which pot is safest?", "Clay\nSteel\nGlass", "3", "")
	changed.Set("version", v)
	w.vol.POST("/questions/" + firstID).Form(changed).Expect(http.StatusSeeOther)
	if r := w.vol.POST("/questions/" + firstID).Form(changed).Send(); r.Status != http.StatusConflict ||
		!strings.Contains(r.Body, "Someone saved this question") || !strings.Contains(r.Body, "Which pot is safest?") {
		t.Errorf("stale update: %d", r.Status)
	}
	changed.Set("version", strconv.Itoa(mustAtoi(t, v)+1))
	changed.Set("answer", "")
	if r := w.vol.POST("/questions/" + firstID).Form(changed).Send(); r.Status != http.StatusUnprocessableEntity || formError(t, r.Body, "q"+firstID[:8], "answer") == "" {
		t.Errorf("update without an answer: %d", r.Status)
	}
	if r := w.vol.POST("/questions/" + firstID).Form(url.Values{"kind": {"single"}}).Send(); r.Status != http.StatusBadRequest {
		t.Errorf("update without a version: %d", r.Status)
	}

	// Move and delete.
	if r := w.vol.POST("/questions/" + firstID + "/move").Form(url.Values{"direction": {"down"}}).Send(); r.Status != http.StatusSeeOther {
		t.Errorf("move: %d", r.Status)
	}
	if r := w.vol.POST("/questions/" + firstID + "/move").Form(url.Values{"direction": {"sideways"}}).Send(); r.Status != http.StatusBadRequest {
		t.Errorf("move sideways: %d", r.Status)
	}
	if _, q, _ = apiQuiz(t, w.learner, w.lesson); q["questions"].([]any)[1].(map[string]any)["id"] != firstID {
		t.Errorf("after moving down, the question is not second")
	}
	if r := w.vol.POST("/questions/" + firstID + "/delete").Send(); r.Status != http.StatusSeeOther {
		t.Errorf("delete: %d", r.Status)
	}
	if _, q, _ = apiQuiz(t, w.learner, w.lesson); len(q["questions"].([]any)) != 4 {
		t.Errorf("after delete: %d questions", len(q["questions"].([]any)))
	}

	// Others: a learner is refused by requireStaff, another volunteer by
	// row-level security; nothing changes.
	before := w.a.snapshot(t)
	for name, c := range map[string]*client{"learner": w.learner, "other volunteer": w.other} {
		for path, form := range map[string]url.Values{
			add: questionForm("truefalse", "x", "", "true", ""), lessonPath(w.lesson, "/quiz"): {"mode": {"practice"}},
			"/questions/" + qs[2].(map[string]any)["id"].(string) + "/delete": nil,
		} {
			if r := c.POST(path).Form(form).Send(); r.Status != http.StatusForbidden {
				t.Errorf("%s POST %s: %d, want 403", name, path, r.Status)
			}
		}
	}
	if after := w.a.snapshot(t); after != before {
		t.Error("refused requests changed the database")
	}
}

func mustAtoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestQuestionPreview(t *testing.T) {
	w := newQuizWorld(t)
	form := questionForm("multiple", "Pick *two*", "Boil\nFilter\nShake", "1,2", "")
	form.Set("lesson_id", w.lesson.String())
	r := w.vol.POST("/questions/preview").Form(form).HTMX().Send()
	if r.Status != http.StatusOK || wholePage(r.Body) || !hasText(r.Fragment().Parent(), "em", "two") ||
		strings.Count(r.Body, "✓ right") != 2 {
		t.Fatalf("htmx preview: %d %s", r.Status, r.Body)
	}
	r = w.vol.POST("/questions/preview").Form(form).Send()
	doc := r.Doc()
	if r.Status != http.StatusOK || doc.Find("[id=\"quiz\"]").Length() == 0 || !hasText(doc, "em", "two") ||
		textOf(doc.Find("textarea[name=\"choices\"]").First()) != "Boil Filter Shake" {
		t.Fatalf("no-JS preview: %d", r.Status)
	}
	if n := w.a.count(t, `SELECT count(*) FROM quiz_questions`); n != 0 {
		t.Errorf("a preview saved %d questions", n)
	}
	if r := w.vol.POST("/questions/preview").Form(questionForm("truefalse", "x", "", "true", "")).Send(); r.Status != http.StatusBadRequest {
		t.Errorf("preview for nothing: %d", r.Status)
	}
}

func TestQuizLessonCompletionAndAPI(t *testing.T) {
	w := newQuizWorld(t)
	if status, _, _ := apiQuiz(t, w.learner, w.lesson); status != http.StatusNotFound {
		t.Errorf("API for a lesson without a quiz: %d", status)
	}
	w.vol.POST(lessonPath(w.lesson, "/questions")).Form(questionForm("truefalse", "Boil first?", "", "true", "")).Expect(http.StatusSeeOther)
	// The manual completion of a quiz lesson is refused: 409 online…
	r := w.learner.POST(lessonPath(w.lesson, "/complete")).Form(url.Values{"completed": {"true"}}).Send()
	if r.Status != http.StatusConflict || !strings.Contains(r.Body, "pass it to complete the lesson") {
		t.Errorf("complete a quiz lesson: %d", r.Status)
	}
	// …and rejected with reason quiz_lesson in a sync batch.
	body := syncBody(t, map[string]any{"id": uuid.NewString(), "user_id": w.learnerID.String(), "lesson_id": w.lesson.String(),
		"completed": true, "at": "2026-01-02T03:04:05Z"})
	r = w.learner.POST(syncPath).JSON(body).Send()
	if r.Status != http.StatusOK || !strings.Contains(r.Body, `"status":"rejected","reason":"quiz_lesson"`) {
		t.Errorf("sync a quiz lesson: %d %s", r.Status, r.Body)
	}
	if done := w.a.completedInDB(t, w.learnerID, w.lesson); done != nil && *done {
		t.Error("the quiz lesson was completed by hand")
	}
	// Unknown lesson, bad id: clear 4xx.
	if status, _, _ := apiQuiz(t, w.learner, uuid.New()); status != http.StatusNotFound {
		t.Errorf("API for no lesson: %d", status)
	}
	if r := w.learner.GET("/api/lessons/nope/quiz").Send(); r.Status != http.StatusBadRequest || !strings.Contains(r.Body, `"error"`) {
		t.Errorf("API with a bad id: %d %s", r.Status, r.Body)
	}
}

func TestCertificateAndVerify(t *testing.T) {
	w := newQuizWorld(t)
	for _, l := range []uuid.UUID{w.lesson, w.second} {
		if r := w.learner.POST(lessonPath(l, "/complete")).Form(url.Values{"completed": {"true"}}).Send(); r.Status != http.StatusSeeOther {
			t.Fatalf("complete: %d", r.Status)
		}
	}
	r := w.learner.GET("/courses/" + w.course.String() + "/certificate").Expect(http.StatusOK)
	doc := r.Doc()
	verify, _ := doc.Find(`a[href^="/verify/"]`).First().Attr("href")
	m := regexp.MustCompile(`^/verify/([A-Z2-7]{13})$`).FindStringSubmatch(verify)
	if m == nil || !strings.Contains(textOf(doc), storetest.LearnerName) || !strings.Contains(textOf(doc), "Safe water") ||
		doc.Find(`link[rel="stylesheet"][href*="certificate"]`).Length() == 0 {
		t.Fatalf("certificate page lacks the name, course, stylesheet or verify link:\n%s", r.Body)
	}
	code := m[1]
	if r := w.other.GET("/courses/" + w.course.String() + "/certificate").Send(); r.Status != http.StatusNotFound {
		t.Errorf("another user's view: %d", r.Status)
	}
	if r := w.a.GET(t, "/courses/"+w.course.String()+"/certificate").Send(); r.Status != http.StatusSeeOther {
		t.Errorf("signed out: %d", r.Status)
	}

	anon := w.a.newClient(t)
	for _, c := range []string{code, strings.ToLower(code[:4]) + "-" + code[4:]} {
		r := anon.GET("/verify/" + c).Send()
		if r.Status != http.StatusOK || !strings.Contains(r.Body, storetest.LearnerName) || !strings.Contains(r.Body, "Safe water") ||
			strings.Contains(r.Body, storetest.LearnerUser) {
			t.Errorf("verify %s: %d", c, r.Status)
		}
	}
	r = anon.GET("/verify/AAAAAAAAAAAAA").Send()
	if r.Status != http.StatusNotFound || !strings.Contains(r.Body, "no such certificate") {
		t.Errorf("unknown code: %d", r.Status)
	}
	// Guessing codes from one address is throttled: 429 with Retry-After.
	throttled := 0
	for i := range 40 {
		r := anon.GET("/verify/BBBBBBBBBBB" + strconv.Itoa(10+i)).Send()
		switch r.Status {
		case http.StatusTooManyRequests:
			throttled++
			if r.Header.Get("Retry-After") == "" {
				t.Fatal("429 without Retry-After")
			}
		case http.StatusNotFound:
		default:
			t.Fatalf("guess %d: %d", i, r.Status)
		}
	}
	if throttled == 0 {
		t.Error("40 unknown codes from one address were never throttled")
	}
}
