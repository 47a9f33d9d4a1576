package store

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// Batch collects the read queries of one page, to be sent together by
// Store.Read. Its query methods queue and return at once; their results are
// filled in when Read returns. Queries in a batch cannot use each other's
// results: write them so that none has to wait (a subquery instead of a
// second round trip).
type Batch struct {
	caller Caller
	b      pgx.Batch
}

// Caller is who the batch runs for.
func (b *Batch) Caller() Caller { return b.caller }

// query queues sql; scan gets its rows when the batch's answer arrives.
func (b *Batch) query(_ context.Context, sql string, args []any, scan func(pgx.Rows) error) error {
	b.b.Queue(sql, args...).Query(scan)
	return nil
}

// query runs sql now and hands its rows to scan.
func (t *Tx) query(ctx context.Context, sql string, args []any, scan func(pgx.Rows) error) error {
	// On error pgx returns rows in an error state: scan sees it in rows.Err.
	rows, _ := t.tx.Query(ctx, sql, args...)
	defer rows.Close()
	return scan(rows)
}

// reader is a Tx (queries run at once) or a Batch (queries are queued):
// each read query is written once, as a function of a reader, and serves
// both.
type reader interface {
	query(ctx context.Context, sql string, args []any, scan func(pgx.Rows) error) error
}

// Read runs the queries fn queues in one round trip: the role switch, the
// queries and the end of the transaction travel together as one pgx batch
// (one implicit transaction, committed by the protocol's Sync), in every
// query exec mode, PgBouncer's too. Like ReadTx, the transaction is
// switched to the caller's role and user with set_config(…, true), and is
// read-only. Use InTx or ReadTx for writes and for reads that depend on one
// another.
func (s *Store) Read(ctx context.Context, caller Caller, fn func(*Batch)) error {
	role, userID, err := caller.settings()
	if err != nil {
		return err
	}
	b := &Batch{caller: caller}
	b.b.Queue(`SELECT set_config('role', $1, true), set_config('fieldbook.user_id', $2, true),
		set_config('transaction_read_only', 'on', true)`, role, userID)
	fn(b)
	if err := s.pool.SendBatch(ctx, &b.b).Close(); err != nil {
		return mapErr(err)
	}
	return nil
}

// collect reads every row of sql into *out, as T by column name.
func collect[T any](ctx context.Context, r reader, out *[]T, what, sql string, args ...any) error {
	return r.query(ctx, sql, args, func(rows pgx.Rows) error {
		list, err := pgx.CollectRows(rows, pgx.RowToStructByName[T])
		if err != nil {
			return fmt.Errorf("store: %s: %w", what, mapErr(err))
		}
		*out = list
		return nil
	})
}

// one reads the single row of sql into *out (none: ErrNotFound).
func one[T any](ctx context.Context, r reader, out *T, what, sql string, args ...any) error {
	return r.query(ctx, sql, args, func(rows pgx.Rows) error {
		v, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[T])
		if err != nil {
			return fmt.Errorf("store: %s: %w", what, mapErr(err))
		}
		*out = v
		return nil
	})
}
