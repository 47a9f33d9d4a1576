package handlers_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"fieldbook/handlers"
)

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// Every response carries a request id, and the structured request log line
// has it with the route, status and latency, and no secrets.
func TestRequestLogHasRequestID(t *testing.T) {
	var logs syncBuffer
	a, _ := newAppWith(t, handlers.Options{Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
	c := a.newClient(t)
	r1 := c.GET("/").Send()
	r2 := c.GET("/login?next=/x").Send()
	id1, id2 := r1.Header.Get("X-Request-Id"), r2.Header.Get("X-Request-Id")
	if id1 == "" || id2 == "" || id1 == id2 {
		t.Fatalf("request ids %q and %q", id1, id2)
	}
	c.POST("/login").Form(map[string][]string{"username": {"nobody"}, "password": {"secret-in-form"}}).Send()
	found := false
	for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil || rec["msg"] != "request" {
			continue
		}
		if rec["request_id"] == id1 && rec["route"] == "/" && rec["status"] == float64(200) && rec["ms"] != nil {
			found = true
		}
	}
	if !found {
		t.Fatalf("no request log line with request_id %s:\n%s", id1, logs.String())
	}
	if strings.Contains(logs.String(), "secret-in-form") {
		t.Fatal("a password reached the log")
	}
}

// Permissions-Policy turns off device features no page of ours uses.
func TestPermissionsPolicy(t *testing.T) {
	a := newTestApp(t)
	r := a.GET(t, "/").Send()
	pp := r.Header.Get("Permissions-Policy")
	for _, feature := range []string{"camera=()", "microphone=()", "geolocation=()", "payment=()"} {
		if !strings.Contains(pp, feature) {
			t.Fatalf("Permissions-Policy %q lacks %s", pp, feature)
		}
	}
}
