package quiz

import (
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Form is a question as the plain form posts it (POST /lessons/{id}/questions
// and POST /questions/{id}): every field as typed.
type Form struct {
	Kind string
	// Prompt and Explanation are Markdown.
	Prompt string
	// Choices are one per line; blank lines are ignored.
	Choices string
	// Answer depends on the kind. single: the 1-based number of the right
	// choice among the non-blank lines; multiple: those numbers separated by
	// commas; truefalse: true or false; number: the value; text: the
	// accepted answers, one per line.
	Answer      string
	Tolerance   string
	Explanation string
}

// Authored is a question as saved: the form checked and read.
type Authored struct {
	Kind        Kind
	Prompt      string
	Choices     []string
	Key         Key
	Explanation string
}

// Problem says what is wrong with one form field: a stable code the handler
// turns into a sentence (the message catalogue's key).
type Problem string

// The problems of a question form.
const (
	ProblemKind            Problem = "kind_unknown"
	ProblemPromptMissing   Problem = "prompt_missing"
	ProblemPromptLong      Problem = "prompt_too_long"
	ProblemNotText         Problem = "not_text"
	ProblemChoicesFew      Problem = "choices_too_few"
	ProblemChoicesMany     Problem = "choices_too_many"
	ProblemChoiceLong      Problem = "choice_too_long"
	ProblemChoicesSame     Problem = "choices_duplicated"
	ProblemAnswerMissing   Problem = "answer_missing"
	ProblemAnswerNoChoice  Problem = "answer_no_such_choice"
	ProblemAnswerRepeated  Problem = "answer_repeated"
	ProblemAnswerTrueFalse Problem = "answer_not_true_false"
	ProblemAnswerNumber    Problem = "answer_not_a_number"
	ProblemAnswersMany     Problem = "answers_too_many"
	ProblemAnswerLong      Problem = "answer_too_long"
	ProblemToleranceNumber Problem = "tolerance_not_a_number"
	ProblemToleranceBelow  Problem = "tolerance_negative"
	ProblemExplanationLong Problem = "explanation_too_long"
)

// Limits of the question form, in characters.
const (
	MaxPromptLen      = 5000
	MaxExplanationLen = 5000
	MaxChoiceLen      = 300
	MaxTextAnswers    = 20
	MaxTextAnswerLen  = 200
)

// lines splits text into its non-blank lines, each trimmed.
func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n") {
		if l = strings.TrimSpace(strings.TrimRight(l, "\r")); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// ParseForm checks a question form and reads it. problems maps a field name
// (kind, prompt, choices, answer, tolerance, explanation) to what is wrong
// with it; the question is only meaningful when there is none. Choices are
// read for choice kinds only: another kind ignores them, so switching a
// question's kind loses nothing typed.
func ParseForm(f Form) (Authored, map[string]Problem) {
	probs := map[string]Problem{}
	q := Authored{Kind: Kind(strings.TrimSpace(f.Kind)),
		Prompt:      strings.TrimSpace(strings.ReplaceAll(f.Prompt, "\r\n", "\n")),
		Explanation: strings.TrimSpace(strings.ReplaceAll(f.Explanation, "\r\n", "\n"))}
	for field, s := range map[string]string{"prompt": f.Prompt, "choices": f.Choices, "answer": f.Answer,
		"tolerance": f.Tolerance, "explanation": f.Explanation} {
		if !utf8.ValidString(s) {
			probs[field] = ProblemNotText
		}
	}
	if len(probs) > 0 {
		return q, probs
	}
	switch n := utf8.RuneCountInString(q.Prompt); {
	case n == 0:
		probs["prompt"] = ProblemPromptMissing
	case n > MaxPromptLen:
		probs["prompt"] = ProblemPromptLong
	}
	if utf8.RuneCountInString(q.Explanation) > MaxExplanationLen {
		probs["explanation"] = ProblemExplanationLong
	}
	if !q.Kind.Valid() {
		probs["kind"] = ProblemKind
		return q, probs
	}
	q.Key.Kind = q.Kind
	if q.Kind.HasChoices() {
		q.Choices = lines(f.Choices)
		if p := checkChoices(q.Choices); p != "" {
			probs["choices"] = p
		}
	}
	if p := parseAnswer(&q, f); p != "" {
		probs["answer"] = p
	}
	if q.Kind == Number {
		if p := parseTolerance(&q, f.Tolerance); p != "" {
			probs["tolerance"] = p
		}
	}
	return q, probs
}

// checkChoices says what is wrong with a choice list, or "".
func checkChoices(choices []string) Problem {
	switch {
	case len(choices) < MinChoices:
		return ProblemChoicesFew
	case len(choices) > MaxChoices:
		return ProblemChoicesMany
	}
	seen := map[string]bool{}
	for _, c := range choices {
		if utf8.RuneCountInString(c) > MaxChoiceLen {
			return ProblemChoiceLong
		}
		n := NormalizeText(c)
		if seen[n] {
			return ProblemChoicesSame
		}
		seen[n] = true
	}
	return ""
}

// choiceNumber reads a 1-based choice number as people type it.
func choiceNumber(s string, choices int) (int, Problem) {
	f, ok := ParseNumber(s)
	if !ok || f != float64(int(f)) || f < 1 || int(f) > choices {
		return 0, ProblemAnswerNoChoice
	}
	return int(f) - 1, ""
}

// parseAnswer reads the answer field into q.Key.
func parseAnswer(q *Authored, f Form) Problem {
	answer := strings.TrimSpace(f.Answer)
	if answer == "" {
		return ProblemAnswerMissing
	}
	switch q.Kind {
	case Single:
		i, p := choiceNumber(answer, len(q.Choices))
		q.Key.Index = i
		return p
	case Multiple:
		for part := range strings.SplitSeq(strings.NewReplacer("،", ",", "，", ",", ";", ",").Replace(answer), ",") {
			if strings.TrimSpace(part) == "" {
				continue
			}
			i, p := choiceNumber(part, len(q.Choices))
			if p != "" {
				return p
			}
			if slices.Contains(q.Key.Indexes, i) {
				return ProblemAnswerRepeated
			}
			q.Key.Indexes = append(q.Key.Indexes, i)
		}
		if len(q.Key.Indexes) == 0 {
			return ProblemAnswerMissing
		}
		slices.Sort(q.Key.Indexes)
	case TrueFalse:
		switch strings.ToLower(answer) {
		case "true":
			q.Key.Bool = true
		case "false":
		default:
			return ProblemAnswerTrueFalse
		}
	case Number:
		v, ok := ParseNumber(answer)
		if !ok {
			return ProblemAnswerNumber
		}
		q.Key.Value = v
	case Text:
		q.Key.Texts = lines(f.Answer)
		if len(q.Key.Texts) > MaxTextAnswers {
			return ProblemAnswersMany
		}
		for _, t := range q.Key.Texts {
			if utf8.RuneCountInString(t) > MaxTextAnswerLen {
				return ProblemAnswerLong
			}
			if NormalizeText(t) == "" {
				return ProblemAnswerMissing
			}
		}
	}
	return ""
}

// parseTolerance reads a number question's tolerance; blank is 0.
func parseTolerance(q *Authored, s string) Problem {
	if strings.TrimSpace(s) == "" {
		q.Key.Tolerance = 0
		return ""
	}
	t, ok := ParseNumber(s)
	switch {
	case !ok:
		return ProblemToleranceNumber
	case t < 0:
		return ProblemToleranceBelow
	}
	if t == 0 {
		t = 0 // −0 is shown and stored as 0
	}
	q.Key.Tolerance = t
	return ""
}

// FormatNumber writes a number as the form shows it: shortest, no exponent.
func FormatNumber(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// FormOf is the plain form that reproduces a saved question: what the edit
// form shows.
func FormOf(q Authored) Form {
	f := Form{Kind: string(q.Kind), Prompt: q.Prompt, Explanation: q.Explanation,
		Choices: strings.Join(q.Choices, "\n")}
	switch q.Kind {
	case Single:
		f.Answer = strconv.Itoa(q.Key.Index + 1)
	case Multiple:
		parts := make([]string, len(q.Key.Indexes))
		for i, x := range q.Key.Indexes {
			parts[i] = strconv.Itoa(x + 1)
		}
		f.Answer = strings.Join(parts, ", ")
	case TrueFalse:
		f.Answer = "false"
		if q.Key.Bool {
			f.Answer = "true"
		}
	case Number:
		f.Answer = FormatNumber(q.Key.Value)
		f.Tolerance = FormatNumber(q.Key.Tolerance)
	case Text:
		f.Answer = strings.Join(q.Key.Texts, "\n")
	}
	return f
}
