package handlers

import (
	"encoding/json"
	"os"
	"testing"
)

// TestAttemptMessage holds the server's canonical text of a signed attempt
// to the cases the phone's JavaScript is held to (sw/shared_test.js): the
// same bytes for the same attempt, whatever its keys and values.
func TestAttemptMessage(t *testing.T) {
	b, err := os.ReadFile("../sw/testdata/attempt_messages.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases []struct {
		Name, Wire, Message string
	}
	if err := json.Unmarshal(b, &cases); err != nil || len(cases) < 5 {
		t.Fatalf("cases: %v (%d)", err, len(cases))
	}
	for _, c := range cases {
		if got := string(attemptMessage(json.RawMessage(c.Wire))); got != c.Message {
			t.Errorf("%s:\n got %q\nwant %q", c.Name, got, c.Message)
		}
	}
	// Spaces the phone would not send change nothing: values are compacted.
	spaced := `{"id":"a","user_id":"b","lesson_id":"c","version": 3 ,"at":"d","answers":{ "q" : [ 0 , 2 ] }}`
	if got := string(attemptMessage(json.RawMessage(spaced))); got != "fieldbook-attempt-v1\na\nb\nc\n3\nd\n{\"q\":[0,2]}" {
		t.Errorf("spaced attempt: %q", got)
	}
}
