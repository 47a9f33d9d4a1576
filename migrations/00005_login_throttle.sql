-- +goose Up
-- Sign-in throttling shared by every app instance: failures per key
-- ("ip:…", "user:…", "signup-ip:…") with an exponential backoff that is
-- capped, so an attacker can slow an account down but never lock it out.
CREATE TABLE login_throttle (
    key          text PRIMARY KEY,
    failures     integer NOT NULL,
    last_failure timestamptz NOT NULL,
    locked_until timestamptz
);
CREATE INDEX login_throttle_last_failure_idx ON login_throttle (last_failure);

REVOKE ALL ON login_throttle FROM PUBLIC;
GRANT SELECT, INSERT, UPDATE, DELETE ON login_throttle TO fieldbook_auth;
ALTER TABLE login_throttle ENABLE ROW LEVEL SECURITY;
ALTER TABLE login_throttle FORCE ROW LEVEL SECURITY;
-- Only the owner of the throttle functions touches it; no caller role can.
CREATE POLICY login_throttle_auth_all ON login_throttle FOR ALL
    TO fieldbook_auth USING (true) WITH CHECK (true);

-- auth_throttle_until: the latest time any of keys is locked until, or NULL.
CREATE FUNCTION auth_throttle_until(p_keys text[]) RETURNS timestamptz
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = public, pg_temp
    AS $$
        SELECT max(locked_until) FROM login_throttle
        WHERE key = ANY (p_keys) AND locked_until > now()
    $$;

-- auth_throttle_fail counts one failure for key. Failures older than an hour
-- are forgotten. From the threshold on, the key is locked for 1, 2, 4 …
-- seconds, at most p_max_seconds. Returns the lock's end, or NULL.
CREATE FUNCTION auth_throttle_fail(p_key text, p_threshold integer, p_max_seconds integer) RETURNS timestamptz
    LANGUAGE sql VOLATILE SECURITY DEFINER
    SET search_path = public, pg_temp
    AS $$
        INSERT INTO login_throttle AS t (key, failures, last_failure, locked_until)
        VALUES (p_key, 1, now(),
                CASE WHEN p_threshold <= 1 THEN now() + interval '1 second' END)
        ON CONFLICT (key) DO UPDATE
        SET failures = CASE WHEN t.last_failure < now() - interval '1 hour' THEN 1 ELSE t.failures + 1 END,
            last_failure = now(),
            locked_until = CASE
                WHEN (CASE WHEN t.last_failure < now() - interval '1 hour' THEN 1 ELSE t.failures + 1 END) >= p_threshold
                THEN now() + make_interval(secs => least(p_max_seconds,
                    power(2, least(30, (CASE WHEN t.last_failure < now() - interval '1 hour' THEN 1 ELSE t.failures + 1 END) - p_threshold))))
                END
        RETURNING locked_until
    $$;

-- auth_throttle_reset forgets a key's failures (after a good sign-in).
CREATE FUNCTION auth_throttle_reset(p_key text) RETURNS void
    LANGUAGE sql VOLATILE SECURITY DEFINER
    SET search_path = public, pg_temp
    AS $$ DELETE FROM login_throttle WHERE key = p_key $$;

ALTER FUNCTION auth_throttle_until(text[]) OWNER TO fieldbook_auth;
ALTER FUNCTION auth_throttle_fail(text, integer, integer) OWNER TO fieldbook_auth;
ALTER FUNCTION auth_throttle_reset(text) OWNER TO fieldbook_auth;
REVOKE EXECUTE ON FUNCTION auth_throttle_until(text[]), auth_throttle_fail(text, integer, integer),
    auth_throttle_reset(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_throttle_until(text[]), auth_throttle_fail(text, integer, integer),
    auth_throttle_reset(text) TO fieldbook_anon;

-- +goose Down
DROP FUNCTION IF EXISTS auth_throttle_reset(text);
DROP FUNCTION IF EXISTS auth_throttle_fail(text, integer, integer);
DROP FUNCTION IF EXISTS auth_throttle_until(text[]);
DROP TABLE IF EXISTS login_throttle;
