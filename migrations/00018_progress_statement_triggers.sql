-- +goose Up
-- Progress counters kept per statement, spread over shards, plus a
-- histogram for the dashboard's totals (docs/dashboard.md, "Writes").
--
-- Before: a row trigger on student_progress ran four statements per changed
-- row (look up the lesson, upsert lesson_completions, upsert course_learners,
-- NOTIFY), and every learner completing a lesson updated the same
-- lesson_completions row, holding its lock to commit: a class syncing one
-- course at once took turns, batch by batch.
-- After: one trigger call per statement updates every counter set-based from
-- the statement's transition tables; lesson_completions and the histogram
-- are split into 16 shards by learner, so learners of one course rarely
-- wait for each other; readers add the shards up.

-- A learner's shard: a byte of their (random) id.
CREATE FUNCTION progress_shard(p_student uuid) RETURNS smallint
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT (get_byte(uuid_send(p_student), 15) % 16)::smallint $$;

ALTER TABLE lesson_completions ADD COLUMN shard smallint NOT NULL DEFAULT 0;
ALTER TABLE lesson_completions DROP CONSTRAINT lesson_completions_pkey;
ALTER TABLE lesson_completions ADD PRIMARY KEY (lesson_id, shard);

-- course_histogram: per course and number of published lessons completed,
-- how many learners have that number (per shard). The dashboard's totals
-- (started, finished, median) come from at most 16 × (lessons + 1) rows
-- instead of a scan of every learner of the course. Kept by a trigger on
-- course_learners, so every change to those rows counts, cascades included.
CREATE TABLE course_histogram (
    course_id uuid NOT NULL REFERENCES courses (id) ON DELETE CASCADE,
    shard     smallint NOT NULL,
    completed integer NOT NULL CHECK (completed >= 0),
    learners  integer NOT NULL CHECK (learners >= 0),
    PRIMARY KEY (course_id, completed, shard)
);
REVOKE ALL ON course_histogram FROM PUBLIC;
GRANT SELECT, INSERT, UPDATE, DELETE ON course_histogram TO fieldbook_stats;
GRANT SELECT ON course_histogram TO fieldbook_volunteer, fieldbook_admin;
ALTER TABLE course_histogram ENABLE ROW LEVEL SECURITY;
ALTER TABLE course_histogram FORCE ROW LEVEL SECURITY;
CREATE POLICY course_histogram_stats_all ON course_histogram FOR ALL
    TO fieldbook_stats USING (true) WITH CHECK (true);
CREATE POLICY course_histogram_select_editor ON course_histogram FOR SELECT
    TO fieldbook_volunteer
    USING (course_id = ANY ((SELECT edited_course_ids())::uuid[]));
CREATE POLICY course_histogram_admin_select ON course_histogram FOR SELECT
    TO fieldbook_admin USING (true);

-- progress_apply applies one statement's changes to student_progress: for
-- each (learner, lesson) written, delta is +1 (now completed), -1 (no longer)
-- or 0 (written, unchanged: activity all the same). Lessons already gone (a
-- deletion cascading) count for nothing: lessons_recount recounts.
-- +goose StatementBegin
CREATE FUNCTION progress_apply(p_students uuid[], p_lessons uuid[], p_deltas integer[], p_deleted boolean)
    RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = public, pg_temp
    AS $$
