package store_test

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib"

	"fieldbook/internal/i18n"
	"fieldbook/store"
	"fieldbook/store/storetest"
)

// TestLanguagesTableFollowsTheList: users.lang and courses.lang accept
// exactly the interface languages of internal/i18n, which Migrate copies
// into the languages table they reference (migration 00023). A language
// added to the list is accepted after the next migrate, with no migration
// of its own; one the list lacks is refused.
func TestLanguagesTableFollowsTheList(t *testing.T) {
	t.Parallel()
	db := storetest.NewDB(t)
	conn, err := pgx.Connect(t.Context(), db.OwnerURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	tags := func() []string {
		rows, _ := conn.Query(t.Context(), `SELECT tag FROM languages ORDER BY tag`)
		got, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	var want []string
	for _, l := range i18n.Languages() {
		want = append(want, l.Tag)
	}
	slices.Sort(want)
	if got := tags(); !slices.Equal(got, want) {
		t.Errorf("the languages table holds %q, internal/i18n has %q", got, want)
	}
	// Reference data: no caller role may read or change it.
	var granted []string
	rows, _ := conn.Query(t.Context(), `SELECT r.rolname FROM pg_roles r WHERE r.rolname LIKE 'fieldbook\_%'
		AND has_table_privilege(r.oid, 'languages', 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE')`)
	if granted, err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil || len(granted) > 0 {
		t.Errorf("roles with rights on languages: %q (%v)", granted, err)
	}
	var user uuid.UUID
	if err := conn.QueryRow(t.Context(), `INSERT INTO users (username, display_name, password_hash)
		VALUES ('hawa', 'Hawa', '!') RETURNING id`).Scan(&user); err != nil {
		t.Fatal(err)
	}
	setLang := func(tag string) error {
		_, err := conn.Exec(t.Context(), `UPDATE users SET lang = $2 WHERE id = $1`, user, tag)
		return err
	}
	newCourse := func(tag string) error {
		_, err := conn.Exec(t.Context(), `INSERT INTO courses (title, lang) VALUES ('Kozi', $1)`, tag)
		return err
	}
	var pgErr *pgconn.PgError
	for _, try := range []func(string) error{setLang, newCourse} {
		if err := try("ha"); !errors.As(err, &pgErr) || pgErr.Code != "23503" {
			t.Errorf("a language the list lacks: %v, want a foreign key violation", err)
		}
	}
	// One line in languages.go: Hausa joins the list; the next migrate
	// adds it, and people and courses may use it.
	sqlDB, err := sql.Open("pgx", db.OwnerURL)
	if err != nil {
		t.Fatal(err)
	}
	defer sqlDB.Close()
	if err := store.SyncLanguages(t.Context(), sqlDB, append(i18n.Languages(), i18n.Language{Tag: "ha", Name: "Hausa"})); err != nil {
		t.Fatal(err)
	}
	if err := setLang("ha"); err != nil {
		t.Errorf("Hausa once in the list: %v", err)
	}
	if err := newCourse("ha"); err != nil {
		t.Errorf("a Hausa course once in the list: %v", err)
	}
	// Taken out of the list again, it stays: Hawa's choice stays valid.
	if err := store.SyncLanguages(t.Context(), sqlDB, i18n.Languages()); err != nil {
		t.Fatal(err)
	}
	if got := tags(); !slices.Contains(got, "ha") || len(got) != len(want)+1 {
		t.Errorf("after a sync without Hausa: %q", got)
	}
}

// TestCourseLanguage: a course's content language defaults to its author's
// stored interface language (else English), is kept when a change names
// none, makes open forms stale when it changes, is refused when unknown,
// and orders the course list: the reader's language first, each language
// by title.
func TestCourseLanguage(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := t.Context()
	vol, other := e.user(t, store.RoleVolunteer), e.user(t, store.RoleVolunteer)
	if err := e.s.InTx(ctx, vol, func(tx *store.Tx) error { return tx.SetOwnLanguage(ctx, "sw") }); err != nil {
		t.Fatal(err)
	}
	create := func(who store.Caller, title, lang string) (uuid.UUID, error) {
		var id uuid.UUID
		err := e.s.InTx(ctx, who, func(tx *store.Tx) (err error) {
			id, _, err = tx.CreateCourse(ctx, store.NewCourse{Title: title, Lang: lang, Published: true})
			return err
		})
		return id, err
	}
	langOf := func(id uuid.UUID) (lang string, version int) {
		if err := e.owner.QueryRow(ctx, `SELECT lang, version FROM courses WHERE id = $1`, id).Scan(&lang, &version); err != nil {
			t.Fatal(err)
		}
		return lang, version
	}
	mustCreate := func(who store.Caller, title, lang string) uuid.UUID {
		id, err := create(who, title, lang)
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	swahili := mustCreate(vol, "Kunawa mikono", "")
	english := mustCreate(other, "Hand washing", "")
	french := mustCreate(other, "Premiers secours", "fr")
	arabic := mustCreate(other, "الإسعافات الأولية", "ar")
	for id, want := range map[uuid.UUID]string{swahili: "sw", english: "en", french: "fr", arabic: "ar"} {
		if got, _ := langOf(id); got != want {
			t.Errorf("course %s: lang %q, want %q", id, got, want)
		}
	}
	if _, err := create(vol, "Unknown", "xx"); err == nil {
		t.Error("the database stored a course in an unknown language")
	}

	// A change naming no language keeps it; a new language is a new version.
	err := e.s.InTx(ctx, other, func(tx *store.Tx) error {
		_, err := tx.UpdateCourse(ctx, french, store.CourseChange{Title: "Premiers secours", Version: 1})
		return err
	})
	if lang, v := langOf(french); err != nil || lang != "fr" || v != 1 {
		t.Errorf("a change without a language: lang %q version %d (%v), want fr at version 1", lang, v, err)
	}
	err = e.s.InTx(ctx, other, func(tx *store.Tx) error {
		_, err := tx.UpdateCourse(ctx, french, store.CourseChange{Title: "Premiers secours", Lang: "pt", Version: 1})
		return err
	})
	if lang, v := langOf(french); err != nil || lang != "pt" || v != 2 {
		t.Errorf("a change of language: lang %q version %d (%v), want pt at version 2", lang, v, err)
	}
	err = e.s.InTx(ctx, other, func(tx *store.Tx) error {
		_, err := tx.UpdateCourse(ctx, french, store.CourseChange{Title: "Premiers secours", Lang: "fr", Version: 1})
		return err
	})
	if !errors.Is(err, store.ErrConflict) {
		t.Errorf("a form loaded before the language changed saved: %v, want a conflict", err)
	}

	for first, want := range map[string][]uuid.UUID{
		"":   {english, swahili, french, arabic}, // by title: Hand, Kunawa, Premiers, then Arabic script
		"sw": {swahili, english, french, arabic},
		"ar": {arabic, english, swahili, french},
	} {
		var got []uuid.UUID
		err := e.s.ReadTx(ctx, store.Anonymous, func(tx *store.Tx) error {
			list, err := tx.ListCoursesWithProgress(ctx, first)
			for _, c := range list {
				got = append(got, c.ID)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, want) {
			t.Errorf("courses with %q first: %v, want %v", first, got, want)
		}
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

// TestSessionLang: the session store reads a session's owner's language as
// users.lang has it now (session_lang, for the app's own connection); the
// roles requests run as cannot call it, and it reveals nothing for a key
// that names no session.
func TestSessionLang(t *testing.T) {
	t.Parallel()
	w := newRLSWorld(t)
	ctx := t.Context()
	token := "a session token"
	if _, err := w.owner.Exec(ctx, `INSERT INTO user_sessions (token, user_id) VALUES ($1, $2)`,
		store.SessionKey(token), w.a); err != nil {
		t.Fatal(err)
	}
	pool, err := store.Open(ctx, w.db.AppURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	sessions := store.NewSessionStore(pool, 0) // not live: every read asks the database
	for _, want := range []string{"", "ar", "fr"} {
		if want != "" {
			if _, err := w.owner.Exec(ctx, `UPDATE users SET lang = $2 WHERE id = $1`, w.a, want); err != nil {
				t.Fatal(err)
			}
		}
		if got, err := sessions.UserLang(ctx, token); err != nil || got != want {
			t.Errorf("UserLang = %q, %v; want %q", got, err, want)
		}
	}
	if got, err := sessions.UserLang(ctx, "no such session"); err != nil || got != "" {
		t.Errorf("UserLang of no session = %q, %v; want nothing", got, err)
	}
	// A definer function owned by a NOLOGIN helper role, not by the tables'
	// owner (forced RLS gives the owner no rows unless it is a superuser),
	// with its search_path pinned.
	var owner string
	var definer bool
	var config []string
	if err := w.owner.QueryRow(ctx, `SELECT pg_get_userbyid(proowner), prosecdef, coalesce(proconfig, '{}')
		FROM pg_proc WHERE proname = 'session_lang'`).Scan(&owner, &definer, &config); err != nil {
		t.Fatal(err)
	}
	if owner != "fieldbook_auth" || !definer || !slices.Contains(config, "search_path=public, pg_temp") {
		t.Errorf("session_lang: owner %s, definer %v, settings %q", owner, definer, config)
	}
	for _, role := range []string{store.DBRoleAnonymous, store.DBRoleLearner, store.DBRoleVolunteer, store.DBRoleAdmin} {
		_, err := runAs(t, w.app, role, w.a, `SELECT session_lang($1)`, store.SessionKey(token))
		if sqlState(err) != "42501" {
			t.Errorf("%s called session_lang: %v, want permission denied", role, err)
		}
	}
}
