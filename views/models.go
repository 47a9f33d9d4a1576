// Package views holds Fieldbook's templ components and the view-model structs
// they take. Components never see database rows: handlers build these structs
// for each page.
package views

import "fmt"

// Page is what the layout needs around every page.
type Page struct {
	Title string
	// User is the signed-in user, or nil.
	User *User
	// Assets are the content-hashed URLs of the static files.
	Assets Assets
	// Path is the current path, for the sign-in link's return address.
	Path string
	// Bare leaves out the user's name and forms: for the offline page, which
	// is cached once and shown to whoever is offline.
	Bare bool
}

// Assets are the URLs of the static files, each under its content hash.
type Assets struct {
	CSS   string
	HTMX  string
	AppJS string
	Icon  string
}

// User is the signed-in user as the header shows them.
type User struct {
	// ID tags completions queued offline with their owner.
	ID          string
	DisplayName string
	Role        string
}

// ProgressBar is a learner's progress in a course.
type ProgressBar struct {
	Completed int
	Total     int
}

// Percent is the rounded percentage, 0 for an empty course.
func (p ProgressBar) Percent() int {
	if p.Total == 0 {
		return 0
	}
	return p.Completed * 100 / p.Total
}

// Text is the progress said in words, for people and screen readers.
func (p ProgressBar) Text() string {
	if p.Total == 0 {
		return "No lessons yet"
	}
	return fmt.Sprintf("%d of %d lessons done (%d%%)", p.Completed, p.Total, p.Percent())
}

// CourseCard is one course on the home page.
type CourseCard struct {
	URL          string
	Title        string
	Description  string
	Progress     ProgressBar
	ShowProgress bool
}

// Home is the course list.
type Home struct {
	Courses  []CourseCard
	SignedIn bool
}

// LessonLink is one lesson in a course's table of contents.
type LessonLink struct {
	ID              string
	URL             string
	Number          int
	Title           string
	DurationMinutes int
	Completed       bool
}

// Course is a course page.
type Course struct {
	Title        string
	Description  string
	Lessons      []LessonLink
	Progress     ProgressBar
	ShowProgress bool
	// SaveURLs are the pages "Save this course for offline" fetches: the
	// course page and every lesson, space-separated.
	SaveURLs string
}

// Block is one paragraph or list of a lesson body.
type Block struct {
	List  bool
	Lines []string
}

// LessonStatus is the part of a lesson page that changes when the learner
// marks it complete: the button and the course progress. htmx swaps it.
type LessonStatus struct {
	LessonID    string
	UserID      string
	CompleteURL string
	Completed   bool
	Progress    ProgressBar
	SignedIn    bool
	LoginURL    string
	CourseURL   string
}

// Lesson is a lesson page.
type Lesson struct {
	CourseTitle     string
	CourseURL       string
	Number          int
	Title           string
	Body            []Block
	DurationMinutes int
	ContentURL      string
	PrevURL         string
	NextURL         string
	Status          LessonStatus
}

// FieldError is a message shown at one form field.
type FieldError struct {
	Field   string
	Message string
}

// AuthForm is the sign-in or sign-up form with what was typed and what was
// wrong with it. Passwords are never echoed back.
type AuthForm struct {
	Username string
	Name     string
	Next     string
	// Message is a form-wide error (e.g. wrong username or password).
	Message string
	Errors  map[string]string
}

// Error is an error page.
type Error struct {
	Status  int
	Title   string
	Message string
}
