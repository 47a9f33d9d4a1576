// Command fieldbook is the whole Fieldbook server: it serves the web app,
// applies database migrations, loads the demo courses and manages accounts.
// Configuration comes from the environment (see the README's table).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"syscall"
	"time"

	"fieldbook/handlers"
	"fieldbook/internal/password"
	"fieldbook/store"
)

const usage = `fieldbook: a learning platform for field training programmes

Usage:
  fieldbook serve                 run the web server (after fieldbook migrate)
  fieldbook migrate               apply database migrations and exit
  fieldbook demo                  load the demo courses and accounts (idempotent)
  fieldbook user add --username U --role learner|volunteer|admin [--name N]
                                  create an account; the password is read from stdin
  fieldbook user passwd --username U
                                  set an account's password, read from stdin
  fieldbook health [--url URL]    exit 0 when the local server is ready (/readyz)

Commands connect with DATABASE_URL; migrate uses FIELDBOOK_MIGRATE_DATABASE_URL
when it is set. Run "fieldbook <command> --help"
for details.
`

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintln(os.Stderr, "fieldbook:", err)
		os.Exit(1)
	}
}

// errUsage marks a mistake in the command line itself.
var errUsage = errors.New("usage")

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("%w: no command given", errUsage)
	}
	cfg := loadConfig()
	switch args[0] {
	case "-h", "--help", "help":
		fmt.Fprint(stdout, usage)
		return nil
	case "serve":
		return cmdServe(ctx, cfg, args[1:], stdout, stderr)
	case "migrate":
		return cmdMigrate(ctx, cfg, args[1:], stdout, stderr)
	case "demo":
		return cmdDemo(ctx, cfg, args[1:], stdout, stderr)
	case "user":
		return cmdUser(ctx, cfg, args[1:], stdin, stdout, stderr)
	case "health":
		return cmdHealth(ctx, cfg, args[1:], stdout, stderr)
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("%w: unknown command %q", errUsage, args[0])
}

func newFlags(name, help string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "%s\n", help)
		fs.PrintDefaults()
	}
	return fs
}

func cmdMigrate(ctx context.Context, cfg Config, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("migrate", "Usage: fieldbook migrate\n\nApplies pending migrations with FIELDBOOK_MIGRATE_DATABASE_URL (default DATABASE_URL).", stderr)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if cfg.MigrateDatabaseURL == "" {
		return errors.New("DATABASE_URL is not set")
	}
	applied, err := store.Migrate(ctx, cfg.MigrateDatabaseURL)
	if err != nil {
		return err
	}
	if len(applied) == 0 {
		fmt.Fprintln(stdout, "migrations: database is up to date")
	}
	for _, a := range applied {
		fmt.Fprintln(stdout, "migrations: applied", a)
	}
	return nil
}

func cmdServe(ctx context.Context, cfg Config, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("serve", "Usage: fieldbook serve\n\nServes Fieldbook on FIELDBOOK_ADDR (default :8080). Needs only DATABASE_URL\n(the fieldbook_app role); run `fieldbook migrate` first.", stderr)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	logger := slog.New(slog.NewJSONHandler(stderr, nil))
	applyMemoryLimit(cfg, logger)
	pool, err := store.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer pool.Close()
	st := store.New(pool)
	// Migrating is a step of its own (`fieldbook migrate`, a one-shot
	// service in docker-compose.yml), so the serving process never holds
	// the schema owner's credentials.
	if err := st.Ready(ctx); err != nil {
		return fmt.Errorf("%w: run `fieldbook migrate` first, with the schema owner's URL in FIELDBOOK_MIGRATE_DATABASE_URL", err)
	}
	if super, err := st.Superuser(ctx); err == nil && super {
		level := slog.LevelInfo
		if cfg.Env == "production" {
			level = slog.LevelWarn
		}
		logger.Log(ctx, level, "DATABASE_URL connects as a superuser: row-level security still applies "+
			"(every transaction switches to a caller role), but production should connect as fieldbook_app (docs/deploy.md)")
	}
	srv, hub, listener, err := newServer(st, cfg, logger)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		if err := listener.Run(ctx); err != nil {
			logger.Error("progress listener stopped", "err", err)
		}
	}()
	go purgeLoop(ctx, st, cfg.ChangeRetention, logger)
	go deleteExpiredSessions(ctx, listener.Sessions, logger)
	// Open event streams end when the server shuts down, or Shutdown would
	// wait for them.
	srv.RegisterOnShutdown(hub.Close)
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	fmt.Fprintf(stdout, "fieldbook: serving on %s\n", displayAddr(cfg.Addr))
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	return srv.Shutdown(shutdownCtx)
}

