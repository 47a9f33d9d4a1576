-- +goose Up
-- The interface languages as a table, so that adding one is a line in
-- internal/i18n/languages.go and no migration: `fieldbook migrate` (like
-- every Migrate) inserts each language of that list after the migrations
-- (store.syncLanguages). users.lang and courses.lang reference it instead
-- of each holding the list in a CHECK (00013, 00019): the database still
-- refuses a language the app does not have. A language taken out of the
-- list keeps its row, so the people and courses that use it stay valid.
-- Reference data, no user data: no RLS; the app's roles get no grant (a
-- foreign key is checked with the table owner's rights).
CREATE TABLE languages (
    tag text PRIMARY KEY CHECK (tag ~ '^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$')
);
REVOKE ALL ON languages FROM PUBLIC;
INSERT INTO languages (tag) VALUES ('en'), ('fr'), ('pt'), ('es'), ('sw'), ('ar');

ALTER TABLE users DROP CONSTRAINT users_lang_check,
    ADD CONSTRAINT users_lang_fkey FOREIGN KEY (lang) REFERENCES languages (tag);
ALTER TABLE courses DROP CONSTRAINT courses_lang_check,
    ADD CONSTRAINT courses_lang_fkey FOREIGN KEY (lang) REFERENCES languages (tag);

-- +goose Down
ALTER TABLE courses DROP CONSTRAINT courses_lang_fkey,
    ADD CONSTRAINT courses_lang_check CHECK (lang IN ('en', 'fr', 'pt', 'es', 'sw', 'ar'));
ALTER TABLE users DROP CONSTRAINT users_lang_fkey,
    ADD CONSTRAINT users_lang_check CHECK (lang IN ('en', 'fr', 'pt', 'es', 'sw', 'ar'));
DROP TABLE languages;
