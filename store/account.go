package store

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// Session is one place where the caller is signed in.
type Session struct {
	ID uuid.UUID `db:"id"`
	// Key is the session's SessionKey (the token itself is never stored).
	Key       string    `db:"token"`
	Device    string    `db:"device"`
	CreatedAt time.Time `db:"created_at"`
	LastSeen  time.Time `db:"last_seen"`
}

// RecordSession notes that the caller signed in with token on device.
func (t *Tx) RecordSession(ctx context.Context, token, device string) error {
	if len(device) > 120 {
		device = device[:120]
	}
	_, err := t.tx.Exec(ctx, `
		INSERT INTO user_sessions (token, user_id, device)
		VALUES ($1, (SELECT current_user_id()), $2)
		ON CONFLICT (token) DO NOTHING`, SessionKey(token), device)
	if err != nil {
		return fmt.Errorf("store: record session: %w", mapErr(err))
	}
	return nil
}

// TouchSession updates when the caller's session was last seen.
func (t *Tx) TouchSession(ctx context.Context, token string) error {
	if _, err := t.tx.Exec(ctx, `UPDATE user_sessions SET last_seen = now() WHERE token = $1`, SessionKey(token)); err != nil {
		return fmt.Errorf("store: touch session: %w", mapErr(err))
	}
	return nil
}

// ForgetSession removes the record of one of the caller's sessions.
func (t *Tx) ForgetSession(ctx context.Context, token string) error {
	if _, err := t.tx.Exec(ctx, `DELETE FROM user_sessions WHERE token = $1`, SessionKey(token)); err != nil {
		return fmt.Errorf("store: forget session: %w", mapErr(err))
	}
	return nil
}

// Sessions lists the caller's sessions, the most recently seen first.
func (t *Tx) Sessions(ctx context.Context) ([]Session, error) {
	rows, err := t.tx.Query(ctx, `
		SELECT id, token, device, created_at, last_seen FROM user_sessions
		ORDER BY last_seen DESC, id`)
	if err != nil {
		return nil, fmt.Errorf("store: list sessions: %w", err)
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByName[Session])
	if err != nil {
		return nil, fmt.Errorf("store: list sessions: %w", err)
	}
	return list, nil
}

// EndOtherSessions signs the caller out everywhere but the session with
// token keep ("" ends all). It returns how many sessions it ended.
func (t *Tx) EndOtherSessions(ctx context.Context, keep string) (int, error) {
	var keepArg *string
	if keep != "" {
		key := SessionKey(keep)
		keepArg = &key
	}
	var n int
	if err := t.tx.QueryRow(ctx, `SELECT auth_end_other_sessions($1)`, keepArg).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: end other sessions: %w", mapErr(err))
	}
	return n, nil
}

// SetOwnPassword replaces the caller's password hash.
func (t *Tx) SetOwnPassword(ctx context.Context, hash string) error {
	if _, err := t.tx.Exec(ctx, `SELECT auth_set_own_password($1)`, hash); err != nil {
		return fmt.Errorf("store: set own password: %w", mapErr(err))
	}
	return nil
}
