// Package store holds all of Fieldbook's SQL. Every query that touches user
// data runs inside InTx, which opens one transaction per request and switches
// it to the caller's database role, so PostgreSQL's row-level security decides
// what the caller may see and change, not just the Go code.
package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// ErrNotFound is returned when a row does not exist or the caller's role may
// not see it; RLS makes the two indistinguishable, on purpose.
var ErrNotFound = errors.New("store: not found")

// ErrConflict is returned when a unique rule refuses a write (a taken
// username, for example).
var ErrConflict = errors.New("store: conflict")

// ErrForbidden is returned when PostgreSQL refuses a statement for the
// caller's role (a privilege or row-level security violation).
var ErrForbidden = errors.New("store: forbidden")

// Role is the kind of caller; each maps to a NOLOGIN database role.
type Role string

// The caller roles. RoleAnonymous is anyone not signed in.
const (
	RoleAnonymous Role = "anonymous"
	RoleLearner   Role = "learner"
	RoleVolunteer Role = "volunteer"
	RoleAdmin     Role = "admin"
)

// Roles are the roles an account can hold, in the order they are offered.
var Roles = []Role{RoleLearner, RoleVolunteer, RoleAdmin}

// Staff reports whether r writes courses and watches learners' progress:
// volunteers and admins. This is the one place in Go that says so; the
// database's policies say it for the rows.
func (r Role) Staff() bool { return r == RoleVolunteer || r == RoleAdmin }

// Valid reports whether r is one of the roles a user account can hold.
func (r Role) Valid() bool {
	return r == RoleLearner || r == RoleVolunteer || r == RoleAdmin
}

// dbRole is the PostgreSQL role a caller's transaction switches to.
func (r Role) dbRole() (string, error) {
	switch r {
	case RoleAnonymous, "":
		return DBRoleAnonymous, nil
	case RoleLearner:
		return DBRoleLearner, nil
	case RoleVolunteer:
		return DBRoleVolunteer, nil
	case RoleAdmin:
		return DBRoleAdmin, nil
	}
	return "", fmt.Errorf("store: unknown role %q", r)
}

// Caller is who a transaction runs for: the signed-in user, or anonymous
// (zero UserID).
type Caller struct {
	UserID uuid.UUID
	Role   Role
}

// Anonymous is the caller for requests without a session.
var Anonymous = Caller{Role: RoleAnonymous}

// Operator is the command line acting as an admin with no account of its
// own (creating the first admin, loading the demo). Handlers never use it.
var Operator = Caller{Role: RoleAdmin}

// Store is the database handle shared by every request.
type Store struct {
	pool *pgxpool.Pool
	// syncLimit and now bound how many new changes a learner may send
	// (SetSyncLimit).
	syncLimit SyncLimit
	now       func() time.Time
}

// New wraps an open pool.
func New(pool *pgxpool.Pool) *Store {
	return &Store{pool: pool, syncLimit: DefaultSyncLimit, now: time.Now}
}

// SetSyncLimit sets the per-learner budget of new changes and the clock it
// refills by (nil: the system clock). Call it before serving.
func (s *Store) SetSyncLimit(l SyncLimit, now func() time.Time) {
	if now == nil {
		now = time.Now
	}
	s.syncLimit, s.now = l, now
}

// Open connects a pool to databaseURL and checks that the server answers.
func Open(ctx context.Context, databaseURL string) (*pgxpool.Pool, error) {
	cfg, err := PoolConfig(databaseURL)
	if err != nil {
		return nil, err
	}
	return OpenConfig(ctx, cfg)
}

// PoolConfig is the pool configuration Open uses for databaseURL, for a
// caller that adjusts it (tests count round trips with their own dialer).
func PoolConfig(databaseURL string) (*pgxpool.Config, error) {
	cfg, err := pgxpool.ParseConfig(databaseURL)
	if err != nil {
		return nil, fmt.Errorf("store: parse database URL: %w", err)
	}
	cfg.ConnConfig.ConnectTimeout = 5 * time.Second
	cfg.AfterConnect = registerTypes
	return cfg, nil
}

// OpenConfig connects a pool with cfg (from PoolConfig) and checks that the
// server answers.
func OpenConfig(ctx context.Context, cfg *pgxpool.Config) (*pgxpool.Pool, error) {
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("store: open pool: %w", err)
	}
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := pool.Ping(pingCtx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("store: connect to database: %w", err)
	}
	return pool, nil
}

// registerTypes tells pgx which PostgreSQL types the Go types we pass as
// parameters are. The default query mode learns each parameter's type from
// the server, but the exec and simple-protocol modes (for PgBouncer without
// prepared-statement support: default_query_exec_mode in DATABASE_URL) do
// not, and could not encode a []uuid.UUID without this.
func registerTypes(_ context.Context, conn *pgx.Conn) error {
	m := conn.TypeMap()
	m.RegisterDefaultPgType(uuid.UUID{}, "uuid")
	m.RegisterDefaultPgType([]uuid.UUID{}, "_uuid")
	return nil
}

