// Package views holds Fieldbook's templ components and the view-model structs
// they take. Components never see database rows: handlers build these structs
// for each page.
package views

import "context"

// Page is what the layout needs around every page.
type Page struct {
	Title string
	// User is the signed-in user, or nil.
	User *User
	// Assets are the content-hashed URLs of the static files.
	Assets Assets
	// Nav are the header's links; LoginURL is its sign-in link, which
	// returns to this page; ManifestURL is the web manifest in the page's
	// language.
	Nav         Nav
	LoginURL    string
	ManifestURL string
	// Here is where the language picker comes back to (path and query).
	Here string
	// Neutral marks a page that is the same for everyone: the service
	// worker caches it and shows it to whoever holds the phone. It carries
	// no name, user id, role-specific choice or progress; app.js draws the
	// personal part for the learner the phone knows.
	Neutral bool
	// Bare leaves out the language picker: for the offline page, shown
	// when no network can take the choice.
	Bare bool
	// Scripts are extra deferred scripts, after htmx: the SSE extension,
	// loaded only on the pages that use it.
	Scripts []string
	// Styles are extra stylesheets of one page (the certificate's print
	// layout), after the others.
	Styles []string
}

// Nav are the site's fixed addresses the header links to.
type Nav struct {
	Home       string
	Language   string
	Studio     string
	Admin      string
	MyProgress string
	Logout     string
	Signup     string
	// Phone is "Who is learning?".
	Phone string
}

// Assets are the URLs of the static files, each under its content hash.
type Assets struct {
	CSS string
	// StudioCSS styles the authoring and dashboard pages; only volunteers
	// and admins load it, so learners never pay for it.
	StudioCSS string
	HTMX      string
	AppJS     string
	Icon      string
}

// User is the signed-in user as the header shows them.
type User struct {
	// ID tags completions queued offline with their owner.
	ID          string
	DisplayName string
	// Role is the page's data-who, which the stylesheet reads; Staff
	// (volunteers and admins) get the authoring links and styles, Admin the
	// admin pages.
	Role  string
	Staff bool
	Admin bool
}

// ProgressBar is a learner's progress in a course.
type ProgressBar struct {
	Completed int
	Total     int
	// Unknown leaves the learner's numbers out (a neutral page): app.js
	// fills them in.
	Unknown bool
}

// Percent is the rounded percentage, 0 for an empty course.
func (p ProgressBar) Percent() int {
	if p.Total == 0 {
		return 0
	}
	return p.Completed * 100 / p.Total
}

// Text is the progress said in words, for people and screen readers: the
// same sentence app.js writes for a neutral page (the "js." texts).
func (p ProgressBar) Text(ctx context.Context) string {
	if p.Total == 0 {
		return t(ctx, "js.no_lessons")
	}
	return tn(ctx, "js.progress", p.Total, "done", p.Completed, "total", p.Total, "pct", p.Percent())
}

// CourseCard is one course on the home page.
type CourseCard struct {
	ID          string
	URL         string
	Title       string
	Description string
	// Lang is the course's content language.
	Lang string
	// Progress carries the course's total only: the page is neutral.
	Progress ProgressBar
}

// Home is the course list.
type Home struct {
	Courses []CourseCard
	// Languages link to the list narrowed to each language courses are in,
	// and to all of them; none when every course is in one language.
	Languages []LanguageLink
	// SignupURL and LoginURL invite the anonymous to keep track.
	SignupURL string
	LoginURL  string
	// PrevURL and NextURL are the course list's neighbouring pages ("" at
	// either end).
	PrevURL string
	NextURL string
}

// LanguageLink is one choice of the course list's language filter: a
// language (Tag and Name, its name in itself) or, with no Tag, every
// language.
type LanguageLink struct {
	Tag, Name, URL string
	// Current marks the list being shown.
	Current bool
}

// LessonLink is one lesson in a course's table of contents.
type LessonLink struct {
	ID              string
	URL             string
	Number          int
	Title           string
	DurationMinutes int
}

// Course is a course page.
type Course struct {
	HomeURL     string
	ID          string
	Title       string
	Description string
	// Lang is the course's content language.
	Lang    string
	Lessons []LessonLink
	// Progress carries the course's total only: the page is neutral.
	Progress ProgressBar
	// SaveURLs are what "Save this course for offline" fetches: the course
	// page, every lesson and the media files they show, space-separated.
	SaveURLs string
	// CertificateURL is the course's certificate page, shown once the
	// learner has a certificate.
	CertificateURL string
}

// LessonStatus is the part of a lesson page that changes when the learner
// marks it complete: the buttons and the course progress. It carries no
// learner: app.js draws their state.
type LessonStatus struct {
	LessonID    string
	CourseID    string
	CompleteURL string
	// Total is the number of published lessons in the course.
	Total int
	// LoginURL and PhoneURL are the ways in: signing in, or picking one's
	// name on this phone.
	LoginURL string
	PhoneURL string
	// Quiz: the lesson has a quiz, which alone completes it (no buttons).
	Quiz bool
	// CertificateURL is the course's certificate page, shown once the
	// learner has a certificate.
	CertificateURL string
}

