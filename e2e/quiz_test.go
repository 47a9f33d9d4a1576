package e2e

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Quizzes on the phone (issue 12): the demo's practice quiz (Safe drinking
// water, "Oral rehydration solution (ORS)") and check quiz (Basic first
// aid, "CPR basics for adults"), taken in a real Chromium with the network
// cut, then synced.

// quizLesson is a demo lesson with a quiz: its id, course and right answers
// (from the database: a check quiz's page has none).
type quizLesson struct {
	ID, Course string
	// right maps each question id to its right answer, in the API's shape
	// (a number's value, a text's first accepted answer).
	right map[string]any
	kinds map[string]string
}

func quizOf(t *testing.T, srv *server, title string) quizLesson {
	t.Helper()
	q := quizLesson{right: map[string]any{}, kinds: map[string]string{}}
	rows, err := ownerConn(t, srv).Query(context.Background(), `
		SELECT l.id::text, l.course_id::text, qq.id::text, qq.kind, k.answer::text
		FROM lessons l JOIN quizzes z ON z.lesson_id = l.id
		JOIN quiz_questions qq ON qq.lesson_id = z.lesson_id AND qq.version = z.version
		JOIN quiz_keys k ON k.lesson_id = qq.lesson_id AND k.version = qq.version AND k.question_id = qq.id
		WHERE l.title = $1 ORDER BY qq.position`, title)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, kind, answer string
		if err := rows.Scan(&q.ID, &q.Course, &id, &kind, &answer); err != nil {
			t.Fatal(err)
		}
		var v any
		if err := json.Unmarshal([]byte(answer), &v); err != nil {
			t.Fatal(err)
		}
		switch kind {
		case "number":
			v = v.(map[string]any)["value"]
		case "text":
			v = v.([]any)[0]
		}
		q.right[id], q.kinds[id] = v, kind
	}
	if len(q.right) < 3 {
		t.Fatalf("lesson %q has %d quiz questions", title, len(q.right))
	}
	return q
}

// wrong is an answer to every question that is not right.
func (q quizLesson) wrong() map[string]any {
	out := map[string]any{}
	for id, v := range q.right {
		switch q.kinds[id] {
		case "single":
			out[id] = 0.0
			if v.(float64) == 0 {
				out[id] = 1.0
			}
		case "multiple":
			out[id] = []any{} // none picked: unanswered
		case "truefalse":
			out[id] = !v.(bool)
		case "number":
			out[id] = v.(float64) + 1000
		case "text":
			out[id] = "zzz"
		}
	}
	return out
}

// answerQuiz fills the quiz form of the page as a learner would: clicks on
// choices, a number typed with a decimal comma, words typed.
func answerQuiz(t *testing.T, b *browser, answers map[string]any) {
	t.Helper()
	js, _ := json.Marshal(answers)
	eval[bool](t, b, `((answers) => {
		for (const [id, v] of Object.entries(answers)) {
			const fs = document.querySelector('fieldset[data-q="' + id + '"]');
			const kind = fs.dataset.kind;
			if (kind === "single" || kind === "truefalse") fs.querySelector('input[value="' + v + '"]').click();
			else if (kind === "multiple") for (const j of v) fs.querySelector('input[value="' + j + '"]').click();
			else fs.querySelector("input[type=text]").value = kind === "number" ? String(v).replace(".", ",") : v;
		}
		return true;
	})(`+string(js)+`)`)
}

// submitQuiz presses the quiz's button and waits for the state wanted.
func submitQuiz(t *testing.T, b *browser, state string) {
	t.Helper()
	b.do(t, chromedp.Click(chromedp.CSS("#quiz .q-submit")))
	poll(t, 15*time.Second, "the quiz to be "+state, func() bool {
		return eval[string](t, b, `document.getElementById("quiz").dataset.state || ""`) == state
	})
}

