package handlers

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"

	"fieldbook/internal/i18n"
	"fieldbook/internal/quiz"
	"fieldbook/store"
	"fieldbook/views"
)

// The quizzes on a course's dashboard (issue 12): per question, right on
// the first try and overall and the most chosen wrong answer; per learner,
// attempts and best score; on a learner's page, each attempt with its
// answers in words.

// maxPromptRunes shortens a question's text in the dashboard's tables.
const maxPromptRunes = 120

// quizInsights groups the course's question counters by quiz.
func quizInsights(loc *i18n.Localizer, stats []store.QuestionStat) []views.QuizInsight {
	var out []views.QuizInsight
	var lesson uuid.UUID
	for _, s := range stats {
		if len(out) == 0 || s.LessonID != lesson {
			lesson = s.LessonID
			out = append(out, views.QuizInsight{Lesson: strconv.Itoa(s.LessonNumber) + ". " + s.LessonTitle})
		}
		qz := &out[len(out)-1]
		q := views.QuestionInsight{Number: len(qz.Questions) + 1, Prompt: promptText(s.Prompt),
			First: s.First, FirstRight: s.FirstRight, Answers: s.Answers, Correct: s.Correct, WrongChosen: s.Chosen}
		if s.Wrong != nil {
			q.Wrong = answerText(loc, s.Kind, s.Choices, s.Wrong)
		}
		qz.Questions = append(qz.Questions, q)
	}
	return out
}

// promptText is a question's Markdown as plain text on one line, shortened.
func promptText(md string) string {
	s := strings.Join(strings.Fields(strings.NewReplacer("**", "", "__", "", "`", "", "\\", "").Replace(md)), " ")
	if utf8.RuneCountInString(s) > maxPromptRunes {
		s = string([]rune(s)[:maxPromptRunes-1]) + "…"
	}
	return s
}

// answerText is an answer in words for a volunteer: the choices' texts, true
// or false, the number or text given; "No answer" for a question left out.
// A choice a later version of the quiz no longer has is shown by number.
func answerText(loc *i18n.Localizer, kind quiz.Kind, choices []string, raw json.RawMessage) string {
	if raw == nil || string(raw) == "null" {
		return loc.T("dashboard.attempt.no_answer")
	}
	choice := func(i int) string {
		if i >= 0 && i < len(choices) {
			return choices[i]
		}
		return "#" + strconv.Itoa(i+1)
	}
	switch kind {
	case quiz.Single:
		var i int
		if json.Unmarshal(raw, &i) == nil {
			return choice(i)
		}
	case quiz.Multiple:
		var is []int
		if json.Unmarshal(raw, &is) == nil {
			names := make([]string, len(is))
			for j, i := range is {
				names[j] = choice(i)
			}
			return strings.Join(names, "; ")
		}
	case quiz.TrueFalse:
		var b bool
		if json.Unmarshal(raw, &b) == nil {
			if b {
				return loc.T("quiz.true")
			}
			return loc.T("quiz.false")
		}
	case quiz.Text:
		var s string
		if json.Unmarshal(raw, &s) == nil {
			return s
		}
	}
	return string(raw) // a number as given
}

// learnerQuizzes fills in each learner row's quiz work.
func learnerQuizzes(items []views.LearnerItem, rows []store.LearnerRow, sums map[uuid.UUID]store.LearnerQuizSummary) {
	for i := range items {
		if s, ok := sums[rows[i].StudentID]; ok {
			items[i].Quiz = &views.LearnerQuiz{Attempts: s.Attempts, Best: s.Best}
		}
	}
}

// attemptViews are a learner's attempts in words.
func attemptViews(loc *i18n.Localizer, list []store.AttemptDetail) []views.AttemptView {
	out := make([]views.AttemptView, 0, len(list))
	for _, a := range list {
		v := views.AttemptView{Lesson: strconv.Itoa(a.LessonNumber) + ". " + a.LessonTitle,
			At: showTime(loc, a.At, minuteStyle), AtTS: machineTime(a.At),
			Score: a.Score, Passed: a.Passed}
		for _, ans := range a.Answers {
			v.Answers = append(v.Answers, views.AnswerView{Prompt: promptText(ans.Prompt),
				Given: answerText(loc, ans.Kind, ans.Choices, ans.Given), Correct: ans.Correct})
		}
		out = append(out, v)
	}
	return out
}

// hasQuiz reports whether any of the course's published lessons has a quiz.
func hasQuiz(lessons []store.LessonStat) bool {
	for _, l := range lessons {
		if l.Quiz {
			return true
		}
	}
	return false
}

// dashboardQuizzes reads a course's question counters and the quiz work of
// one page of its learners.
func dashboardQuizzes(ctx context.Context, tx *store.Tx, course uuid.UUID, learners []store.LearnerRow) (
	[]store.QuestionStat, map[uuid.UUID]store.LearnerQuizSummary, error) {
	questions, err := tx.DashboardQuizQuestions(ctx, course)
	if err != nil {
		return nil, nil, err
	}
	ids := make([]uuid.UUID, len(learners))
	for i, r := range learners {
		ids[i] = r.StudentID
	}
	sums, err := tx.LearnerQuizSummaries(ctx, course, ids)
	return questions, sums, err
}
