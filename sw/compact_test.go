package sw

import (
	"bytes"
	"testing"
)

// TestCompact: whole-line comments and blank lines go; code stays byte for
// byte, a comment after code and "//" inside a string included; the
// worker as served is much smaller.
func TestCompact(t *testing.T) {
	src := []byte("// The queue.\nconst a = 1; // one\n\n  // indented\nconst u = \"http://x\";\n/* global A */\n")
	want := "const a = 1; // one\nconst u = \"http://x\";\n/* global A */\n"
	if got := string(Compact(src)); got != want {
		t.Errorf("Compact = %q, want %q", got, want)
	}
	if n, m := len(Compact(Source)), len(Source); n > m*3/4 || !bytes.Contains(Compact(Source), []byte("addEventListener(\"fetch\"")) {
		t.Errorf("the compact worker is %d of %d bytes, or lost its code", n, m)
	}
}