BEGIN
    -- (plpgsql, not sql: its statements' plans are cached per connection.)
    -- Completions per lesson, in the learner's shard; in key order, so two
    -- statements lock shared rows in the same order.
    WITH d AS (
        SELECT l.id AS lesson_id, l.course_id, progress_shard(x.student_id) AS shard, x.delta
        FROM unnest(p_students, p_lessons, p_deltas) AS x(student_id, lesson_id, delta)
        JOIN lessons l ON l.id = x.lesson_id
    ), s AS (
        SELECT lesson_id, shard, course_id, sum(delta)::integer AS delta
        FROM d GROUP BY 1, 2, 3 HAVING sum(delta) <> 0
    )
    INSERT INTO lesson_completions AS lc (lesson_id, shard, course_id, completed)
    SELECT lesson_id, shard, course_id, greatest(delta, 0) FROM s ORDER BY 1, 2
    ON CONFLICT (lesson_id, shard) DO UPDATE
    SET completed = greatest(lc.completed + (SELECT s2.delta FROM s s2
        WHERE s2.lesson_id = EXCLUDED.lesson_id AND s2.shard = EXCLUDED.shard), 0);

    -- Each learner's count in each course (published lessons only) and
    -- last activity. Only that learner writes that row.
    IF p_deleted THEN
        WITH s AS (
            SELECT l.course_id, x.student_id,
                   coalesce(sum(x.delta) FILTER (WHERE l.published), 0)::integer AS delta
            FROM unnest(p_students, p_lessons, p_deltas) AS x(student_id, lesson_id, delta)
            JOIN lessons l ON l.id = x.lesson_id
            GROUP BY 1, 2
        )
        UPDATE course_learners cl
        SET completed = greatest(cl.completed + s.delta, 0), last_activity_at = now()
        FROM s WHERE cl.course_id = s.course_id AND cl.student_id = s.student_id;
    ELSE
        WITH s AS (
            SELECT l.course_id, x.student_id,
                   coalesce(sum(x.delta) FILTER (WHERE l.published), 0)::integer AS delta
            FROM unnest(p_students, p_lessons, p_deltas) AS x(student_id, lesson_id, delta)
            JOIN lessons l ON l.id = x.lesson_id
            GROUP BY 1, 2
        )
        INSERT INTO course_learners AS cl (course_id, student_id, display_name, completed)
        SELECT s.course_id, s.student_id, u.display_name, greatest(s.delta, 0)
        FROM s JOIN users u ON u.id = s.student_id
        ORDER BY 1, 2
        ON CONFLICT (course_id, student_id) DO UPDATE
        SET completed = greatest(cl.completed + (SELECT s2.delta FROM s s2
                WHERE s2.course_id = EXCLUDED.course_id AND s2.student_id = EXCLUDED.student_id), 0),
            last_activity_at = greatest(cl.last_activity_at, EXCLUDED.last_activity_at);
    END IF;

    -- One hint per learner and course (events are hints: readers re-read).
    PERFORM pg_notify('fieldbook_progress', json_build_object(
        'course_id', n.course_id, 'student_id', n.student_id, 'lesson_id', n.lesson_id)::text)
    FROM (SELECT DISTINCT ON (l.course_id, x.student_id) l.course_id, x.student_id, x.lesson_id
          FROM unnest(p_students, p_lessons) AS x(student_id, lesson_id)
          JOIN lessons l ON l.id = x.lesson_id
          ORDER BY l.course_id, x.student_id, x.lesson_id) n;
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION progress_inserted() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = public, pg_temp
    AS $$
BEGIN
    PERFORM progress_apply(array_agg(student_id), array_agg(lesson_id),
                           array_agg(CASE WHEN completed THEN 1 ELSE 0 END), false)
    FROM new_rows HAVING count(*) > 0;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION progress_updated() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = public, pg_temp
    AS $$
BEGIN
    PERFORM progress_apply(array_agg(n.student_id), array_agg(n.lesson_id),
                           array_agg((CASE WHEN n.completed THEN 1 ELSE 0 END) - (CASE WHEN o.completed THEN 1 ELSE 0 END)),
                           false)
    FROM new_rows n JOIN old_rows o ON o.id = n.id HAVING count(*) > 0;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION progress_deleted() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = public, pg_temp
    AS $$
BEGIN
    PERFORM progress_apply(array_agg(student_id), array_agg(lesson_id),
                           array_agg(CASE WHEN completed THEN -1 ELSE 0 END), true)
    FROM old_rows HAVING count(*) > 0;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

DROP TRIGGER student_progress_changed ON student_progress;
CREATE TRIGGER student_progress_inserted AFTER INSERT ON student_progress
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION progress_inserted();
CREATE TRIGGER student_progress_updated AFTER UPDATE ON student_progress
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION progress_updated();
CREATE TRIGGER student_progress_deleted AFTER DELETE ON student_progress
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION progress_deleted();

-- The histogram follows course_learners, whoever changes it (the progress
-- triggers, recount_course, a cascade).
-- +goose StatementBegin
CREATE FUNCTION histogram_apply(p_courses uuid[], p_students uuid[], p_completed integer[], p_signs integer[])
    RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = public, pg_temp
    AS $$
BEGIN
    INSERT INTO course_histogram AS h (course_id, shard, completed, learners)
    SELECT d.course_id, progress_shard(d.student_id), d.completed, greatest(sum(d.sign), 0)
    FROM unnest(p_courses, p_students, p_completed, p_signs) AS d(course_id, student_id, completed, sign)
    WHERE EXISTS (SELECT 1 FROM courses c WHERE c.id = d.course_id)
    GROUP BY 1, 2, 3
    HAVING sum(d.sign) <> 0
    ORDER BY 1, 3, 2
    ON CONFLICT (course_id, completed, shard) DO UPDATE
    SET learners = greatest(h.learners + (
        SELECT sum(x.sign) FROM unnest(p_courses, p_students, p_completed, p_signs) AS x(course_id, student_id, completed, sign)
        WHERE x.course_id = EXCLUDED.course_id AND x.completed = EXCLUDED.completed
          AND progress_shard(x.student_id) = EXCLUDED.shard), 0);
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION course_learners_inserted() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = public, pg_temp
    AS $$
BEGIN
    PERFORM histogram_apply(array_agg(course_id), array_agg(student_id), array_agg(completed), array_agg(1))
    FROM new_rows HAVING count(*) > 0;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION course_learners_updated() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = public, pg_temp
    AS $$
BEGIN
    PERFORM histogram_apply(array_agg(c), array_agg(s), array_agg(n), array_agg(sign))
    FROM (SELECT o.course_id AS c, o.student_id AS s, o.completed AS n, -1 AS sign
          FROM old_rows o JOIN new_rows nw ON nw.course_id = o.course_id AND nw.student_id = o.student_id
          WHERE nw.completed <> o.completed
          UNION ALL
          SELECT nw.course_id, nw.student_id, nw.completed, 1
          FROM old_rows o JOIN new_rows nw ON nw.course_id = o.course_id AND nw.student_id = o.student_id
          WHERE nw.completed <> o.completed) d
    HAVING count(*) > 0;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION course_learners_deleted() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = public, pg_temp
    AS $$
BEGIN
    PERFORM histogram_apply(array_agg(course_id), array_agg(student_id), array_agg(completed), array_agg(-1))
    FROM old_rows HAVING count(*) > 0;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER course_learners_inserted AFTER INSERT ON course_learners
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION course_learners_inserted();
CREATE TRIGGER course_learners_updated AFTER UPDATE ON course_learners
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION course_learners_updated();
CREATE TRIGGER course_learners_deleted AFTER DELETE ON course_learners
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION course_learners_deleted();

-- recount_course and rebuild_dashboard_counters know the shards.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION recount_course(p_course uuid) RETURNS void
    LANGUAGE sql VOLATILE SECURITY DEFINER
    SET search_path = public, pg_temp
    AS $$
        UPDATE course_learners cl
        SET completed = (SELECT count(*) FROM student_progress sp
                         JOIN lessons l ON l.id = sp.lesson_id
                         WHERE sp.student_id = cl.student_id AND l.course_id = cl.course_id
                           AND l.published AND sp.completed)
        WHERE cl.course_id = p_course;
        DELETE FROM lesson_completions lc WHERE lc.course_id = p_course;
        INSERT INTO lesson_completions (lesson_id, shard, course_id, completed)
        SELECT l.id, coalesce(progress_shard(sp.student_id), 0), l.course_id, count(sp.student_id)
        FROM lessons l LEFT JOIN student_progress sp ON sp.lesson_id = l.id AND sp.completed
        WHERE l.course_id = p_course
        GROUP BY 1, 2, 3;
    $$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION rebuild_dashboard_counters() RETURNS void
    LANGUAGE sql
    AS $$
        ALTER TABLE course_learners DISABLE TRIGGER USER;
        TRUNCATE course_learners, lesson_completions, course_histogram;
        INSERT INTO course_learners (course_id, student_id, display_name, completed, started_at, last_activity_at)
        SELECT l.course_id, sp.student_id, u.display_name,
               count(*) FILTER (WHERE l.published AND sp.completed),
               min(sp.updated_at), max(sp.updated_at)
        FROM student_progress sp
        JOIN lessons l ON l.id = sp.lesson_id
        JOIN users u ON u.id = sp.student_id
        GROUP BY l.course_id, sp.student_id, u.display_name;
        ALTER TABLE course_learners ENABLE TRIGGER USER;
        INSERT INTO lesson_completions (lesson_id, shard, course_id, completed)
        SELECT l.id, coalesce(progress_shard(sp.student_id), 0), l.course_id, count(sp.student_id)
        FROM lessons l LEFT JOIN student_progress sp ON sp.lesson_id = l.id AND sp.completed
        GROUP BY 1, 2, 3;
        INSERT INTO course_histogram (course_id, shard, completed, learners)
        SELECT course_id, progress_shard(student_id), completed, count(*)
        FROM course_learners GROUP BY 1, 2, 3;
    $$;
-- +goose StatementEnd

ALTER FUNCTION progress_apply(uuid[], uuid[], integer[], boolean) OWNER TO fieldbook_stats;
ALTER FUNCTION progress_inserted() OWNER TO fieldbook_stats;
ALTER FUNCTION progress_updated() OWNER TO fieldbook_stats;
ALTER FUNCTION progress_deleted() OWNER TO fieldbook_stats;
ALTER FUNCTION histogram_apply(uuid[], uuid[], integer[], integer[]) OWNER TO fieldbook_stats;
ALTER FUNCTION course_learners_inserted() OWNER TO fieldbook_stats;
ALTER FUNCTION course_learners_updated() OWNER TO fieldbook_stats;
ALTER FUNCTION course_learners_deleted() OWNER TO fieldbook_stats;
REVOKE EXECUTE ON FUNCTION progress_apply(uuid[], uuid[], integer[], boolean), progress_inserted(), progress_updated(),
    progress_deleted(), histogram_apply(uuid[], uuid[], integer[], integer[]), course_learners_inserted(),
    course_learners_updated(), course_learners_deleted() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION progress_inserted(), progress_updated(), progress_deleted()
    TO fieldbook_learner, fieldbook_volunteer, fieldbook_admin;
GRANT EXECUTE ON FUNCTION course_learners_inserted(), course_learners_updated(), course_learners_deleted()
    TO fieldbook_stats;
GRANT EXECUTE ON FUNCTION progress_apply(uuid[], uuid[], integer[], boolean), histogram_apply(uuid[], uuid[], integer[], integer[])
    TO fieldbook_stats;
GRANT SELECT ON courses TO fieldbook_stats;
CREATE POLICY courses_stats_select ON courses FOR SELECT TO fieldbook_stats USING (true);

-- The histogram of what is there now.
INSERT INTO course_histogram (course_id, shard, completed, learners)
SELECT course_id, progress_shard(student_id), completed, count(*)
FROM course_learners GROUP BY 1, 2, 3;

-- +goose Down
DROP TRIGGER IF EXISTS course_learners_deleted ON course_learners;
DROP TRIGGER IF EXISTS course_learners_updated ON course_learners;
DROP TRIGGER IF EXISTS course_learners_inserted ON course_learners;
DROP TRIGGER IF EXISTS student_progress_deleted ON student_progress;
DROP TRIGGER IF EXISTS student_progress_updated ON student_progress;
DROP TRIGGER IF EXISTS student_progress_inserted ON student_progress;
CREATE TRIGGER student_progress_changed AFTER INSERT OR UPDATE OR DELETE ON student_progress
    FOR EACH ROW EXECUTE FUNCTION progress_changed();
DROP POLICY IF EXISTS courses_stats_select ON courses;
REVOKE SELECT ON courses FROM fieldbook_stats;
DROP FUNCTION IF EXISTS course_learners_deleted();
DROP FUNCTION IF EXISTS course_learners_updated();
DROP FUNCTION IF EXISTS course_learners_inserted();
DROP FUNCTION IF EXISTS histogram_apply(uuid[], uuid[], integer[], integer[]);
DROP FUNCTION IF EXISTS progress_deleted();
DROP FUNCTION IF EXISTS progress_updated();
DROP FUNCTION IF EXISTS progress_inserted();
DROP FUNCTION IF EXISTS progress_apply(uuid[], uuid[], integer[], boolean);
DROP TABLE IF EXISTS course_histogram;
DELETE FROM lesson_completions WHERE shard <> 0;
ALTER TABLE lesson_completions DROP CONSTRAINT lesson_completions_pkey;
ALTER TABLE lesson_completions DROP COLUMN shard;
ALTER TABLE lesson_completions ADD PRIMARY KEY (lesson_id);
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION recount_course(p_course uuid) RETURNS void
    LANGUAGE sql VOLATILE SECURITY DEFINER
    SET search_path = public, pg_temp
    AS $$
        UPDATE course_learners cl
        SET completed = (SELECT count(*) FROM student_progress sp
                         JOIN lessons l ON l.id = sp.lesson_id
                         WHERE sp.student_id = cl.student_id AND l.course_id = cl.course_id
                           AND l.published AND sp.completed)
        WHERE cl.course_id = p_course;
        DELETE FROM lesson_completions lc
        WHERE lc.course_id = p_course
          AND NOT EXISTS (SELECT 1 FROM lessons l WHERE l.id = lc.lesson_id AND l.course_id = p_course);
        INSERT INTO lesson_completions AS lc (lesson_id, course_id, completed)
        SELECT l.id, l.course_id, (SELECT count(*) FROM student_progress sp
                                   WHERE sp.lesson_id = l.id AND sp.completed)
        FROM lessons l WHERE l.course_id = p_course
        ON CONFLICT (lesson_id) DO UPDATE SET course_id = EXCLUDED.course_id, completed = EXCLUDED.completed;
    $$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION rebuild_dashboard_counters() RETURNS void
    LANGUAGE sql
    AS $$
        TRUNCATE course_learners, lesson_completions;
        INSERT INTO course_learners (course_id, student_id, display_name, completed, started_at, last_activity_at)
        SELECT l.course_id, sp.student_id, u.display_name,
               count(*) FILTER (WHERE l.published AND sp.completed),
               min(sp.updated_at), max(sp.updated_at)
        FROM student_progress sp
        JOIN lessons l ON l.id = sp.lesson_id
        JOIN users u ON u.id = sp.student_id
        GROUP BY l.course_id, sp.student_id, u.display_name;
        INSERT INTO lesson_completions (lesson_id, course_id, completed)
        SELECT l.id, l.course_id, count(sp.lesson_id)
        FROM lessons l LEFT JOIN student_progress sp ON sp.lesson_id = l.id AND sp.completed
        GROUP BY l.id, l.course_id;
    $$;
-- +goose StatementEnd
SELECT recount_course(id) FROM courses;
DROP FUNCTION IF EXISTS progress_shard(uuid);
