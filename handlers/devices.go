package handlers

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"fieldbook/store"
)

// deviceCookie marks a browser that has signed in before (OWASP's device
// cookies against lockouts). It holds 32 random bytes and names no one; the
// database keeps its SHA-256 for each account that signed in with it. It is
// sent only to /login, so pages carry no extra bytes.
const deviceCookie = "fieldbook_device"

// DeviceLifetime is how long a device stays known after its last sign-in:
// the cookie's age, and how long store.Purge keeps its rows.
const DeviceLifetime = 365 * 24 * time.Hour

// deviceHash is the SHA-256 of the request's device cookie, or nil when it
// has none (or a malformed one).
func deviceHash(c echo.Context) []byte {
	ck, err := c.Cookie(deviceCookie)
	if err != nil {
		return nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(ck.Value)
	if err != nil || len(raw) != 32 {
		return nil
	}
	sum := sha256.Sum256(raw)
	return sum[:]
}

// rememberDevice records that caller signed in on this browser, giving it a
// device cookie if it has none and renewing the cookie's age.
func (a *App) rememberDevice(c echo.Context, caller store.Caller) error {
	value := ""
	if ck, err := c.Cookie(deviceCookie); err == nil && deviceHash(c) != nil {
		value = ck.Value
	} else {
		raw := make([]byte, 32)
		if _, err := rand.Read(raw); err != nil {
			return err
		}
		value = base64.RawURLEncoding.EncodeToString(raw)
	}
	raw, _ := base64.RawURLEncoding.DecodeString(value)
	sum := sha256.Sum256(raw)
	c.SetCookie(&http.Cookie{
		Name: deviceCookie, Value: value, Path: pathTo(routeLogin), MaxAge: int(DeviceLifetime.Seconds()),
		HttpOnly: true, Secure: a.sessions.Cookie.Secure, SameSite: http.SameSiteLaxMode,
	})
	ctx := c.Request().Context()
	return a.store.InTx(ctx, caller, func(tx *store.Tx) error {
		return tx.RememberDevice(ctx, sum[:], a.now())
	})
}
