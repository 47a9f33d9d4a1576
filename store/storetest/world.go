package storetest

import (
	"testing"

	"github.com/google/uuid"

	"fieldbook/internal/quiz"
	"fieldbook/store"
)

// The world's accounts: usernames, display names and passwords. Tests sign
// in with them and look for the names on pages.
const (
	LearnerUser, LearnerName, LearnerPass                      = "lena", "Lena Okafor", "correct horse battery"
	OtherLearnerUser, OtherLearnerName, OtherLearnerPass       = "kwame", "Kwame Mensah", "kwame's long password"
	VolunteerUser, VolunteerName, VolunteerPass                = "victor", "Victor Volunteer", "volunteer password"
	OtherVolunteerUser, OtherVolunteerName, OtherVolunteerPass = "nora", "Nora Stranger", "stranger password"
	AdminUser, AdminName, AdminPass                            = "amara", "Amara Admin", "admin password 1"
)

// World is the shared named fixture: one small data set every package's
// tests build the same way (through Seed) and refer to by name. Each test
// builds its own in its own database.
//
//   - Learner and OtherLearner; Volunteer, who wrote (and so edits) every
//     course below; OtherVolunteer, who edits none; Admin.
//   - Course, published: "Receipts", "Draft: ledgers" (a draft), "Cash
//     book", "Month end".
//   - OtherCourse, published: "Soil", "Seeds".
//   - DraftCourse, unpublished, whose only lesson ("Hidden lesson") is
//     itself marked published.
//   - ArchivedCourse: published, then archived; one published lesson.
//   - QuizCourse, published "Cold chain": "Thermometers" with a practice
//     quiz, "Ice packs" with a check quiz, and a draft lesson whose quiz
//     was never served.
//
// Nobody has progress until SeedProgress.
type World struct {
	*Seed
	Learner, OtherLearner, Volunteer, OtherVolunteer, Admin User

	Course, OtherCourse, DraftCourse, ArchivedCourse, QuizCourse Course

	// PracticeQuestion (true/false, key true), CheckQuestion (true/false,
	// key false) and DraftQuestion are the quizzes' one question each.
	PracticeQuestion, CheckQuestion, DraftQuestion uuid.UUID

	// Set by SeedProgress.
	Progress WorldProgress
}

// WorldProgress names what SeedProgress adds.
type WorldProgress struct {
	// LearnerDone and OtherDone are the progress rows of Learner and
	// OtherLearner on Course's first lesson.
	LearnerDone, OtherDone uuid.UUID
	// LearnerDraftDone is Learner's row on Course's draft lesson, completed
	// while it was published, before it was unpublished.
	LearnerDraftDone uuid.UUID
	// Attempt is Learner's passing attempt at the practice quiz, as the
	// grader records it (written by the owner; no completion comes of it).
	Attempt uuid.UUID
	// Certificate is the code of Learner's certificate for QuizCourse.
	Certificate string
}

// NewWorld builds the world in a fresh database of the test's own.
func NewWorld(t testing.TB) *World {
	t.Helper()
	return SeedWorld(t, NewSeedDB(t))
}

