package handlers

import (
	"testing"

	"github.com/google/uuid"

	"fieldbook/store"
)

// TestHubDropsSlowStream: publishing never blocks; a stream whose buffer is
// full is marked dropped (its page will re-read) while the others go on.
func TestHubDropsSlowStream(t *testing.T) {
	h := NewHub(2, 3)
	course, other := uuid.New(), uuid.New()
	user := uuid.New()
	slow, err := h.subscribe(course, user)
	if err != nil {
		t.Fatal(err)
	}
	fast, err := h.subscribe(course, uuid.New())
	if err != nil {
		t.Fatal(err)
	}
	elsewhere, err := h.subscribe(other, uuid.New())
	if err != nil {
		t.Fatal(err)
	}
	for range 10 {
		h.Publish(store.ProgressEvent{CourseID: course})
		<-fast.events // the fast one keeps up
	}
	select {
	case <-slow.dropped:
	default:
		t.Fatal("the slow stream was not dropped")
	}
	select {
	case <-fast.dropped:
		t.Fatal("the fast stream was dropped")
	default:
	}
	if len(elsewhere.events) != 0 {
		t.Fatal("another course's stream got events")
	}
	// Per-user limit, and unsubscribe frees the place.
	if _, err := h.subscribe(course, user); err != nil {
		t.Fatalf("second stream: %v", err)
	}
	if _, err := h.subscribe(other, user); err != errTooManyStreams {
		t.Fatalf("third stream: %v, want errTooManyStreams", err)
	}
	h.unsubscribe(slow)
	if _, err := h.subscribe(other, user); err != nil {
		t.Fatalf("after unsubscribe: %v", err)
	}
	// Resync reaches every stream; Close ends them all and refuses new ones.
	h.Resync()
	select {
	case <-elsewhere.resync:
	default:
		t.Fatal("no resync")
	}
	h.Close()
	select {
	case <-fast.done:
	default:
		t.Fatal("Close did not end the stream")
	}
	if _, err := h.subscribe(course, uuid.New()); err != errHubClosed {
		t.Fatalf("subscribe after Close: %v", err)
	}
}

// The instance-wide cap on streams holds across users, and a closed stream
// frees its place.
func TestHubTotalCap(t *testing.T) {
	h := NewHub(4, 8)
	h.max = 3
	course := uuid.New()
	var open []*stream
	for i := 0; i < 3; i++ {
		s, err := h.subscribe(course, uuid.New())
		if err != nil {
			t.Fatalf("stream %d: %v", i+1, err)
		}
		open = append(open, s)
	}
	if _, err := h.subscribe(course, uuid.New()); err != errServerFull {
		t.Fatalf("stream over the cap: %v, want errServerFull", err)
	}
	h.unsubscribe(open[0])
	if _, err := h.subscribe(course, uuid.New()); err != nil {
		t.Fatalf("after one closed: %v", err)
	}
}
