package handlers

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"fieldbook/internal/markdown"
	"fieldbook/static"
	"fieldbook/store"
	"fieldbook/views"
)

// lessonHandlers serve lesson pages and completions.
type lessonHandlers struct{ *App }

// showLesson shows a published lesson with its neighbours. The page is
// neutral (the worker caches it for everyone): it is read as the anonymous
// role, and app.js draws the learner's state.
func (h *lessonHandlers) showLesson(c echo.Context) error {
	id, err := parseID(c, "id")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	var l store.Lesson
	var q store.LessonQuiz
	err = h.store.Read(ctx, store.Anonymous, func(b *store.Batch) {
		b.PublishedLesson(id, &l)
		b.PublishedLessonQuiz(id, &q)
	})
	if err != nil {
		return err
	}
	body := l.BodyHTML
	if body == "" && l.Body != "" {
		// Saved before lessons were Markdown: render it now.
		if body, err = markdown.Render(l.Body); err != nil {
			return err
		}
	}
	vm := views.Lesson{
		HomeURL:     homeURL(),
		CourseTitle: l.CourseTitle, CourseURL: courseURL(l.CourseID), Lang: l.CourseLang,
		Number: l.Number, Title: l.Title, BodyHTML: body,
		DurationMinutes: l.DurationMinutes, ContentURL: l.ContentURL,
		Status: views.LessonStatus{
			LessonID:    l.ID.String(),
			CourseID:    l.CourseID.String(),
			CompleteURL: lessonCompleteURL(l.ID),
			Total:       l.Total,
			LoginURL:    lessonLoginURL(l.ID),
			PhoneURL:    pathTo(routePhone),
			// Shown only to a learner app.js knows has a certificate.
			CertificateURL: certificateURL(l.CourseID),
		},
	}
	var scripts []string
	if len(q.Questions) > 0 {
		if vm.Quiz, err = lessonQuizView(q); err != nil {
			return err
		}
		vm.Status.Quiz = true
		scripts = append(scripts, h.assets.URL(static.QuizJS))
	}
	if l.PrevID != nil {
		vm.PrevURL = lessonURL(*l.PrevID)
	}
	if l.NextID != nil {
		vm.NextURL = lessonURL(*l.NextID)
	}
	return h.renderNeutral(c, http.StatusOK, l.Title, views.LessonPage(vm), scripts...)
}

// quizPageQuestion is a question as quiz.js grades it: the lesson quiz
// API's fields but the prompt and explanation, which the page's markup
// carries.
type quizPageQuestion struct {
	ID      string          `json:"id"`
	Kind    string          `json:"kind"`
	Choices []string        `json:"choices"`
	Answer  json.RawMessage `json:"answer,omitempty"`
}

// lessonQuizView is a lesson's quiz for its page: the questions to render
// and the JSON block quiz.js grades with (keys only in practice mode, as
// the store gives them). encoding/json escapes <, > and &, so the block
// cannot end its script element early.
func lessonQuizView(q store.LessonQuiz) (*views.LessonQuiz, error) {
	vq := &views.LessonQuiz{Mode: string(q.Mode), PassMark: q.PassMark, Version: q.Version}
	api := NewQuizJSON(q)
	data := struct {
		LessonID  string             `json:"lesson_id"`
		Mode      string             `json:"mode"`
		PassMark  int                `json:"pass_mark"`
		Version   int                `json:"version"`
		Questions []quizPageQuestion `json:"questions"`
	}{api.LessonID, api.Mode, api.PassMark, api.Version, make([]quizPageQuestion, len(api.Questions))}
	for i, qq := range api.Questions {
		data.Questions[i] = quizPageQuestion{ID: qq.ID, Kind: qq.Kind, Choices: qq.Choices, Answer: qq.Answer}
		lq := views.LearnerQuestion{ID: qq.ID, Kind: qq.Kind, PromptHTML: qq.PromptHTML, Choices: qq.Choices}
		if qq.ExplanationHTML != nil {
			lq.ExplanationHTML = *qq.ExplanationHTML
		}
		vq.Questions = append(vq.Questions, lq)
	}
	b, err := json.Marshal(data)
	if err != nil {
		return nil, err
	}
	vq.Data = string(b)
	return vq, nil
}

// completionJSON answers a completion asked for as JSON (app.js): whose it
// is and what was recorded, for the phone's known progress.
type completionJSON struct {
	UserID    string `json:"user_id"`
	LessonID  string `json:"lesson_id"`
	CourseID  string `json:"course_id"`
	Completed bool   `json:"completed"`
}

// completeLesson marks a lesson complete or not complete for the caller.
// app.js asks for JSON (Accept: application/json); a plain form post is
// redirected to the lesson page.
func (h *lessonHandlers) completeLesson(c echo.Context) error {
	id, err := parseID(c, "id")
	if err != nil {
		return err
	}
	if err := readForm(c); err != nil {
		return err
	}
	var completed bool
	switch c.FormValue("completed") {
	case "true":
		completed = true
	case "false":
		completed = false
	case "":
		return badRequest("lesson.error.say_completed")
	default:
		return badRequest("lesson.error.completed")
	}
	ctx := c.Request().Context()
	var l store.Lesson
	err = h.store.InTxRetry(ctx, callerOf(c), func(tx *store.Tx) (err error) {
		if _, err = tx.SetLessonCompleted(ctx, id, completed, time.Now()); err != nil {
			return err
		}
		l, err = tx.PublishedLesson(ctx, id)
		return err
	})
	if err != nil {
		return err
	}
	if !wantsJSON(c) {
		return c.Redirect(http.StatusSeeOther, lessonURL(id))
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, completionJSON{
		UserID: callerOf(c).UserID.String(), LessonID: id.String(),
		CourseID: l.CourseID.String(), Completed: completed,
	})
}
