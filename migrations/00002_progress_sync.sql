-- +goose Up
-- Offline sync: every change a device sends carries a client-made UUID. The
-- ids of changes already applied are kept, so a replay of the same change is
-- recognised and changes nothing.
CREATE TABLE progress_changes (
    -- Made by the client; unique per learner, so another learner's id (by
    -- chance or on purpose) never hides a change.
    id          uuid NOT NULL,
    student_id  uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    lesson_id   uuid NOT NULL REFERENCES lessons (id) ON DELETE CASCADE,
    completed   boolean NOT NULL,
    client_at   timestamptz NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(),
    -- applied: it won and changed the row; stale: a later change had won.
    outcome     text NOT NULL CHECK (outcome IN ('applied', 'stale')),
    PRIMARY KEY (student_id, id)
);
-- The primary key (student_id, id) serves the policies' student_id filter.
CREATE INDEX progress_changes_lesson_idx ON progress_changes (lesson_id);

REVOKE ALL ON progress_changes FROM PUBLIC;
GRANT SELECT, INSERT ON progress_changes TO fieldbook_learner, fieldbook_volunteer, fieldbook_admin;

ALTER TABLE progress_changes ENABLE ROW LEVEL SECURITY;
ALTER TABLE progress_changes FORCE ROW LEVEL SECURITY;

CREATE POLICY progress_changes_select_own ON progress_changes FOR SELECT
    TO fieldbook_learner, fieldbook_volunteer, fieldbook_admin
    USING (student_id = (SELECT current_user_id()));
-- Like student_progress: only for lessons the caller can see.
CREATE POLICY progress_changes_insert_own ON progress_changes FOR INSERT
    TO fieldbook_learner, fieldbook_volunteer, fieldbook_admin
    WITH CHECK (student_id = (SELECT current_user_id())
        AND EXISTS (SELECT 1 FROM lessons l WHERE l.id = progress_changes.lesson_id));

-- +goose Down
DROP TABLE IF EXISTS progress_changes;
