package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// MaxPhones is how many live phone keys one account may hold: a learner
// may use a few shared phones, and each registration is a row that signed
// changes are checked against.
const MaxPhones = 20

// PhoneKeyTouchEvery is how often a key's last use is written: at most
// once a day per key, not once per synced item.
const PhoneKeyTouchEvery = 24 * time.Hour

// ErrTooManyPhones is returned when the caller already holds MaxPhones
// live keys.
var ErrTooManyPhones = errors.New("store: too many phones")

// sessionRecordKey is how user_sessions.token holds a session's token: its
// SessionKey (the records keep a hash of it).
func sessionRecordKey(token string) string { return SessionKey(token) }

// PhoneKey is one phone the caller set up for offline use.
type PhoneKey struct {
	ID         uuid.UUID  `db:"id"`
	Label      string     `db:"label"`
	CreatedAt  time.Time  `db:"created_at"`
	LastUsedAt *time.Time `db:"last_used_at"`
	// ThisSession is true for the key registered by the session given to
	// PhoneKeys: most likely the phone in the person's hand.
	ThisSession bool `db:"this_session"`
}

// RegisterPhoneKey stores the public key of one of the caller's phones (the
// 65-byte uncompressed P-256 point) with a label, noting the session that
// registered it (by its token; "" for none). Registering the same key again
// returns its id with created false, so a phone may safely retry. A key
// already revoked, or held by another account, is ErrConflict; a caller
// with MaxPhones live keys gets ErrTooManyPhones.
func (t *Tx) RegisterPhoneKey(ctx context.Context, publicKey []byte, label, sessionToken string) (id uuid.UUID, created bool, err error) {
	var existing *uuid.UUID
	var revoked bool
	err = t.tx.QueryRow(ctx, `
		SELECT id, revoked_at IS NOT NULL FROM phone_keys WHERE public_key = $1`, publicKey).Scan(&existing, &revoked)
	switch {
	case err == nil && revoked:
		return uuid.Nil, false, fmt.Errorf("store: register phone key: revoked: %w", ErrConflict)
	case err == nil:
		return *existing, false, nil
	case !errors.Is(err, pgx.ErrNoRows):
		return uuid.Nil, false, fmt.Errorf("store: register phone key: %w", mapErr(err))
	}
	// The cap is counted in the same statement; two registrations racing
	// may pass it by one each, which is harmless.
	err = t.tx.QueryRow(ctx, `
		INSERT INTO phone_keys (user_id, public_key, label, session_id)
		SELECT (SELECT current_user_id()), $1, $2,
		       (SELECT s.id FROM user_sessions s WHERE s.token = $3)
		WHERE (SELECT count(*) FROM phone_keys WHERE revoked_at IS NULL) < $4
		RETURNING id`, publicKey, label, sessionRecordKey(sessionToken), MaxPhones).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return uuid.Nil, false, ErrTooManyPhones
	}
	if err != nil {
		return uuid.Nil, false, fmt.Errorf("store: register phone key: %w", mapErr(err))
	}
	return id, true, nil
}

// PhoneKeys lists the caller's live phone keys, newest first, marking the
// one the session with sessionToken registered.
func (t *Tx) PhoneKeys(ctx context.Context, sessionToken string) ([]PhoneKey, error) {
	rows, err := t.tx.Query(ctx, `
		SELECT k.id, k.label, k.created_at, k.last_used_at,
		       coalesce(s.token = $1, false) AS this_session
		FROM phone_keys k
		LEFT JOIN user_sessions s ON s.id = k.session_id
		WHERE k.revoked_at IS NULL
		ORDER BY k.created_at DESC, k.id`, sessionRecordKey(sessionToken))
	if err != nil {
		return nil, fmt.Errorf("store: list phone keys: %w", err)
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByName[PhoneKey])
	if err != nil {
		return nil, fmt.Errorf("store: list phone keys: %w", err)
	}
	return list, nil
}

// ForgetPhoneKey revokes one of the caller's keys. Forgetting a key already
// revoked is done already; a key that is not the caller's is ErrNotFound.
func (t *Tx) ForgetPhoneKey(ctx context.Context, id uuid.UUID) error {
	var found bool
	err := t.tx.QueryRow(ctx, `
		WITH revoked AS (
			UPDATE phone_keys SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL RETURNING id
		)
		SELECT EXISTS (SELECT 1 FROM revoked) OR EXISTS (SELECT 1 FROM phone_keys WHERE id = $1)`, id).Scan(&found)
	if err != nil {
		return fmt.Errorf("store: forget phone key: %w", mapErr(err))
	}
	if !found {
		return fmt.Errorf("store: forget phone key: %w", ErrNotFound)
	}
	return nil
}

