package e2e

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// /healthz is up with the process; /readyz only once the database has this
// build's schema and the LISTEN connection is up; `fieldbook health` says so.
func TestHealthAndReadiness(t *testing.T) {
	srv := startServer(t)
	var body string
	poll(t, 15*time.Second, "/readyz to answer ready", func() bool {
		resp, err := http.Get(srv.URL + "/readyz")
		if err != nil {
			return false
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		body = string(b)
		return resp.StatusCode == http.StatusOK
	})
	if body != "ready" {
		t.Fatalf("/readyz body %q", body)
	}
	out, err := srv.command("health", "--url", srv.URL+"/readyz").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "ready") {
		t.Fatalf("fieldbook health: %v %s", err, out)
	}
	srv.Stop()
	if out, err := srv.command("health", "--url", srv.URL+"/readyz").CombinedOutput(); err == nil {
		t.Fatalf("fieldbook health succeeded with the server stopped: %s", out)
	}
}
