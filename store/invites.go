package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// ErrLinkUsed, ErrLinkExpired and ErrLinkUnknown say why a one-time link
// (an invite or a password reset) cannot be used.
var (
	ErrLinkUsed    = errors.New("store: link already used")
	ErrLinkExpired = errors.New("store: link expired")
	ErrLinkUnknown = errors.New("store: no such link")
)

// NewLinkToken makes a one-time link's secret: 32 random bytes, base64url.
// Only TokenHash of it is ever stored.
func NewLinkToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b)
}

// TokenHash is what the database keeps of a link token: its SHA-256.
func TokenHash(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

func linkErr(status string) error {
	switch status {
	case "open", "ok":
		return nil
	case "used":
		return ErrLinkUsed
	case "expired":
		return ErrLinkExpired
	}
	return ErrLinkUnknown
}

// AdminUser is an account as the admin's user list shows it.
type AdminUser struct {
	ID          uuid.UUID  `db:"id"`
	Username    string     `db:"username"`
	DisplayName string     `db:"display_name"`
	Role        Role       `db:"role"`
	CreatedAt   time.Time  `db:"created_at"`
	DisabledAt  *time.Time `db:"disabled_at"`
}

// ListUsers lists every account, by username; admin only.
func (t *Tx) ListUsers(ctx context.Context) ([]AdminUser, error) {
	rows, err := t.tx.Query(ctx, `
		SELECT id, username, display_name, role, created_at, disabled_at
		FROM users ORDER BY username`)
	if err != nil {
		return nil, fmt.Errorf("store: list users: %w", mapErr(err))
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByName[AdminUser])
	if err != nil {
		return nil, fmt.Errorf("store: list users: %w", mapErr(err))
	}
	return list, nil
}

// SetUserRole changes an account's role; admin only. The database ends the
// user's sessions (their session data holds the old role).
func (t *Tx) SetUserRole(ctx context.Context, id uuid.UUID, role Role) error {
	if !role.Valid() {
		return fmt.Errorf("store: set role: invalid role %q", role)
	}
	tag, err := t.tx.Exec(ctx, `UPDATE users SET role = $2 WHERE id = $1`, id, string(role))
	if err != nil {
		return fmt.Errorf("store: set role: %w", mapErr(err))
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("store: set role: %w", ErrNotFound)
	}
	return nil
}

// SetUserDisabled disables or re-enables an account; admin only. Disabling
// ends all its sessions (a trigger) and sign-in no longer finds it.
func (t *Tx) SetUserDisabled(ctx context.Context, id uuid.UUID, disabled bool) error {
	tag, err := t.tx.Exec(ctx, `
		UPDATE users SET disabled_at = CASE WHEN $2 THEN coalesce(disabled_at, now()) END
		WHERE id = $1`, id, disabled)
	if err != nil {
		return fmt.Errorf("store: set disabled: %w", mapErr(err))
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("store: set disabled: %w", ErrNotFound)
	}
	return nil
}

// Invite is an open invitation as the admin's list shows it (never its
// token: only a hash is kept).
type Invite struct {
	ID        uuid.UUID `db:"id"`
	CreatedBy *string   `db:"created_by"`
	CreatedAt time.Time `db:"created_at"`
	ExpiresAt time.Time `db:"expires_at"`
}

// CreateInvite stores a volunteer invite for the token hash, by the caller;
// admin only.
func (t *Tx) CreateInvite(ctx context.Context, tokenHash []byte, expires time.Time) (uuid.UUID, error) {
	var id uuid.UUID
	err := t.tx.QueryRow(ctx, `
		INSERT INTO invites (token_hash, created_by, expires_at)
		VALUES ($1, (SELECT current_user_id()), $2) RETURNING id`, tokenHash, expires).Scan(&id)
	if err != nil {
		return uuid.Nil, fmt.Errorf("store: create invite: %w", mapErr(err))
	}
	return id, nil
}

// OpenInvites lists unused, unexpired invites, newest first; admin only.
func (t *Tx) OpenInvites(ctx context.Context) ([]Invite, error) {
	rows, err := t.tx.Query(ctx, `
		SELECT i.id, u.username AS created_by, i.created_at, i.expires_at
		FROM invites i LEFT JOIN users u ON u.id = i.created_by
		WHERE i.used_at IS NULL AND i.expires_at > now()
		ORDER BY i.created_at DESC, i.id`)
	if err != nil {
		return nil, fmt.Errorf("store: open invites: %w", mapErr(err))
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByName[Invite])
	if err != nil {
		return nil, fmt.Errorf("store: open invites: %w", mapErr(err))
	}
	return list, nil
}

// InviteStatus is nil for an open invite, or ErrLinkUsed, ErrLinkExpired or
// ErrLinkUnknown. Any role may ask (through a definer function).
func (t *Tx) InviteStatus(ctx context.Context, tokenHash []byte) error {
	var status string
	if err := t.tx.QueryRow(ctx, `SELECT auth_invite_status($1)`, tokenHash).Scan(&status); err != nil {
		return fmt.Errorf("store: invite status: %w", mapErr(err))
	}
	return linkErr(status)
}

// AcceptInvite claims the invite and creates its volunteer account, in one
// statement that only one of concurrent accepts can win. A taken username
// is ErrConflict (the invite stays open); a spent link is one of the
// ErrLink… errors. Runs as the anonymous role.
func (t *Tx) AcceptInvite(ctx context.Context, tokenHash []byte, username, displayName, passwordHash string) (uuid.UUID, error) {
	var result string
	var id *uuid.UUID
	if err := t.tx.QueryRow(ctx, `SELECT result, new_user FROM auth_accept_invite($1, $2, $3, $4)`,
		tokenHash, username, displayName, passwordHash).Scan(&result, &id); err != nil {
		return uuid.Nil, fmt.Errorf("store: accept invite: %w", mapErr(err))
	}
	if result == "taken" {
		return uuid.Nil, fmt.Errorf("store: accept invite: username taken: %w", ErrConflict)
	}
	if err := linkErr(result); err != nil {
		return uuid.Nil, err
	}
	if id == nil {
		return uuid.Nil, fmt.Errorf("store: accept invite: no account made")
	}
	return *id, nil
}

// CreatePasswordReset stores a one-time reset link for a user; admin only.
func (t *Tx) CreatePasswordReset(ctx context.Context, userID uuid.UUID, tokenHash []byte, expires time.Time) error {
	_, err := t.tx.Exec(ctx, `
		INSERT INTO password_resets (token_hash, user_id, created_by, expires_at)
		VALUES ($1, $2, (SELECT current_user_id()), $3)`, tokenHash, userID, expires)
	if err != nil {
		return fmt.Errorf("store: create password reset: %w", mapErr(err))
	}
	return nil
}

// PasswordResetStatus returns the username a reset link is for, with nil
// for an open link or one of the ErrLink… errors.
func (t *Tx) PasswordResetStatus(ctx context.Context, tokenHash []byte) (string, error) {
	var status string
	var username *string
	if err := t.tx.QueryRow(ctx, `SELECT link_status, link_username FROM auth_password_reset_status($1)`,
		tokenHash).Scan(&status, &username); err != nil {
		return "", fmt.Errorf("store: password reset status: %w", mapErr(err))
	}
	if err := linkErr(status); err != nil {
		return "", err
	}
	if username == nil {
		return "", ErrLinkUnknown
	}
	return *username, nil
}

// AcceptPasswordReset claims the reset link, sets the new password hash
// and ends every session of the user, returning their id. Runs as the
// anonymous role.
func (t *Tx) AcceptPasswordReset(ctx context.Context, tokenHash []byte, passwordHash string) (uuid.UUID, error) {
	var result string
	var id *uuid.UUID
	if err := t.tx.QueryRow(ctx, `SELECT result, reset_user FROM auth_accept_password_reset($1, $2)`,
		tokenHash, passwordHash).Scan(&result, &id); err != nil {
		return uuid.Nil, fmt.Errorf("store: accept password reset: %w", mapErr(err))
	}
	if err := linkErr(result); err != nil {
		return uuid.Nil, err
	}
	if id == nil {
		return uuid.Nil, fmt.Errorf("store: accept password reset: no user")
	}
	return *id, nil
}
