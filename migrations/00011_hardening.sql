-- +goose Up
-- Hardening after an outside review (issue 14): throttles that hold under
-- parallel requests, device cookies against lockouts, a per-learner sync
-- budget, retention, and sessions ended by an operator's password change.
-- The time comes from the caller (p_now), so tests can move a clock.

-- auth_throttle_reserve counts one attempt against every key before the
-- password is checked, all or nothing: if any key is locked it changes
-- nothing and returns the latest lock's end; otherwise it counts the attempt
-- (from each key's threshold on, locking it for 1, 2, 4 … seconds, at most
-- its maximum) and returns NULL. The rows are locked in key order, so
-- parallel attempts on one key take turns here, and no more of them pass
-- than the threshold allows. A good password is forgiven afterwards
-- (auth_throttle_forgive, auth_throttle_reset).
-- +goose StatementBegin
CREATE FUNCTION auth_throttle_reserve(p_keys text[], p_thresholds integer[], p_max_seconds integer[], p_now timestamptz)
    RETURNS timestamptz
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = public, pg_temp
    AS $$
DECLARE
    v_until    timestamptz;
    v_failures integer;
BEGIN
    IF cardinality(p_keys) IS DISTINCT FROM cardinality(p_thresholds)
       OR cardinality(p_keys) IS DISTINCT FROM cardinality(p_max_seconds) THEN
        RAISE EXCEPTION 'auth_throttle_reserve: keys, thresholds and maxima differ in number' USING ERRCODE = '22023';
    END IF;
    INSERT INTO login_throttle (key, failures, last_failure)
    SELECT k, 0, p_now FROM unnest(p_keys) AS k ORDER BY k
    ON CONFLICT (key) DO NOTHING;
    PERFORM 1 FROM login_throttle WHERE key = ANY (p_keys) ORDER BY key FOR UPDATE;
    SELECT max(locked_until) INTO v_until
    FROM login_throttle WHERE key = ANY (p_keys) AND locked_until > p_now;
    IF v_until IS NOT NULL THEN
        RETURN v_until;
    END IF;
    FOR i IN 1 .. coalesce(cardinality(p_keys), 0) LOOP
        UPDATE login_throttle t
        SET failures = CASE WHEN t.last_failure < p_now - interval '1 hour' THEN 1 ELSE t.failures + 1 END,
            last_failure = greatest(t.last_failure, p_now)
        WHERE t.key = p_keys[i]
        RETURNING t.failures INTO v_failures;
        UPDATE login_throttle t
        SET locked_until = CASE WHEN v_failures >= p_thresholds[i] THEN
                p_now + make_interval(secs => least(p_max_seconds[i], power(2, least(30, v_failures - p_thresholds[i]))))
            END
        WHERE t.key = p_keys[i];
    END LOOP;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- auth_throttle_forgive takes back one reserved attempt (the password was
-- right, or was never checked because the server was busy). A lock that
-- attempt caused is lifted with it.
CREATE FUNCTION auth_throttle_forgive(p_key text, p_threshold integer) RETURNS void
    LANGUAGE sql VOLATILE SECURITY DEFINER
    SET search_path = public, pg_temp
    AS $$
        UPDATE login_throttle
        SET failures = greatest(failures - 1, 0),
            locked_until = CASE WHEN failures - 1 < p_threshold THEN NULL ELSE locked_until END
        WHERE key = p_key
    $$;

