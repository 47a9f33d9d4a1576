package store

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"fieldbook/internal/i18n"
	"fieldbook/migrations"
)

// Migrate applies every pending embedded migration to the database at
// databaseURL, which must be the role that owns the schema. A PostgreSQL
// advisory lock makes several instances starting at once take turns.
func Migrate(ctx context.Context, databaseURL string) ([]string, error) {
	cfg, err := pgx.ParseConfig(databaseURL)
	if err != nil {
		return nil, fmt.Errorf("store: migrate: parse database URL: %w", err)
	}
	db := stdlib.OpenDB(*cfg)
	defer db.Close()
	return migrateDB(ctx, db)
}

func migrateDB(ctx context.Context, db *sql.DB) ([]string, error) {
	locker, err := lock.NewPostgresSessionLocker()
	if err != nil {
		return nil, fmt.Errorf("store: migrate: locker: %w", err)
	}
	// Out of order: migration numbers are reserved per piece of work and
	// land in any order (00013 may reach a database before 00012); each one
	// stands alone, so a lower number arriving later is applied, not refused.
	provider, err := goose.NewProvider(goose.DialectPostgres, db, migrations.FS,
		goose.WithSessionLocker(locker), goose.WithAllowOutofOrder(true))
	if err != nil {
		return nil, fmt.Errorf("store: migrate: %w", err)
	}
	results, err := provider.Up(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: migrate: %w", err)
	}
	applied := make([]string, 0, len(results))
	for _, r := range results {
		applied = append(applied, r.Source.Path)
	}
	if err := syncLanguages(ctx, db, i18n.Languages()); err != nil {
		return applied, err
	}
	return applied, nil
}

// syncLanguages adds every language of the app's one list (internal/i18n)
// to the languages table users.lang and courses.lang reference (migration
// 00023): a language added there needs no migration. None is removed: the
// people and courses in a language taken out of the list stay valid.
func syncLanguages(ctx context.Context, db *sql.DB, langs []i18n.Language) error {
	tags := make([]string, len(langs))
	for i, l := range langs {
		tags[i] = l.Tag
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO languages (tag) SELECT unnest($1::text[]) ON CONFLICT DO NOTHING`,
		tags); err != nil {
		return fmt.Errorf("store: migrate: languages: %w", err)
	}
	return nil
}

// LatestMigration is the highest version among the embedded migrations.
func LatestMigration() (int64, error) {
	entries, err := fs.ReadDir(migrations.FS, ".")
	if err != nil {
		return 0, fmt.Errorf("store: list migrations: %w", err)
	}
	var latest int64
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".sql") {
			continue
		}
		num, _, _ := strings.Cut(name, "_")
		v, err := strconv.ParseInt(num, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("store: migration %s has no version number", name)
		}
		latest = max(latest, v)
	}
	return latest, nil
}

// Ready checks that the database answers and has every migration this
// binary embeds; /readyz reports it.
func (s *Store) Ready(ctx context.Context) error {
	want, err := LatestMigration()
	if err != nil {
		return err
	}
	var have int64
	if err := s.pool.QueryRow(ctx,
		`SELECT coalesce(max(version_id), 0) FROM goose_db_version WHERE is_applied`).Scan(&have); err != nil {
		return fmt.Errorf("database: %w", err)
	}
	if have < want {
		return fmt.Errorf("database schema is at version %d, this build needs %d", have, want)
	}
	return nil
}
