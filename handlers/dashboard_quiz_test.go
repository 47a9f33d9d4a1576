package handlers_test

import (
	"encoding/csv"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestDashboardQuizzes: the volunteers' dashboard shows, per question, the
// share right on the first try and overall and the most chosen wrong
// answer; per learner, attempts and best score (a learner who only failed
// a quiz is there too); the learner's page lists each attempt with its
// answers in words and marks completions made before the quiz; the CSV has
// each quiz's best score and passed-at; every attempt, failed ones too,
// tells open dashboards to re-read.
func TestDashboardQuizzes(t *testing.T) {
	t.Parallel()
	d := newDashApp(t, time.Minute)
	w := newAttemptWorldOn(t, d.testApp)
	dash := "/courses/" + w.course.String() + "/dashboard"
	events, _ := openStream(t, d.testApp, w.vol, dash+"/events?since="+strconv.FormatInt(time.Now().UnixMilli(), 10))

	// Lena completed the plain lesson before it had a quiz.
	w.lena.POST(lessonPath(w.plain, "/complete")).Form(url.Values{"completed": {"true"}}).Expect(http.StatusSeeOther)
	w.vol.POST(lessonPath(w.plain, "/questions")).Form(questionForm("truefalse", "Cover the pot?", "", "true", "")).Expect(http.StatusSeeOther)
	// Omar fails once (Clay, true) and never passes: no completion at all.
	omars := w.attempt(w.omarID, w.pq, w.pqVersion, map[string]any{w.single: 0, w.tf: true})
	if _, got := attemptResults(t, w.omar.POST(syncPath).JSON(attemptsBody(t, nil, omars)).Send()); joined(got) != "applied 0 false" {
		t.Fatalf("Omar's attempt: %s", joined(got))
	}
	waitEvent(t, events, "progress", 5*time.Second)
	// Lena: Clay and false (50%), then right; the check quiz at 50%.
	later := w.practice(w.lenaID, true).with("at", w.base.Add(time.Minute).Format(time.RFC3339Nano))
	lena := []any{w.attempt(w.lenaID, w.pq, w.pqVersion, map[string]any{w.single: 0, w.tf: false}), later,
		w.attempt(w.lenaID, w.cq, w.cqVer, map[string]any{w.num: 5, w.txt: "tea"})}
	if _, got := attemptResults(t, w.lena.POST(syncPath).JSON(attemptsBody(t, nil, lena...)).Send()); joined(got) != "applied 50 false, applied 100 true, applied 50 false" {
		t.Fatalf("Lena's attempts: %s", joined(got))
	}

	page := textOf(w.vol.GET(dash).Send().Doc())
	for _, want := range []string{
		"Quiz questions",
		// Which pot? Both first tries picked Clay; Lena's second was right.
		"1. Which pot? 0% of 2 answers 33% of 3 answers Clay (2 times)",
		"2. Cloudy water is safe. 50% of 2 answers 66% of 3 answers True (1 time)",
		"1. How many grams? 100% of 1 answer 100% of 1 answer",
		"2. Name the salts. 0% of 1 answer 0% of 1 answer tea (1 time)",
		// Learners: attempts and best score per quiz, averaged.
		"Lena Okafor", "3 attempts, best 75%", "Omar", "1 attempt, best 0%",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("dashboard lacks %q:\n%s", want, page)
		}
	}

	detail := w.vol.GET(dash + "/learners/" + w.lenaID.String()).Send()
	text := textOf(detail.Doc())
	for _, want := range []string{
		"(before the quiz)", "Best score", "100%", "Quiz attempts",
		"1. Boiling", "50%, not passed", "Which pot?: Clay ✗ Not right", "Cloudy water is safe.: False ✓ Right",
		"100%, passed", "Which pot?: Steel ✓ Right",
		"2. Salts", "How many grams?: 5 ✓ Right", "Name the salts.: tea ✗ Not right",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("learner page lacks %q:\n%s", want, text)
		}
	}
	if n := len(regexp.MustCompile(`<time datetime="[0-9T:-]+Z">`).FindAllString(detail.Body, -1)); n < 3 {
		t.Errorf("the attempts carry %d machine-readable times", n)
	}

	res := w.vol.GET(dash + ".csv").Send()
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(res.Body, "\uFEFF"))).ReadAll()
	if err != nil || len(rows) != 4 {
		t.Fatalf("csv: %v, %d rows\n%s", err, len(rows), res.Body)
	}
	head := strings.Join(rows[0], "|")
	if !strings.Contains(head, "1. Boiling: best score|1. Boiling: passed at|2. Salts: best score|2. Salts: passed at|3. Storage: best score") {
		t.Fatalf("csv header: %s", head)
	}
	byName := map[string][]string{}
	for _, r := range rows[1:3] {
		byName[r[0]] = r[len(r)-6:]
	}
	lenaRow := byName["Lena Okafor"]
	if lenaRow[0] != "100" || !regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$`).MatchString(lenaRow[1]) || lenaRow[2] != "50" || lenaRow[3] != "" {
		t.Errorf("Lena's quiz cells: %v", lenaRow)
	}
	if o := byName["Omar"]; o[0] != "0" || o[1] != "" || o[2] != "" {
		t.Errorf("Omar's quiz cells: %v", o)
	}
}
