package handlers

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/labstack/echo/v4"

	"fieldbook/store"
)

// quizAPIHandlers serve a lesson's quiz as JSON for other clients: the same
// data the lesson page carries.
type quizAPIHandlers struct{ *App }

// QuizJSON is GET /api/lessons/{id}/quiz. Practice quizzes carry each
// question's answer and explanation; check quizzes never do.
type QuizJSON struct {
	LessonID  string             `json:"lesson_id"`
	Mode      string             `json:"mode"`
	PassMark  int                `json:"pass_mark"`
	Version   int                `json:"version"`
	Questions []QuizQuestionJSON `json:"questions"`
}

// QuizQuestionJSON is one question of QuizJSON. Answer is single: the
// 0-based index; multiple: the sorted 0-based indexes; truefalse: a
// boolean; number: {"value", "tolerance"}; text: the accepted answers.
type QuizQuestionJSON struct {
	ID              string          `json:"id"`
	Kind            string          `json:"kind"`
	PromptHTML      string          `json:"prompt_html"`
	Choices         []string        `json:"choices"`
	Answer          json.RawMessage `json:"answer,omitempty"`
	ExplanationHTML *string         `json:"explanation_html,omitempty"`
}

// NewQuizJSON is a lesson's quiz in the API's shape. The lesson page is
// made from it too (lessonQuizView: the same fields, the prompts and
// explanations as markup), so phone and API never differ.
func NewQuizJSON(q store.LessonQuiz) QuizJSON {
	out := QuizJSON{LessonID: q.LessonID.String(), Mode: string(q.Mode), PassMark: q.PassMark, Version: q.Version,
		Questions: make([]QuizQuestionJSON, 0, len(q.Questions))}
	for _, qq := range q.Questions {
		j := QuizQuestionJSON{ID: qq.ID.String(), Kind: string(qq.Kind), PromptHTML: qq.PromptHTML, Choices: qq.Choices}
		if j.Choices == nil {
			j.Choices = []string{}
		}
		if qq.Answer != nil {
			j.Answer = qq.Answer
			expl := qq.ExplanationHTML
			j.ExplanationHTML = &expl
		}
		out.Questions = append(out.Questions, j)
	}
	return out
}

// lessonQuiz answers GET /api/lessons/{id}/quiz for whoever may read the
// lesson (anonymous too): 404 when the lesson is not visible or has no quiz.
func (h *quizAPIHandlers) lessonQuiz(c echo.Context) error {
	id, err := parseID(c, "id")
	if err != nil {
		return err
	}
	q, err := readTx(h.App, c, func(ctx context.Context, tx *store.Tx) (store.LessonQuiz, error) {
		return tx.PublishedLessonQuiz(ctx, id)
	})
	if err != nil {
		return explain(err, explanations{store.ErrNotFound: msgNoQuiz})
	}
	// The same for everyone who may read the lesson; the quiz changes
	// when an editor saves it, so revalidate.
	c.Response().Header().Set("Cache-Control", "no-cache")
	return c.JSON(http.StatusOK, NewQuizJSON(q))
}
