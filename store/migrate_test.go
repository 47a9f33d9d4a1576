package store_test

import (
	"context"
	"fmt"
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"

	"fieldbook/migrations"
	"fieldbook/store"
	"fieldbook/store/storetest"
)

// A database that already has a later migration (another engineer's, landed
// first) still takes an earlier-numbered one that arrives after it.
func TestMigrateAppliesALowerNumberLandingLater(t *testing.T) {
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, storetest.Shared().AdminURL)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	name := fmt.Sprintf("fieldbook_order_%d", time.Now().UnixNano())
	if _, err := admin.Exec(ctx, `CREATE DATABASE `+name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = admin.Exec(context.Background(), `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`) })
	url := storetest.Shared().URLFor(name, "", "")
	without := fstest.MapFS{}
	entries, err := fs.ReadDir(migrations.FS, ".")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "00012_") || !strings.HasSuffix(e.Name(), ".sql") {
			continue
		}
		b, _ := fs.ReadFile(migrations.FS, e.Name())
		without[e.Name()] = &fstest.MapFile{Data: b}
	}
	cfg, _ := pgx.ParseConfig(url)
	sqlDB := stdlib.OpenDB(*cfg)
	defer sqlDB.Close()
	p, err := goose.NewProvider(goose.DialectPostgres, sqlDB, without)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Up(ctx); err != nil {
		t.Fatal(err)
	}
	applied, err := store.Migrate(ctx, url)
	if err != nil || len(applied) != 1 || !strings.Contains(applied[0], "00012_") {
		t.Fatalf("migrate after a later number: %v %v", applied, err)
	}
}
