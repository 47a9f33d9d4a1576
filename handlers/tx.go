package handlers

import (
	"context"

	"github.com/labstack/echo/v4"

	"fieldbook/store"
)

// inTx runs fn in one transaction for the request's caller (store.InTx)
// and returns fn's result: what a transaction reads leaves it as a return
// value, never through variables the closure captured.
func inTx[T any](a *App, c echo.Context, fn func(context.Context, *store.Tx) (T, error)) (T, error) {
	return runTx(c, callerOf(c), a.store.InTx, fn)
}

// readTx is inTx for a read-only transaction (store.ReadTx).
func readTx[T any](a *App, c echo.Context, fn func(context.Context, *store.Tx) (T, error)) (T, error) {
	return runTx(c, callerOf(c), a.store.ReadTx, fn)
}

// anonTx is inTx as the anonymous caller, whoever sent the request: the
// sign-in, sign-up and one-time-link steps that run before there is one.
func anonTx[T any](a *App, c echo.Context, fn func(context.Context, *store.Tx) (T, error)) (T, error) {
	return runTx(c, store.Anonymous, a.store.InTx, fn)
}

func runTx[T any](c echo.Context, caller store.Caller, run func(context.Context, store.Caller, func(*store.Tx) error) error,
	fn func(context.Context, *store.Tx) (T, error)) (T, error) {
	ctx := c.Request().Context()
	var out T
	err := run(ctx, caller, func(tx *store.Tx) (err error) {
		out, err = fn(ctx, tx)
		return err
	})
	return out, err
}
