package handlers

import (
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"fieldbook/internal/quiz"
	"fieldbook/store"
	"fieldbook/views"
)

// quizEditHandlers serve the quiz part of a lesson's edit page: questions
// added, edited, moved and deleted, the quiz's mode and pass mark, and the
// question preview. Behind requireStaff; row-level security decides which
// courses. Every form works without JavaScript; htmx swaps just the form.
type quizEditHandlers struct{ *App }

func questionURL(id uuid.UUID) string { return "/questions/" + id.String() }

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
func readQuestion(f views.QuestionFields) (store.QuestionChange, map[string]string, error) {
	q, probs := quiz.ParseForm(quiz.Form{Kind: f.Kind, Prompt: f.Prompt, Choices: f.Choices, Answer: f.Answer,
		Tolerance: f.Tolerance, Explanation: f.Explanation})
	if len(probs) > 0 {
		return store.QuestionChange{}, problemsText(probs), nil
	}
	ch := store.QuestionChange{Authored: q}
	var err error
	if ch.PromptHTML, err = RenderMarkdown(q.Prompt); err != nil {
		return ch, nil, err
	}
	if q.Explanation != "" {
		if ch.ExplanationHTML, err = RenderMarkdown(q.Explanation); err != nil {
			return ch, nil, err
		}
	}
	return ch, nil, nil
}

// postedQuestion reads the posted question form: what was typed, and the
// change to save or what is wrong with it.
func postedQuestion(c echo.Context) (views.QuestionFields, store.QuestionChange, map[string]string, error) {
	if err := readForm(c); err != nil {
		return views.QuestionFields{}, store.QuestionChange{}, nil, err
	}
	fields := questionFields(c)
	change, errs, err := readQuestion(fields)
	return fields, change, errs, err
}

// storedFields is a saved question as its form shows it.
func storedFields(q store.EditQuestion) views.QuestionFields {
	f := quiz.FormOf(q.Authored)
	return views.QuestionFields{Kind: f.Kind, Prompt: f.Prompt, Choices: f.Choices, Answer: f.Answer,
		Tolerance: f.Tolerance, Explanation: f.Explanation}
}

// newQuestionForm is the empty new-question form of a lesson.
func newQuestionForm(lessonID uuid.UUID) views.QuestionForm {
	return views.QuestionForm{ID: "new", Action: lessonURL(lessonID) + "/questions", LessonID: lessonID.String(),
		Fields: views.QuestionFields{Kind: string(quiz.Single)}}
}

// quizSection is the quiz part of a lesson's edit page.
func quizSection(lessonID uuid.UUID, eq store.EditQuiz) *views.QuizEdit {
	vm := &views.QuizEdit{
		SettingsAction: lessonURL(lessonID) + "/quiz", Mode: string(eq.Mode), PassMark: strconv.Itoa(eq.PassMark),
		Version: eq.Version, Attempts: eq.Attempts, Active: eq.ActiveSince != nil, New: newQuestionForm(lessonID),
	}
	for i, q := range eq.Questions {
		vm.Questions = append(vm.Questions, views.QuestionRow{
			Number: i + 1, Kind: string(q.Kind), PromptHTML: q.PromptHTML, EditURL: questionURL(q.ID) + "/edit",
			MoveURL: questionURL(q.ID) + "/move", DeleteURL: questionURL(q.ID) + "/delete",
			First: i == 0, Last: i == len(eq.Questions)-1,
		})
	}
	return vm
}

// lessonWithQuiz loads a lesson's edit page with its quiz section, for an
// editor of a live course.
func lessonWithQuiz(c echo.Context, tx *store.Tx, lessonID uuid.UUID) (views.LessonEdit, error) {
	ctx := c.Request().Context()
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
	page := lessonPage(l)
	page.Quiz = quizSection(lessonID, eq)
	return page, nil
}

// renderQuizPage answers a refused quiz form: htmx gets the form alone,
// a plain post the whole lesson page with the form kept as typed.
func (h *quizEditHandlers) renderQuizPage(c echo.Context, status int, page views.LessonEdit, form *views.QuestionForm) error {
	if form != nil && isHTMX(c) {
		return h.render(c, status, "Edit "+page.Title, views.QuestionEditor(*form))
	}
	return h.render(c, status, "Edit "+page.Title, views.LessonEditPage(page))
}

