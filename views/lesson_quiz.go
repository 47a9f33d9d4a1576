package views

// LessonQuiz is a lesson's quiz on its (user-neutral) page: the questions
// as a form with real controls, every result sentence in the page's
// language, and the data static/quiz.js grades with. Nothing in it is
// anybody's: quiz.js draws the learner's result.
type LessonQuiz struct {
	// Mode is "practice" (graded on the phone, explanations shown) or
	// "check" (graded by the server alone).
	Mode     string
	PassMark int
	Version  int
	// Questions in order.
	Questions []LearnerQuestion
	// Data is the JSON quiz.js grades with: the lesson quiz API's shape
	// without the prompts and explanations the markup carries (and, in
	// check mode, without any key).
	Data string
	// CertificateURL is the course's certificate page, linked once the
	// learner has one.
	CertificateURL string
}

// Practice reports whether the phone grades the quiz itself.
func (q LessonQuiz) Practice() bool { return q.Mode == "practice" }

// LearnerQuestion is one question of a lesson's quiz as learners see it.
type LearnerQuestion struct {
	ID   string
	Kind string
	// PromptHTML and ExplanationHTML were rendered from Markdown and
	// sanitised when saved; ExplanationHTML is empty in check mode.
	PromptHTML      string
	Choices         []string
	ExplanationHTML string
}

// Choice reports whether the question is answered by picking choices.
func (q LearnerQuestion) Choice() bool { return q.Kind == "single" || q.Kind == "multiple" }

// InputType is the control of a choice: radio for one, checkbox for several.
func (q LearnerQuestion) InputType() string {
	if q.Kind == "multiple" {
		return "checkbox"
	}
	return "radio"
}

// Name is the form name of the question's controls.
func (q LearnerQuestion) Name() string { return "q-" + q.ID }
