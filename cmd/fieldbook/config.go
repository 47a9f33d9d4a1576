package main

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

// Config is every setting Fieldbook reads, parsed once from the environment.
type Config struct {
	// DatabaseURL is the connection the app serves with (DATABASE_URL).
	DatabaseURL string
	// ListenDatabaseURL is the direct connection (never through PgBouncer in
	// transaction mode) that LISTENs for progress notifications
	// (FIELDBOOK_LISTEN_DATABASE_URL, default DatabaseURL).
	ListenDatabaseURL string
	// MigrateDatabaseURL owns the schema and applies migrations; only
	// `migrate` uses it (FIELDBOOK_MIGRATE_DATABASE_URL, default DatabaseURL).
	MigrateDatabaseURL string
	// Addr is where serve listens (FIELDBOOK_ADDR, default :8080).
	Addr string
	// Env is development or production (FIELDBOOK_ENV, default development).
	Env string
	// CookieSecure marks the session cookie Secure; always on in production
	// (FIELDBOOK_COOKIE_SECURE, default: true except in development).
	CookieSecure bool
	// CORSOrigins may call /api/* from other origins
	// (FIELDBOOK_CORS_ORIGINS, comma-separated scheme://host[:port]).
	CORSOrigins []string
	// TrustedProxies are the networks whose X-Forwarded-For is believed
	// (FIELDBOOK_TRUSTED_PROXIES, comma-separated CIDRs or addresses).
	TrustedProxies []*net.IPNet
	// SessionIdle, SessionLifetime: how long a session lasts unused and at
	// most (FIELDBOOK_SESSION_IDLE default 720h, FIELDBOOK_SESSION_LIFETIME
	// default 2160h): learners may be offline for weeks.
	SessionIdle, SessionLifetime time.Duration
	// AdminSessionIdle, AdminSessionLifetime: the same for admins
	// (FIELDBOOK_ADMIN_SESSION_IDLE default 1h, FIELDBOOK_ADMIN_SESSION_LIFETIME
	// default 12h).
	AdminSessionIdle, AdminSessionLifetime time.Duration
	// MediaMaxBytes is the largest file an editor may upload for a lesson
	// (FIELDBOOK_MEDIA_MAX_BYTES, default 10 MB): learners download it.
	MediaMaxBytes int64
	// MemoryLimitMiB is serve's soft memory limit in MiB
	// (FIELDBOOK_MEMORY_LIMIT_MIB, default 36; 0: none): the garbage
	// collector works harder near it instead of letting the heap double, and
	// it decides how many 19 MiB password hashes run at once. GOMEMLIMIT, when
	// set, wins.
	MemoryLimitMiB int
	// StreamsPerUser, StreamBuffer, SSEHeartbeat and SessionRecheck shape
	// the dashboards' event streams; they are fixed, not read from the
	// environment. A volunteer may keep StreamsPerUser dashboards open at
	// once (browsers allow six HTTP/1.1 connections per site); a stream
	// falling StreamBuffer events behind is dropped and its page told to
	// re-read; the heartbeat keeps proxies from closing an idle stream; an
	// open stream checks every SessionRecheck that its session still stands
	// (sign-out, a role change or a disabled account end it).
	StreamsPerUser, StreamBuffer int
	SSEHeartbeat, SessionRecheck time.Duration
	// SessionCacheSize is how many sessions an instance keeps in memory
	// (fixed): enough for every learner of a large deployment, a few MB.
	SessionCacheSize int
	// ChangeRetention is how long sync change ids are kept, so a replay is
	// recognised (FIELDBOOK_CHANGE_RETENTION, default 9600h = 400 days, at
	// least 24h).
	ChangeRetention time.Duration
	// errs are parse errors, reported by Validate.
	errs []error
}

// loadConfig reads the environment.
func loadConfig() Config {
	c := Config{
		DatabaseURL:        os.Getenv("DATABASE_URL"),
		MigrateDatabaseURL: os.Getenv("FIELDBOOK_MIGRATE_DATABASE_URL"),
		Addr:               os.Getenv("FIELDBOOK_ADDR"),
		Env:                strings.ToLower(os.Getenv("FIELDBOOK_ENV")),
		StreamsPerUser:     4,
		StreamBuffer:       64,
		SSEHeartbeat:       20 * time.Second,
		SessionRecheck:     5 * time.Second,
		SessionCacheSize:   10_000,
	}
	if c.Addr == "" {
		c.Addr = ":8080"
	}
	if c.Env == "" {
		c.Env = "development"
	}
	if c.MigrateDatabaseURL == "" {
		c.MigrateDatabaseURL = c.DatabaseURL
	}
	c.ListenDatabaseURL = os.Getenv("FIELDBOOK_LISTEN_DATABASE_URL")
	if c.ListenDatabaseURL == "" {
		c.ListenDatabaseURL = c.DatabaseURL
	}
	c.readOrigins()
	c.readProxies()
	c.readDurations()
	if c.SessionIdle > c.SessionLifetime || c.AdminSessionIdle > c.AdminSessionLifetime {
		c.errs = append(c.errs, errors.New("a session's idle timeout cannot be longer than its lifetime"))
	}
	c.loadLimits()
	switch v := strings.ToLower(os.Getenv("FIELDBOOK_COOKIE_SECURE")); v {
	case "true", "1", "yes":
		c.CookieSecure = true
	case "false", "0", "no":
		c.CookieSecure = false
	case "":
		c.CookieSecure = c.Env != "development"
	default:
		c.errs = append(c.errs, fmt.Errorf("FIELDBOOK_COOKIE_SECURE must be true or false, not %q", v))
	}
	return c
}

