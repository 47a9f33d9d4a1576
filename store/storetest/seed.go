package storetest

import (
	"context"
	"sync"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"fieldbook/internal/password"
	"fieldbook/internal/quiz"
	"fieldbook/store"
)

// Seed builds fixtures in one test's database the way the product does:
// through the store, as the operator (accounts) or as the author (courses,
// lessons, quizzes) or the learner (completions), over the production-like
// login role. Owner, the schema owner, is for what no caller may do (ageing
// an account, unpublishing a lesson a learner completed) and for reading
// rows behind row-level security.
type Seed struct {
	DB DB
	// Store reaches the database as fieldbook_app, as the server does.
	Store *store.Store
	// Owner is a superuser pool to the same database.
	Owner *pgxpool.Pool
}

// NewSeed opens the store and the owner pool on db; both close when the
// test ends.
func NewSeed(t testing.TB, db DB) *Seed {
	t.Helper()
	ctx := context.Background()
	pool, err := store.Open(ctx, db.AppURL)
	if err != nil {
		t.Fatalf("storetest: open app pool: %v", err)
	}
	t.Cleanup(pool.Close)
	owner, err := pgxpool.New(ctx, db.OwnerURL)
	if err != nil {
		t.Fatalf("storetest: open owner pool: %v", err)
	}
	t.Cleanup(owner.Close)
	return &Seed{DB: db, Store: store.New(pool), Owner: owner}
}

// NewSeedDB is NewSeed on a fresh database of the test's own.
func NewSeedDB(t testing.TB) *Seed {
	t.Helper()
	return NewSeed(t, NewDB(t))
}

// User is a seeded account: the caller its requests run as, and what signs
// it in.
type User struct {
	store.Caller
	Username, Name, Password string
}

// ID is the account's id.
func (u User) ID() uuid.UUID { return u.UserID }

// hashes keeps one hash per password for the test binary: hashing is slow
// on purpose, and a fixture's accounts share a few passwords.
var hashes sync.Map

func hashFor(t testing.TB, pw string) string {
	t.Helper()
	if h, ok := hashes.Load(pw); ok {
		return h.(string)
	}
	h, err := password.Hash(context.Background(), pw)
	if err != nil {
		t.Fatalf("storetest: hash password: %v", err)
	}
	hashes.Store(pw, h)
	return h
}

// User creates an account as the operator (like `fieldbook user add`) that
// signs in with pw. The account is a year old, so changes dated hours back
// are not clamped to its creation.
func (s *Seed) User(t testing.TB, role store.Role, username, name, pw string) User {
	t.Helper()
	ctx := context.Background()
	hash := hashFor(t, pw)
	var id uuid.UUID
	err := s.Store.InTx(ctx, store.Operator, func(tx *store.Tx) (err error) {
		id, err = tx.CreateUser(ctx, store.NewUser{Username: username, DisplayName: name, PasswordHash: hash, Role: role})
		return err
	})
	if err != nil {
		t.Fatalf("storetest: create %s %s: %v", role, username, err)
	}
	s.Exec(t, `UPDATE users SET created_at = now() - interval '1 year' WHERE id = $1`, id)
	return User{Caller: store.Caller{UserID: id, Role: role}, Username: username, Name: name, Password: pw}
}

// LessonSpec is a lesson to create: its title and whether it is published.
type LessonSpec struct {
	Title     string
	Published bool
}

// Published and Draft are lesson specs.
func Published(title string) LessonSpec { return LessonSpec{title, true} }

// Draft is an unpublished lesson spec.
func Draft(title string) LessonSpec { return LessonSpec{title, false} }

// LessonBody is the Markdown every seeded lesson carries.
const LessonBody = "First paragraph.\n\n- one\n- two"

// Course is a seeded course.
type Course struct {
	ID    uuid.UUID
	Title string
	// Lessons are the published lessons, in course order.
	Lessons []uuid.UUID
	// Drafts are the unpublished lessons, in course order.
	Drafts []uuid.UUID
	// All is every lesson, in course order.
	All []uuid.UUID
}

