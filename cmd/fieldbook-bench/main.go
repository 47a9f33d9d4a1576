// Command fieldbook-bench is the measurement tooling behind `make bench`,
// kept out of the product's binary: it loads the synthetic data set, serves
// the bare reference page, and drives a running Fieldbook server (today's
// build or an older one) over loopback, printing one table.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"syscall"

	"github.com/jackc/pgx/v5"

	"fieldbook/store/benchdata"
)

const usage = `fieldbook-bench: measurements for make bench (never against production)

Usage:
  fieldbook-bench data [flags]     load the synthetic data set into an empty, migrated database
  fieldbook-bench bare [flags]     serve the bare reference page (Echo + pgx + html/template)
  fieldbook-bench load [flags]     measure a running server against the bare page; print the table
  fieldbook-bench freeport         print a free loopback address

Commands connect with DATABASE_URL (the schema owner).
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintln(os.Stderr, "fieldbook-bench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errors.New("no command given")
	}
	switch args[0] {
	case "data":
		return cmdData(ctx, args[1:], stdout, stderr)
	case "bare":
		return cmdBare(ctx, args[1:], stdout, stderr)
	case "load":
		return cmdLoad(ctx, args[1:], stdout, stderr)
	case "freeport":
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return err
		}
		defer l.Close()
		fmt.Fprintln(stdout, l.Addr().String())
		return nil
	case "-h", "--help", "help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", args[0])
}

// newFlags is a command's flag set; -h prints help, then the flags.
func newFlags(name, help string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprintln(stderr, help); fs.PrintDefaults() }
	return fs
}

// databaseURL is DATABASE_URL, required.
func databaseURL() (string, error) {
	u := os.Getenv("DATABASE_URL")
	if u == "" {
		return "", errors.New("DATABASE_URL is not set")
	}
	if os.Getenv("FIELDBOOK_ENV") == "production" {
		return "", errors.New("refusing to run with FIELDBOOK_ENV=production")
	}
	return u, nil
}

// cmdData loads the data set into an empty database that a fieldbook
// binary (any build) has migrated.
func cmdData(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("data", "Usage: fieldbook-bench data [flags]\n\nLoads synthetic courses, learners and progress with COPY into an empty database\nthat `fieldbook migrate` has prepared (DATABASE_URL, the schema owner).", stderr)
	spec := benchdata.Default
	small := fs.Bool("small", false, "a tenth of the default scale (BENCH_SCALE=small)")
	fs.IntVar(&spec.Courses, "courses", spec.Courses, "courses")
	fs.IntVar(&spec.Lessons, "lessons", spec.Lessons, "lessons in all")
	fs.IntVar(&spec.Learners, "learners", spec.Learners, "learners")
	fs.IntVar(&spec.Progress, "progress", spec.Progress, "progress rows in all")
	fs.IntVar(&spec.Volunteers, "volunteers", spec.Volunteers, "volunteers (each edits a share of the courses)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *small {
		spec = benchdata.Small
	}
	dsn, err := databaseURL()
	if err != nil {
		return err
	}
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	return benchdata.Generate(ctx, conn, spec, stdout)
}
