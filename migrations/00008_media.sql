-- +goose Up
-- Media (P2): images, audio and PDFs that editors upload for a lesson, kept
-- in PostgreSQL so every app instance serves them. A file is addressed by
-- the SHA-256 of its stored bytes (after any downscaling): the URL
-- /media/<sha256>/<name> never changes meaning, so it is cached forever.
-- The same file uploaded to two courses is two rows, each visible like its
-- own course.
CREATE TABLE media (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    course_id    uuid NOT NULL REFERENCES courses (id) ON DELETE CASCADE,
    -- The lesson it was uploaded from; the file stays with the course when
    -- that lesson goes.
    lesson_id    uuid REFERENCES lessons (id) ON DELETE SET NULL,
    sha256       text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    name         text NOT NULL CHECK (name ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$'),
    content_type text NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png', 'image/gif', 'image/webp',
                                                       'audio/mpeg', 'audio/ogg', 'audio/wav', 'application/pdf')),
    size         integer NOT NULL CHECK (size = octet_length(data)),
    width        integer CHECK (width > 0),
    height       integer CHECK (height > 0),
    data         bytea NOT NULL,
    created_by   uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (course_id, sha256)
);
-- The unique constraint serves course_id (its leading column).
CREATE INDEX media_sha256_idx ON media (sha256);
CREATE INDEX media_lesson_idx ON media (lesson_id);
CREATE INDEX media_created_by_idx ON media (created_by);

REVOKE ALL ON media FROM PUBLIC;
GRANT SELECT ON media TO fieldbook_anon, fieldbook_learner, fieldbook_volunteer, fieldbook_admin;
-- Media never change (their address is their content): no UPDATE.
GRANT INSERT, DELETE ON media TO fieldbook_volunteer, fieldbook_admin;
ALTER TABLE media ENABLE ROW LEVEL SECURITY;
ALTER TABLE media FORCE ROW LEVEL SECURITY;

-- Anyone reads the media of published, live courses (they are served
-- publicly by hash); editors also read those of their own courses.
CREATE POLICY media_select_live ON media FOR SELECT
    TO fieldbook_anon, fieldbook_learner, fieldbook_volunteer
    USING (EXISTS (SELECT 1 FROM courses c
                   WHERE c.id = media.course_id AND c.published AND c.archived_at IS NULL));
CREATE POLICY media_volunteer_select ON media FOR SELECT
    TO fieldbook_volunteer
    USING (course_id = ANY ((SELECT edited_course_ids())::uuid[]));
-- Editors add files to their courses, as themselves, for a lesson of that
-- same course.
CREATE POLICY media_volunteer_insert ON media FOR INSERT
    TO fieldbook_volunteer
    WITH CHECK (course_id = ANY ((SELECT edited_course_ids())::uuid[])
        AND created_by = (SELECT current_user_id())
        AND (lesson_id IS NULL OR EXISTS (SELECT 1 FROM lessons l
                                          WHERE l.id = media.lesson_id AND l.course_id = media.course_id)));
CREATE POLICY media_volunteer_delete ON media FOR DELETE
    TO fieldbook_volunteer
    USING (course_id = ANY ((SELECT edited_course_ids())::uuid[]));
CREATE POLICY media_admin_all ON media FOR ALL
    TO fieldbook_admin
    USING (true)
    WITH CHECK (lesson_id IS NULL OR EXISTS (SELECT 1 FROM lessons l
                                             WHERE l.id = media.lesson_id AND l.course_id = media.course_id));

-- +goose Down
DROP TABLE IF EXISTS media;