func quizAttr(t *testing.T, b *browser, name string) string {
	t.Helper()
	return eval[string](t, b, `document.getElementById("quiz").getAttribute(`+jsString(name)+`) || ""`)
}

// attempts lists a learner's attempts on the server: "score passed" in
// the order received, and how many distinct ids.
func attempts(t *testing.T, srv *server, username, lesson string) (list []string, distinct int) {
	t.Helper()
	rows, err := ownerConn(t, srv).Query(context.Background(), `
		SELECT a.score || ' ' || a.passed, count(*) OVER (), (SELECT count(DISTINCT id) FROM quiz_attempts WHERE student_id = u.id)
		FROM quiz_attempts a JOIN users u ON u.id = a.student_id
		WHERE u.username = $1 AND a.lesson_id = $2 ORDER BY a.client_at`, username, lesson)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var s string
		var n int
		if err := rows.Scan(&s, &n, &distinct); err != nil {
			t.Fatal(err)
		}
		list = append(list, s)
	}
	return list, distinct
}

func completedRow(t *testing.T, srv *server, username, lesson string) bool {
	t.Helper()
	return count(t, srv, `SELECT count(*) FROM student_progress p JOIN users u ON u.id = p.student_id
		WHERE u.username = $1 AND p.lesson_id = $2 AND p.completed`, username, lesson) == 1
}