// ForgetOtherPhoneKeys revokes the caller's keys except keep (uuid.Nil:
// none) and the one registered by the session with sessionToken: "Sign
// out everywhere else" ends the other phones, not the one in use. It
// returns how many keys it revoked.
func (t *Tx) ForgetOtherPhoneKeys(ctx context.Context, keep uuid.UUID, sessionToken string) (int, error) {
	tag, err := t.tx.Exec(ctx, `
		UPDATE phone_keys k SET revoked_at = now()
		WHERE k.revoked_at IS NULL AND k.id <> $1
		  AND NOT EXISTS (SELECT 1 FROM user_sessions s WHERE s.id = k.session_id AND s.token = $2)`,
		keep, sessionRecordKey(sessionToken))
	if err != nil {
		return 0, fmt.Errorf("store: forget other phone keys: %w", mapErr(err))
	}
	return int(tag.RowsAffected()), nil
}

// LivePhoneKey is what verifying a signed item needs of its key.
type LivePhoneKey struct {
	ID uuid.UUID `db:"key_id"`
	// Owner is the key's user under their current role: a signed item is
	// applied as them, whoever sent it.
	Owner      Caller
	PublicKey  []byte     `db:"public_key"`
	LastUsedAt *time.Time `db:"last_used_at"`
}

// LivePhoneKeys looks up the live keys among ids (revoked, unknown and
// disabled accounts' keys are left out) through the phone_keys_live
// function, which any caller role may run: a replay may come with nobody
// signed in, and the anonymous role cannot read the keys table.
func (t *Tx) LivePhoneKeys(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID]LivePhoneKey, error) {
	out := make(map[uuid.UUID]LivePhoneKey, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := t.tx.Query(ctx,
		`SELECT key_id, user_id, user_role, public_key, last_used_at FROM phone_keys_live($1)`, ids)
	if err != nil {
		return nil, fmt.Errorf("store: look up phone keys: %w", mapErr(err))
	}
	defer rows.Close()
	for rows.Next() {
		var k LivePhoneKey
		var role string
		if err := rows.Scan(&k.ID, &k.Owner.UserID, &role, &k.PublicKey, &k.LastUsedAt); err != nil {
			return nil, fmt.Errorf("store: look up phone keys: %w", err)
		}
		k.Owner.Role = Role(role)
		out[k.ID] = k
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: look up phone keys: %w", mapErr(err))
	}
	return out, nil
}

// DueForTouch reports whether the key's last use should be written now.
func (k LivePhoneKey) DueForTouch(now time.Time) bool {
	return k.LastUsedAt == nil || now.Sub(*k.LastUsedAt) >= PhoneKeyTouchEvery
}

// TouchPhoneKeys notes that the caller's keys ids were just used, leaving
// any touched less than PhoneKeyTouchEvery ago alone.
func (t *Tx) TouchPhoneKeys(ctx context.Context, ids []uuid.UUID) error {
	if len(ids) == 0 {
		return nil
	}
	_, err := t.tx.Exec(ctx, `
		UPDATE phone_keys SET last_used_at = now()
		WHERE id = ANY ($1) AND revoked_at IS NULL
		  AND (last_used_at IS NULL OR last_used_at <= now() - $2::interval)`,
		ids, fmt.Sprintf("%d seconds", int(PhoneKeyTouchEvery.Seconds())))
	if err != nil {
		return fmt.Errorf("store: touch phone keys: %w", mapErr(err))
	}
	return nil
}

// UpgradeOwnPasswordHash stores a new hash of the password the caller just
// signed in with. Unlike SetOwnPassword, it keeps the caller's phone keys:
// the password has not changed.
func (t *Tx) UpgradeOwnPasswordHash(ctx context.Context, hash string) error {
	if _, err := t.tx.Exec(ctx, `SELECT auth_upgrade_own_password_hash($1)`, hash); err != nil {
		return fmt.Errorf("store: upgrade own password hash: %w", mapErr(err))
	}
	return nil
}
