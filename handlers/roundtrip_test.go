package handlers_test

import (
	"context"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"fieldbook/handlers"
	"fieldbook/store"
	"fieldbook/store/storetest"
)

// roundTrips counts a connection's round trips: a read from the server
// that follows a write to it.
type roundTrips struct{ n atomic.Int64 }

type countedConn struct {
	net.Conn
	trips *roundTrips
	mu    sync.Mutex
	wrote bool
}

func (c *countedConn) Write(b []byte) (int, error) {
	n, err := c.Conn.Write(b)
	c.mu.Lock()
	c.wrote = true
	c.mu.Unlock()
	return n, err
}

func (c *countedConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	c.mu.Lock()
	if c.wrote {
		c.wrote = false
		c.trips.n.Add(1)
	}
	c.mu.Unlock()
	return n, err
}

// In the steady state (statements prepared, the session cached) a page view
// costs one database round trip: the role switch, the page's queries and
// the commit go in one batch, in pgx's default mode and in the exec mode
// used behind PgBouncer. Signed in and anonymous.
func TestPageViewIsOneRoundTrip(t *testing.T) {
	for _, mode := range []string{"cache_statement", "exec"} {
		t.Run(mode, func(t *testing.T) {
			ctx := context.Background()
			db := storetest.NewDB(t)
			cfg, err := store.PoolConfig(db.AppURL + "&default_query_exec_mode=" + mode)
			if err != nil {
				t.Fatal(err)
			}
			// One connection: every statement is prepared on it in the warm-up.
			cfg.MaxConns = 1
			trips := &roundTrips{}
			dialer := &net.Dialer{}
			cfg.ConnConfig.DialFunc = func(ctx context.Context, network, addr string) (net.Conn, error) {
				c, err := dialer.DialContext(ctx, network, addr)
				if err != nil {
					return nil, err
				}
				return &countedConn{Conn: c, trips: trips}, nil
			}
			pool, err := store.OpenConfig(ctx, cfg)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(pool.Close)
			a := startAppOn(t, db, pool, handlers.Options{})
			w := a.seedWorld(t)
			learner := a.newClient(t)
			learner.signIn(storetest.LearnerUser, storetest.LearnerPass)
			pages := []string{"/", "/courses/" + w.Course.ID.String(), "/lessons/" + w.Course.Lessons[1].String(),
				"/api/courses/" + w.Course.ID.String() + "/progress", "/api/me/progress?course=" + w.Course.ID.String(),
				"/api/me/progress"}
			for _, who := range []struct {
				name string
				c    *client
			}{{"learner", learner}, {"anonymous", a.newClient(t)}} {
				for _, path := range pages {
					if who.name == "anonymous" && strings.HasPrefix(path, "/api/") {
						continue // the progress JSON is for signed-in callers
					}
					for range 2 { // prepare the statements, cache the session
						if r := who.c.GET(path).Send(); r.Status != http.StatusOK {
							t.Fatalf("%s %s: %d", who.name, path, r.Status)
						}
					}
					before := trips.n.Load()
					if r := who.c.GET(path).Send(); r.Status != http.StatusOK {
						t.Fatalf("%s %s: %d", who.name, path, r.Status)
					}
					if n := trips.n.Load() - before; n != 1 {
						t.Errorf("%s %s: %d database round trips, want 1", who.name, path, n)
					}
				}
			}
		})
	}
}
