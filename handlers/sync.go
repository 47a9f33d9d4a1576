package handlers

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"fieldbook/internal/quiz"
	"fieldbook/store"
)

// MaxSyncChanges is the most changes one sync request may carry.
const MaxSyncChanges = 500

// maxSyncBytes bounds a sync request body.
const maxSyncBytes = 1_000_000

// syncHandlers take the completions a device queued while offline.
type syncHandlers struct{ *App }

// syncChange is one change as the service worker sends it. Fields are
// pointers so a missing one is told apart from a zero one.
type syncChange struct {
	ID        *string `json:"id"`
	UserID    *string `json:"user_id"`
	LessonID  *string `json:"lesson_id"`
	Completed *bool   `json:"completed"`
	At        *string `json:"at"`
	// KeyID and Sig make a signed change: made on a phone by a learner
	// picked there with their PIN, and judged by the key alone, whoever is
	// signed in when it arrives (phones.go).
	// Raw, so a malformed one is still seen as an attempt at signing.
	KeyID json.RawMessage `json:"key_id"`
	Sig   json.RawMessage `json:"sig"`
}

// claimsKey reports whether the change comes signed, well or badly: it
// carries a key id or a signature that is not null.
func (sc syncChange) claimsKey() bool { return claimsKey(sc.KeyID, sc.Sig) }

// syncRequest is a batch: completions and quiz attempts, either list
// optional (but not both).
type syncRequest struct {
	Changes  []json.RawMessage `json:"changes"`
	Attempts []json.RawMessage `json:"attempts"`
}

// SyncResult is the server's answer for one change.
type SyncResult struct {
	ID     string `json:"id"`
	Status string `json:"status"`
	// Reason says why a change was rejected: one of the reason* codes the
	// phone acts on, or a message for a person.
	Reason string `json:"reason,omitempty"`
}

// The rejection reasons a phone acts on; docs/offline.md lists what it does
// with each.
const (
	// reasonWrongUser: an unsigned change of another account (or sent
	// with nobody signed in); it stays queued for that account.
	reasonWrongUser = "wrong_user"
	// reasonRevokedKey: the change's key is unknown or revoked; it stays
	// queued until its learner signs in and sends it unsigned.
	reasonRevokedKey = "revoked_key"
	// reasonBadSignature: the signature is not the key's over this change.
	reasonBadSignature = "bad_signature"
	// reasonWrongKeyUser: signed with a key of another account than the
	// change names.
	reasonWrongKeyUser = "wrong_key_user"
)

type syncResponse struct {
	Results []SyncResult `json:"results"`
	// AttemptResults is there when the request had an "attempts" list.
	AttemptResults *[]AttemptSyncResult `json:"attempt_results,omitempty"`
}

// validateChange turns one raw change into a store.Change, or says what is
// wrong with it. A bad change never spoils the good ones. An unsigned change
// must be the caller's (uuid.Nil: nobody signed in, so none is); a signed
// one comes back with what its key check needs, whoever it names.
func validateChange(raw json.RawMessage, caller uuid.UUID) (store.Change, *signedItem, SyncResult) {
	ch, user, sc, res := parseChange(raw)
	if res.Status != "" {
		return store.Change{}, nil, res
	}
	if !sc.claimsKey() {
		if caller == uuid.Nil || user != caller {
			return store.Change{}, nil, SyncResult{ID: res.ID, Status: string(store.OutcomeRejected), Reason: reasonWrongUser}
		}
		return ch, nil, res
	}
	si, reason := parseSignature(sc.KeyID, sc.Sig, user, changeMessage(sc))
	if reason != "" {
		return store.Change{}, nil, SyncResult{ID: res.ID, Status: string(store.OutcomeRejected), Reason: reason}
	}
	return ch, si, res
}

// changeMessage is the text a phone signs for a change: every field exactly
// as sent (docs/offline.md, "Phone protocol").
func changeMessage(sc syncChange) []byte {
	return signedMessage("fieldbook-change-v1", *sc.ID, *sc.UserID, *sc.LessonID, strconv.FormatBool(*sc.Completed), *sc.At)
}

// parseChange reads and checks a change's own fields; user is the account
// it names.
func parseChange(raw json.RawMessage) (ch store.Change, user uuid.UUID, sc syncChange, res SyncResult) {
	reject := func(reason string) (store.Change, uuid.UUID, syncChange, SyncResult) {
		res.Status, res.Reason = string(store.OutcomeRejected), reason
		return store.Change{}, uuid.Nil, sc, res
	}
	if err := json.Unmarshal(raw, &sc); err != nil {
		return reject("not a change object")
	}
	if sc.ID == nil {
		return reject("missing id")
	}
	res.ID = *sc.ID
	id, err := uuid.Parse(*sc.ID)
	if err != nil || id == uuid.Nil {
		return reject("id is not a UUID")
	}
	if sc.UserID == nil {
		return reject("missing user_id")
	}
	if user, err = uuid.Parse(*sc.UserID); err != nil {
		return reject("user_id is not a UUID")
	}
	if sc.LessonID == nil {
		return reject("missing lesson_id")
	}
	lesson, err := uuid.Parse(*sc.LessonID)
	if err != nil {
		return reject("lesson_id is not a UUID")
	}
	if sc.Completed == nil {
		return reject("missing completed")
	}
	if sc.At == nil {
		return reject("missing at")
	}
	// Any time is accepted: the store clamps one before the account existed
	// (a phone whose clock reset to 1970) and one in the future.
	at, err := time.Parse(time.RFC3339Nano, *sc.At)
	if err != nil {
		return reject("at is not an RFC 3339 time")
	}
	return store.Change{ID: id, LessonID: lesson, Completed: *sc.Completed, At: at}, user, sc, res
}

