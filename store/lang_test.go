package store_test

import (
	"context"
	"regexp"
	"slices"
	"testing"

	"github.com/jackc/pgx/v5"

	"fieldbook/internal/i18n"
	"fieldbook/store"
	"fieldbook/store/storetest"
)

// TestUserLangCheckMatchesLanguages: users.lang accepts exactly the
// interface languages of internal/i18n. A language added there needs a
// migration widening users_lang_check (docs/i18n.md).
func TestUserLangCheckMatchesLanguages(t *testing.T) {
	t.Parallel()
	db := storetest.NewDB(t)
	conn, err := pgx.Connect(t.Context(), db.OwnerURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var def string
	if err := conn.QueryRow(t.Context(), `SELECT pg_get_constraintdef(oid) FROM pg_constraint
		WHERE conrelid = 'users'::regclass AND conname = 'users_lang_check'`).Scan(&def); err != nil {
		t.Fatalf("users_lang_check: %v", err)
	}
	var inCheck []string
	for _, m := range regexp.MustCompile(`'([^']*)'`).FindAllStringSubmatch(def, -1) {
		inCheck = append(inCheck, m[1])
	}
	var want []string
	for _, l := range i18n.Languages() {
		want = append(want, l.Tag)
	}
	slices.Sort(inCheck)
	slices.Sort(want)
	if !slices.Equal(inCheck, want) {
		t.Errorf("users_lang_check allows %q, internal/i18n has %q: add a migration that changes the CHECK", inCheck, want)
	}
}

// TestOwnLanguage: a user stores and reads back their own language; the
// database refuses a language it does not know and keeps the old one.
func TestOwnLanguage(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	st, ctx := e.s, t.Context()
	var caller store.Caller
	err := st.InTx(ctx, store.Operator, func(tx *store.Tx) error {
		id, err := tx.CreateUser(ctx, store.NewUser{Username: "amina", DisplayName: "Amina", PasswordHash: "h", Role: store.RoleLearner})
		caller = store.Caller{UserID: id, Role: store.RoleLearner}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	read := func() string {
		var lang string
		if err := st.ReadTx(ctx, caller, func(tx *store.Tx) (err error) {
			lang, err = tx.OwnLanguage(ctx)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return lang
	}
	if got := read(); got != "" {
		t.Errorf("a new account's language = %q, want none", got)
	}
	set := func(lang string) error {
		return st.InTx(ctx, caller, func(tx *store.Tx) error { return tx.SetOwnLanguage(ctx, lang) })
	}
	if err := set("sw"); err != nil {
		t.Fatal(err)
	}
	if err := set("xx"); err == nil {
		t.Error("the database stored an unknown language")
	}
	if got := read(); got != "sw" {
		t.Errorf("language = %q, want sw", got)
	}
}
