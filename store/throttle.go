package store

import (
	"context"
	"fmt"
	"time"
)

// Throttle is one kind of throttled attempt: after Threshold failures in an
// hour the key is locked for 1, 2, 4 … seconds, at most Max.
type Throttle struct {
	Threshold int
	Max       time.Duration
}

// ThrottledUntil returns when the latest lock among keys ends, or the zero
// time when none is locked.
func (t *Tx) ThrottledUntil(ctx context.Context, keys ...string) (time.Time, error) {
	var until *time.Time
	if err := t.tx.QueryRow(ctx, `SELECT auth_throttle_until($1)`, keys).Scan(&until); err != nil {
		return time.Time{}, fmt.Errorf("store: throttle check: %w", mapErr(err))
	}
	if until == nil {
		return time.Time{}, nil
	}
	return *until, nil
}

// ThrottleFailure counts a failure for key and returns the end of the lock
// it caused, or the zero time.
func (t *Tx) ThrottleFailure(ctx context.Context, key string, th Throttle) (time.Time, error) {
	var until *time.Time
	if err := t.tx.QueryRow(ctx, `SELECT auth_throttle_fail($1, $2, $3)`,
		key, th.Threshold, int(th.Max.Seconds())).Scan(&until); err != nil {
		return time.Time{}, fmt.Errorf("store: throttle failure: %w", mapErr(err))
	}
	if until == nil {
		return time.Time{}, nil
	}
	return *until, nil
}

// ThrottleReset forgets key's failures.
func (t *Tx) ThrottleReset(ctx context.Context, key string) error {
	if _, err := t.tx.Exec(ctx, `SELECT auth_throttle_reset($1)`, key); err != nil {
		return fmt.Errorf("store: throttle reset: %w", mapErr(err))
	}
	return nil
}
