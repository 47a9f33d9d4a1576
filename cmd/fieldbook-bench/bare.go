package main

import (
	"bytes"
	"context"
	"fmt"
	"html/template"
	"io"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/labstack/echo/v4"

	"fieldbook/handlers"
)

// barePage is the reference every route is measured against: what the
// stack (Echo, a pgx pool, html/template) costs with one query and nothing
// of the product — no session, no role switch, no transaction, no gzip, no
// security headers. Deliberately not the product's layering: the SQL sits
// here. Its links are the product's lesson pages, from the route table.
var barePage = template.Must(template.New("bare").Funcs(template.FuncMap{"lessonPath": handlers.LessonPath}).Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{.Title}}</title></head>
<body><h1>{{.Title}}</h1><ol>{{range .Rows}}<li><a href="{{lessonPath .ID}}">{{.Title}}</a></li>{{end}}</ol></body></html>
`))

type bareRow struct {
	ID    uuid.UUID
	Title string
}

// cmdBare serves GET / (twelve lessons of the largest course) until
// interrupted; it prints the address it listens on, then "ready".
func cmdBare(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("bare", "Usage: fieldbook-bench bare [--addr 127.0.0.1:0]\n\nServes the bare reference page on the benchmark database (DATABASE_URL).", stderr)
	addr := fs.String("addr", "127.0.0.1:0", "listen address (port 0: any free port, printed)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	dsn, err := databaseURL()
	if err != nil {
		return err
	}
	pool, err := pgxpool.New(ctx, dsn)
	if err != nil {
		return err
	}
	defer pool.Close()
	var course uuid.UUID
	if err := pool.QueryRow(ctx, `SELECT course_id FROM lessons GROUP BY course_id ORDER BY count(*) DESC, course_id LIMIT 1`).Scan(&course); err != nil {
		return fmt.Errorf("bare: pick a course: %w", err)
	}
	bufs := sync.Pool{New: func() any { return new(bytes.Buffer) }}
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.GET("/", func(c echo.Context) error {
		rows, err := pool.Query(c.Request().Context(),
			`SELECT id, title FROM lessons WHERE course_id = $1 ORDER BY position LIMIT 12`, course)
		if err != nil {
			return err
		}
		list, err := pgx.CollectRows(rows, pgx.RowToStructByPos[bareRow])
		if err != nil {
			return err
		}
		buf := bufs.Get().(*bytes.Buffer)
		buf.Reset()
		defer bufs.Put(buf)
		if err := barePage.Execute(buf, map[string]any{"Title": "Lessons", "Rows": list}); err != nil {
			return err
		}
		return c.HTMLBlob(http.StatusOK, buf.Bytes())
	})
	l, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: e, ReadHeaderTimeout: 10 * time.Second}
	fmt.Fprintln(stdout, l.Addr().String())
	go func() {
		<-ctx.Done()
		shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shut)
	}()
	if err := srv.Serve(l); err != http.ErrServerClosed {
		return err
	}
	return nil
}
