-- +goose Up
-- Offline sync: every change a device sends carries a client-made UUID. The
-- ids of changes already applied are kept, so a replay of the same change is
-- recognised and changes nothing.
CREATE TABLE progress_changes (
    id          uuid PRIMARY KEY,
    student_id  uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    lesson_id   uuid NOT NULL REFERENCES lessons (id) ON DELETE CASCADE,
    completed   boolean NOT NULL,
    client_at   timestamptz NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(),
    -- applied: it won and changed the row; stale: a later change had won.
    outcome     text NOT NULL CHECK (outcome IN ('applied', 'stale'))
);
CREATE INDEX progress_changes_student_idx ON progress_changes (student_id);
CREATE INDEX progress_changes_lesson_idx ON progress_changes (lesson_id);

REVOKE ALL ON progress_changes FROM PUBLIC;
GRANT SELECT, INSERT ON progress_changes TO fieldbook_learner, fieldbook_volunteer, fieldbook_admin;

ALTER TABLE progress_changes ENABLE ROW LEVEL SECURITY;
ALTER TABLE progress_changes FORCE ROW LEVEL SECURITY;

CREATE POLICY progress_changes_select_own ON progress_changes FOR SELECT
    TO fieldbook_learner, fieldbook_volunteer, fieldbook_admin
    USING (student_id = (SELECT current_user_id()));
CREATE POLICY progress_changes_insert_own ON progress_changes FOR INSERT
    TO fieldbook_learner, fieldbook_volunteer, fieldbook_admin
    WITH CHECK (student_id = (SELECT current_user_id()));

-- +goose Down
DROP TABLE IF EXISTS progress_changes;
