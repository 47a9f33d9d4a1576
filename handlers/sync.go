package handlers

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

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
}

type syncRequest struct {
	Changes []json.RawMessage `json:"changes"`
}

// SyncResult is the server's answer for one change.
type SyncResult struct {
	ID     string `json:"id"`
	Status string `json:"status"`
	// Reason says why a change was rejected; "wrong_user" means it belongs
	// to another account and must stay queued for that account.
	Reason string `json:"reason,omitempty"`
}

type syncResponse struct {
	Results []SyncResult `json:"results"`
}

// validateChange turns one raw change into a store.Change, or says what is
// wrong with it. A bad change never spoils the good ones.
func validateChange(raw json.RawMessage, caller uuid.UUID) (store.Change, SyncResult) {
	var sc syncChange
	res := SyncResult{Status: string(store.OutcomeRejected)}
	if err := json.Unmarshal(raw, &sc); err != nil {
		res.Reason = "not a change object"
		return store.Change{}, res
	}
	if sc.ID == nil {
		res.Reason = "missing id"
		return store.Change{}, res
	}
	res.ID = *sc.ID
	id, err := uuid.Parse(*sc.ID)
	if err != nil || id == uuid.Nil {
		res.Reason = "id is not a UUID"
		return store.Change{}, res
	}
	if sc.UserID == nil {
		res.Reason = "missing user_id"
		return store.Change{}, res
	}
	user, err := uuid.Parse(*sc.UserID)
	if err != nil {
		res.Reason = "user_id is not a UUID"
		return store.Change{}, res
	}
	if user != caller {
		res.Reason = "wrong_user"
		return store.Change{}, res
	}
	if sc.LessonID == nil {
		res.Reason = "missing lesson_id"
		return store.Change{}, res
	}
	lesson, err := uuid.Parse(*sc.LessonID)
	if err != nil {
		res.Reason = "lesson_id is not a UUID"
		return store.Change{}, res
	}
	if sc.Completed == nil {
		res.Reason = "missing completed"
		return store.Change{}, res
	}
	if sc.At == nil {
		res.Reason = "missing at"
		return store.Change{}, res
	}
	at, err := time.Parse(time.RFC3339Nano, *sc.At)
	if err != nil {
		res.Reason = "at is not an RFC 3339 time"
		return store.Change{}, res
	}
	if at.Year() < 2000 {
		res.Reason = "at is before the year 2000"
		return store.Change{}, res
	}
	return store.Change{ID: id, LessonID: lesson, Completed: *sc.Completed, At: at}, SyncResult{ID: res.ID}
}

// syncProgress applies a batch of queued changes in one transaction under the
// learner's role and answers each: applied, stale, duplicate or rejected.
func (h *syncHandlers) syncProgress(c echo.Context) error {
	caller := callerOf(c)
	// Media types are case-insensitive; ParseMediaType lower-cases them.
	if ct := c.Request().Header.Get("Content-Type"); ct != "" {
		if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != "application/json" {
			return echo.NewHTTPError(http.StatusUnsupportedMediaType, "Send the changes as application/json.")
		}
	}
	body, err := io.ReadAll(io.LimitReader(c.Request().Body, maxSyncBytes+1))
	if err != nil {
		// Echo's body limit (app.go) reports a streamed body over its limit
		// as an echo 413 while it is read, not as an http.MaxBytesError.
		var mbe *http.MaxBytesError
		var he *echo.HTTPError
		if errors.As(err, &mbe) || (errors.As(err, &he) && he.Code == http.StatusRequestEntityTooLarge) {
			return echo.NewHTTPError(http.StatusRequestEntityTooLarge, "Too many bytes: send at most 1 MB at once.")
		}
		return badRequest("The request body could not be read.")
	}
	if len(body) > maxSyncBytes {
		return echo.NewHTTPError(http.StatusRequestEntityTooLarge, "Too many bytes: send at most 1 MB at once.")
	}
	var req syncRequest
	if err := json.Unmarshal(body, &req); err != nil {
		return badRequest("The body is not valid JSON of the form {\"changes\": [...]}.")
	}
	if req.Changes == nil {
		return badRequest("The body has no \"changes\" list.")
	}
	if len(req.Changes) > MaxSyncChanges {
		return echo.NewHTTPError(http.StatusRequestEntityTooLarge, "Too many changes: send at most 500 at once.")
	}
	results := make([]SyncResult, len(req.Changes))
	var good []store.Change
	var goodIdx []int
	for i, raw := range req.Changes {
		ch, res := validateChange(raw, caller.UserID)
		results[i] = res
		if res.Status == "" {
			good = append(good, ch)
			goodIdx = append(goodIdx, i)
		}
	}
	if len(good) > 0 {
		ctx := c.Request().Context()
		var outcomes []store.Outcome
		err := h.store.InTx(ctx, caller, func(tx *store.Tx) (err error) {
			outcomes, err = tx.ApplyChanges(ctx, good)
			return err
		})
		if err != nil {
			return err
		}
		for j, o := range outcomes {
			r := &results[goodIdx[j]]
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
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, syncResponse{Results: results})
}
