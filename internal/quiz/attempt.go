package quiz

import (
	"bytes"
	"encoding/json"
	"math"
	"slices"
	"strings"
	"time"
	"unicode/utf16"

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
	// ReasonBadAt: at missing or not RFC 3339. Any time is accepted
	// otherwise: the store clamps one before the account existed (a phone
	// whose clock reset to 1970) and one in the future, as for changes.
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
	if a.At, err = time.Parse(time.RFC3339Nano, *w.At); err != nil {
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

// CanonicalAnswers is the answers object as a phone signs it (the last
// line of "fieldbook-attempt-v1", docs/offline.md): keys sorted by UTF-16
// code unit and quoted as JavaScript's JSON.stringify quotes them, each
// value's compact JSON as sent, no spaces: {"a":1,"b":[0,2]}. It is what
// JSON.stringify writes for the same object with sorted keys, so the page's
// JavaScript (sw/shared.js attemptMessage) and Go agree byte for byte; the
// cases in testdata/attempt_messages.json hold both to it. ok is false for
// a value that is not JSON.
func CanonicalAnswers(answers map[string]json.RawMessage) (s string, ok bool) {
	keys := make([]string, 0, len(answers))
	for k := range answers {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, compareUTF16)
	var b strings.Builder
	b.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(',')
		}
		quoteJS(&b, k)
		b.WriteByte(':')
		var v bytes.Buffer
		if err := json.Compact(&v, answers[k]); err != nil {
			return "", false
		}
		b.Write(v.Bytes())
	}
	b.WriteByte('}')
	return b.String(), true
}

// compareUTF16 orders strings by their UTF-16 code units, as JavaScript's
// default sort does (Go's < compares UTF-8 bytes, which puts U+10000 and
// above after U+E000–U+FFFF).
func compareUTF16(a, b string) int {
	ua, ub := utf16.Encode([]rune(a)), utf16.Encode([]rune(b))
	return slices.Compare(ua, ub)
}

// quoteJS writes s as JSON.stringify quotes a string: \" \\ \b \f \n \r
// \t, other controls as \u00xx, everything else as itself (U+2028, <, >
// and & too, unlike encoding/json).
func quoteJS(b *strings.Builder, s string) {
	const hex = "0123456789abcdef"
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			if r < 0x20 {
				b.WriteString(`\u00`)
				b.WriteByte(hex[r>>4])
				b.WriteByte(hex[r&0xF])
			} else {
				b.WriteRune(r)
			}
		}
	}
	b.WriteByte('"')
}
