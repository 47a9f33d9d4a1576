package store

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgxlisten"
)

// ProgressChannel is the NOTIFY channel the student_progress trigger sends
// on (migrations/00004_realtime.sql).
const ProgressChannel = "fieldbook_progress"

// ProgressEvent says that a learner's progress in a lesson changed. It is a
// hint: whoever shows progress re-reads it from the database.
type ProgressEvent struct {
	CourseID  uuid.UUID `json:"course_id"`
	StudentID uuid.UUID `json:"student_id"`
	LessonID  uuid.UUID `json:"lesson_id"`
}

// ProgressListener holds one LISTEN connection per app instance and hands
// every progress notification to OnEvent. It reconnects by itself after the
// connection drops (a database restart, a network cut), and calls OnConnect
// each time LISTEN is in place again: notifications sent while it was away
// are lost, so the receiver tells its clients to re-read. The same
// connection carries the session invalidations (SessionChannel) to Sessions,
// whose cache serves only while this connection listens.
type ProgressListener struct {
	// URL must reach PostgreSQL directly: LISTEN does not work through
	// PgBouncer in transaction mode.
	URL string
	// OnEvent is called on the listener's goroutine; it must not block.
	OnEvent func(ProgressEvent)
	// OnConnect is called after each LISTEN; first is true only once.
	OnConnect func(first bool)
	// ReconnectDelay is the pause between attempts (default 1 s).
	ReconnectDelay time.Duration
	Log            *slog.Logger
	// Sessions, when set, is told of every session invalidation, and is
	// live exactly while LISTEN is in place.
	Sessions *SessionStore

	connected atomic.Bool
}

// Connected reports whether the LISTEN connection is up (for /readyz).
func (l *ProgressListener) Connected() bool { return l.connected.Load() }

// Run listens until ctx ends.
func (l *ProgressListener) Run(ctx context.Context) error {
	cfg, err := pgx.ParseConfig(l.URL)
	if err != nil {
		return fmt.Errorf("store: parse listen URL: %w", err)
	}
	if cfg.ConnectTimeout == 0 || cfg.ConnectTimeout > 5*time.Second {
		cfg.ConnectTimeout = 5 * time.Second
	}
	// A connection that dies without a word (a cut cable, a dropped NAT
	// entry) is noticed within about 20 s, not hours: until then the
	// session cache would miss invalidations (its entries' age limit is the
	// other bound).
	cfg.DialFunc = (&net.Dialer{KeepAliveConfig: net.KeepAliveConfig{
		Enable: true, Idle: 10 * time.Second, Interval: 3 * time.Second, Count: 3}}).DialContext
	log := l.Log
	if log == nil {
		log = slog.Default()
	}
	delay := l.ReconnectDelay
	if delay <= 0 {
		delay = time.Second
	}
	h := &progressHandler{l: l, log: log, first: true}
	pl := &pgxlisten.Listener{
		Connect: func(ctx context.Context) (*pgx.Conn, error) { return pgx.ConnectConfig(ctx, cfg) },
		// Only connection failures reach LogError (the handlers log their own
		// problems): the cache stops serving until LISTEN is back.
		LogError: func(ctx context.Context, err error) {
			l.connected.Store(false)
			if l.Sessions != nil {
				l.Sessions.SetLive(false)
			}
			if ctx.Err() == nil {
				log.Warn("progress listener", "err", err)
			}
		},
		ReconnectDelay: delay,
	}
	pl.Handle(ProgressChannel, h)
	if l.Sessions != nil {
		pl.Handle(SessionChannel, &sessionHandler{sessions: l.Sessions, log: log})
		defer l.Sessions.SetLive(false)
	}
	err = pl.Listen(ctx)
	if ctx.Err() != nil {
		return nil
	}
	return err
}

type progressHandler struct {
	l     *ProgressListener
	log   *slog.Logger
	first bool
}

func (h *progressHandler) HandleNotification(_ context.Context, n *pgconn.Notification, _ *pgx.Conn) error {
	var ev ProgressEvent
	if err := json.Unmarshal([]byte(n.Payload), &ev); err != nil {
		h.log.Warn("bad progress notification", "payload", n.Payload, "err", err)
		return nil
	}
	if h.l.OnEvent != nil {
		h.l.OnEvent(ev)
	}
	return nil
}

// HandleBacklog runs right after each LISTEN: the moment to say that the
// listener is (again) connected.
func (h *progressHandler) HandleBacklog(context.Context, string, *pgx.Conn) error {
	h.l.connected.Store(true)
	first := h.first
	h.first = false
	if !first {
		h.log.Info("progress listener reconnected")
	}
	if h.l.OnConnect != nil {
		h.l.OnConnect(first)
	}
	return nil
}

// sessionHandler passes session invalidations to the session store.
type sessionHandler struct {
	sessions *SessionStore
	log      *slog.Logger
}

func (h *sessionHandler) HandleNotification(_ context.Context, n *pgconn.Notification, _ *pgx.Conn) error {
	if err := h.sessions.Invalidate(n.Payload); err != nil {
		h.log.Warn("session notification", "err", err)
	}
	return nil
}

// HandleBacklog runs once LISTEN on SessionChannel is in place: from now on
// every change reaches the cache, so it may serve.
func (h *sessionHandler) HandleBacklog(context.Context, string, *pgx.Conn) error {
	h.sessions.SetLive(true)
	return nil
}