// SeedWorld builds the world with s (a test server's own database, say).
func SeedWorld(t testing.TB, s *Seed) *World {
	t.Helper()
	w := &World{Seed: s}
	w.Learner = s.User(t, store.RoleLearner, LearnerUser, LearnerName, LearnerPass)
	w.OtherLearner = s.User(t, store.RoleLearner, OtherLearnerUser, OtherLearnerName, OtherLearnerPass)
	w.Volunteer = s.User(t, store.RoleVolunteer, VolunteerUser, VolunteerName, VolunteerPass)
	w.OtherVolunteer = s.User(t, store.RoleVolunteer, OtherVolunteerUser, OtherVolunteerName, OtherVolunteerPass)
	w.Admin = s.User(t, store.RoleAdmin, AdminUser, AdminName, AdminPass)

	v := w.Volunteer.Caller
	w.Course = s.Course(t, v, "Basics of bookkeeping", true,
		Published("Receipts"), Draft("Draft: ledgers"), Published("Cash book"), Published("Month end"))
	w.OtherCourse = s.Course(t, v, "Allotment planning", true, Published("Soil"), Published("Seeds"))
	w.DraftCourse = s.Course(t, v, "Unreleased course", false, Published("Hidden lesson"))
	w.ArchivedCourse = s.Course(t, v, "Retired course", true, Published("Old lesson"))
	s.Archive(t, v, w.ArchivedCourse.ID)

	// The quizzes are written while their lessons are drafts and published
	// after, so each has exactly one version (served once published).
	w.QuizCourse = s.Course(t, v, "Cold chain", true, Draft("Thermometers"), Draft("Ice packs"), Draft("Draft: generators"))
	thermo, ice, generators := w.QuizCourse.All[0], w.QuizCourse.All[1], w.QuizCourse.All[2]
	w.PracticeQuestion = s.Question(t, v, thermo, quiz.Form{Kind: "truefalse", Prompt: "Read it twice a day?", Answer: "true"})
	w.CheckQuestion = s.Question(t, v, ice, quiz.Form{Kind: "truefalse", Prompt: "Refreeze a thawed pack?", Answer: "false"})
	s.QuizMode(t, v, ice, quiz.Check, quiz.DefaultPassMark)
	w.DraftQuestion = s.Question(t, v, generators, quiz.Form{Kind: "truefalse", Prompt: "Fuel kept dry?", Answer: "true"})
	s.SetPublished(t, thermo, true)
	s.SetPublished(t, ice, true)
	w.QuizCourse.Lessons, w.QuizCourse.Drafts = []uuid.UUID{thermo, ice}, []uuid.UUID{generators}
	return w
}

// DraftLesson is Course's unpublished lesson.
func (w *World) DraftLesson() uuid.UUID { return w.Course.Drafts[0] }

// DraftCourseLesson is the published lesson of the unpublished DraftCourse.
func (w *World) DraftCourseLesson() uuid.UUID { return w.DraftCourse.Lessons[0] }

// PracticeLesson is QuizCourse's lesson with a practice quiz.
func (w *World) PracticeLesson() uuid.UUID { return w.QuizCourse.Lessons[0] }

// CheckLesson is QuizCourse's lesson with a check quiz.
func (w *World) CheckLesson() uuid.UUID { return w.QuizCourse.Lessons[1] }

// DraftQuizLesson is QuizCourse's draft lesson, whose quiz was never served.
func (w *World) DraftQuizLesson() uuid.UUID { return w.QuizCourse.Drafts[0] }

// SeedProgress adds the world's progress (see WorldProgress) and returns w.
// The rows are written by the owner, as stored state: no change records,
// no sync budget spent.
func (w *World) SeedProgress(t testing.TB) *World {
	t.Helper()
	first, draft := w.Course.Lessons[0], w.DraftLesson()
	for _, p := range []struct {
		id              *uuid.UUID
		learner, lesson uuid.UUID
	}{
		{&w.Progress.LearnerDone, w.Learner.ID(), first},
		{&w.Progress.OtherDone, w.OtherLearner.ID(), first},
		{&w.Progress.LearnerDraftDone, w.Learner.ID(), draft},
	} {
		*p.id = uuid.New()
		w.Exec(t, `INSERT INTO student_progress (id, student_id, lesson_id, completed, completed_at) VALUES ($1, $2, $3, true, now())`,
			*p.id, p.learner, p.lesson)
	}

	w.Progress.Attempt, w.Progress.Certificate = uuid.New(), "ABCDEFGHJKMN2"
	w.Exec(t, `INSERT INTO quiz_attempts (id, student_id, lesson_id, version, pass_mark, questions, answers, results, correct, client_at)
		VALUES ($1, $2, $3, 1, 80, 1, '{}', '{}', 1, now())`, w.Progress.Attempt, w.Learner.ID(), w.PracticeLesson())
	w.Exec(t, `INSERT INTO certificates (code, student_id, course_id, display_name, course_title, completed_at)
		VALUES ($1, $2, $3, $4, $5, now())`, w.Progress.Certificate, w.Learner.ID(), w.QuizCourse.ID, w.Learner.Name, w.QuizCourse.Title)
	return w
}
