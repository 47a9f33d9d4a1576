package store

import (
	"context"
	"fmt"
	"time"
)

// Retention says how long what only serves a while is kept.
type Retention struct {
	// Changes is how long a change id is remembered, so that a replay of
	// it changes nothing. A change older than that arriving later is
	// treated as new; last-write-wins then keeps the newer state.
	Changes time.Duration
	// Devices is how long a device cookie counts as known after its last
	// sign-in.
	Devices time.Duration
	// Sync is the sync budget, whose refilled buckets are dropped.
	Sync SyncLimit
}

// Purged counts what one Purge removed.
type Purged struct {
	Changes, Throttles, Budgets, Devices int64
}

// purgeBatch bounds how many change ids one statement deletes, so the first
// purge of a large table is many short transactions, not one long one.
const purgeBatch = 10_000

// Purge deletes change ids older than r.Changes, throttle rows that no
// longer lock or count, refilled sync budgets and devices unseen for
// r.Devices, as of now. It runs as the app's login role through one
// definer function; progress itself and quiz attempts are never touched.
func (s *Store) Purge(ctx context.Context, r Retention, now time.Time) (Purged, error) {
	var total Purged
	for {
		var p Purged
		err := s.pool.QueryRow(ctx, `SELECT * FROM maintenance_purge($1, $2, $3, $4, $5, $6)`,
			r.Changes, r.Devices, r.Sync.Burst, r.Sync.PerHour, purgeBatch, now).
			Scan(&p.Changes, &p.Throttles, &p.Budgets, &p.Devices)
		if err != nil {
			return total, fmt.Errorf("store: purge: %w", mapErr(err))
		}
		total.Changes += p.Changes
		total.Throttles += p.Throttles
		total.Budgets += p.Budgets
		total.Devices += p.Devices
		if p.Changes < purgeBatch {
			return total, nil
		}
	}
}
