package handlers

import (
	"bytes"
	"encoding/json"

	"github.com/google/uuid"

	"fieldbook/internal/quiz"
	"fieldbook/store"
)

// Quiz attempts in POST /api/progress (issue 12): the phone sends them in
// the same batch as completions. Each is checked on its own (quiz.
// ParseAttempt), a signed one by its key like a signed change
// (phonesig.go), and the good ones are graded and recorded by
// store.ApplyAttempts in their owner's transaction (sync.go).

// MaxSyncAttempts is the most quiz attempts one sync request may carry.
const MaxSyncAttempts = 200

// attemptTag starts the text a phone signs for an attempt.
const attemptTag = "fieldbook-attempt-v1"

// AttemptSyncResult is the server's answer for one attempt: its grade when
// applied now, the stored grade of that learner's attempt when a duplicate,
// zero and false when rejected (with a reason).
type AttemptSyncResult struct {
	ID     string `json:"id"`
	Status string `json:"status"`
	Reason string `json:"reason,omitempty"`
	Score  int    `json:"score"`
	Passed bool   `json:"passed"`
}

// claimsKey reports whether an item comes signed, well or badly: it carries
// a key id or a signature that is not null.
func claimsKey(keyID, sig json.RawMessage) bool {
	return (keyID != nil && string(keyID) != "null") || (sig != nil && string(sig) != "null")
}

// validateAttempt turns one raw attempt into a quiz.Attempt, or says what is
// wrong with it. An unsigned attempt must be the caller's (uuid.Nil: nobody
// signed in, so none is); a signed one comes back with what its key check
// needs, whoever it names.
func validateAttempt(raw json.RawMessage, caller uuid.UUID) (quiz.Attempt, *signedItem, AttemptSyncResult) {
	var claim struct {
		UserID json.RawMessage `json:"user_id"`
		KeyID  json.RawMessage `json:"key_id"`
		Sig    json.RawMessage `json:"sig"`
	}
	// A body that is not an object is ParseAttempt's to name.
	_ = json.Unmarshal(raw, &claim)
	signed := claimsKey(claim.KeyID, claim.Sig)
	owner := caller
	if signed {
		// A signed attempt may name anyone: its key decides.
		var u string
		owner = uuid.Nil
		if json.Unmarshal(claim.UserID, &u) == nil {
			owner, _ = uuid.Parse(u)
		}
	}
	a, id, reason := quiz.ParseAttempt(raw, owner)
	res := AttemptSyncResult{ID: id}
	if reason == "" && owner == uuid.Nil {
		reason = quiz.ReasonWrongUser
	}
	if reason != "" {
		res.Status, res.Reason = string(store.OutcomeRejected), string(reason)
		return quiz.Attempt{}, nil, res
	}
	if !signed {
		return a, nil, res
	}
	si, bad := parseSignature(claim.KeyID, claim.Sig, a.UserID, attemptMessage(raw))
	if bad != "" {
		res.Status, res.Reason = string(store.OutcomeRejected), bad
		return quiz.Attempt{}, nil, res
	}
	return a, si, res
}

// attemptMessage is the text a phone signs for an attempt (docs/offline.md,
// "Phone protocol"): the tag, then id, user_id, lesson_id, version, at and
// the answers, one a line, every field exactly as sent and the answers as
// quiz.CanonicalAnswers writes them. nil when the attempt cannot be read.
func attemptMessage(raw json.RawMessage) []byte {
	var w struct {
		ID       string                     `json:"id"`
		UserID   string                     `json:"user_id"`
		LessonID string                     `json:"lesson_id"`
		Version  json.RawMessage            `json:"version"`
		At       string                     `json:"at"`
		Answers  map[string]json.RawMessage `json:"answers"`
	}
	if json.Unmarshal(raw, &w) != nil {
		return nil
	}
	answers, ok := quiz.CanonicalAnswers(w.Answers)
	var version bytes.Buffer
	if !ok || json.Compact(&version, w.Version) != nil {
		return nil
	}
	return signedMessage(attemptTag, w.ID, w.UserID, w.LessonID, version.String(), w.At, answers)
}

// attemptResult is the store's answer in the API's shape.
func attemptResult(id string, r store.AttemptResult) AttemptSyncResult {
	out := AttemptSyncResult{ID: id, Status: string(r.Status), Reason: string(r.Reason)}
	if r.Status != store.OutcomeRejected {
		out.Score, out.Passed = r.Score, r.Passed
	}
	return out
}
