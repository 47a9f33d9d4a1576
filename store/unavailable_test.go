package store_test

import (
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"fieldbook/store"
)

// Unavailable tells a database that cannot be reached (503, retry) from
// everything else (a bug or a refusal).
func TestUnavailable(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"not found", store.ErrNotFound, false},
		{"conflict", fmt.Errorf("%w: x", store.ErrConflict), false},
		{"plain", errors.New("boom"), false},
		{"syntax error", &pgconn.PgError{Code: "42601"}, false},
		{"insufficient privilege", &pgconn.PgError{Code: "42501"}, false},
		{"connect error", fmt.Errorf("store: begin: %w", &pgconn.ConnectError{}), true},
		{"admin shutdown", fmt.Errorf("store: begin: %w", &pgconn.PgError{Code: "57P01"}), true},
		{"starting up", &pgconn.PgError{Code: "57P03"}, true},
		{"pgbouncer", &pgconn.PgError{Severity: "FATAL", Code: "08P01", Message: "server login has been failing"}, true},
		{"refused", &net.OpError{Op: "dial", Net: "unix", Err: syscall.ECONNREFUSED}, true},
		{"broken pipe", fmt.Errorf("write failed: %w", syscall.EPIPE), true},
		{"unexpected EOF", fmt.Errorf("read: %w", io.ErrUnexpectedEOF), true},
	} {
		if got := store.Unavailable(tc.err); got != tc.want {
			t.Errorf("%s: Unavailable(%v) = %v, want %v", tc.name, tc.err, got, tc.want)
		}
	}
}