// Unavailable reports whether err means the database could not be reached
// or went away: a restart, a failover, PgBouncer without a server. That is a
// moment's outage to answer with 503 and retry, not a bug.
func Unavailable(err error) bool {
	if err == nil {
		return false
	}
	var connectErr *pgconn.ConnectError
	if errors.As(err, &connectErr) {
		return true
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		// 08: connection exception (PgBouncer reports its own failures as
		// 08P01); 57P01-03: admin shutdown, crash shutdown, cannot connect now.
		return strings.HasPrefix(pgErr.Code, "08") ||
			pgErr.Code == "57P01" || pgErr.Code == "57P02" || pgErr.Code == "57P03"
	}
	var netErr net.Error
	return errors.As(err, &netErr) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.EPIPE)
}

// Pool exposes the pool for the session store, which keeps its own table
// outside row-level security.
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// Tx is one caller's transaction; every query function is a method on it.
type Tx struct {
	tx     pgx.Tx
	caller Caller
	store  *Store
}

// Caller is who this transaction runs for.
func (t *Tx) Caller() Caller { return t.caller }

// InTx runs fn in one transaction switched to the caller's role. The first
// statement sets the role and user id with set_config(…, true): both are
// transaction-local, so a pooled connection (or PgBouncer in transaction
// mode) never carries them to the next request. The switch also drops a
// superuser's privileges, so RLS holds even then. fn's error rolls back.
func (s *Store) InTx(ctx context.Context, caller Caller, fn func(*Tx) error) error {
	return s.inTx(ctx, caller, pgx.TxOptions{}, fn)
}

// InTxRetry is InTx for a write that other writers may collide with (a
// sync batch updating shared counter rows): when PostgreSQL aborts the
// transaction for a deadlock or a serialization failure, fn runs again in a
// new transaction, up to three times in all. fn must only do database work
// through tx (it may run more than once).
func (s *Store) InTxRetry(ctx context.Context, caller Caller, fn func(*Tx) error) error {
	var err error
	for range 3 {
		if err = s.InTx(ctx, caller, fn); !retryable(err) {
			return err
		}
	}
	return err
}

// retryable reports whether err aborted a transaction that may simply be
// run again: a deadlock or a serialization failure.
func retryable(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && (pgErr.Code == "40P01" || pgErr.Code == "40001")
}

// ReadTx is InTx for read-only work; PostgreSQL refuses any write in it.
func (s *Store) ReadTx(ctx context.Context, caller Caller, fn func(*Tx) error) error {
	return s.inTx(ctx, caller, pgx.TxOptions{AccessMode: pgx.ReadOnly}, fn)
}

// settings are the database role and user id a caller's transaction
// switches to; a signed-in role without a user id is refused.
func (caller Caller) settings() (role, userID string, err error) {
	if role, err = caller.Role.dbRole(); err != nil {
		return "", "", err
	}
	if caller.UserID != uuid.Nil {
		userID = caller.UserID.String()
	}
	if userID == "" && role != DBRoleAnonymous && caller != Operator {
		return "", "", fmt.Errorf("store: role %s needs a user id", caller.Role)
	}
	return role, userID, nil
}

func (s *Store) inTx(ctx context.Context, caller Caller, opts pgx.TxOptions, fn func(*Tx) error) error {
	role, userID, err := caller.settings()
	if err != nil {
		return err
	}
	tx, err := s.pool.BeginTx(ctx, opts)
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx)) //nolint:errcheck // no-op after commit
	if _, err := tx.Exec(ctx, SwitchRoleSQL, role, userID); err != nil {
		return fmt.Errorf("store: switch role: %w", err)
	}
	if err := fn(&Tx{tx: tx, caller: caller, store: s}); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("store: commit: %w", mapErr(err))
	}
	return nil
}

// mapErr turns PostgreSQL errors a caller can cause into the store's
// sentinel errors, keeping the original for logs.
func mapErr(err error) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return ErrNotFound
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case "23505": // unique_violation
			return fmt.Errorf("%w: %s", ErrConflict, pgErr.ConstraintName)
		case "42501": // insufficient_privilege, including RLS WITH CHECK failures
			return fmt.Errorf("%w: %s", ErrForbidden, pgErr.Message)
		}
	}
	return err
}

// queryOne runs a query that returns one row and collects it into T by
// column name (pgx.RowToStructByName); no row is ErrNotFound. what names
// the query in errors ("store: what: …").
func queryOne[T any](ctx context.Context, t *Tx, what, sql string, args ...any) (T, error) {
	rows, err := t.tx.Query(ctx, sql, args...)
	if err == nil {
		var v T
		if v, err = pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[T]); err == nil {
			return v, nil
		}
	}
	var zero T
	return zero, fmt.Errorf("store: %s: %w", what, mapErr(err))
}

// Superuser reports whether the pool's login role is a superuser. The app
// still obeys row-level security then (each transaction switches role), but
// production should connect as fieldbook_app; serve warns.
func (s *Store) Superuser(ctx context.Context) (bool, error) {
	var super bool
	if err := s.pool.QueryRow(ctx, `SELECT rolsuper FROM pg_roles WHERE rolname = current_user`).Scan(&super); err != nil {
		return false, fmt.Errorf("store: check login role: %w", err)
	}
	return super, nil
}
