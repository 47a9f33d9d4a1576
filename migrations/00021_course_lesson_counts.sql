-- +goose Up
-- Each course's number of published lessons, kept by statement triggers on
-- lessons: the course list and GET /api/me/progress read one row per course
-- instead of counting every published lesson (each through the lessons
-- policy) on every request; at the benchmark's full scale that was 10,000
-- lessons per /api/me/progress.
CREATE TABLE course_lesson_counts (
    course_id uuid PRIMARY KEY REFERENCES courses (id) ON DELETE CASCADE,
    published integer NOT NULL CHECK (published >= 0)
);
REVOKE ALL ON course_lesson_counts FROM PUBLIC;
GRANT SELECT ON course_lesson_counts TO fieldbook_anon, fieldbook_learner, fieldbook_volunteer, fieldbook_admin;
GRANT SELECT, INSERT, UPDATE ON course_lesson_counts TO fieldbook_stats;
ALTER TABLE course_lesson_counts ENABLE ROW LEVEL SECURITY;
ALTER TABLE course_lesson_counts FORCE ROW LEVEL SECURITY;
-- A count is seen by whoever may see its course (the courses policies
-- decide, for the caller's role); only the trigger writes.
CREATE POLICY course_lesson_counts_select ON course_lesson_counts FOR SELECT
    TO fieldbook_anon, fieldbook_learner, fieldbook_volunteer, fieldbook_admin
    USING (EXISTS (SELECT 1 FROM courses c WHERE c.id = course_id));
CREATE POLICY course_lesson_counts_stats_all ON course_lesson_counts FOR ALL
    TO fieldbook_stats USING (true) WITH CHECK (true);

INSERT INTO course_lesson_counts (course_id, published)
SELECT c.id, count(l.id) FILTER (WHERE l.published)
FROM courses c LEFT JOIN lessons l ON l.course_id = c.id
GROUP BY c.id;

-- lesson_counts_apply adds each (course, ±1) to its course's count, in key
-- order (two statements lock shared rows in the same order). A course being
-- deleted (the lessons' cascade) is skipped: its row goes with it.
-- +goose StatementBegin
CREATE FUNCTION lesson_counts_apply(p_courses uuid[], p_deltas integer[]) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = public, pg_temp
    AS $$
BEGIN
    WITH s AS (
        SELECT d.course_id, sum(d.delta)::integer AS delta
        FROM unnest(p_courses, p_deltas) AS d(course_id, delta)
        WHERE EXISTS (SELECT 1 FROM courses c WHERE c.id = d.course_id)
        GROUP BY 1 HAVING sum(d.delta) <> 0
    )
    INSERT INTO course_lesson_counts AS k (course_id, published)
    SELECT course_id, greatest(delta, 0) FROM s ORDER BY 1
    ON CONFLICT (course_id) DO UPDATE
    SET published = greatest(k.published + (SELECT s2.delta FROM s s2 WHERE s2.course_id = EXCLUDED.course_id), 0);
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION lessons_counted() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = public, pg_temp
    AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM lesson_counts_apply(array_agg(course_id), array_agg(1))
        FROM new_rows WHERE published HAVING count(*) > 0;
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM lesson_counts_apply(array_agg(course_id), array_agg(-1))
        FROM old_rows WHERE published HAVING count(*) > 0;
    ELSE
        PERFORM lesson_counts_apply(array_agg(x.course_id), array_agg(x.delta))
        FROM (SELECT course_id, -1 AS delta FROM old_rows WHERE published
              UNION ALL
              SELECT course_id, 1 FROM new_rows WHERE published) x
        HAVING count(*) > 0;
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER lessons_counted_insert AFTER INSERT ON lessons
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION lessons_counted();
CREATE TRIGGER lessons_counted_update AFTER UPDATE ON lessons
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION lessons_counted();
CREATE TRIGGER lessons_counted_delete AFTER DELETE ON lessons
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION lessons_counted();

ALTER FUNCTION lesson_counts_apply(uuid[], integer[]) OWNER TO fieldbook_stats;
ALTER FUNCTION lessons_counted() OWNER TO fieldbook_stats;

-- +goose Down
DROP TRIGGER lessons_counted_delete ON lessons;
DROP TRIGGER lessons_counted_update ON lessons;
DROP TRIGGER lessons_counted_insert ON lessons;
DROP FUNCTION lessons_counted();
DROP FUNCTION lesson_counts_apply(uuid[], integer[]);
DROP TABLE course_lesson_counts;
