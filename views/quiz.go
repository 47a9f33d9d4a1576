package views

import "fieldbook/internal/quiz"

// QuestionFields are a question's form fields as typed or stored: the
// question form as internal/quiz reads it.
type QuestionFields = quiz.Form

// QuestionForm is the form for a new question or an edit of one.
type QuestionForm struct {
	// ID is "new" for the new-question form, else the question's id: it
	// names the form's elements, so several can share a page.
	ID         string
	Action     string
	PreviewURL string
	// LessonID or QuestionID tell the preview where the form belongs.
	LessonID   string
	QuestionID string
	// Revision is the question's revision the form was loaded at (posted
	// as "version"); 0 for a new question.
	Revision int
	Fields   QuestionFields
	Form
	// Preview is the question as learners will see it, when asked for.
	Preview *QuestionPreview
}

// QuestionPreview is a question rendered as learners see it, with the
// right answer marked (an editor's preview).
type QuestionPreview struct {
	Kind            string
	PromptHTML      string
	Choices         []PreviewChoice
	Answer          string // the right answer in words, for non-choice kinds
	ExplanationHTML string
}

// PreviewChoice is one choice of a previewed question.
type PreviewChoice struct {
	Text  string
	Right bool
}

// QuestionRow is one question in the lesson edit page's quiz section.
type QuestionRow struct {
	Number      int
	Kind        string
	PromptHTML  string
	EditURL     string
	MoveURL     string
	DeleteURL   string
	First, Last bool
}

// QuizEdit is the quiz section of a lesson's edit page.
type QuizEdit struct {
	SettingsAction string
	Mode           string
	PassMark       string
	// Settings carries what was wrong with the settings form.
	Settings  Form
	Version   int
	Attempts  int
	Active    bool
	Questions []QuestionRow
	New       QuestionForm
}

// QuestionEdit is the page of one question's form.
type QuestionEdit struct {
	StudioURL   string
	LessonTitle string
	// QuizURL is the lesson's edit page at its quiz section.
	QuizURL   string
	DeleteURL string
	Form      QuestionForm
	Conflict  *QuestionFields
}

// Certificate is the printable certificate page.
type Certificate struct {
	DisplayName string
	CourseTitle string
	CourseURL   string
	Date        string
	Code        string
	// CodeGroups is the code in groups of four, easier to read out.
	CodeGroups string
	VerifyURL  string
	VerifyPath string
}

// Verification is the public /verify/{code} page.
type Verification struct {
	Found       bool
	DisplayName string
	CourseTitle string
	Date        string
	Code        string
}
