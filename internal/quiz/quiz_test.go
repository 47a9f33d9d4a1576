package quiz_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"fieldbook/internal/quiz"
)

func TestParseForm(t *testing.T) {
	choices := "Red\n\n  Green  \r\nBlue\n"
	tests := []struct {
		name  string
		form  quiz.Form
		probs map[string]quiz.Problem
		check func(t *testing.T, q quiz.Authored)
	}{
		{"single, blank lines ignored", quiz.Form{Kind: "single", Prompt: "Which?", Choices: choices, Answer: " 2 "}, nil,
			func(t *testing.T, q quiz.Authored) {
				if strings.Join(q.Choices, "|") != "Red|Green|Blue" || q.Key.Index != 1 {
					t.Errorf("choices %q key %d", q.Choices, q.Key.Index)
				}
			}},
		{"single, Eastern Arabic digit", quiz.Form{Kind: "single", Prompt: "p", Choices: choices, Answer: "٣"}, nil,
			func(t *testing.T, q quiz.Authored) {
				if q.Key.Index != 2 {
					t.Errorf("key %d, want 2", q.Key.Index)
				}
			}},
		{"single without a right answer", quiz.Form{Kind: "single", Prompt: "p", Choices: choices},
			map[string]quiz.Problem{"answer": quiz.ProblemAnswerMissing}, nil},
		{"single, answer 0", quiz.Form{Kind: "single", Prompt: "p", Choices: choices, Answer: "0"},
			map[string]quiz.Problem{"answer": quiz.ProblemAnswerNoChoice}, nil},
		{"single, answer past the choices", quiz.Form{Kind: "single", Prompt: "p", Choices: choices, Answer: "4"},
			map[string]quiz.Problem{"answer": quiz.ProblemAnswerNoChoice}, nil},
		{"single, answer 1.5", quiz.Form{Kind: "single", Prompt: "p", Choices: choices, Answer: "1.5"},
			map[string]quiz.Problem{"answer": quiz.ProblemAnswerNoChoice}, nil},
		{"one choice", quiz.Form{Kind: "single", Prompt: "p", Choices: "\nOnly\n\n", Answer: "1"},
			map[string]quiz.Problem{"choices": quiz.ProblemChoicesFew}, nil},
		{"nine choices", quiz.Form{Kind: "multiple", Prompt: "p", Choices: "1\n2\n3\n4\n5\n6\n7\n8\n9", Answer: "1"},
			map[string]quiz.Problem{"choices": quiz.ProblemChoicesMany}, nil},
		{"duplicated choices (same after normalising)", quiz.Form{Kind: "single", Prompt: "p", Choices: "Café\ncafe\nTea", Answer: "1"},
			map[string]quiz.Problem{"choices": quiz.ProblemChoicesSame}, nil},
		{"multiple", quiz.Form{Kind: "multiple", Prompt: "p", Choices: choices, Answer: "3, 1"}, nil,
			func(t *testing.T, q quiz.Authored) {
				if fmt.Sprint(q.Key.Indexes) != "[0 2]" {
					t.Errorf("indexes %v", q.Key.Indexes)
				}
			}},
		{"multiple, Arabic comma and digits", quiz.Form{Kind: "multiple", Prompt: "p", Choices: choices, Answer: "١،٢"}, nil,
			func(t *testing.T, q quiz.Authored) {
				if fmt.Sprint(q.Key.Indexes) != "[0 1]" {
					t.Errorf("indexes %v", q.Key.Indexes)
				}
			}},
		{"multiple, a choice twice", quiz.Form{Kind: "multiple", Prompt: "p", Choices: choices, Answer: "1,1"},
			map[string]quiz.Problem{"answer": quiz.ProblemAnswerRepeated}, nil},
		{"multiple, only commas", quiz.Form{Kind: "multiple", Prompt: "p", Choices: choices, Answer: ", ,"},
			map[string]quiz.Problem{"answer": quiz.ProblemAnswerMissing}, nil},
		{"truefalse", quiz.Form{Kind: "truefalse", Prompt: "p", Answer: "False", Choices: "ignored\nlines"}, nil,
			func(t *testing.T, q quiz.Authored) {
				if q.Key.Bool || q.Choices != nil {
					t.Errorf("key %v choices %q", q.Key.Bool, q.Choices)
				}
			}},
		{"truefalse, yes", quiz.Form{Kind: "truefalse", Prompt: "p", Answer: "yes"},
			map[string]quiz.Problem{"answer": quiz.ProblemAnswerTrueFalse}, nil},
		{"number, decimal comma", quiz.Form{Kind: "number", Prompt: "p", Answer: "2,5", Tolerance: "٠٫١"}, nil,
			func(t *testing.T, q quiz.Authored) {
				if q.Key.Value != 2.5 || q.Key.Tolerance != 0.1 {
					t.Errorf("key %+v", q.Key)
				}
			}},
		{"number, blank tolerance is 0", quiz.Form{Kind: "number", Prompt: "p", Answer: "-4"}, nil,
			func(t *testing.T, q quiz.Authored) {
				if q.Key.Value != -4 || q.Key.Tolerance != 0 {
					t.Errorf("key %+v", q.Key)
				}
			}},
		{"number, tolerance below zero", quiz.Form{Kind: "number", Prompt: "p", Answer: "4", Tolerance: "-0.5"},
			map[string]quiz.Problem{"tolerance": quiz.ProblemToleranceBelow}, nil},
		{"number, tolerance not a number", quiz.Form{Kind: "number", Prompt: "p", Answer: "4", Tolerance: "a bit"},
			map[string]quiz.Problem{"tolerance": quiz.ProblemToleranceNumber}, nil},
		{"number, answer not a number", quiz.Form{Kind: "number", Prompt: "p", Answer: "four"},
			map[string]quiz.Problem{"answer": quiz.ProblemAnswerNumber}, nil},
		{"text, one per line", quiz.Form{Kind: "text", Prompt: "p", Answer: "Nairobi\n\n nairobi city \n"}, nil,
			func(t *testing.T, q quiz.Authored) {
				if strings.Join(q.Key.Texts, "|") != "Nairobi|nairobi city" {
					t.Errorf("texts %q", q.Key.Texts)
				}
			}},
		{"text, only combining marks", quiz.Form{Kind: "text", Prompt: "p", Answer: "\u0301"},
			map[string]quiz.Problem{"answer": quiz.ProblemAnswerMissing}, nil},
		{"unknown kind, no prompt", quiz.Form{Kind: "essay", Answer: "x"},
			map[string]quiz.Problem{"kind": quiz.ProblemKind, "prompt": quiz.ProblemPromptMissing}, nil},
		{"prompt too long", quiz.Form{Kind: "truefalse", Prompt: strings.Repeat("x", quiz.MaxPromptLen+1), Answer: "true"},
			map[string]quiz.Problem{"prompt": quiz.ProblemPromptLong}, nil},
		{"not UTF-8", quiz.Form{Kind: "text", Prompt: "p", Answer: "\xff"},
			map[string]quiz.Problem{"answer": quiz.ProblemNotText}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, probs := quiz.ParseForm(tt.form)
			if fmt.Sprint(probs) != fmt.Sprint(tt.probs) && !(len(probs) == 0 && len(tt.probs) == 0) {
				t.Fatalf("problems %v, want %v", probs, tt.probs)
			}
			if len(probs) > 0 {
				return
			}
			if err := quiz.CheckKey(q.Key, len(q.Choices)); err != nil {
				t.Errorf("a form without problems made a bad key: %v", err)
			}
			if tt.check != nil {
				tt.check(t, q)
			}
			// The edit form shows what reads back as the same question.
			again, probs := quiz.ParseForm(quiz.FormOf(q))
			if len(probs) > 0 || fmt.Sprint(again) != fmt.Sprint(q) {
				t.Errorf("FormOf round trip: %+v (%v), want %+v", again, probs, q)
			}
		})
	}
}

