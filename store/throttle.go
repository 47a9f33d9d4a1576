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

// Attempt is one key to count an attempt against, with its throttle.
type Attempt struct {
	Key string
	Throttle
}

// ThrottleReserve counts an attempt against every key before the work it
// guards (a password check) is done, all or nothing. If any key is locked,
// nothing is counted and the latest lock's end comes back; otherwise the
// zero time. Reservations of one key take turns in PostgreSQL, so however
// many requests arrive at once, no more pass than the throttle allows. A
// reservation that turns out not to be a failure is taken back with
// ThrottleForgive or ThrottleReset.
func (t *Tx) ThrottleReserve(ctx context.Context, now time.Time, attempts ...Attempt) (time.Time, error) {
	keys := make([]string, len(attempts))
	thresholds := make([]int32, len(attempts))
	maxima := make([]int32, len(attempts))
	for i, a := range attempts {
		keys[i], thresholds[i], maxima[i] = a.Key, int32(a.Threshold), int32(a.Max.Seconds())
	}
	var until *time.Time
	if err := t.tx.QueryRow(ctx, `SELECT auth_throttle_reserve($1, $2, $3, $4)`,
		keys, thresholds, maxima, now).Scan(&until); err != nil {
		return time.Time{}, fmt.Errorf("store: throttle reserve: %w", mapErr(err))
	}
	if until == nil {
		return time.Time{}, nil
	}
	return *until, nil
}

// ThrottleForgive takes back one reserved attempt for a: the password was
// right, or was never checked.
func (t *Tx) ThrottleForgive(ctx context.Context, a Attempt) error {
	if _, err := t.tx.Exec(ctx, `SELECT auth_throttle_forgive($1, $2)`, a.Key, a.Threshold); err != nil {
		return fmt.Errorf("store: throttle forgive: %w", mapErr(err))
	}
	return nil
}

// ThrottleReset forgets key's failures.
func (t *Tx) ThrottleReset(ctx context.Context, key string) error {
	if _, err := t.tx.Exec(ctx, `SELECT auth_throttle_reset($1)`, key); err != nil {
		return fmt.Errorf("store: throttle reset: %w", mapErr(err))
	}
	return nil
}

// DeviceKnown reports whether the device whose cookie hashes to device has
// signed in to username's account before.
func (t *Tx) DeviceKnown(ctx context.Context, device []byte, username string) (bool, error) {
	var known bool
	if err := t.tx.QueryRow(ctx, `SELECT auth_device_known($1, $2)`, device, username).Scan(&known); err != nil {
		return false, fmt.Errorf("store: device known: %w", mapErr(err))
	}
	return known, nil
}

// RememberDevice notes that the caller signed in on the device whose cookie
// hashes to device.
func (t *Tx) RememberDevice(ctx context.Context, device []byte, now time.Time) error {
	if _, err := t.tx.Exec(ctx, `SELECT auth_remember_device($1, $2)`, device, now); err != nil {
		return fmt.Errorf("store: remember device: %w", mapErr(err))
	}
	return nil
}
