package store_test

import (
	"context"
	"testing"

	"fieldbook/store"
	"fieldbook/store/storetest"
)

func TestSmoke(t *testing.T) {
	db := storetest.NewDB(t)
	pool, err := store.Open(context.Background(), db.AppURL)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	s := store.New(pool)
	err = s.ReadTx(context.Background(), store.Anonymous, func(tx *store.Tx) error {
		list, err := tx.ListCoursesWithProgress(context.Background())
		t.Log(list)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}
