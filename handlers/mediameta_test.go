package handlers

import (
	"context"
	"testing"
	"time"
)

// Item 2: at most cap(decodeSlots) uploads are decoded at once: with every
// slot taken, another waits (here until its request gives up) instead of
// decoding.
func TestDecodesAreBounded(t *testing.T) {
	for range cap(decodeSlots) {
		decodeSlots <- struct{}{}
	}
	defer func() {
		for range cap(decodeSlots) {
			<-decodeSlots
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	ran := false
	if err := withDecodeSlot(ctx, func() { ran = true }); err == nil || ran {
		t.Fatalf("a decode ran with every slot taken (err %v)", err)
	}
	h := &mediaHandlers{maxBytes: 10 << 20}
	if _, err := h.check(ctx, "a.png", []byte("\x89PNG\r\n\x1a\n")); err == nil {
		t.Fatal("an upload was checked with every decode slot taken")
	}
}
