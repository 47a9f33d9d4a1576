package store_test

import (
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"fieldbook/store"
	"fieldbook/store/storetest"
)

// Ready passes on a fully migrated database and names the gap when the
// schema is behind this build.
func TestReady(t *testing.T) {
	ctx := context.Background()
	db := storetest.NewDB(t)
	pool, err := store.Open(ctx, db.AppURL)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	st := store.New(pool)
	if err := st.Ready(ctx); err != nil {
		t.Fatalf("Ready on a migrated database: %v", err)
	}
	latest, err := store.LatestMigration()
	if err != nil || latest < 2 {
		t.Fatalf("LatestMigration = %d, %v", latest, err)
	}
	owner, err := pgx.Connect(ctx, db.OwnerURL)
	if err != nil {
		t.Fatal(err)
	}
	defer owner.Close(ctx)
	if _, err := owner.Exec(ctx, `DELETE FROM goose_db_version WHERE version_id = $1`, latest); err != nil {
		t.Fatal(err)
	}
	if err := st.Ready(ctx); err == nil || !strings.Contains(err.Error(), "this build needs") {
		t.Fatalf("Ready with a missing migration: %v", err)
	}
}
