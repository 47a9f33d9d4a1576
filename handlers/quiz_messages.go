package handlers

import "fieldbook/internal/quiz"

// The quizzes' and certificates' messages, in one place: catalogue keys.
const (
	// quizLessonMessage answers a manual completion of a lesson with a quiz.
	quizLessonMessage = "quiz.error.has_quiz"
	msgPassMark       = "quiz_edit.error.pass_mark"
	msgMode           = "quiz_edit.error.mode"
	msgTooMany        = "quiz_edit.error.too_many"
	msgNoSuchQuestion = "quiz_edit.error.no_question"
	msgDirection      = "quiz_edit.error.direction"
	msgNoCertificate  = "certificate.error.none"
	msgNoSuchCert     = "certificate.error.no_such"
	msgPreviewWhere   = "quiz_edit.error.preview_where"
	msgBadForm        = "quiz_edit.error.bad_form"
	msgNoQuiz         = "quiz.error.no_quiz"
)

// problemMessages say what is wrong with a field of the question form.
var problemMessages = map[quiz.Problem]string{
	quiz.ProblemKind:            "quiz_edit.problem.kind",
	quiz.ProblemPromptMissing:   "quiz_edit.problem.prompt_missing",
	quiz.ProblemPromptLong:      "quiz_edit.problem.too_long_5000",
	quiz.ProblemNotText:         "quiz_edit.problem.not_text",
	quiz.ProblemChoicesFew:      "quiz_edit.problem.choices_few",
	quiz.ProblemChoicesMany:     "quiz_edit.problem.choices_many",
	quiz.ProblemChoiceLong:      "quiz_edit.problem.choice_long",
	quiz.ProblemChoicesSame:     "quiz_edit.problem.choices_same",
	quiz.ProblemAnswerMissing:   "quiz_edit.problem.answer_missing",
	quiz.ProblemAnswerNoChoice:  "quiz_edit.problem.answer_no_choice",
	quiz.ProblemAnswerRepeated:  "quiz_edit.problem.answer_repeated",
	quiz.ProblemAnswerTrueFalse: "quiz_edit.problem.answer_true_false",
	quiz.ProblemAnswerNumber:    "quiz_edit.problem.answer_number",
	quiz.ProblemAnswersMany:     "quiz_edit.problem.answers_many",
	quiz.ProblemAnswerLong:      "quiz_edit.problem.answer_long",
	quiz.ProblemToleranceNumber: "quiz_edit.problem.tolerance_number",
	quiz.ProblemToleranceBelow:  "quiz_edit.problem.tolerance_below",
	quiz.ProblemExplanationLong: "quiz_edit.problem.too_long_5000",
}