// Course creates a course (described "About <title>") and its lessons, in
// order, as author in one transaction.
func (s *Seed) Course(t testing.TB, author store.Caller, title string, published bool, lessons ...LessonSpec) Course {
	t.Helper()
	ctx := context.Background()
	c := Course{Title: title}
	err := s.Store.InTx(ctx, author, func(tx *store.Tx) (err error) {
		c.ID, _, err = tx.CreateCourse(ctx, store.NewCourse{Title: title, Description: "About " + title, Published: published})
		if err != nil {
			return err
		}
		for _, l := range lessons {
			id, err := tx.CreateLesson(ctx, store.NewLesson{CourseID: c.ID, Title: l.Title, Body: LessonBody,
				DurationMinutes: 5, Published: l.Published})
			if err != nil {
				return err
			}
			c.All = append(c.All, id)
			if l.Published {
				c.Lessons = append(c.Lessons, id)
			} else {
				c.Drafts = append(c.Drafts, id)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("storetest: create course %q: %v", title, err)
	}
	return c
}

// Lesson adds a lesson at the end of a course as author.
func (s *Seed) Lesson(t testing.TB, author store.Caller, course uuid.UUID, l LessonSpec) uuid.UUID {
	t.Helper()
	ctx := context.Background()
	var id uuid.UUID
	err := s.Store.InTx(ctx, author, func(tx *store.Tx) (err error) {
		id, err = tx.CreateLesson(ctx, store.NewLesson{CourseID: course, Title: l.Title, Body: LessonBody,
			DurationMinutes: 5, Published: l.Published})
		return err
	})
	if err != nil {
		t.Fatalf("storetest: create lesson %q: %v", l.Title, err)
	}
	return id
}

// Archive archives a course as author (archived courses are read-only and
// leave the learners' lists).
func (s *Seed) Archive(t testing.TB, author store.Caller, course uuid.UUID) {
	t.Helper()
	ctx := context.Background()
	if err := s.Store.InTx(ctx, author, func(tx *store.Tx) error {
		return tx.SetCourseArchived(ctx, course, true)
	}); err != nil {
		t.Fatalf("storetest: archive course: %v", err)
	}
}

// Question adds a question, written as the quiz editor's form, to a
// lesson's quiz as author, and returns its id.
func (s *Seed) Question(t testing.TB, author store.Caller, lesson uuid.UUID, form quiz.Form) uuid.UUID {
	t.Helper()
	q, probs := quiz.ParseForm(form)
	if len(probs) > 0 {
		t.Fatalf("storetest: question form %+v: %v", form, probs)
	}
	ch := store.QuestionChange{Authored: q, PromptHTML: "<p>" + q.Prompt + "</p>", ExplanationHTML: "<p>" + q.Explanation + "</p>"}
	ctx := context.Background()
	var id uuid.UUID
	if err := s.Store.InTx(ctx, author, func(tx *store.Tx) (err error) {
		id, err = tx.AddQuestion(ctx, lesson, ch)
		return err
	}); err != nil {
		t.Fatalf("storetest: add question: %v", err)
	}
	return id
}

// QuizMode sets a lesson's quiz mode and pass mark as author.
func (s *Seed) QuizMode(t testing.TB, author store.Caller, lesson uuid.UUID, mode quiz.Mode, passMark int) {
	t.Helper()
	ctx := context.Background()
	if err := s.Store.InTx(ctx, author, func(tx *store.Tx) error {
		return tx.SetQuizSettings(ctx, lesson, mode, passMark)
	}); err != nil {
		t.Fatalf("storetest: quiz settings: %v", err)
	}
}

// SetPublished publishes or unpublishes a lesson as the owner, bypassing
// the editor's version check (for states such as "completed, then
// unpublished").
func (s *Seed) SetPublished(t testing.TB, lesson uuid.UUID, published bool) {
	t.Helper()
	s.Exec(t, `UPDATE lessons SET published = $2 WHERE id = $1`, lesson, published)
}

// Exec runs SQL as the owner, bypassing row-level security.
func (s *Seed) Exec(t testing.TB, sql string, args ...any) {
	t.Helper()
	if _, err := s.Owner.Exec(context.Background(), sql, args...); err != nil {
		t.Fatalf("storetest: owner: %s: %v", sql, err)
	}
}

// Count runs a count query as the owner.
func (s *Seed) Count(t testing.TB, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := s.Owner.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatalf("storetest: count %q: %v", sql, err)
	}
	return n
}

// UserID is the id of the account named username, read as the owner.
func (s *Seed) UserID(t testing.TB, username string) uuid.UUID {
	t.Helper()
	var id uuid.UUID
	if err := s.Owner.QueryRow(context.Background(), `SELECT id FROM users WHERE username = $1`, username).Scan(&id); err != nil {
		t.Fatalf("storetest: user %s: %v", username, err)
	}
	return id
}

// ProgressID is the id of a learner's progress row for a lesson.
func (s *Seed) ProgressID(t testing.TB, learner, lesson uuid.UUID) uuid.UUID {
	t.Helper()
	var id uuid.UUID
	if err := s.Owner.QueryRow(context.Background(),
		`SELECT id FROM student_progress WHERE student_id = $1 AND lesson_id = $2`, learner, lesson).Scan(&id); err != nil {
		t.Fatalf("storetest: progress of %s on %s: %v", learner, lesson, err)
	}
	return id
}
