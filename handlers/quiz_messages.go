package handlers

import "fieldbook/internal/quiz"

// The quizzes' and certificates' English strings, in one place until the
// message catalogues (issue 13) take them: each key becomes a catalogue key.
const (
	// quizLessonMessage answers a manual completion of a lesson with a quiz.
	quizLessonMessage = "This lesson has a quiz: pass it to complete the lesson."
	msgPassMark       = "Enter a whole number from 1 to 100."
	msgMode           = "Choose practice or check."
	msgTooMany        = "A quiz has at most 50 questions. Split it over two lessons."
	msgNoSuchQuestion = "There is no such question (it may have been deleted)."
	msgDirection      = "Say which way to move the question: direction=up or direction=down."
	msgNoCertificate  = "You do not have a certificate for this course yet: complete every lesson first (passing the quiz where a lesson has one)."
	msgNoSuchCert     = "There is no such certificate."
	msgPreviewWhere   = "The preview does not say which lesson or question it is for."
	msgBadForm        = "Some fields need a change: see below."
	msgNoQuiz         = "This lesson has no quiz, or no such lesson is published."
)

// problemMessages turn the question form's problems into sentences.
var problemMessages = map[quiz.Problem]string{
	quiz.ProblemKind:            "Choose a kind of question.",
	quiz.ProblemPromptMissing:   "Write the question.",
	quiz.ProblemPromptLong:      "Use at most 5000 characters.",
	quiz.ProblemNotText:         "This is not valid text.",
	quiz.ProblemChoicesFew:      "Give at least two choices, one per line.",
	quiz.ProblemChoicesMany:     "Give at most eight choices.",
	quiz.ProblemChoiceLong:      "Keep each choice to 300 characters.",
	quiz.ProblemChoicesSame:     "Two choices are the same (ignoring case and accents). Make each one different.",
	quiz.ProblemAnswerMissing:   "Give the right answer.",
	quiz.ProblemAnswerNoChoice:  "Give the number of a choice: 1 is the first line of choices.",
	quiz.ProblemAnswerRepeated:  "A choice is named twice.",
	quiz.ProblemAnswerTrueFalse: "Write true or false.",
	quiz.ProblemAnswerNumber:    "Write a number, like 1.5 or 1,5.",
	quiz.ProblemAnswersMany:     "Give at most 20 accepted answers.",
	quiz.ProblemAnswerLong:      "Keep each accepted answer to 200 characters.",
	quiz.ProblemToleranceNumber: "Write a number, like 0.5, or leave it blank.",
	quiz.ProblemToleranceBelow:  "The tolerance cannot be below zero.",
	quiz.ProblemExplanationLong: "Use at most 5000 characters.",
}