// readOrigins reads FIELDBOOK_CORS_ORIGINS: exact origins only.
func (c *Config) readOrigins() {
	for _, o := range splitList(os.Getenv("FIELDBOOK_CORS_ORIGINS")) {
		if err := validOrigin(o); err != nil {
			c.errs = append(c.errs, fmt.Errorf("FIELDBOOK_CORS_ORIGINS: %w", err))
			continue
		}
		c.CORSOrigins = append(c.CORSOrigins, o)
	}
}

// readProxies reads FIELDBOOK_TRUSTED_PROXIES: CIDRs, or single addresses.
func (c *Config) readProxies() {
	for _, p := range splitList(os.Getenv("FIELDBOOK_TRUSTED_PROXIES")) {
		if !strings.Contains(p, "/") {
			if ip := net.ParseIP(p); ip != nil && ip.To4() != nil {
				p += "/32"
			} else {
				p += "/128"
			}
		}
		_, n, err := net.ParseCIDR(p)
		if err != nil {
			c.errs = append(c.errs, fmt.Errorf("FIELDBOOK_TRUSTED_PROXIES: %q is not an address or CIDR", p))
			continue
		}
		c.TrustedProxies = append(c.TrustedProxies, n)
	}
}

// readDurations reads the session bounds, each with its default.
func (c *Config) readDurations() {
	for _, d := range []struct {
		name string
		dst  *time.Duration
		def  time.Duration
	}{
		{"FIELDBOOK_SESSION_IDLE", &c.SessionIdle, 30 * 24 * time.Hour},
		{"FIELDBOOK_SESSION_LIFETIME", &c.SessionLifetime, 90 * 24 * time.Hour},
		{"FIELDBOOK_ADMIN_SESSION_IDLE", &c.AdminSessionIdle, time.Hour},
		{"FIELDBOOK_ADMIN_SESSION_LIFETIME", &c.AdminSessionLifetime, 12 * time.Hour},
	} {
		*d.dst = d.def
		if v := os.Getenv(d.name); v != "" {
			dur, err := time.ParseDuration(v)
			if err != nil || dur < time.Minute {
				c.errs = append(c.errs, fmt.Errorf("%s must be a duration of a minute or more, like 720h, not %q", d.name, v))
				continue
			}
			*d.dst = dur
		}
	}
}

// loadLimits reads the media size limit and the retention of change ids.
func (c *Config) loadLimits() {
	c.MediaMaxBytes = 10 << 20
	if v := os.Getenv("FIELDBOOK_MEDIA_MAX_BYTES"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1024 || n > 1<<30 {
			c.errs = append(c.errs, fmt.Errorf("FIELDBOOK_MEDIA_MAX_BYTES must be a number of bytes from 1024 to 1073741824, like 10485760, not %q", v))
		} else {
			c.MediaMaxBytes = n
		}
	}
	// 400 days: longer than any phone stays offline, and a year's replays
	// are still recognised.
	c.ChangeRetention = 400 * 24 * time.Hour
	if v := os.Getenv("FIELDBOOK_CHANGE_RETENTION"); v != "" {
		dur, err := time.ParseDuration(v)
		if err != nil || dur < 24*time.Hour {
			c.errs = append(c.errs, fmt.Errorf("FIELDBOOK_CHANGE_RETENTION must be a duration of a day or more, like 9600h, not %q", v))
		} else {
			c.ChangeRetention = dur
		}
	}
	c.MemoryLimitMiB = 36
	if v := os.Getenv("FIELDBOOK_MEMORY_LIMIT_MIB"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || (n != 0 && n < 32) {
			c.errs = append(c.errs, fmt.Errorf("FIELDBOOK_MEMORY_LIMIT_MIB must be 0 (no limit) or a number of MiB from 32, like 64, not %q", v))
		} else {
			c.MemoryLimitMiB = n
		}
	}
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// validOrigin accepts exactly scheme://host[:port]: no wildcard, no path.
func validOrigin(o string) error {
	u, err := url.Parse(o)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
		u.Path != "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil || strings.ContainsAny(o, "*?") {
		return fmt.Errorf("%q is not an origin of the form https://host[:port]", o)
	}
	return nil
}

// Validate says what is wrong with the settings, all at once.
func (c Config) Validate() error {
	errs := append([]error{}, c.errs...)
	if c.DatabaseURL == "" {
		errs = append(errs, errors.New("DATABASE_URL is not set (e.g. postgres://user:password@localhost:5432/fieldbook)"))
	}
	if c.Env != "development" && c.Env != "production" {
		errs = append(errs, fmt.Errorf("FIELDBOOK_ENV must be development or production, not %q", c.Env))
	}
	if c.Env == "production" && !c.CookieSecure {
		errs = append(errs, errors.New("FIELDBOOK_COOKIE_SECURE=false is refused in production: serve over HTTPS"))
	}
	return errors.Join(errs...)
}