// readSyncRequest reads and checks the body of a sync request: JSON, at
// most maxSyncBytes and MaxSyncChanges.
func readSyncRequest(c echo.Context) (syncRequest, error) {
	var req syncRequest
	// Media types are case-insensitive; ParseMediaType lower-cases them.
	if ct := c.Request().Header.Get("Content-Type"); ct != "" {
		if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != "application/json" {
			return req, newError(http.StatusUnsupportedMediaType, err, "sync.error.json")
		}
	}
	body, err := io.ReadAll(io.LimitReader(c.Request().Body, maxSyncBytes+1))
	if err != nil {
		// Echo's body limit (app.go) reports a streamed body over its limit
		// as an echo 413 while it is read, not as an http.MaxBytesError.
		var mbe *http.MaxBytesError
		var he *echo.HTTPError
		if errors.As(err, &mbe) || (errors.As(err, &he) && he.Code == http.StatusRequestEntityTooLarge) {
			return req, newError(http.StatusRequestEntityTooLarge, err, "sync.error.too_big")
		}
		return req, badRequest("sync.error.unreadable")
	}
	if len(body) > maxSyncBytes {
		return req, newError(http.StatusRequestEntityTooLarge, nil, "sync.error.too_big")
	}
	if err := json.Unmarshal(body, &req); err != nil {
		return req, badRequest("sync.error.body")
	}
	if req.Changes == nil && req.Attempts == nil {
		return req, badRequest("sync.error.empty")
	}
	if len(req.Changes) > MaxSyncChanges {
		return req, newError(http.StatusRequestEntityTooLarge, nil, "sync.error.too_many_changes", "max", MaxSyncChanges)
	}
	if len(req.Attempts) > MaxSyncAttempts {
		return req, newError(http.StatusRequestEntityTooLarge, nil, "sync.error.too_many_attempts", "max", MaxSyncAttempts)
	}
	return req, nil
}

// syncProgress applies a batch of queued changes and quiz attempts and
// answers each: applied, stale, duplicate or rejected. Unsigned items are
// the session's; signed ones are their key owner's, so the request needs a
// session only when it carries an unsigned item. Each owner's items are
// applied in one transaction under that owner's role.
func (h *syncHandlers) syncProgress(c echo.Context) error {
	caller := callerOf(c)
	req, err := readSyncRequest(c)
	if err != nil {
		return err
	}
	p := planSync(req, caller)
	// Without a session, only a batch with signed items has anything to
	// say; otherwise the phone must sign in first, as before.
	if !signedIn(c) && !p.claims {
		return newError(http.StatusUnauthorized, nil, signInFirst)
	}
	ctx := c.Request().Context()
	judged, err := h.judgeSigned(ctx, caller, p.signed)
	if err != nil {
		return err
	}
	p.judge(judged)
	if err := h.applyBatches(ctx, &p.batches, judgedTouches(judged), p.results, p.attempts); err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	out := syncResponse{Results: p.results}
	if req.Attempts != nil {
		out.AttemptResults = &p.attempts
	}
	return c.JSON(http.StatusOK, out)
}

// syncPlan is a batch checked item by item: the answers so far, the items
// accepted per owner, and the signed items waiting for their keys' verdict.
type syncPlan struct {
	results  []SyncResult
	attempts []AttemptSyncResult
	batches  ownerBatches
	// claims: some item is signed, or tries to be.
	claims bool
	signed []signedItem
	// waiting[i] is what signed[i] becomes once its key is judged.
	waiting []signedTarget
}

// signedTarget is a change or an attempt and its index in the request.
type signedTarget struct {
	at      int
	attempt *quiz.Attempt
	change  store.Change
}

// planSync validates every item of a request for the caller.
func planSync(req syncRequest, caller store.Caller) *syncPlan {
	p := &syncPlan{results: make([]SyncResult, len(req.Changes)), attempts: make([]AttemptSyncResult, len(req.Attempts))}
	for i, raw := range req.Changes {
		ch, si, res := validateChange(raw, caller.UserID)
		p.results[i] = res
		p.file(caller, res.Status, res.Reason, si, signedTarget{at: i, change: ch})
	}
	for i, raw := range req.Attempts {
		a, si, res := validateAttempt(raw, caller.UserID)
		p.attempts[i] = res
		p.file(caller, res.Status, res.Reason, si, signedTarget{at: i, attempt: &a})
	}
	return p
}

