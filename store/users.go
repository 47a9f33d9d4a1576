package store

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// AuthUser is what sign-in needs: the account and its password hash. Only the
// auth_user_by_username database function hands out a hash.
type AuthUser struct {
	ID           uuid.UUID `db:"id"`
	Username     string    `db:"username"`
	DisplayName  string    `db:"display_name"`
	Role         Role      `db:"role"`
	PasswordHash string    `db:"password_hash"`
}

// User is an account as the rest of the app sees it: never with its hash.
type User struct {
	ID          uuid.UUID `db:"id"`
	Username    string    `db:"username"`
	DisplayName string    `db:"display_name"`
	Email       *string   `db:"email"`
	Role        Role      `db:"role"`
	CreatedAt   time.Time `db:"created_at"`
}

// UserForSignIn looks up an account by username, case-insensitively.
func (t *Tx) UserForSignIn(ctx context.Context, username string) (AuthUser, error) {
	rows, err := t.tx.Query(ctx,
		`SELECT id, username, display_name, role, password_hash FROM auth_user_by_username($1)`, username)
	if err != nil {
		return AuthUser{}, fmt.Errorf("store: look up user for sign-in: %w", err)
	}
	u, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[AuthUser])
	if err != nil {
		return AuthUser{}, fmt.Errorf("store: look up user for sign-in: %w", mapErr(err))
	}
	return u, nil
}

// SignUp creates a learner account; the database allows no other role here.
// A taken username is ErrConflict.
func (t *Tx) SignUp(ctx context.Context, username, displayName, passwordHash string) (uuid.UUID, error) {
	var id *uuid.UUID
	if err := t.tx.QueryRow(ctx, `SELECT auth_sign_up($1, $2, $3)`,
		username, displayName, passwordHash).Scan(&id); err != nil {
		return uuid.Nil, fmt.Errorf("store: sign up: %w", mapErr(err))
	}
	if id == nil {
		return uuid.Nil, fmt.Errorf("store: sign up: username taken: %w", ErrConflict)
	}
	return *id, nil
}

// NewUser is an account an admin (or the CLI) creates with any role.
type NewUser struct {
	Username     string
	DisplayName  string
	PasswordHash string
	Role         Role
}

// CreateUser inserts an account; it needs the admin role.
func (t *Tx) CreateUser(ctx context.Context, u NewUser) (uuid.UUID, error) {
	var id uuid.UUID
	err := t.tx.QueryRow(ctx,
		`INSERT INTO users (username, display_name, password_hash, role)
		 VALUES (lower($1), btrim($2), $3, $4) RETURNING id`,
		u.Username, u.DisplayName, u.PasswordHash, string(u.Role)).Scan(&id)
	if err != nil {
		return uuid.Nil, fmt.Errorf("store: create user: %w", mapErr(err))
	}
	return id, nil
}

// SetPasswordByUsername replaces an account's password hash; admin only.
func (t *Tx) SetPasswordByUsername(ctx context.Context, username, passwordHash string) error {
	tag, err := t.tx.Exec(ctx,
		`UPDATE users SET password_hash = $2 WHERE lower(username) = lower($1)`, username, passwordHash)
	if err != nil {
		return fmt.Errorf("store: set password: %w", mapErr(err))
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("store: set password: %w", ErrNotFound)
	}
	return nil
}

// UserByID returns an account the caller may see (their own, or any for an
// admin).
func (t *Tx) UserByID(ctx context.Context, id uuid.UUID) (User, error) {
	rows, err := t.tx.Query(ctx,
		`SELECT id, username, display_name, email, role, created_at FROM users WHERE id = $1`, id)
	if err != nil {
		return User{}, fmt.Errorf("store: user by id: %w", err)
	}
	u, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[User])
	if err != nil {
		return User{}, fmt.Errorf("store: user by id: %w", mapErr(err))
	}
	return u, nil
}

// UserByUsername finds an account by username, case-insensitively, among
// those the caller may see.
func (t *Tx) UserByUsername(ctx context.Context, username string) (User, error) {
	rows, err := t.tx.Query(ctx,
		`SELECT id, username, display_name, email, role, created_at FROM users WHERE lower(username) = lower($1)`, username)
	if err != nil {
		return User{}, fmt.Errorf("store: user by username: %w", err)
	}
	u, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[User])
	if err != nil {
		return User{}, fmt.Errorf("store: user by username: %w", mapErr(err))
	}
	return u, nil
}

// OwnLanguage is the caller's stored interface language, "" when they have
// never chosen one.
func (t *Tx) OwnLanguage(ctx context.Context) (string, error) {
	var lang string
	err := t.tx.QueryRow(ctx,
		`SELECT coalesce(lang, '') FROM users WHERE id = (SELECT current_user_id())`).Scan(&lang)
	if err != nil {
		return "", fmt.Errorf("store: own language: %w", mapErr(err))
	}
	return lang, nil
}

// SetOwnLanguage stores the caller's interface language; the database
// refuses one that is not an interface language.
func (t *Tx) SetOwnLanguage(ctx context.Context, lang string) error {
	tag, err := t.tx.Exec(ctx, `UPDATE users SET lang = $1 WHERE id = (SELECT current_user_id())`, lang)
	if err != nil {
		return fmt.Errorf("store: set own language: %w", mapErr(err))
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("store: set own language: %w", ErrNotFound)
	}
	return nil
}
