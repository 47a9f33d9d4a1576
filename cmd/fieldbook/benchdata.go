package main

import (
	"context"
	"errors"
	"io"

	"github.com/jackc/pgx/v5"

	"fieldbook/store"
)

// cmdBenchData loads the synthetic data set the dashboard is measured on
// (docs/dashboard.md). Never for a production database.
func cmdBenchData(ctx context.Context, cfg Config, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("bench-data", "Usage: fieldbook bench-data [flags]\n\nLoads synthetic courses, learners and progress with COPY into an empty,\nmigrated database, as FIELDBOOK_MIGRATE_DATABASE_URL (default DATABASE_URL).\nFor measurements only (docs/dashboard.md).", stderr)
	spec := store.DefaultBenchSpec
	fs.IntVar(&spec.Courses, "courses", spec.Courses, "courses")
	fs.IntVar(&spec.Lessons, "lessons", spec.Lessons, "lessons in all")
	fs.IntVar(&spec.Learners, "learners", spec.Learners, "learners")
	fs.IntVar(&spec.Progress, "progress", spec.Progress, "progress rows in all")
	fs.IntVar(&spec.Volunteers, "volunteers", spec.Volunteers, "volunteers (each edits a share of the courses)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if cfg.Env == "production" {
		return errors.New("bench-data refuses to run with FIELDBOOK_ENV=production")
	}
	if cfg.MigrateDatabaseURL == "" {
		return errors.New("DATABASE_URL is not set")
	}
	if err := cmdMigrate(ctx, cfg, nil, stdout, stderr); err != nil {
		return err
	}
	conn, err := pgx.Connect(ctx, cfg.MigrateDatabaseURL)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	return store.GenerateBenchData(ctx, conn, spec, stdout)
}
