package handlers

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"fieldbook/store"
)

// coalesce gathers a burst of events into one message: a page re-reads
// once for a class finishing a lesson together, and still within a second.
const coalesce = 250 * time.Millisecond

// staleSlack: a page whose course changed this shortly before it was read
// may have missed a change still committing, so it re-reads at once.
const staleSlack = 5 * time.Second

// writeWait bounds each write to a stream; a client that cannot take a few
// bytes in that time is gone.
const writeWait = 15 * time.Second

// sessionStands reports whether the stream's session still exists and still
// holds caller with the same role: signing out, ending sessions, a role
// change and a disable all delete it. It reads the session afresh, through
// the session manager's store, not from the request's copy. While the
// database cannot be reached nothing can be revoked either, so the stream
// carries on (it is told to re-read when the listener is back) and the
// next check decides.
func (h *dashboardHandlers) sessionStands(token string, caller store.Caller) bool {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	sctx, err := h.sessions.Load(ctx, token)
	if err != nil {
		return store.Unavailable(err) || errors.Is(err, context.DeadlineExceeded)
	}
	return h.sessions.GetString(sctx, sessUserID) == caller.UserID.String() &&
		h.sessions.GetString(sctx, sessRole) == string(caller.Role)
}

// streamEvents is GET /courses/{id}/dashboard/events: Server-Sent Events
// for a course's dashboard. "progress" says a learner's progress changed
// (the page re-reads its live block); "refresh" says the page may have
// missed changes and must re-read. The page's read time comes as since (Unix
// milliseconds): if the course changed after it, the stream starts with a
// refresh, so a reconnecting page catches up.
func (h *dashboardHandlers) streamEvents(c echo.Context) error {
	id, err := parseID(c, "id")
	if err != nil {
		return err
	}
	var since time.Time
	if s := c.QueryParam("since"); s != "" {
		ms, err := strconv.ParseInt(s, 10, 64)
		if err != nil || ms < 0 {
			return badRequest("dashboard.error.since")
		}
		since = time.UnixMilli(ms)
	}
	if _, err := readTx(h.App, c, func(_ context.Context, tx *store.Tx) (store.DashboardCourse, error) {
		return dashboardCourse(c, tx, id)
	}); err != nil {
		return err
	}
	s, err := h.subscribe(c, id)
	if err != nil {
		return err
	}
	defer h.hub.unsubscribe(s)
	// Subscribed first, then read: a change committed from here on arrives
	// as an event, and one committed before shows in last.
	last, err := readTx(h.App, c, func(ctx context.Context, tx *store.Tx) (*time.Time, error) {
		return tx.CourseLastActivity(ctx, id)
	})
	if err != nil {
		return err
	}
	send := openStream(c)
	// The reconnection delay a browser waits after the stream ends.
	if err := send("retry: 3000\n\n"); err != nil {
		return nil
	}
	if since.IsZero() || (last != nil && last.After(since.Add(-staleSlack))) {
		if err := send("event: refresh\ndata: stale\n\n"); err != nil {
			return nil
		}
	}
	h.pump(c.Request().Context(), s, callerOf(c), send)
	return nil
}

// subscribe opens the caller's stream of a course's events, or says why
// not: too many of the caller's own, or of this server's, or a shutdown.
func (h *dashboardHandlers) subscribe(c echo.Context, course uuid.UUID) (*stream, error) {
	s, err := h.hub.subscribe(course, callerOf(c).UserID)
	switch {
	case errors.Is(err, errTooManyStreams):
		return nil, newError(http.StatusTooManyRequests, err, "dashboard.error.too_many")
	case errors.Is(err, errServerFull):
		e := newError(http.StatusServiceUnavailable, err, "dashboard.error.server_full")
		e.RetryAfter = 30
		return nil, e
	case errors.Is(err, errHubClosed):
		return nil, newError(http.StatusServiceUnavailable, err, "dashboard.error.restarting")
	}
	return s, err
}

// openStream sends the event stream's headers and returns the function
// that sends one message, flushed at once, each write bounded by writeWait.
func openStream(c echo.Context) func(msg string) error {
	resp := c.Response()
	hdr := resp.Header()
	hdr.Set("Content-Type", "text/event-stream; charset=utf-8")
	hdr.Set("Cache-Control", "no-store")
	hdr.Set("X-Accel-Buffering", "no")
	resp.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(resp)
	return func(msg string) error {
		_ = rc.SetWriteDeadline(time.Now().Add(writeWait))
		if _, err := io.WriteString(resp, msg); err != nil {
			return err
		}
		return rc.Flush()
	}
}

// pump sends the stream's events until the client leaves, the stream is
// dropped, the hub shuts or the caller's session ends (checked every
// recheck): bursts coalesced into one progress message, refreshes at once,
// a heartbeat in between.
func (h *dashboardHandlers) pump(ctx context.Context, s *stream, caller store.Caller, send func(string) error) {
	beat := time.NewTicker(h.heartbeat)
	defer beat.Stop()
	token := h.sessions.Token(ctx)
	recheck := time.NewTicker(h.recheck)
	defer recheck.Stop()
	flush := time.NewTimer(time.Hour)
	flush.Stop()
	var pending *store.ProgressEvent
	count := 0
	for {
		var msg string
		select {
		case <-ctx.Done():
			return
		case <-s.done:
			return
		case <-s.dropped:
			// Fell behind: say so, and end; the browser reconnects and the
			// page re-reads.
			_ = send("event: refresh\ndata: dropped\n\n")
			return
		case <-s.resync:
			msg = "event: refresh\ndata: resync\n\n"
		case ev := <-s.events:
			if pending == nil {
				flush.Reset(coalesce)
			}
			pending = &ev
			count++
			continue
		case <-flush.C:
			if pending == nil {
				continue
			}
			data, _ := json.Marshal(struct {
				store.ProgressEvent
				Count int `json:"count"`
			}{*pending, count})
			msg = "event: progress\ndata: " + string(data) + "\n\n"
			pending, count = nil, 0
		case <-beat.C:
			msg = ": ping\n\n"
		case <-recheck.C:
			if !h.sessionStands(token, caller) {
				// The browser reconnects, is sent to sign in, and stops.
				return
			}
			continue
		}
		if err := send(msg); err != nil {
			return
		}
	}
}
