package store

import (
	"container/list"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// SessionChannel is the NOTIFY channel of session invalidations: triggers on
// sessions and users (migrations/00012_sessions_hashed.sql) send "s:" and a
// session key, or "u:" and a user id. Never a token: any role may LISTEN.
const SessionChannel = "fieldbook_sessions"

// SessionKey is what the database keeps of a session token: its SHA-256 in
// hex. A copy of the sessions table (a backup, a replica, a log line)
// signs nobody in.
func SessionKey(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// SessionInfo is what the session store needs to know about a session's
// data, which it cannot decode itself: whose it is and how long it may live.
type SessionInfo struct {
	// User owns the session (uuid.Nil: nobody signed in).
	User uuid.UUID
	// Deadline is the absolute end of the session.
	Deadline time.Time
	// Idle is how long the session lives unused (0: until Deadline).
	Idle time.Duration
}

// limit is when the session would end if used at now.
func (i SessionInfo) limit(now time.Time) time.Time {
	if i.Idle > 0 && now.Add(i.Idle).Before(i.Deadline) {
		return now.Add(i.Idle)
	}
	return i.Deadline
}

// SessionPolicy reads a session's owner and bounds from its encoded data.
type SessionPolicy func(data []byte) (SessionInfo, error)

// SessionStore is the scs session store: the sessions table keyed by
// SessionKey, an in-process cache, and idle expiry that writes at most every
// ExtendEvery instead of on every request.
//
// The cache holds sessions read from PostgreSQL, keyed by session key,
// bounded in size and age. It serves only while a LISTEN connection tells it
// of every change (SetLive): a trigger on sessions and one on users notify
// SessionChannel, and Invalidate drops what they name. While that
// connection is down or reconnecting, the cache is empty and bypassed. A
// cached session past its expiry is read again before it is refused
// (another instance may have extended it).
type SessionStore struct {
	pool   *pgxpool.Pool
	cache  *sessionCache
	policy SessionPolicy
	// ExtendEvery is how stale a session's stored expiry may get before a
	// request extends it: the one write a page view may cause, at most once
	// in this interval per session (it is capped to a quarter of the idle
	// timeout).
	ExtendEvery time.Duration
}

// Session cache bounds: entries and the age after which an entry is read
// again even without a notification (a safety net should a notification
// ever be lost without the connection noticing).
const (
	DefaultSessionCacheSize = 10000
	DefaultSessionCacheTTL  = time.Minute
	defaultExtendEvery      = 5 * time.Minute
)

// NewSessionStore makes a session store on pool with a cache of size
// entries (0: DefaultSessionCacheSize). The cache serves nothing until
// SetLive(true).
func NewSessionStore(pool *pgxpool.Pool, size int) *SessionStore {
	if size <= 0 {
		size = DefaultSessionCacheSize
	}
	return &SessionStore{pool: pool, cache: newSessionCache(size, DefaultSessionCacheTTL), ExtendEvery: defaultExtendEvery}
}

// SetPolicy sets how session data is read; call it before serving.
func (s *SessionStore) SetPolicy(p SessionPolicy) { s.policy = p }

// SetLive turns the cache on (the LISTEN connection listens) or off and
// empties it (the connection is down: changes may go unnoticed).
func (s *SessionStore) SetLive(live bool) { s.cache.setLive(live) }

// Live reports whether the cache serves.
func (s *SessionStore) Live() bool { return s.cache.isLive() }

// Invalidate handles one SessionChannel payload.
func (s *SessionStore) Invalidate(payload string) error {
	switch {
	case strings.HasPrefix(payload, "s:"):
		s.cache.drop(payload[2:])
	case strings.HasPrefix(payload, "u:"):
		id, err := uuid.Parse(payload[2:])
		if err != nil {
			return fmt.Errorf("store: bad session notification %q", payload)
		}
		s.cache.dropUser(id)
	default:
		return fmt.Errorf("store: bad session notification %q", payload)
	}
	return nil
}

// ForgetUser drops a user's cached sessions at once, without waiting for
// the notification: after this instance changed them (sign-outs elsewhere,
// a password, a role).
func (s *SessionStore) ForgetUser(id uuid.UUID) { s.cache.dropUser(id) }

func (s *SessionStore) info(data []byte, fallback time.Time) SessionInfo {
	if s.policy == nil {
		return SessionInfo{Deadline: fallback}
	}
	info, err := s.policy(data)
	if err != nil {
		return SessionInfo{Deadline: fallback}
	}
	return info
}

func (s *SessionStore) extendEvery(info SessionInfo) time.Duration {
	every := s.ExtendEvery
	if info.Idle > 0 && info.Idle/4 < every {
		every = info.Idle / 4
	}
	return every
}

type freshKey struct{}

// FreshSessions marks ctx so that sessions are read from PostgreSQL, not
// the cache: for requests that change data, so that a revocation that has
// not yet reached this instance's cache still refuses them.
func FreshSessions(ctx context.Context) context.Context {
	return context.WithValue(ctx, freshKey{}, true)
}

// FindCtx returns a session's data: from the cache, else from PostgreSQL.
// When the stored expiry lags behind what use allows by more than
// ExtendEvery, it is extended (the only write a page view causes).
func (s *SessionStore) FindCtx(ctx context.Context, token string) ([]byte, bool, error) {
	key := SessionKey(token)
	now := time.Now()
	e, ok := s.cache.get(key, now)
	if fresh, _ := ctx.Value(freshKey{}).(bool); fresh {
		ok = false
	}
	if !ok || !now.Before(e.expiry) {
		gen := s.cache.generation()
		var data []byte
		var expiry time.Time
		var lang string
		err := s.pool.QueryRow(ctx, `SELECT data, expiry, coalesce(session_lang(token), '') FROM sessions
			WHERE token = $1 AND now() < expiry`, key).Scan(&data, &expiry, &lang)
		if errors.Is(err, pgx.ErrNoRows) {
			s.cache.drop(key)
			return nil, false, nil
		}
		if err != nil {
			return nil, false, fmt.Errorf("store: find session: %w", err)
		}
		e = &cacheEntry{key: key, data: data, expiry: expiry, lang: lang, info: s.info(data, expiry)}
		s.cache.put(gen, e, now)
	}
	if want := e.info.limit(now); want.Sub(e.expiry) > s.extendEvery(e.info) {
		if _, err := s.pool.Exec(ctx, `UPDATE sessions SET expiry = $2 WHERE token = $1 AND now() < expiry`, key, want); err != nil {
			return nil, false, fmt.Errorf("store: extend session: %w", err)
		}
		s.cache.drop(key) // the row changed; its notification drops it elsewhere
	}
	return e.data, true, nil
}

// UserLang is the interface language the owner of the session token has
// chosen, as users.lang has it now ("" when they never chose): read with the
// session on a cache miss, so a change made on one phone reaches the
// owner's other sessions when the users trigger drops them from the cache.
// Outside the cache (not live, or a session not read yet) it asks the
// database.
func (s *SessionStore) UserLang(ctx context.Context, token string) (string, error) {
	key := SessionKey(token)
	if e, ok := s.cache.get(key, time.Now()); ok {
		return e.lang, nil
	}
	var lang string
	if err := s.pool.QueryRow(ctx, `SELECT coalesce(session_lang($1), '')`, key).Scan(&lang); err != nil {
		return "", fmt.Errorf("store: session language: %w", err)
	}
	return lang, nil
}

// CommitCtx saves a session. scs passes its absolute deadline as expiry
// (its own idle timeout is off); the row expires sooner when the policy
// gives the session an idle timeout.
func (s *SessionStore) CommitCtx(ctx context.Context, token string, data []byte, expiry time.Time) error {
	key := SessionKey(token)
	info := s.info(data, expiry)
	if info.Deadline.After(expiry) {
		info.Deadline = expiry
	}
	_, err := s.pool.Exec(ctx, `
		INSERT INTO sessions (token, data, expiry) VALUES ($1, $2, $3)
		ON CONFLICT (token) DO UPDATE SET data = EXCLUDED.data, expiry = EXCLUDED.expiry`,
		key, data, info.limit(time.Now()))
	s.cache.drop(key)
	if err != nil {
		return fmt.Errorf("store: save session: %w", err)
	}
	return nil
}

// DeleteCtx ends a session, here at once and elsewhere by notification.
func (s *SessionStore) DeleteCtx(ctx context.Context, token string) error {
	key := SessionKey(token)
	_, err := s.pool.Exec(ctx, `DELETE FROM sessions WHERE token = $1`, key)
	s.cache.drop(key)
	if err != nil {
		return fmt.Errorf("store: delete session: %w", err)
	}
	return nil
}

// Find is FindCtx without a context (scs's Store interface).
func (s *SessionStore) Find(token string) ([]byte, bool, error) {
	return s.FindCtx(context.Background(), token)
}

// Commit is CommitCtx without a context.
func (s *SessionStore) Commit(token string, data []byte, expiry time.Time) error {
	return s.CommitCtx(context.Background(), token, data, expiry)
}

// Delete is DeleteCtx without a context.
func (s *SessionStore) Delete(token string) error {
	return s.DeleteCtx(context.Background(), token)
}

// DeleteExpired removes sessions past their expiry; serve runs it every few
// minutes.
func (s *SessionStore) DeleteExpired(ctx context.Context) error {
	if _, err := s.pool.Exec(ctx, `DELETE FROM sessions WHERE expiry < now()`); err != nil {
		return fmt.Errorf("store: delete expired sessions: %w", err)
	}
	return nil
}

// sessionCache is a bounded LRU of sessions with a maximum age, and an
// index by user for invalidations that name a user.
type sessionCache struct {
	mu      sync.Mutex
	max     int
	ttl     time.Duration
	live    bool
	gen     uint64
	entries map[string]*list.Element
	lru     *list.List
	byUser  map[uuid.UUID]map[string]struct{}
}

type cacheEntry struct {
	key    string
	data   []byte
	expiry time.Time
	// lang is the owner's interface language as users.lang had it when the
	// entry was read ("" for none chosen, or nobody signed in).
	lang   string
	info   SessionInfo
	stored time.Time
}

func newSessionCache(max int, ttl time.Duration) *sessionCache {
	return &sessionCache{max: max, ttl: ttl, entries: map[string]*list.Element{}, lru: list.New(),
		byUser: map[uuid.UUID]map[string]struct{}{}}
}

func (c *sessionCache) get(key string, now time.Time) (*cacheEntry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.entries[key]
	if !ok || !c.live {
		return nil, false
	}
	e := el.Value.(*cacheEntry)
	if now.Sub(e.stored) > c.ttl {
		c.remove(el)
		return nil, false
	}
	c.lru.MoveToFront(el)
	return e, true
}

// generation is taken before a database read; put stores the result only if
// no invalidation came in between (it might have been about this session).
func (c *sessionCache) generation() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}

func (c *sessionCache) put(gen uint64, e *cacheEntry, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.live || gen != c.gen {
		return
	}
	if el, ok := c.entries[e.key]; ok {
		c.remove(el)
	}
	e.stored = now
	c.entries[e.key] = c.lru.PushFront(e)
	if e.info.User != uuid.Nil {
		if c.byUser[e.info.User] == nil {
			c.byUser[e.info.User] = map[string]struct{}{}
		}
		c.byUser[e.info.User][e.key] = struct{}{}
	}
	for c.lru.Len() > c.max {
		c.remove(c.lru.Back())
	}
}

func (c *sessionCache) remove(el *list.Element) {
	e := c.lru.Remove(el).(*cacheEntry)
	delete(c.entries, e.key)
	if keys := c.byUser[e.info.User]; keys != nil {
		delete(keys, e.key)
		if len(keys) == 0 {
			delete(c.byUser, e.info.User)
		}
	}
}

func (c *sessionCache) drop(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	if el, ok := c.entries[key]; ok {
		c.remove(el)
	}
}

func (c *sessionCache) dropUser(id uuid.UUID) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	for key := range c.byUser[id] {
		c.remove(c.entries[key])
	}
}

func (c *sessionCache) setLive(live bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	c.live = live
	c.entries = map[string]*list.Element{}
	c.lru.Init()
	c.byUser = map[uuid.UUID]map[string]struct{}{}
}

func (c *sessionCache) isLive() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.live
}
