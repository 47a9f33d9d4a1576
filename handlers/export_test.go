package handlers

import (
	"context"
	"testing"
	"time"
)

// FillHashQueue takes every Argon2 slot and fills the queue of hashes
// waiting for one, as a flood of sign-ins would; the returned function
// gives them back. Only for tests that do not run in parallel.
func FillHashQueue(t *testing.T) (release func()) {
	t.Helper()
	for range cap(hashSlots) {
		hashSlots <- struct{}{}
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	for range maxHashWaiting {
		go func() {
			_, _ = HashPassword(ctx, "waiting in the queue")
			done <- struct{}{}
		}()
	}
	for deadline := time.Now().Add(10 * time.Second); hashWaiting.Load() < maxHashWaiting; {
		if time.Now().After(deadline) {
			t.Fatalf("only %d of %d hashes waiting", hashWaiting.Load(), maxHashWaiting)
		}
		time.Sleep(time.Millisecond)
	}
	return func() {
		cancel()
		for range maxHashWaiting {
			<-done
		}
		for range cap(hashSlots) {
			<-hashSlots
		}
	}
}
