// Package quiz is Fieldbook's grading rule: question kinds, answer keys,
// the plain-form fields volunteers type, the attempts phones send, and the
// grade of an attempt. static/quiz.js implements the same rule for the phone;
// testdata/grading_cases.json holds the cases both must agree on, so a
// learner offline sees the grade the server will record.
//
// The package imports neither Echo nor templ nor the store: handlers and
// store both use it.
package quiz

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
)

// Kind is what sort of answer a question takes.
type Kind string

// The question kinds.
const (
	// Single: one right choice among 2–8.
	Single Kind = "single"
	// Multiple: every right choice and no wrong one.
	Multiple Kind = "multiple"
	// TrueFalse: a statement that is true or false.
	TrueFalse Kind = "truefalse"
	// Number: a value, right within a tolerance.
	Number Kind = "number"
	// Text: one of a list of accepted answers, compared after NormalizeText.
	Text Kind = "text"
)

// Kinds lists every kind in the order forms offer them.
var Kinds = []Kind{Single, Multiple, TrueFalse, Number, Text}

// Valid reports whether k is one of the kinds.
func (k Kind) Valid() bool { return slices.Contains(Kinds, k) }

// HasChoices reports whether the kind shows choices to pick from.
func (k Kind) HasChoices() bool { return k == Single || k == Multiple }

// Mode says where a quiz is graded first.
type Mode string

// The quiz modes.
const (
	// Practice quizzes carry their key to the phone, which grades at once
	// and shows the explanations; the server grades again on sync.
	Practice Mode = "practice"
	// Check quizzes never send their key: the server alone grades.
	Check Mode = "check"
)

// Valid reports whether m is a mode.
func (m Mode) Valid() bool { return m == Practice || m == Check }

// Limits of a question and a quiz.
const (
	MinChoices = 2
	MaxChoices = 8
	// DefaultPassMark is the pass mark of a new quiz, in percent.
	DefaultPassMark = 80
	// MaxQuestions keeps a quiz (and the page carrying it) small.
	MaxQuestions = 50
)

// Key is the right answer of one question: one field per kind. Its JSON is
// the "answer" of the lesson quiz API: single, the 0-based index; multiple,
// the sorted 0-based indexes; truefalse, a boolean; number, {"value",
// "tolerance"}; text, the accepted answers.
type Key struct {
	Kind      Kind
	Index     int
	Indexes   []int
	Bool      bool
	Value     float64
	Tolerance float64
	Texts     []string
}

// numberKey is the JSON of a number question's key.
type numberKey struct {
	Value     float64 `json:"value"`
	Tolerance float64 `json:"tolerance"`
}

// MarshalJSON writes the key in the API's answer shape.
func (k Key) MarshalJSON() ([]byte, error) {
	switch k.Kind {
	case Single:
		return json.Marshal(k.Index)
	case Multiple:
		idx := slices.Clone(k.Indexes)
		slices.Sort(idx)
		if idx == nil {
			idx = []int{}
		}
		return json.Marshal(idx)
	case TrueFalse:
		return json.Marshal(k.Bool)
	case Number:
		return json.Marshal(numberKey{k.Value, k.Tolerance})
	case Text:
		t := k.Texts
		if t == nil {
			t = []string{}
		}
		return json.Marshal(t)
	}
	return nil, fmt.Errorf("quiz: key of unknown kind %q", k.Kind)
}

// ErrBadKey is returned when a stored key does not fit its question.
var ErrBadKey = errors.New("quiz: malformed key")

// ParseKey reads a key in the API's answer shape for a question of kind with
// choices choices, and checks it as CheckKey does.
func ParseKey(kind Kind, choices int, raw json.RawMessage) (Key, error) {
	k := Key{Kind: kind}
	var err error
	switch kind {
	case Single:
		err = json.Unmarshal(raw, &k.Index)
	case Multiple:
		err = json.Unmarshal(raw, &k.Indexes)
	case TrueFalse:
		err = json.Unmarshal(raw, &k.Bool)
	case Number:
		var n numberKey
		err = json.Unmarshal(raw, &n)
		k.Value, k.Tolerance = n.Value, n.Tolerance
	case Text:
		err = json.Unmarshal(raw, &k.Texts)
	default:
		return Key{}, fmt.Errorf("%w: unknown kind %q", ErrBadKey, kind)
	}
	if err != nil {
		return Key{}, fmt.Errorf("%w: %v", ErrBadKey, err)
	}
	if err := CheckKey(k, choices); err != nil {
		return Key{}, err
	}
	return k, nil
}

// CheckKey reports whether a key is one a volunteer could have saved: a
// right choice that exists, distinct sorted indexes, a finite value and a
// tolerance ≥ 0, accepted answers that are not blank.
func CheckKey(k Key, choices int) error {
	bad := func(why string) error { return fmt.Errorf("%w: %s", ErrBadKey, why) }
	switch k.Kind {
	case Single:
		if k.Index < 0 || k.Index >= choices {
			return bad("no such choice")
		}
	case Multiple:
		if len(k.Indexes) == 0 {
			return bad("no right choice")
		}
		for i, x := range k.Indexes {
			if x < 0 || x >= choices || (i > 0 && x <= k.Indexes[i-1]) {
				return bad("indexes out of range or not sorted and distinct")
			}
		}
	case TrueFalse:
	case Number:
		if math.IsNaN(k.Value) || math.IsInf(k.Value, 0) || math.IsNaN(k.Tolerance) ||
			math.IsInf(k.Tolerance, 0) || k.Tolerance < 0 {
			return bad("value or tolerance out of range")
		}
	case Text:
		if len(k.Texts) == 0 {
			return bad("no accepted answer")
		}
		for _, t := range k.Texts {
			if NormalizeText(t) == "" {
				return bad("blank accepted answer")
			}
		}
	default:
		return bad("unknown kind")
	}
	return nil
}

