-- +goose Up
-- Progress hints leave the sync transaction. A transaction that NOTIFYs
-- takes a database-wide lock at commit and holds it through the commit's
-- WAL flush, so concurrent syncs committed one at a time (no group commit):
-- measured, the NOTIFY cost a third or more of the sync's throughput. The
-- sync handler now asks progress_apply to keep its hints in a
-- transaction-local setting (fieldbook.defer_hints), reads them before its
-- commit, and sends them afterwards in a transaction of their own with
-- synchronous_commit off (nothing in it needs to be durable). Every other
-- writer of student_progress notifies as before.

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION progress_apply(p_students uuid[], p_lessons uuid[], p_deltas integer[], p_deleted boolean)
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
    -- A transaction that says fieldbook.defer_hints = on (the sync
    -- handler's) keeps them in fieldbook.progress_hints, one a line, and
    -- the application sends them once it has committed.
    IF coalesce(current_setting('fieldbook.defer_hints', true), '') = 'on' THEN
        PERFORM set_config('fieldbook.progress_hints', concat_ws(E'\n',
                nullif(current_setting('fieldbook.progress_hints', true), ''), string_agg(n.hint, E'\n')), true)
        FROM (SELECT DISTINCT ON (l.course_id, x.student_id) json_build_object(
                  'course_id', l.course_id, 'student_id', x.student_id, 'lesson_id', x.lesson_id)::text AS hint
              FROM unnest(p_students, p_lessons) AS x(student_id, lesson_id)
              JOIN lessons l ON l.id = x.lesson_id
              ORDER BY l.course_id, x.student_id, x.lesson_id) n;
    ELSE
        PERFORM pg_notify('fieldbook_progress', json_build_object(
            'course_id', n.course_id, 'student_id', n.student_id, 'lesson_id', n.lesson_id)::text)
        FROM (SELECT DISTINCT ON (l.course_id, x.student_id) l.course_id, x.student_id, x.lesson_id
              FROM unnest(p_students, p_lessons) AS x(student_id, lesson_id)
              JOIN lessons l ON l.id = x.lesson_id
              ORDER BY l.course_id, x.student_id, x.lesson_id) n;
    END IF;
END
$$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION progress_apply(p_students uuid[], p_lessons uuid[], p_deltas integer[], p_deleted boolean)
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
