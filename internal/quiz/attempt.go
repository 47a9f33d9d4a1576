package quiz

import (
	"encoding/json"
	"math"
	"time"

	"github.com/google/uuid"
)

// Reason says why an attempt was refused. Reasons are stable codes sent in
// the sync response (and keys of the message catalogue), never sentences.
type Reason string

// The reasons an attempt is refused.
const (
	// ReasonMalformed: not a JSON object of the attempt's shape.
	ReasonMalformed Reason = "malformed"
	// ReasonBadID: id missing or not a UUID.
	ReasonBadID Reason = "bad_id"
	// ReasonWrongUser: user_id is another account's: the phone keeps the
	// attempt queued for that account.
	ReasonWrongUser Reason = "wrong_user"
	// ReasonBadLesson: lesson_id missing or not a UUID.
	ReasonBadLesson Reason = "bad_lesson_id"
	// ReasonBadVersion: version missing or not a positive whole number.
	ReasonBadVersion Reason = "bad_version"
	// ReasonBadAt: at missing, not RFC 3339, or before 2000.
	ReasonBadAt Reason = "bad_at"
	// ReasonBadAnswers: answers missing or not an object.
	ReasonBadAnswers Reason = "bad_answers"
	// ReasonUnknownQuestion: an answer to a question the version does not
	// have (another lesson's, or made up).
	ReasonUnknownQuestion Reason = "unknown_question"
	// ReasonWrongType: an answer value of the wrong JSON type for its kind.
	ReasonWrongType Reason = "wrong_type"
	// ReasonBadAnswer: the right type but impossible (a choice that does
	// not exist, the same choice twice).
	ReasonBadAnswer Reason = "bad_answer"
	// ReasonNoQuestions: the version has no questions to grade.
	ReasonNoQuestions Reason = "no_questions"
	// ReasonUnknownLesson: the lesson is unknown or not published.
	ReasonUnknownLesson Reason = "unknown_lesson"
	// ReasonUnknownVersion: the lesson has no quiz of that version.
	ReasonUnknownVersion Reason = "unknown_version"
	// ReasonIDTaken: another account already used this attempt id.
	ReasonIDTaken Reason = "id_taken"
)

// Attempt is one attempt as a phone sends it: the learner's answers to one
// version of a lesson's quiz, made (possibly offline) at At.
type Attempt struct {
	// ID is made by the phone; the attempt is recorded once per learner
	// and id, whatever the number of replays.
	ID       uuid.UUID
	UserID   uuid.UUID
	LessonID uuid.UUID
	Version  int
	// Answers maps question ids to the JSON value given (see Grade).
	Answers map[string]json.RawMessage
	At      time.Time
}

// wireAttempt is the JSON shape; pointers tell missing from zero.
type wireAttempt struct {
	ID       *string          `json:"id"`
	UserID   *string          `json:"user_id"`
	LessonID *string          `json:"lesson_id"`
	Version  *json.RawMessage `json:"version"`
	Answers  *json.RawMessage `json:"answers"`
	At       *string          `json:"at"`
}

// ParseAttempt reads one attempt of a sync batch for the signed-in caller
// and checks everything that needs no database: ids, the owner, the
// version number, the time, the shape of answers. id is the attempt's id as
// sent (for the per-item answer), even when the attempt is refused. Answers
// are graded (and their types checked) by Grade against the version.
func ParseAttempt(raw []byte, caller uuid.UUID) (a Attempt, id string, reason Reason) {
	var w wireAttempt
	if jsonType(raw) != '{' || json.Unmarshal(raw, &w) != nil {
		return Attempt{}, "", ReasonMalformed
	}
	if w.ID == nil {
		return Attempt{}, "", ReasonBadID
	}
	id = *w.ID
	var err error
	if a.ID, err = uuid.Parse(id); err != nil || a.ID == uuid.Nil {
		return Attempt{}, id, ReasonBadID
	}
	if w.UserID == nil {
		return Attempt{}, id, ReasonWrongUser
	}
	if a.UserID, err = uuid.Parse(*w.UserID); err != nil || a.UserID != caller {
		return Attempt{}, id, ReasonWrongUser
	}
	if w.LessonID == nil {
		return Attempt{}, id, ReasonBadLesson
	}
	if a.LessonID, err = uuid.Parse(*w.LessonID); err != nil || a.LessonID == uuid.Nil {
		return Attempt{}, id, ReasonBadLesson
	}
	if w.Version == nil {
		return Attempt{}, id, ReasonBadVersion
	}
	var v float64
	if jsonType(*w.Version) != '0' || json.Unmarshal(*w.Version, &v) != nil || v < 1 || v > math.MaxInt32 || v != math.Trunc(v) {
		return Attempt{}, id, ReasonBadVersion
	}
	a.Version = int(v)
	if w.At == nil {
		return Attempt{}, id, ReasonBadAt
	}
	if a.At, err = time.Parse(time.RFC3339Nano, *w.At); err != nil || a.At.Year() < 2000 {
		return Attempt{}, id, ReasonBadAt
	}
	if w.Answers == nil || jsonType(*w.Answers) != '{' || json.Unmarshal(*w.Answers, &a.Answers) != nil {
		return Attempt{}, id, ReasonBadAnswers
	}
	if a.Answers == nil {
		a.Answers = map[string]json.RawMessage{}
	}
	return a, id, ""
}
