package store

import (
	"context"

	"github.com/jackc/pgx/v5"
)

// RawQuery queues any SQL into a batch, for tests of what a batch runs as.
func (b *Batch) RawQuery(sql string, scan func(pgx.Rows) error, args ...any) {
	_ = b.query(context.Background(), sql, args, scan)
}
