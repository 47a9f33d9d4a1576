package handlers_test

import (
	"compress/gzip"
	"io"
	"net/http"
	"testing"

	"github.com/google/uuid"
)

// Pages and JSON go out gzipped to clients that accept it (and plain to
// others), with the status the handler chose; bodies too small to gain,
// and bodiless answers, go out as they are.
func TestResponsesAreGzipped(t *testing.T) {
	a := newTestApp(t)
	w := a.seedWorld(t)
	fetch := func(path string, gz bool) (*http.Response, string) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, a.URL+path, nil)
		if gz {
			req.Header.Set("Accept-Encoding", "gzip")
		}
		res, err := a.transport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var body io.Reader = res.Body
		if res.Header.Get("Content-Encoding") == "gzip" {
			zr, err := gzip.NewReader(res.Body)
			if err != nil {
				t.Fatalf("%s: bad gzip: %v", path, err)
			}
			body = zr
		}
		b, err := io.ReadAll(body)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		return res, string(b)
	}
	for _, tc := range []struct {
		path   string
		status int
		gzip   bool
	}{
		{"/", http.StatusOK, true},
		{"/lessons/" + w.Course.Lessons[0].String(), http.StatusOK, true},
		{"/lessons/" + uuid.NewString(), http.StatusNotFound, true},                            // an error page
		{"/api/courses/" + w.Course.ID.String() + "/progress", http.StatusUnauthorized, false}, // a short JSON error
		{"/account", http.StatusSeeOther, false},                                               // a redirect, no body
	} {
		res, body := fetch(tc.path, true)
		if res.StatusCode != tc.status {
			t.Errorf("%s: status %d, want %d", tc.path, res.StatusCode, tc.status)
		}
		if got := res.Header.Get("Content-Encoding") == "gzip"; got != tc.gzip {
			t.Errorf("%s: gzipped %v, want %v (%d bytes)", tc.path, got, tc.gzip, len(body))
		}
		if vary := res.Header.Values("Vary"); !contains(vary, "Accept-Encoding") {
			t.Errorf("%s: Vary %v lacks Accept-Encoding", tc.path, vary)
		}
		plainRes, plain := fetch(tc.path, false)
		if plainRes.Header.Get("Content-Encoding") != "" || plainRes.StatusCode != tc.status {
			t.Errorf("%s without gzip: %d, encoding %q", tc.path, plainRes.StatusCode, plainRes.Header.Get("Content-Encoding"))
		}
		if tc.status == http.StatusOK && plain != body {
			t.Errorf("%s: the gzipped body differs from the plain one", tc.path)
		}
	}
}

func contains(list []string, want string) bool {
	for _, v := range list {
		if v == want {
			return true
		}
	}
	return false
}