-- Device cookies (OWASP, "Slow down online guessing attacks with device
-- cookies"): a device that signed in to an account before gets a failure
-- budget of its own for that account, which strangers cannot use up. Only
-- the SHA-256 of the cookie is kept.
CREATE TABLE login_devices (
    device_hash  bytea NOT NULL CHECK (octet_length(device_hash) = 32),
    user_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    last_sign_in timestamptz NOT NULL,
    PRIMARY KEY (device_hash, user_id)
);
CREATE INDEX login_devices_user_idx ON login_devices (user_id);
CREATE INDEX login_devices_last_sign_in_idx ON login_devices (last_sign_in);

REVOKE ALL ON login_devices FROM PUBLIC;
GRANT SELECT, INSERT, UPDATE, DELETE ON login_devices TO fieldbook_auth;
ALTER TABLE login_devices ENABLE ROW LEVEL SECURITY;
ALTER TABLE login_devices FORCE ROW LEVEL SECURITY;
-- Reached only through the functions below; no caller role can.
CREATE POLICY login_devices_auth_all ON login_devices FOR ALL
    TO fieldbook_auth USING (true) WITH CHECK (true);

-- auth_device_known: has this device signed in to this account before?
CREATE FUNCTION auth_device_known(p_device bytea, p_username text) RETURNS boolean
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = public, pg_temp
    AS $$
        SELECT EXISTS (SELECT 1 FROM login_devices d JOIN users u ON u.id = d.user_id
                       WHERE d.device_hash = p_device AND lower(u.username) = lower(p_username))
    $$;

-- auth_remember_device notes that the current user signed in on a device.
CREATE FUNCTION auth_remember_device(p_device bytea, p_now timestamptz) RETURNS void
    LANGUAGE sql VOLATILE SECURITY DEFINER
    SET search_path = public, pg_temp
    AS $$
        INSERT INTO login_devices (device_hash, user_id, last_sign_in)
        SELECT p_device, current_user_id(), p_now WHERE current_user_id() IS NOT NULL
        ON CONFLICT (device_hash, user_id) DO UPDATE SET last_sign_in = EXCLUDED.last_sign_in
    $$;

-- The sync budget: a token bucket per learner (the owner of the changes,
-- whoever's session sent them), so a script cannot grow progress_changes
-- without bound while a phone back from weeks offline still gets through.
CREATE TABLE sync_budget (
    user_id    uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    tokens     double precision NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE INDEX sync_budget_updated_at_idx ON sync_budget (updated_at);
REVOKE ALL ON sync_budget FROM PUBLIC;
GRANT SELECT, INSERT, UPDATE, DELETE ON sync_budget TO fieldbook_auth;
ALTER TABLE sync_budget ENABLE ROW LEVEL SECURITY;
ALTER TABLE sync_budget FORCE ROW LEVEL SECURITY;
CREATE POLICY sync_budget_auth_all ON sync_budget FOR ALL
    TO fieldbook_auth USING (true) WITH CHECK (true);

-- sync_take spends p_n of the current user's tokens (refilled at
-- p_per_hour, at most p_burst). Returns NULL when they were there; else
-- spends nothing and returns when enough will be.
-- +goose StatementBegin
CREATE FUNCTION sync_take(p_n integer, p_burst integer, p_per_hour integer, p_now timestamptz) RETURNS timestamptz
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = public, pg_temp
    AS $$
DECLARE
    v_user   uuid := current_user_id();
    v_tokens double precision;
BEGIN
    IF v_user IS NULL THEN
        RAISE EXCEPTION 'not signed in' USING ERRCODE = '42501';
    END IF;
    IF p_n <= 0 THEN
        RETURN NULL;
    END IF;
    INSERT INTO sync_budget (user_id, tokens, updated_at) VALUES (v_user, p_burst, p_now)
    ON CONFLICT (user_id) DO NOTHING;
    SELECT least(p_burst::double precision,
                 b.tokens + greatest(0, extract(epoch FROM p_now - b.updated_at)) * p_per_hour / 3600.0)
    INTO v_tokens
    FROM sync_budget b WHERE b.user_id = v_user FOR UPDATE;
    IF v_tokens < p_n THEN
        RETURN p_now + make_interval(secs => ceil((least(p_n, p_burst) - v_tokens) * 3600.0 / p_per_hour));
    END IF;
    UPDATE sync_budget SET tokens = v_tokens - p_n, updated_at = greatest(updated_at, p_now)
    WHERE user_id = v_user;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- Retention: change ids are kept for a while (a replay within that time is
-- recognised), throttle rows only while they matter, full sync budgets and
-- devices not seen for long not at all. Quiz attempts and progress itself
-- are the record and are never purged here.
CREATE INDEX progress_changes_received_at_idx ON progress_changes (received_at);
GRANT DELETE ON progress_changes TO fieldbook_auth;
CREATE POLICY progress_changes_auth_purge ON progress_changes FOR DELETE
    TO fieldbook_auth USING (true);
GRANT SELECT (id, student_id, received_at) ON progress_changes TO fieldbook_auth;
CREATE POLICY progress_changes_auth_select ON progress_changes FOR SELECT
    TO fieldbook_auth USING (true);

-- maintenance_purge deletes what has outlived its use, at most p_batch change
-- ids per call (the caller repeats while it returns p_batch), and returns how
-- many rows of each kind went.
-- +goose StatementBegin
CREATE FUNCTION maintenance_purge(p_change_retention interval, p_device_retention interval,
                                  p_sync_burst integer, p_sync_per_hour integer,
                                  p_batch integer, p_now timestamptz)
    RETURNS TABLE (changes bigint, throttles bigint, budgets bigint, devices bigint)
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = public, pg_temp
    AS $$
BEGIN
    DELETE FROM progress_changes pc
    WHERE (pc.student_id, pc.id) IN (
        SELECT o.student_id, o.id FROM progress_changes o
        WHERE o.received_at < p_now - p_change_retention
        LIMIT p_batch);
    GET DIAGNOSTICS changes = ROW_COUNT;
    DELETE FROM login_throttle t
    WHERE t.last_failure < p_now - interval '1 hour' AND (t.locked_until IS NULL OR t.locked_until < p_now);
    GET DIAGNOSTICS throttles = ROW_COUNT;
    -- A bucket that has refilled is the same as none.
    DELETE FROM sync_budget b
    WHERE b.tokens + greatest(0, extract(epoch FROM p_now - b.updated_at)) * p_sync_per_hour / 3600.0 >= p_sync_burst;
    GET DIAGNOSTICS budgets = ROW_COUNT;
    DELETE FROM login_devices d WHERE d.last_sign_in < p_now - p_device_retention;
    GET DIAGNOSTICS devices = ROW_COUNT;
    RETURN NEXT;
END
$$;
-- +goose StatementEnd

-- A password set by anyone but its owner (an operator's `fieldbook user
-- passwd`, an admin, a reset link) ends the owner's sessions, as a role
-- change does. The owner's own change keeps the session it is made in.
CREATE TRIGGER users_end_sessions_on_password AFTER UPDATE OF password_hash ON users
    FOR EACH ROW
    WHEN (OLD.password_hash IS DISTINCT FROM NEW.password_hash AND current_user_id() IS DISTINCT FROM NEW.id)
    EXECUTE FUNCTION users_end_sessions_on_change();

ALTER FUNCTION auth_throttle_reserve(text[], integer[], integer[], timestamptz) OWNER TO fieldbook_auth;
ALTER FUNCTION auth_throttle_forgive(text, integer) OWNER TO fieldbook_auth;
ALTER FUNCTION auth_device_known(bytea, text) OWNER TO fieldbook_auth;
ALTER FUNCTION auth_remember_device(bytea, timestamptz) OWNER TO fieldbook_auth;
ALTER FUNCTION sync_take(integer, integer, integer, timestamptz) OWNER TO fieldbook_auth;
ALTER FUNCTION maintenance_purge(interval, interval, integer, integer, integer, timestamptz) OWNER TO fieldbook_auth;
REVOKE EXECUTE ON FUNCTION auth_throttle_reserve(text[], integer[], integer[], timestamptz),
    auth_throttle_forgive(text, integer), auth_device_known(bytea, text),
    auth_remember_device(bytea, timestamptz), sync_take(integer, integer, integer, timestamptz),
    maintenance_purge(interval, interval, integer, integer, integer, timestamptz) FROM PUBLIC;
-- Throttles are checked signed out (sign-in, sign-up, links) and signed in
-- (the current password on a password change).
GRANT EXECUTE ON FUNCTION auth_throttle_reserve(text[], integer[], integer[], timestamptz),
    auth_throttle_forgive(text, integer)
    TO fieldbook_anon, fieldbook_learner, fieldbook_volunteer, fieldbook_admin;
GRANT EXECUTE ON FUNCTION auth_throttle_reset(text)
    TO fieldbook_learner, fieldbook_volunteer, fieldbook_admin;
GRANT EXECUTE ON FUNCTION auth_device_known(bytea, text) TO fieldbook_anon;
GRANT EXECUTE ON FUNCTION auth_remember_device(bytea, timestamptz), sync_take(integer, integer, integer, timestamptz)
    TO fieldbook_learner, fieldbook_volunteer, fieldbook_admin;
-- The serving process purges as its login role, outside any caller's role.
GRANT EXECUTE ON FUNCTION maintenance_purge(interval, interval, integer, integer, integer, timestamptz) TO fieldbook_app;

-- +goose Down
REVOKE EXECUTE ON FUNCTION auth_throttle_reset(text) FROM fieldbook_learner, fieldbook_volunteer, fieldbook_admin;
DROP TRIGGER IF EXISTS users_end_sessions_on_password ON users;
DROP FUNCTION IF EXISTS maintenance_purge(interval, interval, integer, integer, integer, timestamptz);
DROP POLICY IF EXISTS progress_changes_auth_select ON progress_changes;
REVOKE SELECT (id, student_id, received_at) ON progress_changes FROM fieldbook_auth;
DROP POLICY IF EXISTS progress_changes_auth_purge ON progress_changes;
REVOKE DELETE ON progress_changes FROM fieldbook_auth;
DROP INDEX IF EXISTS progress_changes_received_at_idx;
DROP FUNCTION IF EXISTS sync_take(integer, integer, integer, timestamptz);
DROP TABLE IF EXISTS sync_budget;
DROP FUNCTION IF EXISTS auth_remember_device(bytea, timestamptz);
DROP FUNCTION IF EXISTS auth_device_known(bytea, text);
DROP TABLE IF EXISTS login_devices;
DROP FUNCTION IF EXISTS auth_throttle_forgive(text, integer);
DROP FUNCTION IF EXISTS auth_throttle_reserve(text[], integer[], integer[], timestamptz);
