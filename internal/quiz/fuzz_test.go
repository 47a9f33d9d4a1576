package quiz_test

import (
	"testing"

	"github.com/google/uuid"

	"fieldbook/internal/quiz"
)

// FuzzAttempt feeds arbitrary bytes to attempt validation and grading, as a
// sync batch would: ParseAttempt never panics, accepts only attempts of the
// caller with well-formed fields, and otherwise gives a reason; Grade either
// refuses with a reason or returns a grade that follows the integer rule.
func FuzzAttempt(f *testing.F) {
	caller := uuid.MustParse("11111111-1111-4111-8111-111111111111")
	v, _ := benchVersion()
	ids := make([]string, len(v.Questions))
	for i, q := range v.Questions {
		ids[i] = q.ID
	}
	base := `{"id":"22222222-2222-4222-8222-222222222222","user_id":"11111111-1111-4111-8111-111111111111",` +
		`"lesson_id":"33333333-3333-4333-8333-333333333333","version":1,"at":"2026-11-25T09:30:00Z","answers":`
	for _, answers := range []string{
		`{}`, `{"` + ids[0] + `":2,"` + ids[1] + `":[3,0],"` + ids[2] + `":false,"` + ids[3] + `":37.9,"` + ids[4] + `":"ors"}`,
		`{"` + ids[0] + `":"2"}`, `{"` + ids[1] + `":[1,1]}`, `{"` + ids[3] + `":1e400}`, `{"nope":1}`, `[]`, `null`,
	} {
		f.Add(base + answers + `}`)
	}
	f.Add(`{"id":"x"}`)
	f.Add(`{}`)
	f.Add(`[`)
	f.Fuzz(func(t *testing.T, raw string) {
		a, _, reason := quiz.ParseAttempt([]byte(raw), caller)
		if reason != "" {
			return
		}
		if a.UserID != caller || a.ID == uuid.Nil || a.LessonID == uuid.Nil || a.Version < 1 || a.Answers == nil {
			t.Fatalf("accepted a malformed attempt %q: %+v", raw, a)
		}
		res, reason := quiz.Grade(v, a.Answers)
		if reason != "" {
			return
		}
		right := 0
		for _, ok := range res.Correct {
			if ok {
				right++
			}
		}
		n := len(v.Questions)
		if len(res.Correct) != n || right != res.Right || res.Score != 100*right/n || res.Score < 0 || res.Score > 100 ||
			res.Passed != (right*100 >= v.PassMark*n) {
			t.Fatalf("grade breaks the rule for %q: %+v", raw, res)
		}
	})
}