func TestQuizOnThePhone(t *testing.T) {
	srv := startServer(t)
	b := newBrowser(t, "")
	practice := quizOf(t, srv, "Oral rehydration solution (ORS)")
	check := quizOf(t, srv, "CPR basics for adults")
	tippy := quizOf(t, srv, "Making a tippy tap hand washing station")
	signUp(t, b, srv, "neema", "Neema Mushi", "neema long password")
	b.do(t, chromedp.Navigate(srv.URL+"/lessons/"+practice.ID), chromedp.WaitVisible(chromedp.CSS("#quiz")))
	waitControlled(t, b)
	// Two lessons opened online; the third comes with its saved course.
	for _, q := range []quizLesson{practice, check} {
		b.do(t, chromedp.Navigate(srv.URL+"/lessons/"+q.ID), chromedp.WaitVisible(chromedp.CSS("#quiz")))
	}
	saveCourse(t, b, srv, tippy.Course)

	t.Run("practice offline: fail, retry, pass, sync once", func(t *testing.T) {
		setOffline(t, b, true)
		b.do(t, chromedp.Navigate(srv.URL+"/lessons/"+practice.ID), chromedp.WaitVisible(chromedp.CSS("#quiz-form")))
		if n := visible(t, b, "#lesson-status button"); n != 0 {
			t.Fatalf("a quiz lesson shows %d completion buttons", n)
		}
		answerQuiz(t, b, practice.wrong())
		submitQuiz(t, b, "graded")
		if quizAttr(t, b, "data-passed") != "0" || b.text(t, "#quiz .r-score") != "Your score: 0%" {
			t.Fatalf("a wrong attempt: passed %q, %q", quizAttr(t, b, "data-passed"), b.text(t, "#quiz .r-score"))
		}
		if n := visible(t, b, "#quiz .q-wrong"); n != len(practice.right) {
			t.Errorf("%d questions marked wrong, want %d", n, len(practice.right))
		}
		if n := visible(t, b, "#quiz .q-expl"); n != len(practice.right) {
			t.Errorf("%d explanations shown, want %d", n, len(practice.right))
		}
		b.do(t, chromedp.Click(chromedp.CSS("#quiz .q-retry")))
		answerQuiz(t, b, practice.right)
		submitQuiz(t, b, "graded")
		if quizAttr(t, b, "data-passed") != "1" || b.text(t, "#quiz .r-score") != "Your score: 100%" {
			t.Fatalf("a right attempt: passed %q, %q", quizAttr(t, b, "data-passed"), b.text(t, "#quiz .r-score"))
		}
		// The lesson shows done, waiting to sync; both attempts wait.
		poll(t, 5*time.Second, "the lesson to show done and waiting", func() bool {
			return visible(t, b, "#lesson-status .done-note") == 1 && visible(t, b, "#lesson-status .pending-note") == 1
		})
		poll(t, 5*time.Second, "the 2 attempts to be queued", func() bool { return queued(t, b) == 2 })
		if got, _ := attempts(t, srv, "neema", practice.ID); len(got) != 0 {
			t.Fatalf("the server has attempts while the phone is offline: %v", got)
		}
		// A reload offline keeps it: done from the queue, the answers waiting.
		b.do(t, chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("#quiz-form")))
		poll(t, 5*time.Second, "the done mark after a reload", func() bool { return visible(t, b, "#lesson-status .done-note") == 1 })
		waitText(t, b, "#quiz .q-last", "Your last answers are waiting to be checked.")

		setOffline(t, b, false)
		askSync(t, b)
		poll(t, 20*time.Second, "the attempts to sync", func() bool { return queued(t, b) == 0 })
		got, distinct := attempts(t, srv, "neema", practice.ID)
		if strings.Join(got, ",") != "0 false,100 true" || distinct != 2 {
			t.Fatalf("the server has attempts %v (%d distinct ids), want exactly 0 false,100 true once each", got, distinct)
		}
		if !completedRow(t, srv, "neema", practice.ID) {
			t.Fatal("the lesson is not complete on the server after the passing attempt")
		}
		askSync(t, b) // a second replay sends nothing again
		if got, _ := attempts(t, srv, "neema", practice.ID); len(got) != 2 {
			t.Fatalf("after another sync the server has %d attempts", len(got))
		}
		b.do(t, chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("#quiz-form")))
		waitText(t, b, "#quiz .q-last", "Your last result: 100%.")
		poll(t, 5*time.Second, "done and synced", func() bool {
			return visible(t, b, "#lesson-status .done-note") == 1 && visible(t, b, "#lesson-status .pending-note") == 0
		})

		// The volunteers' dashboard shows it: the lesson done, the attempts.
		vol := sessionCookie(t, srv, "demo-volunteer", srv.Passwords["demo-volunteer"])
		dash := string(getWith(t, srv.URL+"/courses/"+practice.Course+"/dashboard", vol))
		page := strings.Join(strings.Fields(regexp.MustCompile(`<[^>]+>`).ReplaceAllString(dash, " ")), " ")
		for _, want := range []string{"Neema Mushi 1/5 (20%)", "2 attempts, best 100%", "Quiz questions", "0% of 1 answer 50% of 2 answers"} {
			if !strings.Contains(page, want) {
				t.Errorf("the dashboard lacks %q:\n%s", want, page)
			}
		}
	})

	t.Run("check quiz answered offline is graded after sync", func(t *testing.T) {
		setOffline(t, b, true)
		b.do(t, chromedp.Navigate(srv.URL+"/lessons/"+check.ID), chromedp.WaitVisible(chromedp.CSS("#quiz-form")))
		if strings.Contains(eval[string](t, b, `document.getElementById("quiz-data").textContent`), `"answer"`) {
			t.Fatal("the check quiz's page carries its key")
		}
		// Right but one: 5 of 6 is 83%, over the pass mark of 80.
		answers := map[string]any{}
		skipped := false
		for id, v := range check.right {
			if !skipped && check.kinds[id] == "truefalse" {
				skipped = true
				continue
			}
			answers[id] = v
		}
		answerQuiz(t, b, answers)
		submitQuiz(t, b, "waiting")
		waitText(t, b, "#quiz .r-wait", "Your answers will be checked when you are online.")
		if n := visible(t, b, "#quiz .r-score"); n != 0 {
			t.Fatal("the phone shows a score for a check quiz it cannot grade")
		}
		setOffline(t, b, false)
		askSync(t, b)
		poll(t, 20*time.Second, "the server's grade on the page", func() bool { return quizAttr(t, b, "data-state") == "checked" })
		if quizAttr(t, b, "data-passed") != "1" || b.text(t, "#quiz .r-score") != "Your score: 83%" {
			t.Fatalf("the server's grade: passed %q, %q", quizAttr(t, b, "data-passed"), b.text(t, "#quiz .r-score"))
		}
		if got, _ := attempts(t, srv, "neema", check.ID); strings.Join(got, ",") != "83 true" {
			t.Fatalf("server attempts %v", got)
		}
		poll(t, 10*time.Second, "the lesson to show done", func() bool { return visible(t, b, "#lesson-status .done-note") == 1 })
	})

	t.Run("the server's grade stands over the phone's", func(t *testing.T) {
		b.do(t, chromedp.Navigate(srv.URL+"/lessons/"+practice.ID), chromedp.WaitVisible(chromedp.CSS("#quiz-form")))
		setOffline(t, b, true)
		// A phone whose grading went wrong: it thinks every answer is right.
		eval[bool](t, b, `(() => { FieldbookQuiz.grade = (q) => ({ correct: q.questions.map(() => true),
			right: q.questions.length, score: 100, passed: true }); return true; })()`)
		answerQuiz(t, b, practice.wrong())
		submitQuiz(t, b, "graded")
		setOffline(t, b, false)
		askSync(t, b)
		poll(t, 20*time.Second, "the server's grade on the page", func() bool { return quizAttr(t, b, "data-state") == "checked" })
		if quizAttr(t, b, "data-passed") != "0" || quizAttr(t, b, "data-corrected") != "1" || b.text(t, "#quiz .r-score") != "Your score: 0%" ||
			visible(t, b, "#quiz .r-corrected") != 1 || visible(t, b, "#quiz .q-right") != 0 {
			t.Fatalf("corrected result: passed %q corrected %q %q", quizAttr(t, b, "data-passed"), quizAttr(t, b, "data-corrected"),
				b.text(t, "#quiz .r-score"))
		}
	})

	t.Run("a learner picked with their PIN signs their attempts", func(t *testing.T) {
		optIn(t, b, srv, "1357")
		signOut(t, b)
		setOffline(t, b, true)
		pick(t, b, srv, "Neema Mushi", "1357")
		b.do(t, chromedp.Navigate(srv.URL+"/lessons/"+tippy.ID), chromedp.WaitVisible(chromedp.CSS("#quiz-form")))
		answerQuiz(t, b, tippy.right)
		submitQuiz(t, b, "graded")
		// The page graded at once; the worker queues the attempt, signed.
		poll(t, 10*time.Second, "the picked learner's attempt to be queued signed", func() bool {
			return eval[bool](t, b, `new Promise(res => { const r = indexedDB.open("fieldbook"); r.onsuccess = () => {
				const g = r.result.transaction("queue").objectStore("queue").getAll();
				g.onsuccess = () => { r.result.close(); res(g.result.length === 1 && g.result[0].kind === "attempt" && !!g.result[0].sig); }; }; })`)
		})
		// Back online with nobody signed in: the key alone carries it.
		setOffline(t, b, false)
		askSync(t, b)
		poll(t, 20*time.Second, "the signed attempt to sync", func() bool { return queued(t, b) == 0 })
		if got, _ := attempts(t, srv, "neema", tippy.ID); strings.Join(got, ",") != "100 true" || !completedRow(t, srv, "neema", tippy.ID) {
			t.Fatalf("the signed attempt on the server: %v", got)
		}
	})
	if p := b.Problems(); len(p) > 0 {
		t.Fatalf("CSP violations or script errors: %v", p)
	}
}

// getWith fetches url with a session cookie.
func getWith(t *testing.T, url string, session *http.Cookie) []byte {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	req.AddCookie(session)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d", url, resp.StatusCode)
	}
	return b
}
