package views

import (
	"context"
	"strconv"
)

// Dashboard is a course's volunteer dashboard page.
type Dashboard struct {
	HomeURL     string
	CourseTitle string
	CourseURL   string
	// URL is the dashboard's own address (the search form's action).
	URL    string
	CSVURL string
	// EventsURL is the event stream, carrying the time this page was read
	// so the stream can tell at once whether the page is already stale.
	EventsURL string
	// LiveURL re-reads the live part with the page's sort, search and page.
	LiveURL string
	Search  string
	Sort    string
	Dir     string
	Live    DashboardLive
}

// DashboardLive is the part of the dashboard that is re-read when a
// learner's progress changes: totals, chart and the learner table.
type DashboardLive struct {
	Lessons  int
	Started  int
	Finished int
	// MedianPercent is the median completion among learners who started.
	MedianPercent int
	Chart         []ChartBar
	Columns       []SortColumn
	Learners      []LearnerItem
	// Matched is how many learners match the search (all, without one).
	Matched  int
	Search   string
	Page     int
	Pages    int
	PrevURL  string
	NextURL  string
	ReadAt   string
	ReadAtTS string
	// Quizzes are the course's quizzes with how each question was
	// answered; HasQuizzes adds the quiz column to the learner table.
	Quizzes    []QuizInsight
	HasQuizzes bool
}

// QuizInsight is one quiz of a course on its dashboard.
type QuizInsight struct {
	// Lesson is the quiz's lesson, "6. CPR basics".
	Lesson    string
	Questions []QuestionInsight
}

// QuestionInsight is how one question was answered: on learners' first
// attempt and overall, and the wrong answer given most.
type QuestionInsight struct {
	Number int
	// Prompt is the question as text, shortened.
	Prompt            string
	First, FirstRight int
	Answers, Correct  int
	Wrong             string
	WrongChosen       int
}

// FirstPct is the share of first attempts that got the question right.
func (q QuestionInsight) FirstPct() int { return pct(q.FirstRight, q.First) }

// OverallPct is the share of every answer that was right.
func (q QuestionInsight) OverallPct() int { return pct(q.Correct, q.Answers) }

func pct(part, whole int) int {
	if whole == 0 {
		return 0
	}
	return part * 100 / whole
}

// LearnerQuiz is a learner's quiz work in a course, in their table row.
type LearnerQuiz struct {
	Attempts int
	// Best is their best score per quiz, averaged over the quizzes taken.
	Best int
}

// ChartBar is one lesson in the completion chart.
type ChartBar struct {
	Number    int
	Title     string
	Completed int
	// Percent of the learners who started the course.
	Percent int
}

// Label is the bar's lesson label, shortened for a phone's width.
func (b ChartBar) Label() string {
	t := []rune(b.Title)
	if len(t) > 34 {
		t = append(t[:33], '…')
	}
	return strconv.Itoa(b.Number) + ". " + string(t)
}

// Value is the bar's number as text: the share and the learners, written
// the page's language's way.
func (b ChartBar) Value(ctx context.Context) string {
	return percent(ctx, b.Percent) + " (" + number(ctx, b.Completed) + ")"
}

// chartRow is the height of one bar's row in the SVG's user units.
const chartRow = 30

func chartHeight(n int) string { return strconv.Itoa(n*chartRow + 4) }
func chartY(i, dy int) string  { return strconv.Itoa(i*chartRow + dy) }
func chartW(pct int) string    { return strconv.Itoa(pct * 3) }

// The chart reads in the page's direction: each row's label at the start
// (the right on an Arabic page), its number at the end, and the bar grows
// from the start. SVG text anchors follow the inherited direction; the
// coordinates do not, so they are chosen here.
func chartStartX(ctx context.Context) string {
	if rtl(ctx) {
		return "300"
	}
	return "0"
}

func chartEndX(ctx context.Context) string {
	if rtl(ctx) {
		return "0"
	}
	return "300"
}

func chartBarX(ctx context.Context, pct int) string {
	if rtl(ctx) {
		return strconv.Itoa(300 - pct*3)
	}
	return "0"
}

// SortColumn is a sortable column heading of the learner table.
type SortColumn struct {
	Label string
	URL   string
	// AriaSort is ascending, descending or none.
	AriaSort string
}

// LearnerItem is one row of the learner table.
type LearnerItem struct {
	Name      string
	DetailURL string
	Progress  ProgressBar
	// LastActivity is relative ("5 min ago"); LastActivityTS is RFC 3339.
	LastActivity   string
	LastActivityTS string
	// Quiz is nil when the learner has no attempt in the course.
	Quiz *LearnerQuiz
}

// Short is the progress as "3/10 (30%)", for a narrow table cell, its
// numbers written the page's language's way.
func (p ProgressBar) Short(ctx context.Context) string {
	return number(ctx, p.Completed) + "/" + number(ctx, p.Total) + " (" + percent(ctx, p.Percent()) + ")"
}

// LearnerDetail is one learner's page on a course's dashboard.
type LearnerDetail struct {
	CourseTitle  string
	DashboardURL string
	Name         string
	Progress     ProgressBar
	Started      string
	LastActivity string
	Lessons      []LessonDone
	// Attempts are the learner's quiz attempts, by lesson then time;
	// HasQuizzes adds the best score column to the lessons.
	Attempts   []AttemptView
	HasQuizzes bool
}

// LessonDone is a lesson with when a learner completed it ("" if not).
type LessonDone struct {
	Number      int
	Title       string
	CompletedAt string
	CompletedTS string
	// Quiz: the lesson has a quiz; Best is the learner's best score ("" with
	// no attempt); BeforeQuiz: completed before the lesson had its quiz.
	Quiz       bool
	Best       string
	BeforeQuiz bool
}

// AttemptView is one quiz attempt on a learner's dashboard page.
type AttemptView struct {
	Lesson string
	At     string
	AtTS   string
	Score  int
	Passed bool
	// Answers are the questions of the version answered, in order.
	Answers []AnswerView
}

// AnswerView is one question of an attempt with the answer given, in words.
type AnswerView struct {
	Prompt  string
	Given   string
	Correct bool
}

// MyProgress is a learner's own progress across the courses they started.
type MyProgress struct {
	// HomeURL is where to choose a first course.
	HomeURL string
	Courses []MyCourseItem
}

// MyCourseItem is one course on the learner's progress page.
type MyCourseItem struct {
	Title        string
	URL          string
	Progress     ProgressBar
	LastActivity string
}
