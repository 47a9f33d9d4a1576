package handlers

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/a-h/templ"
	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"fieldbook/internal/i18n"
	"fieldbook/internal/markdown"
	"fieldbook/internal/quiz"
	"fieldbook/store"
	"fieldbook/views"
)

// quizEditHandlers serve the quiz part of a lesson's edit page: questions
// added, edited, moved and deleted, the quiz's mode and pass mark, and the
// question preview. Behind requireStaff; row-level security decides which
// courses. Every form works without JavaScript; htmx swaps just the form.
type quizEditHandlers struct{ *App }

// questionFields reads the posted question form as typed.
func questionFields(c echo.Context) views.QuestionFields {
	crlf := func(s string) string { return strings.ReplaceAll(s, "\r\n", "\n") }
	return views.QuestionFields{
		Kind: strings.TrimSpace(c.FormValue("kind")), Prompt: crlf(c.FormValue("prompt")),
		Choices: crlf(c.FormValue("choices")), Answer: crlf(c.FormValue("answer")),
		Tolerance: c.FormValue("tolerance"), Explanation: crlf(c.FormValue("explanation")),
	}
}

// readQuestion checks the form and renders its Markdown once, here: the
// change to save, or what is wrong, field by field.
func readQuestion(f views.QuestionFields) (store.QuestionChange, views.Form, error) {
	q, probs := quiz.ParseForm(f)
	var form views.Form
	if len(probs) > 0 {
		for field, p := range probs {
			form.Fail(field, problemMessages[p])
		}
		return store.QuestionChange{}, form, nil
	}
	ch := store.QuestionChange{Authored: q}
	var err error
	if ch.PromptHTML, err = markdown.Render(q.Prompt); err != nil {
		return ch, form, err
	}
	if q.Explanation != "" {
		if ch.ExplanationHTML, err = markdown.Render(q.Explanation); err != nil {
			return ch, form, err
		}
	}
	return ch, form, nil
}

// postedQuestion reads the posted question form: what was typed, the
// change to save, and what is wrong with it.
func postedQuestion(c echo.Context) (views.QuestionFields, store.QuestionChange, views.Form, error) {
	if err := readForm(c); err != nil {
		return views.QuestionFields{}, store.QuestionChange{}, views.Form{}, err
	}
	fields := questionFields(c)
	change, form, err := readQuestion(fields)
	return fields, change, form, err
}

// storedFields is a saved question as its form shows it.
func storedFields(q store.EditQuestion) views.QuestionFields {
	return quiz.FormOf(q.Authored)
}

// newQuestionForm is the empty new-question form of a lesson.
func newQuestionForm(lessonID uuid.UUID) views.QuestionForm {
	return views.QuestionForm{ID: "new", Action: pathTo(routeQuestionAdd, lessonID.String()), PreviewURL: pathTo(routeQuestionPreview),
		LessonID: lessonID.String(), Fields: views.QuestionFields{Kind: string(quiz.Single)}}
}

// quizSection is the quiz part of a lesson's edit page.
func quizSection(lessonID uuid.UUID, eq store.EditQuiz) *views.QuizEdit {
	vm := &views.QuizEdit{
		SettingsAction: pathTo(routeQuizSettings, lessonID.String()), Mode: string(eq.Mode), PassMark: strconv.Itoa(eq.PassMark),
		Version: eq.Version, Attempts: eq.Attempts, Active: eq.ActiveSince != nil, New: newQuestionForm(lessonID),
	}
	for i, q := range eq.Questions {
		id := q.ID.String()
		vm.Questions = append(vm.Questions, views.QuestionRow{
			Number: i + 1, Kind: string(q.Kind), PromptHTML: q.PromptHTML, EditURL: pathTo(routeQuestionEdit, id),
			MoveURL: pathTo(routeQuestionMove, id), DeleteURL: pathTo(routeQuestionDelete, id),
			First: i == 0, Last: i == len(eq.Questions)-1,
		})
	}
	return vm
}

// quizURL is a lesson's edit page at its quiz, where quiz forms return.
func quizURL(lessonID uuid.UUID) string { return at(lessonEditURL(lessonID), "quiz") }

