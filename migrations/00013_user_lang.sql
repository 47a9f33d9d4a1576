-- +goose Up
-- Each user's interface language (issue 13), so it follows them to any
-- phone: NULL until they choose one with the language picker or sign up
-- (which stores the language they signed up in). The CHECK is the list of
-- internal/i18n's languages; TestUserLangCheckMatchesLanguages keeps the
-- two in step.
ALTER TABLE users ADD COLUMN lang text
    CONSTRAINT users_lang_check CHECK (lang IN ('en', 'fr', 'pt', 'es', 'sw', 'ar'));

-- Everyone reads their own choice (users_select_own), admins anyone's.
GRANT SELECT (lang) ON users TO fieldbook_learner, fieldbook_volunteer, fieldbook_admin;
-- Learners and volunteers change this column of their own row only
-- (users_update_own); nothing else about their account is theirs to change
-- here (the grants on role, password_hash, username stay as they were).
GRANT UPDATE (lang) ON users TO fieldbook_learner, fieldbook_volunteer, fieldbook_admin;

-- +goose Down
REVOKE UPDATE (lang), SELECT (lang) ON users FROM fieldbook_learner, fieldbook_volunteer, fieldbook_admin;
ALTER TABLE users DROP COLUMN IF EXISTS lang;