// file sorts one checked item: a refused one is answered already, a
// signed one waits for its key's verdict, any other is the caller's.
func (p *syncPlan) file(caller store.Caller, status, reason string, si *signedItem, t signedTarget) {
	p.claims = p.claims || si != nil || reason == reasonBadSignature || reason == reasonRevokedKey
	switch {
	case status != "":
	case si != nil:
		p.signed, p.waiting = append(p.signed, *si), append(p.waiting, t)
	default:
		p.batches.addTarget(caller, t)
	}
}

// judge files each signed item under its key's owner, or rejects it.
func (p *syncPlan) judge(judged []verdict) {
	for j, v := range judged {
		w := p.waiting[j]
		switch {
		case v.reason != "" && w.attempt != nil:
			p.attempts[w.at].Status, p.attempts[w.at].Reason = string(store.OutcomeRejected), v.reason
		case v.reason != "":
			p.results[w.at].Status, p.results[w.at].Reason = string(store.OutcomeRejected), v.reason
		default:
			p.batches.addTarget(v.owner, w)
		}
	}
}

// ownerBatches groups accepted changes by the account they are applied as,
// in the order the owners first appear.
type ownerBatches struct {
	owners []store.Caller
	byOwn  map[store.Caller]*ownerBatch
}

type ownerBatch struct {
	changes []store.Change
	at      []int // each change's index in the request
	// attempts, and each one's index in the request's attempts.
	attempts  []quiz.Attempt
	attemptAt []int
}

func (b *ownerBatches) of(owner store.Caller) *ownerBatch {
	if b.byOwn == nil {
		b.byOwn = map[store.Caller]*ownerBatch{}
	}
	ob := b.byOwn[owner]
	if ob == nil {
		ob = &ownerBatch{}
		b.byOwn[owner] = ob
		b.owners = append(b.owners, owner)
	}
	return ob
}

func (b *ownerBatches) add(owner store.Caller, i int, ch store.Change) {
	ob := b.of(owner)
	ob.changes = append(ob.changes, ch)
	ob.at = append(ob.at, i)
}

// addTarget adds a change or an attempt.
func (b *ownerBatches) addTarget(owner store.Caller, t signedTarget) {
	if t.attempt == nil {
		b.add(owner, t.at, t.change)
		return
	}
	ob := b.of(owner)
	ob.attempts = append(ob.attempts, *t.attempt)
	ob.attemptAt = append(ob.attemptAt, t.at)
}

// applyBatches applies each owner's changes in one transaction under that
// owner's role (RLS as them), notes the use of keys due a touch, and fills
// in the outcomes. The open dashboards' hints go out once the transactions
// have committed (store.DeferProgressHints says why). One transaction per owner keeps each under a single
// role, as every other request is; an error after some owners committed
// is safe, since the phone resends and gets "duplicate" for those.
func (h *syncHandlers) applyBatches(ctx context.Context, b *ownerBatches, touch map[store.Caller][]uuid.UUID,
	results []SyncResult, attempts []AttemptSyncResult) error {
	var hints []string
	defer func() { h.sendHints(ctx, hints) }()
	for _, owner := range b.owners {
		ob := b.byOwn[owner]
		var outcomes []store.Outcome
		var graded []store.AttemptResult
		var kept []string
		err := h.store.InTxRetry(ctx, owner, func(tx *store.Tx) (err error) {
			if err = tx.DeferProgressHints(ctx); err != nil {
				return err
			}
			if outcomes, err = tx.ApplyChanges(ctx, ob.changes); err != nil {
				return err
			}
			// After the changes: a passing attempt's completion is the
			// latest word on its lesson.
			if graded, err = tx.ApplyAttempts(ctx, ob.attempts); err != nil {
				return err
			}
			if err = tx.TouchPhoneKeys(ctx, touch[owner]); err != nil {
				return err
			}
			kept, err = tx.ProgressHints(ctx)
			return err
		})
		if err != nil {
			return err
		}
		hints = append(hints, kept...)
		for j, r := range graded {
			i := ob.attemptAt[j]
			attempts[i] = attemptResult(attempts[i].ID, r)
		}
		for j, o := range outcomes {
			r := &results[ob.at[j]]
			r.Status = string(o)
			switch o {
			case store.OutcomeRejected:
				r.Reason = "unknown or unpublished lesson"
			case store.OutcomeQuizLesson:
				// Only a passing quiz attempt completes this lesson.
				r.Status, r.Reason = string(store.OutcomeRejected), "quiz_lesson"
			}
		}
	}
	return nil
}

// sendHints tells every instance's open dashboards about committed changes.
// The changes are safe whatever happens here: a lost hint only leaves a
// dashboard a change behind until its next event or reload.
func (h *syncHandlers) sendHints(ctx context.Context, hints []string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := h.store.SendProgressHints(ctx, hints); err != nil {
		h.log.Error("sync: progress hints not sent", "err", err)
	}
}
