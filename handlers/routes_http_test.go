package handlers_test

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"fieldbook/handlers"
)

// HEAD is answered like GET, without a body: the same status and headers.
func TestHeadLikeGet(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	c := a.newClient(t)
	for _, path := range []string{"/", "/login", "/courses/x", "/no/such/page", "/healthz"} {
		get, head := c.GET(path).Send(), c.Request(http.MethodHead, path).Send()
		if head.Status != get.Status || head.Body != "" {
			t.Errorf("HEAD %s: %d with %d bytes; GET: %d", path, head.Status, len(head.Body), get.Status)
		}
		if head.Header.Get("Content-Type") != get.Header.Get("Content-Type") {
			t.Errorf("HEAD %s: Content-Type %q, GET %q", path, head.Header.Get("Content-Type"), get.Header.Get("Content-Type"))
		}
	}
}

// A one-time link's token never reaches the request log: the route's
// policy logs its pattern instead of its path.
func TestSecretPathsStayOutOfTheLog(t *testing.T) {
	var logs syncBuffer
	a, _ := newAppWith(t, handlers.Options{Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
	c := a.newClient(t)
	const token = "sEcReTtOkEn-that-must-not-be-logged"
	c.GET("/invite/" + token).Send()
	c.GET("/reset/" + token).Send()
	c.GET("/courses/x").Send()
	if strings.Contains(logs.String(), token) {
		t.Fatalf("a token reached the log:\n%s", logs.String())
	}
	paths := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		var rec map[string]any
		if json.Unmarshal([]byte(line), &rec) == nil && rec["msg"] == "request" {
			paths[rec["path"].(string)] = true
		}
	}
	for _, want := range []string{"/invite/:token", "/reset/:token", "/courses/x"} {
		if !paths[want] {
			t.Errorf("no request logged with path %s: %v", want, paths)
		}
	}
}