// lessonWithQuiz loads a lesson's edit page with its quiz section, for an
// editor of a live course.
func lessonWithQuiz(ctx context.Context, tx *store.Tx, loc *i18n.Localizer, lessonID uuid.UUID) (views.LessonEdit, error) {
	l, err := tx.LessonForEdit(ctx, lessonID)
	if err != nil {
		return views.LessonEdit{}, err
	}
	if l.CourseArchived {
		return views.LessonEdit{}, store.ErrArchived
	}
	eq, err := tx.QuizForEdit(ctx, lessonID)
	if err != nil {
		return views.LessonEdit{}, err
	}
	page := lessonPage(loc, l)
	page.Quiz = quizSection(lessonID, eq)
	return page, nil
}

// addQuestion appends a question to a lesson's quiz (making the quiz if the
// lesson has none). A refused form comes back with what was typed (422):
// htmx gets the form alone, a plain post the whole lesson page.
func (h *quizEditHandlers) addQuestion(c echo.Context) error {
	lessonID, err := parseID(c, "id")
	if err != nil {
		return err
	}
	fields, change, form, err := postedQuestion(c)
	if err != nil {
		return err
	}
	type added struct {
		page    views.LessonEdit
		tooMany bool
	}
	out, err := inTx(h.App, c, func(ctx context.Context, tx *store.Tx) (out added, err error) {
		// Permission first: a stranger learns nothing from a 422.
		if out.page, err = lessonWithQuiz(ctx, tx, h.localizer(c), lessonID); err != nil || !form.Valid() {
			return out, err
		}
		_, err = tx.AddQuestion(ctx, lessonID, change)
		out.tooMany = errors.Is(err, store.ErrTooManyQuestions)
		if out.tooMany {
			err = nil
		}
		return out, err
	})
	if err != nil {
		return authoringError(c, err)
	}
	if form.Valid() && !out.tooMany {
		return saved(c, quizURL(lessonID))
	}
	if out.tooMany {
		form.Refuse(msgTooMany)
	} else {
		form.Refuse(msgBadForm)
	}
	page := out.page
	page.Quiz.New.Fields, page.Quiz.New.Form = fields, form
	return h.renderPart(c, http.StatusUnprocessableEntity, editTitle(h.localizer(c), page.Title), views.LessonEditPage(page), views.QuestionEditor(page.Quiz.New))
}

// questionPage is the edit page of one question, its form filled from q.
func questionPage(l store.EditLesson, q store.EditQuestion) views.QuestionEdit {
	id := q.ID.String()
	return views.QuestionEdit{
		StudioURL: studioURL(), LessonTitle: l.Title, QuizURL: quizURL(l.ID), DeleteURL: pathTo(routeQuestionDelete, id),
		Form: views.QuestionForm{ID: "q" + id[:8], Action: pathTo(routeQuestionUpdate, id), PreviewURL: pathTo(routeQuestionPreview),
			QuestionID: id, Revision: q.Revision, Fields: storedFields(q)},
	}
}

// questionAndLesson is a question of the current version with its lesson.
type questionAndLesson struct {
	q store.EditQuestion
	l store.EditLesson
}

// loadQuestion reads a question of the current version and its lesson,
// for an editor of its course.
func loadQuestion(ctx context.Context, tx *store.Tx, id uuid.UUID) (ql questionAndLesson, err error) {
	if ql.q, err = tx.QuestionForEdit(ctx, id); err != nil {
		return ql, err
	}
	ql.l, err = tx.LessonForEdit(ctx, ql.q.LessonID)
	return ql, err
}

// questionWithLesson is loadQuestion for a course that is not archived.
func questionWithLesson(ctx context.Context, tx *store.Tx, id uuid.UUID) (questionAndLesson, error) {
	ql, err := loadQuestion(ctx, tx, id)
	if err == nil && ql.l.CourseArchived {
		err = store.ErrArchived
	}
	return ql, err
}

// editQuestion shows one question's form.
func (h *quizEditHandlers) editQuestion(c echo.Context) error {
	id, err := parseID(c, "id")
	if err != nil {
		return err
	}
	ql, err := readTx(h.App, c, func(ctx context.Context, tx *store.Tx) (questionAndLesson, error) {
		return questionWithLesson(ctx, tx, id)
	})
	if err != nil {
		return authoringError(c, err)
	}
	return h.render(c, http.StatusOK, h.localizer(c).T("quiz_edit.edit_title"), views.QuestionEditPage(questionPage(ql.l, ql.q)))
}

