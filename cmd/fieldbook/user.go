package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"fieldbook/handlers"
	"fieldbook/internal/i18n"
	"fieldbook/internal/password"
	"fieldbook/store"
)

// cliLanguage is the command line's language: it stays English.
func cliLanguage() *i18n.Localizer { return i18n.Default().Localizer(i18n.Source) }

const userUsage = `Usage:
  fieldbook user add --username U --role learner|volunteer|admin [--name N]
  fieldbook user passwd --username U

The password is read from the first line of standard input, for example:
  echo 'a long passphrase' | fieldbook user add --username ada --role admin`

func cmdUser(ctx context.Context, cfg Config, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprintln(stderr, userUsage)
		if len(args) == 0 {
			return fmt.Errorf("%w: user needs a subcommand (add or passwd)", errUsage)
		}
		return nil
	}
	switch args[0] {
	case "add":
		return cmdUserAdd(ctx, cfg, args[1:], stdin, stdout, stderr)
	case "passwd":
		return cmdUserPasswd(ctx, cfg, args[1:], stdin, stdout, stderr)
	}
	fmt.Fprintln(stderr, userUsage)
	return fmt.Errorf("%w: unknown user subcommand %q", errUsage, args[0])
}

func readPassword(stdin io.Reader) (string, error) {
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read password from stdin: %w", err)
	}
	pw := strings.TrimRight(line, "\r\n")
	if msg := password.Validate(cliLanguage(), pw); msg != "" {
		return "", fmt.Errorf("password on stdin: %s", msg)
	}
	return pw, nil
}

// hashFromStdin reads a new password from the first line of stdin, checks
// it and hashes it.
func hashFromStdin(ctx context.Context, stdin io.Reader) (string, error) {
	pw, err := readPassword(stdin)
	if err != nil {
		return "", err
	}
	return password.Hash(ctx, pw)
}

// asOperator runs fn in one transaction as the command line's admin.
func asOperator(ctx context.Context, cfg Config, fn func(*store.Tx) error) error {
	st, closeFn, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer closeFn()
	return st.InTx(ctx, store.Operator, fn)
}

func openStore(ctx context.Context, cfg Config) (*store.Store, func(), error) {
	if cfg.DatabaseURL == "" {
		return nil, nil, errors.New("DATABASE_URL is not set")
	}
	pool, err := store.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return nil, nil, err
	}
	return store.New(pool), pool.Close, nil
}

func cmdUserAdd(ctx context.Context, cfg Config, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("user add", userUsage, stderr)
	username := fs.String("username", "", "sign-in name (3-32 of a-z 0-9 . _ -)")
	role := fs.String("role", "learner", "learner, volunteer or admin")
	name := fs.String("name", "", "display name (default: the username)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	*username = strings.ToLower(strings.TrimSpace(*username))
	if msg := handlers.ValidateUsername(cliLanguage(), *username); msg != "" {
		return fmt.Errorf("%w: --username: %s", errUsage, msg)
	}
	r := store.Role(*role)
	if !r.Valid() {
		return fmt.Errorf("%w: --role must be learner, volunteer or admin, not %q", errUsage, *role)
	}
	if strings.TrimSpace(*name) == "" {
		*name = *username
	}
	hash, err := hashFromStdin(ctx, stdin)
	if err != nil {
		return err
	}
	err = asOperator(ctx, cfg, func(tx *store.Tx) error {
		_, err := tx.CreateUser(ctx, store.NewUser{Username: *username, DisplayName: *name, PasswordHash: hash, Role: r})
		return err
	})
	if errors.Is(err, store.ErrConflict) {
		return fmt.Errorf("username %q is taken", *username)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "created %s %q\n", r, *username)
	return nil
}

func cmdUserPasswd(ctx context.Context, cfg Config, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("user passwd", userUsage, stderr)
	username := fs.String("username", "", "the account's username")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if strings.TrimSpace(*username) == "" {
		return fmt.Errorf("%w: --username is required", errUsage)
	}
	hash, err := hashFromStdin(ctx, stdin)
	if err != nil {
		return err
	}
	err = asOperator(ctx, cfg, func(tx *store.Tx) error {
		return tx.SetPasswordByUsername(ctx, *username, hash)
	})
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("no user %q", *username)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "password changed for %q\n", *username)
	return nil
}
