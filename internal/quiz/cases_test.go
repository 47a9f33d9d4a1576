package quiz_test

import (
	"encoding/json"
	"math"
	"os"
	"slices"
	"testing"

	"fieldbook/internal/quiz"
)

// sharedCases is testdata/grading_cases.json: the table static/quiz.js is
// held to as well (quiz_test.js, run by TestJavaScriptAgrees).
type sharedCases struct {
	Normalize []struct {
		Name, In, Out string
	} `json:"normalize"`
	ParseNumber []struct {
		In  string   `json:"in"`
		Out *float64 `json:"out"`
	} `json:"parse_number"`
	Tolerance []struct {
		Given, Value, Tolerance float64
		Within                  bool
	} `json:"tolerance"`
	Grading []gradingCase `json:"grading"`
}

type gradingCase struct {
	Name string `json:"name"`
	Quiz struct {
		PassMark  int `json:"pass_mark"`
		Questions []struct {
			ID      string          `json:"id"`
			Kind    quiz.Kind       `json:"kind"`
			Choices []string        `json:"choices"`
			Answer  json.RawMessage `json:"answer"`
		} `json:"questions"`
	} `json:"quiz"`
	Answers map[string]json.RawMessage `json:"answers"`
	Expect  struct {
		Correct []bool      `json:"correct"`
		Score   int         `json:"score"`
		Passed  bool        `json:"passed"`
		Reason  quiz.Reason `json:"reason"`
	} `json:"expect"`
}

func loadCases(t testing.TB) sharedCases {
	t.Helper()
	b, err := os.ReadFile("testdata/grading_cases.json")
	if err != nil {
		t.Fatal(err)
	}
	var c sharedCases
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	if len(c.Normalize) == 0 || len(c.ParseNumber) == 0 || len(c.Tolerance) == 0 || len(c.Grading) == 0 {
		t.Fatal("a section of the shared table is empty")
	}
	return c
}

// version turns a case's quiz (the API's practice shape) into a Version.
func (gc gradingCase) version(t testing.TB) quiz.Version {
	t.Helper()
	v := quiz.Version{PassMark: gc.Quiz.PassMark}
	for _, q := range gc.Quiz.Questions {
		k, err := quiz.ParseKey(q.Kind, len(q.Choices), q.Answer)
		if err != nil {
			t.Fatalf("%s: key of %s: %v", gc.Name, q.ID, err)
		}
		v.Questions = append(v.Questions, quiz.Question{ID: q.ID, Kind: q.Kind, Choices: len(q.Choices), Key: k})
	}
	return v
}

func TestSharedNormalize(t *testing.T) {
	for _, c := range loadCases(t).Normalize {
		if got := quiz.NormalizeText(c.In); got != c.Out {
			t.Errorf("%s: NormalizeText(%+q) = %+q, want %+q", c.Name, c.In, got, c.Out)
		}
	}
}

func TestSharedParseNumber(t *testing.T) {
	for _, c := range loadCases(t).ParseNumber {
		got, ok := quiz.ParseNumber(c.In)
		switch {
		case c.Out == nil && ok:
			t.Errorf("ParseNumber(%+q) = %v, want not a number", c.In, got)
		case c.Out != nil && (!ok || got != *c.Out || math.Signbit(got) != math.Signbit(*c.Out)):
			t.Errorf("ParseNumber(%+q) = %v, %v; want %v", c.In, got, ok, *c.Out)
		}
	}
}

func TestSharedTolerance(t *testing.T) {
	for _, c := range loadCases(t).Tolerance {
		if got := quiz.WithinTolerance(c.Given, c.Value, c.Tolerance); got != c.Within {
			t.Errorf("WithinTolerance(%v, %v, %v) = %v, want %v", c.Given, c.Value, c.Tolerance, got, c.Within)
		}
	}
}

func TestSharedGrading(t *testing.T) {
	for _, c := range loadCases(t).Grading {
		t.Run(c.Name, func(t *testing.T) {
			res, reason := quiz.Grade(c.version(t), c.Answers)
			if reason != c.Expect.Reason {
				t.Fatalf("reason %q, want %q (result %+v)", reason, c.Expect.Reason, res)
			}
			if reason != "" {
				return
			}
			if !slices.Equal(res.Correct, c.Expect.Correct) || res.Score != c.Expect.Score || res.Passed != c.Expect.Passed {
				t.Errorf("got correct %v score %d passed %v, want %v %d %v",
					res.Correct, res.Score, res.Passed, c.Expect.Correct, c.Expect.Score, c.Expect.Passed)
			}
			right := 0
			for _, ok := range res.Correct {
				if ok {
					right++
				}
			}
			if right != res.Right {
				t.Errorf("Right = %d, but %d entries of Correct are true", res.Right, right)
			}
		})
	}
}