func TestKeyJSON(t *testing.T) {
	for _, tt := range []struct {
		key     quiz.Key
		choices int
		want    string
	}{
		{quiz.Key{Kind: quiz.Single, Index: 2}, 3, `2`},
		{quiz.Key{Kind: quiz.Multiple, Indexes: []int{0, 3}}, 4, `[0,3]`},
		{quiz.Key{Kind: quiz.TrueFalse, Bool: true}, 0, `true`},
		{quiz.Key{Kind: quiz.Number, Value: 1.5, Tolerance: 0.25}, 0, `{"value":1.5,"tolerance":0.25}`},
		{quiz.Key{Kind: quiz.Text, Texts: []string{"a", "b"}}, 0, `["a","b"]`},
	} {
		b, err := json.Marshal(tt.key)
		if err != nil || string(b) != tt.want {
			t.Errorf("%v: %s, %v; want %s", tt.key.Kind, b, err, tt.want)
			continue
		}
		back, err := quiz.ParseKey(tt.key.Kind, tt.choices, b)
		if err != nil || fmt.Sprint(back) != fmt.Sprint(tt.key) {
			t.Errorf("ParseKey(%s) = %+v, %v", b, back, err)
		}
	}
	for _, bad := range []struct {
		kind    quiz.Kind
		choices int
		raw     string
	}{
		{quiz.Single, 3, `3`}, {quiz.Single, 3, `"1"`}, {quiz.Multiple, 3, `[]`}, {quiz.Multiple, 3, `[2,1]`},
		{quiz.Number, 0, `{"value":1,"tolerance":-1}`}, {quiz.Text, 0, `[]`}, {quiz.Text, 0, `[" "]`}, {"essay", 0, `1`},
	} {
		if _, err := quiz.ParseKey(bad.kind, bad.choices, json.RawMessage(bad.raw)); err == nil {
			t.Errorf("ParseKey(%s, %d, %s) accepted a bad key", bad.kind, bad.choices, bad.raw)
		}
	}
}