// Question is one question of a quiz version as grading needs it.
type Question struct {
	// ID is the question's id (a UUID as text), the key of its answer.
	ID   string
	Kind Kind
	// Choices is how many choices a choice question has.
	Choices int
	Key     Key
}

// Version is one version of a quiz as grading needs it: what an attempt
// names and is graded against.
type Version struct {
	PassMark  int
	Questions []Question
}

// Result is the grade of an attempt.
type Result struct {
	// Correct has one entry per question, in the version's order.
	Correct []bool
	// Right is how many questions were answered correctly.
	Right int
	// Score is ⌊100 × Right ÷ questions⌋.
	Score int
	// Passed is Right × 100 ≥ pass mark × questions.
	Passed bool
}

// Score is ⌊100 × right ÷ questions⌋ in integers; 0 for no questions.
func Score(right, questions int) int {
	if questions <= 0 {
		return 0
	}
	return 100 * right / questions
}

// Passed is right × 100 ≥ passMark × questions, in integers.
func Passed(right, questions, passMark int) bool {
	return questions > 0 && right*100 >= passMark*questions
}

// Grade grades answers (question id → the JSON value sent) against v. An
// unanswered question is absent and counts as wrong. Answers the rule cannot
// grade (an unknown question, a value of the wrong type, a choice that does
// not exist) refuse the whole attempt with a Reason, checked in a fixed
// order: unknown questions first, then each question in the version's order.
func Grade(v Version, answers map[string]json.RawMessage) (Result, Reason) {
	if len(v.Questions) == 0 {
		return Result{}, ReasonNoQuestions
	}
	known := make(map[string]bool, len(v.Questions))
	for _, q := range v.Questions {
		known[q.ID] = true
	}
	for id := range answers {
		if !known[id] {
			return Result{}, ReasonUnknownQuestion
		}
	}
	res := Result{Correct: make([]bool, len(v.Questions))}
	for i, q := range v.Questions {
		raw, ok := answers[q.ID]
		if !ok {
			continue
		}
		right, reason := gradeOne(q, raw)
		if reason != "" {
			return Result{}, reason
		}
		if right {
			res.Correct[i] = true
			res.Right++
		}
	}
	res.Score = Score(res.Right, len(v.Questions))
	res.Passed = Passed(res.Right, len(v.Questions), v.PassMark)
	return res, ""
}

// jsonType is the JSON type of a raw value by its first byte.
func jsonType(raw json.RawMessage) byte {
	for _, b := range raw {
		switch b {
		case ' ', '\t', '\n', '\r':
			continue
		case 't', 'f':
			return 'b'
		case '"', '[', '{', 'n':
			return b
		}
		return '0'
	}
	return 0
}

// index reads a choice index: a JSON number that is a whole number.
func index(raw json.RawMessage, choices int) (int, Reason) {
	if jsonType(raw) != '0' {
		return 0, ReasonWrongType
	}
	var f float64
	if err := json.Unmarshal(raw, &f); err != nil {
		return 0, ReasonWrongType
	}
	if f != math.Trunc(f) {
		return 0, ReasonWrongType
	}
	if f < 0 || f >= float64(choices) {
		return 0, ReasonBadAnswer
	}
	return int(f), ""
}

// gradeOne grades one answer; the reason is set when it cannot be graded.
func gradeOne(q Question, raw json.RawMessage) (bool, Reason) {
	switch q.Kind {
	case Single:
		i, r := index(raw, q.Choices)
		return r == "" && i == q.Key.Index, r
	case Multiple:
		if jsonType(raw) != '[' {
			return false, ReasonWrongType
		}
		var items []json.RawMessage
		if err := json.Unmarshal(raw, &items); err != nil {
			return false, ReasonWrongType
		}
		picked := make([]int, 0, len(items))
		for _, it := range items {
			i, r := index(it, q.Choices)
			if r != "" {
				return false, r
			}
			if slices.Contains(picked, i) {
				return false, ReasonBadAnswer
			}
			picked = append(picked, i)
		}
		slices.Sort(picked)
		return slices.Equal(picked, q.Key.Indexes), ""
	case TrueFalse:
		var b bool
		if jsonType(raw) != 'b' || json.Unmarshal(raw, &b) != nil {
			return false, ReasonWrongType
		}
		return b == q.Key.Bool, ""
	case Number:
		var f float64
		if jsonType(raw) != '0' || json.Unmarshal(raw, &f) != nil {
			return false, ReasonWrongType
		}
		return WithinTolerance(f, q.Key.Value, q.Key.Tolerance), ""
	case Text:
		var s string
		if jsonType(raw) != '"' || json.Unmarshal(raw, &s) != nil {
			return false, ReasonWrongType
		}
		return TextMatches(s, q.Key.Texts), ""
	}
	return false, ReasonWrongType
}

// TextMatches reports whether given matches one of the accepted answers
// after NormalizeText.
func TextMatches(given string, accepted []string) bool {
	g := NormalizeText(given)
	if g == "" {
		return false
	}
	for _, a := range accepted {
		if NormalizeText(a) == g {
			return true
		}
	}
	return false
}