// Lesson is a lesson page.
type Lesson struct {
	HomeURL     string
	CourseTitle string
	CourseURL   string
	// Lang is the course's content language.
	Lang   string
	Number int
	Title  string
	// BodyHTML is the lesson body rendered from Markdown and sanitised when
	// it was saved; the template writes it as is.
	BodyHTML        string
	DurationMinutes int
	ContentURL      string
	PrevURL         string
	NextURL         string
	Status          LessonStatus
	// Quiz is the lesson's quiz, nil when it has none.
	Quiz *LessonQuiz
}

// AuthForm is the sign-in or sign-up form with what was typed and what was
// wrong with it. Passwords are never echoed back.
type AuthForm struct {
	// LoginURL and SignupURL are the two forms' addresses; each page
	// posts to its own and links to the other.
	LoginURL  string
	SignupURL string
	Username  string
	Name      string
	Next      string
	Form
	// MinPassword is the shortest password sign-up accepts, for its label.
	MinPassword int
}

// Error is an error page.
type Error struct {
	Status  int
	Title   string
	Message string
	HomeURL string
}

// Phone is "Who is learning?"; LoginURL signs in and comes back to it.
type Phone struct {
	LoginURL string
}

// Offline is the page the service worker shows for a page it never saved.
type Offline struct {
	HomeURL string
}

// StudioCourse is one course in the "Your courses" list.
type StudioCourse struct {
	Title        string
	EditURL      string
	DashboardURL string
	ViewURL      string // "" unless learners can see it
	Published    bool
	Archived     bool
	Lessons      int
	Drafts       int
	Updated      string
}

// Studio is the "Your courses" page of a volunteer or admin.
type Studio struct {
	NewCourseURL string
	Courses      []StudioCourse
}

// CourseNew is the page with the form for a new course.
type CourseNew struct {
	StudioURL string
	Form      CourseForm
}

// Audit is the "created by … last edited by … at …" line of an edit page.
type Audit struct {
	CreatedBy string
	CreatedAt string
	UpdatedBy string
	UpdatedAt string
}

// CourseFields are a course's editable fields as typed or stored.
type CourseFields struct {
	Title       string
	Description string
	// Lang is the content's language (an interface language's tag).
	Lang string
}

// CourseForm is the course form: what was typed, the version it was loaded
// from, and what was wrong with it.
type CourseForm struct {
	Action  string
	Version int // 0 for a new course
	Fields  CourseFields
	Form
	// Conflict is the version someone else saved meanwhile, shown beside
	// the fields typed here; nil when there is none.
	Conflict *CourseConflict
}

// CourseConflict is the other person's saved version of a course.
type CourseConflict struct {
	Fields    CourseFields
	UpdatedBy string
	UpdatedAt string
}

// EditLessonRow is one lesson in a course's edit page.
type EditLessonRow struct {
	ID              string
	Number          int
	Title           string
	EditURL         string
	MoveURL         string
	DurationMinutes int
	Published       bool
	First, Last     bool
}

// EditorRow is one editor of a course.
type EditorRow struct {
	Name     string
	Username string
}

// CourseEdit is the edit page of a course.
type CourseEdit struct {
	ID        string
	Title     string // as saved, for the heading
	StudioURL string
	ViewURL   string // the learners' page, "" unless published and live
	// The addresses of the page's links and one-button forms.
	DashboardURL     string
	PublishURL       string
	UnpublishURL     string
	ArchiveURL       string
	RestoreURL       string
	AddLessonURL     string
	AddEditorURL     string
	ConfirmDeleteURL string
	Published        bool
	Archived         bool
	Audit            Audit
	Form             CourseForm
	Lessons          []EditLessonRow
	Editors          []EditorRow
	// EditorUsername and EditorError are the add-editor form after a
	// failed attempt.
	EditorUsername string
	EditorError    string
}

// CourseDelete is the confirmation page before deleting a course.
type CourseDelete struct {
	Title     string
	StudioURL string
	DeleteURL string
	EditURL   string
	Lessons   int
	Progress  int
}

// LessonFields are a lesson's editable fields as typed or stored.
// DurationMinutes is text so that what was typed comes back as typed.
type LessonFields struct {
	Title           string
	Body            string
	ContentURL      string
	DurationMinutes string
	Published       bool
}

// LessonConflict is the other person's saved version of a lesson.
type LessonConflict struct {
	Fields    LessonFields
	UpdatedBy string
	UpdatedAt string
}

// LessonForm is the lesson form (new or edit).
type LessonForm struct {
	Action     string
	PreviewURL string
	// LessonID or CourseID tell the preview where the form belongs.
	LessonID string
	CourseID string
	Version  int
	Fields   LessonFields
	Form
	Conflict *LessonConflict
	// PreviewHTML is the body rendered without saving (no-JS preview).
	PreviewHTML string
	Preview     bool
	// MediaAction is where the "Insert image / audio / PDF" button uploads
	// (empty on the new-lesson page: a lesson needs saving first); Media is
	// the outcome of an upload, for the page without JavaScript.
	MediaAction string
	Media       MediaUpload
}

// MediaUpload is the outcome of an upload: the stored file's name and the
// Markdown that shows it, or an error for the person.
type MediaUpload struct {
	Name     string
	Markdown string
	Error    string
}

// LessonEdit is the edit page of a lesson (or the new-lesson page).
type LessonEdit struct {
	New           bool
	Title         string
	StudioURL     string
	CourseTitle   string
	CourseEditURL string
	DeleteURL     string
	Published     bool
	Audit         Audit
	Form          LessonForm
	// Quiz is the lesson's quiz section; nil on the new-lesson page.
	Quiz *QuizEdit
}
