package main

import (
	"errors"
	"fmt"
	"os"
	"strings"
)

// Config is every setting Fieldbook reads, parsed once from the environment.
type Config struct {
	// DatabaseURL is the connection the app serves with (DATABASE_URL).
	DatabaseURL string
	// MigrateDatabaseURL owns the schema and applies migrations
	// (FIELDBOOK_MIGRATE_DATABASE_URL, default DatabaseURL).
	MigrateDatabaseURL string
	// Addr is where serve listens (FIELDBOOK_ADDR, default :8080).
	Addr string
	// Env is development or production (FIELDBOOK_ENV, default development).
	Env string
	// CookieSecure marks the session cookie Secure; always on in production
	// (FIELDBOOK_COOKIE_SECURE, default: true except in development).
	CookieSecure bool
}

// loadConfig reads the environment.
func loadConfig() Config {
	c := Config{
		DatabaseURL:        os.Getenv("DATABASE_URL"),
		MigrateDatabaseURL: os.Getenv("FIELDBOOK_MIGRATE_DATABASE_URL"),
		Addr:               os.Getenv("FIELDBOOK_ADDR"),
		Env:                strings.ToLower(os.Getenv("FIELDBOOK_ENV")),
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
	switch strings.ToLower(os.Getenv("FIELDBOOK_COOKIE_SECURE")) {
	case "true", "1", "yes":
		c.CookieSecure = true
	case "false", "0", "no":
		c.CookieSecure = false
	default:
		c.CookieSecure = c.Env != "development"
	}
	return c
}

// Validate says what is wrong with the settings, all at once.
func (c Config) Validate() error {
	var errs []error
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