func TestParseAttempt(t *testing.T) {
	me := uuid.MustParse("11111111-1111-4111-8111-111111111111")
	const ok = `{"id":"22222222-2222-4222-8222-222222222222","user_id":"11111111-1111-4111-8111-111111111111",` +
		`"lesson_id":"33333333-3333-4333-8333-333333333333","version":3,"answers":{"q":1},"at":"2026-03-01T10:00:00+03:00"}`
	a, id, reason := quiz.ParseAttempt([]byte(ok), me)
	if reason != "" || id != "22222222-2222-4222-8222-222222222222" || a.Version != 3 || string(a.Answers["q"]) != "1" ||
		!a.At.Equal(time.Date(2026, 3, 1, 7, 0, 0, 0, time.UTC)) {
		t.Fatalf("good attempt: %+v %q %q", a, id, reason)
	}
	for _, tt := range []struct {
		from, to string
		want     quiz.Reason
	}{
		{ok, `[1]`, quiz.ReasonMalformed},
		{`"id":"22222222-2222-4222-8222-222222222222",`, ``, quiz.ReasonBadID},
		{`"22222222-2222-4222-8222-222222222222"`, `"x"`, quiz.ReasonBadID},
		{`"user_id":"11111111-1111-4111-8111-111111111111"`, `"user_id":"44444444-4444-4444-8444-444444444444"`, quiz.ReasonWrongUser},
		{`"lesson_id":"33333333-3333-4333-8333-333333333333"`, `"lesson_id":7`, quiz.ReasonMalformed},
		{`"lesson_id":"33333333-3333-4333-8333-333333333333"`, `"lesson_id":"nope"`, quiz.ReasonBadLesson},
		{`"version":3`, `"version":"3"`, quiz.ReasonBadVersion},
		{`"version":3`, `"version":0`, quiz.ReasonBadVersion},
		{`"version":3`, `"version":2.5`, quiz.ReasonBadVersion},
		{`"version":3`, `"version":null`, quiz.ReasonBadVersion},
		{`"answers":{"q":1}`, `"answers":[1]`, quiz.ReasonBadAnswers},
		{`"answers":{"q":1}`, `"answers":null`, quiz.ReasonBadAnswers},
		{`"2026-03-01T10:00:00+03:00"`, `"yesterday"`, quiz.ReasonBadAt},
	} {
		raw := strings.Replace(ok, tt.from, tt.to, 1)
		if tt.from == ok {
			raw = tt.to
		}
		if _, _, got := quiz.ParseAttempt([]byte(raw), me); got != tt.want {
			t.Errorf("%s → %q, want %q", raw, got, tt.want)
		}
	}
}

// benchVersion is a ten-question quiz of every kind.
func benchVersion() (quiz.Version, map[string]json.RawMessage) {
	v := quiz.Version{PassMark: 80}
	answers := map[string]json.RawMessage{}
	for i := range 10 {
		id := uuid.NewString()
		q := quiz.Question{ID: id, Kind: quiz.Kinds[i%5], Choices: 4}
		q.Key.Kind = q.Kind
		switch q.Kind {
		case quiz.Single:
			q.Key.Index, answers[id] = 2, json.RawMessage(`2`)
		case quiz.Multiple:
			q.Key.Indexes, answers[id] = []int{0, 3}, json.RawMessage(`[3,0]`)
		case quiz.TrueFalse:
			answers[id] = json.RawMessage(`false`)
		case quiz.Number:
			q.Key.Value, q.Key.Tolerance, answers[id] = 37.5, 0.5, json.RawMessage(`37.9`)
		case quiz.Text:
			q.Key.Texts, answers[id] = []string{"Oral rehydration salts", "ORS"}, json.RawMessage(`"  oral REHYDRATION  sálts"`)
		}
		v.Questions = append(v.Questions, q)
	}
	return v, answers
}

func TestBenchVersionAllRight(t *testing.T) {
	v, answers := benchVersion()
	if res, reason := quiz.Grade(v, answers); reason != "" || res.Score != 100 {
		t.Fatalf("%+v %q", res, reason)
	}
}

// BenchmarkGrade grades one ten-question attempt of every kind.
func BenchmarkGrade(b *testing.B) {
	v, answers := benchVersion()
	for b.Loop() {
		if _, reason := quiz.Grade(v, answers); reason != "" {
			b.Fatal(reason)
		}
	}
}
