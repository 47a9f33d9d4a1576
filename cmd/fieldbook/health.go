package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"fieldbook/handlers"
)

// cmdHealth asks the local server whether it is ready: the container
// healthcheck (the image has no curl).
func cmdHealth(ctx context.Context, cfg Config, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("health", "Usage: fieldbook health [--url URL]\n\nExits 0 when the server answers 200 on /readyz.", stderr)
	addr := cfg.Addr
	if strings.HasPrefix(addr, ":") {
		addr = "127.0.0.1" + addr
	}
	u := fs.String("url", "http://"+addr+handlers.ReadyPath(), "readiness URL")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, *u, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("not ready: %w", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("not ready: %d %s", resp.StatusCode, strings.TrimSpace(string(body)))
	}
	fmt.Fprintln(stdout, "ready")
	return nil
}