// addQuestion appends a question to a lesson's quiz (making the quiz if the
// lesson has none). A refused form comes back with what was typed (422).
func (h *quizEditHandlers) addQuestion(c echo.Context) error {
	lessonID, err := parseID(c, "id")
	if err != nil {
		return err
	}
	fields, change, errs, err := postedQuestion(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	var page views.LessonEdit
	err = h.store.InTx(ctx, callerOf(c), func(tx *store.Tx) error {
		// Permission first: a stranger learns nothing from a 422.
		if page, err = lessonWithQuiz(c, tx, lessonID); err != nil {
			return err
		}
		if len(errs) > 0 {
			return nil
		}
		_, err := tx.AddQuestion(ctx, lessonID, change)
		if errors.Is(err, store.ErrTooManyQuestions) {
			page.Quiz.New.Message = msgTooMany
			errs = map[string]string{}
			return nil
		}
		return err
	})
	if err != nil {
		return authoringError(c, err)
	}
	if errs != nil {
		page.Quiz.New.Fields, page.Quiz.New.Errors = fields, errs
		if page.Quiz.New.Message == "" {
			page.Quiz.New.Message = msgBadForm
		}
		return h.renderQuizPage(c, http.StatusUnprocessableEntity, page, &page.Quiz.New)
	}
	return saved(c, lessonURL(lessonID)+"/edit#quiz")
}

// questionPage is the edit page of one question, its form filled from q.
func questionPage(l store.EditLesson, q store.EditQuestion) views.QuestionEdit {
	return views.QuestionEdit{
		LessonTitle: l.Title, LessonEditURL: lessonURL(l.ID) + "/edit", DeleteURL: questionURL(q.ID) + "/delete",
		Form: views.QuestionForm{ID: "q" + q.ID.String()[:8], Action: questionURL(q.ID), QuestionID: q.ID.String(),
			Revision: q.Revision, Fields: storedFields(q)},
	}
}

// questionWithLesson loads a question of the current version and its
// lesson, for an editor of a live course.
func questionWithLesson(c echo.Context, tx *store.Tx, id uuid.UUID) (store.EditQuestion, store.EditLesson, error) {
	ctx := c.Request().Context()
	q, err := tx.QuestionForEdit(ctx, id)
	if err != nil {
		return q, store.EditLesson{}, err
	}
	l, err := tx.LessonForEdit(ctx, q.LessonID)
	if err == nil && l.CourseArchived {
		err = store.ErrArchived
	}
	return q, l, err
}

// editQuestion shows one question's form.
func (h *quizEditHandlers) editQuestion(c echo.Context) error {
	id, err := parseID(c, "id")
	if err != nil {
		return err
	}
	var page views.QuestionEdit
	err = h.store.ReadTx(c.Request().Context(), callerOf(c), func(tx *store.Tx) error {
		q, l, err := questionWithLesson(c, tx, id)
		page = questionPage(l, q)
		return err
	})
	if err != nil {
		return authoringError(c, err)
	}
	return h.render(c, http.StatusOK, "Edit question", views.QuestionEditPage(page))
}

// updateQuestion saves a question's form if nobody saved the question since
// the form was loaded (version); otherwise 409 with their version shown
// and the form keeping what was typed. Saving a question of a version
// learners may have makes a new version.
func (h *quizEditHandlers) updateQuestion(c echo.Context) error {
	id, err := parseID(c, "id")
	if err != nil {
		return err
	}
	fields, change, errs, err := postedQuestion(c)
	if err != nil {
		return err
	}
	revision, err := formVersion(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	status := 0
	var page views.QuestionEdit
	var lessonID uuid.UUID
	err = h.store.InTx(ctx, callerOf(c), func(tx *store.Tx) error {
		q, l, err := questionWithLesson(c, tx, id)
		if err != nil {
			return err
		}
		lessonID = l.ID
		if len(errs) == 0 {
			if _, err = tx.UpdateQuestion(ctx, id, revision, change); !errors.Is(err, store.ErrConflict) {
				return err
			}
			status = http.StatusConflict
		} else {
			status = http.StatusUnprocessableEntity
		}
		page = questionPage(l, q)
		page.Form.Fields, page.Form.Errors = fields, errs
		if status == http.StatusConflict {
			theirs := storedFields(q)
			page.Conflict = &theirs
		} else {
			page.Form.Revision, page.Form.Message = revision, msgBadForm
		}
		return nil
	})
	if err != nil {
		return authoringError(c, err)
	}
	if status == 0 {
		return saved(c, lessonURL(lessonID)+"/edit#quiz")
	}
	if isHTMX(c) && page.Conflict == nil {
		return h.render(c, status, "Edit question", views.QuestionEditor(page.Form))
	}
	return h.render(c, status, "Edit question", views.QuestionEditPage(page))
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
	var lessonID uuid.UUID
	err = h.store.InTx(c.Request().Context(), callerOf(c), func(tx *store.Tx) (err error) {
		lessonID, err = fn(tx, id)
		return err
	})
	if errors.Is(err, store.ErrNotFound) && callerOf(c).Role == store.RoleAdmin {
		return echo.NewHTTPError(http.StatusNotFound, msgNoSuchQuestion)
	}
	if err != nil {
		return authoringError(c, err)
	}
	return saved(c, lessonURL(lessonID)+"/edit#quiz")
}

// moveQuestion moves a question one place up or down.
func (h *quizEditHandlers) moveQuestion(c echo.Context) error {
	var up bool
	switch c.FormValue("direction") {
	case "up":
		up = true
	case "down":
	default:
		return badRequest(msgDirection)
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
	problem := ""
	if passText != "" {
		f, ok := quiz.ParseNumber(passText)
		if passMark = int(f); !ok || f != float64(passMark) || passMark < 1 || passMark > 100 {
			problem = msgPassMark
		}
	}
	ctx := c.Request().Context()
	var page views.LessonEdit
	err = h.store.InTx(ctx, callerOf(c), func(tx *store.Tx) error {
		if page, err = lessonWithQuiz(c, tx, lessonID); err != nil || problem != "" {
			return err
		}
		return tx.SetQuizSettings(ctx, lessonID, mode, passMark)
	})
	if err != nil {
		return authoringError(c, err)
	}
	if problem != "" {
		page.Quiz.Mode, page.Quiz.PassMark, page.Quiz.SettingsError = string(mode), passText, problem
		return h.renderQuizPage(c, http.StatusUnprocessableEntity, page, nil)
	}
	return saved(c, lessonURL(lessonID)+"/edit#quiz")
}

// preview is the question as learners will see it, right answers marked;
// as much as the form allows when it has problems.
func preview(f views.QuestionFields) (views.QuestionPreview, error) {
	q, probs := quiz.ParseForm(quiz.Form{Kind: f.Kind, Prompt: f.Prompt, Choices: f.Choices, Answer: f.Answer,
		Tolerance: f.Tolerance, Explanation: f.Explanation})
	p := views.QuestionPreview{Kind: string(q.Kind)}
	var err error
	if p.PromptHTML, err = RenderMarkdown(q.Prompt); err != nil {
		return p, err
	}
	if q.Explanation != "" {
		if p.ExplanationHTML, err = RenderMarkdown(q.Explanation); err != nil {
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
		case quiz.TrueFalse, quiz.Number:
			p.Answer = quiz.FormOf(q).Answer
			if q.Kind == quiz.Number && q.Key.Tolerance > 0 {
				p.Answer += " ± " + quiz.FormatNumber(q.Key.Tolerance)
			}
		case quiz.Text:
			b, _ := json.Marshal(q.Key.Texts)
			p.Answer = strings.Trim(strings.ReplaceAll(string(b), `","`, `" or "`), "[]")
		}
	}
	return p, nil
}

// previewQuestion renders the typed question without saving: htmx gets the
// preview alone; without JavaScript the form's page comes back with the
// preview under the form and everything typed kept.
func (h *quizEditHandlers) previewQuestion(c echo.Context) error {
	if err := readForm(c); err != nil {
		return err
	}
	fields := questionFields(c)
	p, err := preview(fields)
	if err != nil {
		return err
	}
	if isHTMX(c) {
		return h.render(c, http.StatusOK, "Preview", views.QuestionPreviewBlock(p))
	}
	ctx := c.Request().Context()
	questionID, qerr := uuid.Parse(c.FormValue("question_id"))
	lessonID, lerr := uuid.Parse(c.FormValue("lesson_id"))
	var comp func() error
	err = h.store.ReadTx(ctx, callerOf(c), func(tx *store.Tx) error {
		switch {
		case qerr == nil:
			q, l, err := questionWithLesson(c, tx, questionID)
			if err != nil {
				return err
			}
			page := questionPage(l, q)
			if v, err := formVersion(c); err == nil {
				page.Form.Revision = v
			}
			page.Form.Fields, page.Form.Preview = fields, &p
			comp = func() error { return h.render(c, http.StatusOK, "Preview", views.QuestionEditPage(page)) }
		case lerr == nil:
			page, err := lessonWithQuiz(c, tx, lessonID)
			if err != nil {
				return err
			}
			page.Quiz.New.Fields, page.Quiz.New.Preview = fields, &p
			comp = func() error { return h.render(c, http.StatusOK, "Preview", views.LessonEditPage(page)) }
		default:
			return badRequest(msgPreviewWhere)
		}
		return nil
	})
	if err != nil {
		return authoringError(c, err)
	}
	return comp()
}