// updateQuestion saves a question's form unless someone saved the question
// since the form was loaded (saveVersioned; the form's "version" is the
// question's revision). Saving a question of a version learners may have
// makes a new version.
func (h *quizEditHandlers) updateQuestion(c echo.Context) error {
	id, err := parseID(c, "id")
	if err != nil {
		return err
	}
	fields, change, form, err := postedQuestion(c)
	if err != nil {
		return err
	}
	revision, err := formVersion(c)
	if err != nil {
		return err
	}
	out, err := saveVersioned(h.App, c, versionedForm[questionAndLesson, views.QuestionEdit]{
		load: func(ctx context.Context, tx *store.Tx) (questionAndLesson, error) {
			return loadQuestion(ctx, tx, id)
		},
		archived: func(ql questionAndLesson) bool { return ql.l.CourseArchived },
		valid:    form.Valid(),
		save: func(ctx context.Context, tx *store.Tx) error {
			_, err := tx.UpdateQuestion(ctx, id, revision, change)
			return err
		},
		page: func(_ context.Context, _ *store.Tx, ql questionAndLesson) (views.QuestionEdit, error) {
			return questionPage(ql.l, ql.q), nil
		},
		retype: func(p *views.QuestionEdit, stored questionAndLesson, conflict bool) {
			p.Form.Fields = fields
			if conflict {
				theirs := storedFields(stored.q)
				p.Conflict = &theirs
				return
			}
			p.Form.Form, p.Form.Revision = form, revision
			p.Form.Refuse(msgBadForm)
		},
	})
	if err != nil {
		return authoringError(c, err)
	}
	if out.status == 0 {
		return saved(c, quizURL(out.stored.l.ID))
	}
	var part templ.Component = views.QuestionEditor(out.page.Form)
	if out.page.Conflict != nil {
		part = views.QuestionEditPage(out.page)
	}
	return h.renderPart(c, out.status, h.localizer(c).T("quiz_edit.edit_title"), views.QuestionEditPage(out.page), part)
}

// questionAction runs a one-button change of a question (move, delete) and
// returns to its lesson's quiz.
func (h *quizEditHandlers) questionAction(c echo.Context, fn func(*store.Tx, uuid.UUID) (uuid.UUID, error)) error {
	id, err := parseID(c, "id")
	if err != nil {
		return err
	}
	if err := readForm(c); err != nil {
		return err
	}
	lessonID, err := inTx(h.App, c, func(_ context.Context, tx *store.Tx) (uuid.UUID, error) { return fn(tx, id) })
	if err != nil {
		return authoringError(c, explain(err, explanations{store.ErrNotFound: msgNoSuchQuestion}))
	}
	return saved(c, quizURL(lessonID))
}

// moveQuestion moves a question one place up or down.
func (h *quizEditHandlers) moveQuestion(c echo.Context) error {
	up, err := readDirection(c, msgDirection)
	if err != nil {
		return err
	}
	return h.questionAction(c, func(tx *store.Tx, id uuid.UUID) (uuid.UUID, error) {
		return tx.MoveQuestion(c.Request().Context(), id, up)
	})
}

// deleteQuestion takes a question out of the quiz; earlier versions, and
// the attempts on them, keep it.
func (h *quizEditHandlers) deleteQuestion(c echo.Context) error {
	return h.questionAction(c, func(tx *store.Tx, id uuid.UUID) (uuid.UUID, error) {
		return tx.DeleteQuestion(c.Request().Context(), id)
	})
}

// setQuiz saves a lesson's quiz mode (practice unless said) and pass mark.
func (h *quizEditHandlers) setQuiz(c echo.Context) error {
	lessonID, err := parseID(c, "id")
	if err != nil {
		return err
	}
	if err := readForm(c); err != nil {
		return err
	}
	mode := quiz.Mode(strings.TrimSpace(c.FormValue("mode")))
	if mode == "" {
		mode = quiz.Practice
	}
	if !mode.Valid() {
		return badRequest(msgMode)
	}
	passText := strings.TrimSpace(c.FormValue("pass_mark"))
	passMark := quiz.DefaultPassMark
	var settings views.Form
	if passText != "" {
		f, ok := quiz.ParseNumber(passText)
		if passMark = int(f); !ok || f != float64(passMark) || passMark < 1 || passMark > 100 {
			settings.Fail("pass_mark", msgPassMark)
		}
	}
	page, err := inTx(h.App, c, func(ctx context.Context, tx *store.Tx) (views.LessonEdit, error) {
		page, err := lessonWithQuiz(ctx, tx, h.localizer(c), lessonID)
		if err != nil || !settings.Valid() {
			return page, err
		}
		return page, tx.SetQuizSettings(ctx, lessonID, mode, passMark)
	})
	if err != nil {
		return authoringError(c, err)
	}
	if !settings.Valid() {
		page.Quiz.Mode, page.Quiz.PassMark, page.Quiz.Settings = string(mode), passText, settings
		return h.render(c, http.StatusUnprocessableEntity, editTitle(h.localizer(c), page.Title), views.LessonEditPage(page))
	}
	return saved(c, quizURL(lessonID))
}