// newServer builds the HTTP server, the dashboards' hub and the LISTEN
// connection that feeds it (one per instance).
func newServer(st *store.Store, cfg Config, logger *slog.Logger) (*http.Server, *handlers.Hub, *store.ProgressListener, error) {
	hub := handlers.NewHub(cfg.StreamsPerUser, cfg.StreamBuffer)
	// The LISTEN connection also keeps the session cache live.
	sessions := store.NewSessionStore(st.Pool(), cfg.SessionCacheSize)
	listener := &store.ProgressListener{
		Sessions: sessions,
		URL:      cfg.ListenDatabaseURL,
		OnEvent:  hub.Publish,
		OnConnect: func(first bool) {
			if !first {
				hub.Resync()
			}
		},
		Log: logger,
	}
	e, _, err := handlers.New(st, handlers.Options{
		CookieSecure:         cfg.CookieSecure,
		Logger:               logger,
		TrustedProxies:       cfg.TrustedProxies,
		CORSOrigins:          cfg.CORSOrigins,
		SessionIdle:          cfg.SessionIdle,
		SessionLifetime:      cfg.SessionLifetime,
		AdminSessionIdle:     cfg.AdminSessionIdle,
		AdminSessionLifetime: cfg.AdminSessionLifetime,
		MediaMaxBytes:        cfg.MediaMaxBytes,
		Sessions:             sessions,
		SSEHeartbeat:         cfg.SSEHeartbeat,
		SessionRecheck:       cfg.SessionRecheck,
		Clock:                time.Now,
		// Anyone may ask /readyz: it says which part is not ready, and the
		// log gets the detail.
		Ready: func(ctx context.Context) error {
			if err := st.Ready(ctx); err != nil {
				return &handlers.ReadyError{Part: "database", Err: err}
			}
			if !listener.Connected() {
				return &handlers.ReadyError{Part: "realtime", Err: errors.New("the LISTEN connection is down")}
			}
			return nil
		},
		Hub: hub,
	})
	if err != nil {
		return nil, nil, nil, err
	}
	srv := &http.Server{
		Addr:              cfg.Addr,
		Handler:           e,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
	}
	return srv, hub, listener, nil
}

// purgeEvery is how often serve deletes what has outlived its retention.
const purgeEvery = time.Hour

// purgeLoop runs store.Purge at start and then every purgeEvery until ctx
// ends. Every instance may run it: the deletes do not conflict.
func purgeLoop(ctx context.Context, st *store.Store, changes time.Duration, logger *slog.Logger) {
	r := store.Retention{Changes: changes, Devices: handlers.DeviceLifetime, Sync: store.DefaultSyncLimit}
	tick := time.NewTicker(purgeEvery)
	defer tick.Stop()
	for {
		if p, err := st.Purge(ctx, r, time.Now()); err != nil {
			if ctx.Err() == nil {
				logger.Warn("purge", "err", err)
			}
		} else if p != (store.Purged{}) {
			logger.Info("purged", "change_ids", p.Changes, "throttle_rows", p.Throttles, "sync_budgets", p.Budgets, "devices", p.Devices)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// applyMemoryLimit sets the soft memory limit (unless GOMEMLIMIT did) and
// lets as many password hashes run at once as fit in it next to the rest of
// the heap (at least one, at most one per core).
func applyMemoryLimit(cfg Config, log *slog.Logger) {
	limit := debug.SetMemoryLimit(-1)
	if os.Getenv("GOMEMLIMIT") == "" && cfg.MemoryLimitMiB > 0 {
		limit = int64(cfg.MemoryLimitMiB) << 20
		debug.SetMemoryLimit(limit)
	}
	slots := runtime.NumCPU()
	if limit < math.MaxInt64 {
		const rest = 17 << 20 // what the server holds besides hashes
		slots = min(slots, max(1, int((limit-rest)/password.ArgonMemoryBytes)))
	}
	password.SetHashConcurrency(slots)
	log.Info("memory", "soft_limit_mib", limit>>20, "concurrent_password_hashes", slots)
}

// deleteExpiredSessions removes expired session rows every five minutes
// until ctx ends.
func deleteExpiredSessions(ctx context.Context, sessions *store.SessionStore, log *slog.Logger) {
	tick := time.NewTicker(5 * time.Minute)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			if err := sessions.DeleteExpired(ctx); err != nil && ctx.Err() == nil {
				log.Warn("delete expired sessions", "err", err)
			}
		}
	}
}

func displayAddr(addr string) string {
	if len(addr) > 0 && addr[0] == ':' {
		return "http://localhost" + addr
	}
	return "http://" + addr
}
