package store

import (
	"context"
	"database/sql"

	"fieldbook/internal/i18n"

	"github.com/jackc/pgx/v5"
)

// RawQuery queues any SQL into a batch, for tests of what a batch runs as.
func (b *Batch) RawQuery(sql string, scan func(pgx.Rows) error, args ...any) {
	_ = b.query(context.Background(), sql, args, scan)
}

// SyncLanguages is what Migrate does after the migrations, for a test that
// adds a language.
func SyncLanguages(ctx context.Context, db *sql.DB, langs []i18n.Language) error {
	return syncLanguages(ctx, db, langs)
}