// preview is the question as learners will see it, right answers marked;
// as much as the form allows when it has problems.
func preview(loc *i18n.Localizer, f views.QuestionFields) (views.QuestionPreview, error) {
	q, probs := quiz.ParseForm(f)
	p := views.QuestionPreview{Kind: string(q.Kind)}
	var err error
	if p.PromptHTML, err = markdown.Render(q.Prompt); err != nil {
		return p, err
	}
	if q.Explanation != "" {
		if p.ExplanationHTML, err = markdown.Render(q.Explanation); err != nil {
			return p, err
		}
	}
	ok := probs["answer"] == "" && probs["choices"] == "" && probs["kind"] == ""
	for i, ch := range q.Choices {
		right := ok && (q.Kind == quiz.Single && q.Key.Index == i || q.Kind == quiz.Multiple && slices.Contains(q.Key.Indexes, i))
		p.Choices = append(p.Choices, views.PreviewChoice{Text: ch, Right: right})
	}
	if ok && !q.Kind.HasChoices() {
		switch q.Kind {
		case quiz.TrueFalse:
			p.Answer = loc.T("quiz_edit.false")
			if q.Key.Bool {
				p.Answer = loc.T("quiz_edit.true")
			}
		case quiz.Number:
			p.Answer = quiz.FormOf(q).Answer
			if q.Key.Tolerance > 0 {
				p.Answer += " ± " + quiz.FormatNumber(q.Key.Tolerance)
			}
		case quiz.Text:
			p.Answer = orList(loc, q.Key.Texts)
		}
	}
	return p, nil
}

// orList is the accepted answers of a text question, each quoted, joined
// with "or" in loc's language.
func orList(loc *i18n.Localizer, texts []string) string {
	out := ""
	for i, s := range texts {
		q := loc.T("quiz_edit.quoted", "text", s)
		if i == 0 {
			out = q
		} else {
			out = loc.T("quiz_edit.or", "a", out, "b", q)
		}
	}
	return out
}

// previewQuestion renders the typed question without saving: htmx gets the
// preview alone; without JavaScript the form's page comes back with the
// preview under the form and everything typed kept.
func (h *quizEditHandlers) previewQuestion(c echo.Context) error {
	if err := readForm(c); err != nil {
		return err
	}
	fields := questionFields(c)
	p, err := preview(h.localizer(c), fields)
	if err != nil {
		return err
	}
	return h.respond(c, http.StatusOK, h.localizer(c).T("authoring.preview_heading"), views.QuestionPreviewBlock(p), func() (templ.Component, error) {
		page, err := h.previewPage(c, fields, p)
		if err != nil {
			return nil, authoringError(c, err)
		}
		return page, nil
	})
}

// previewPage is the page a no-JavaScript preview comes back in: the
// question's own, or its lesson's with the new-question form.
func (h *quizEditHandlers) previewPage(c echo.Context, fields views.QuestionFields, p views.QuestionPreview) (templ.Component, error) {
	questionID, qerr := uuid.Parse(c.FormValue("question_id"))
	lessonID, lerr := uuid.Parse(c.FormValue("lesson_id"))
	return readTx(h.App, c, func(ctx context.Context, tx *store.Tx) (templ.Component, error) {
		switch {
		case qerr == nil:
			ql, err := questionWithLesson(ctx, tx, questionID)
			if err != nil {
				return nil, err
			}
			page := questionPage(ql.l, ql.q)
			if v, err := formVersion(c); err == nil {
				page.Form.Revision = v
			}
			page.Form.Fields, page.Form.Preview = fields, &p
			return views.QuestionEditPage(page), nil
		case lerr == nil:
			page, err := lessonWithQuiz(ctx, tx, h.localizer(c), lessonID)
			if err != nil {
				return nil, err
			}
			page.Quiz.New.Fields, page.Quiz.New.Preview = fields, &p
			return views.LessonEditPage(page), nil
		}
		return nil, badRequest(msgPreviewWhere)
	})
}
