package sw_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"

	"fieldbook/sw"
)

// TestSharedJS runs sw/shared_test.js under node's test runner with the
// constants the server gives the scripts (FB), so the text a phone signs for
// a quiz attempt is checked against testdata/attempt_messages.json in
// make test. node is required: a missing node fails, it never skips.
func TestSharedJS(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatalf("node is needed to test sw/shared.js (Debian: apt-get install nodejs): %v", err)
	}
	constants, err := json.Marshal(sw.Constants)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(node, "--test", "--test-reporter=tap", "shared_test.js")
	cmd.Env = append(os.Environ(), "FIELDBOOK_SW_CONSTANTS="+string(constants))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("node --test shared_test.js failed: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "# fail 0") || !strings.Contains(string(out), "attempt messages agree with the server") {
		t.Fatalf("node's test run did not report every test passing:\n%s", out)
	}
}
