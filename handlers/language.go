package handlers

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"fieldbook/internal/i18n"
	"fieldbook/store"
)

// langCookie remembers the language chosen on this phone (and the signed-in
// user's stored one), for pages shown signed out and for what the service
// worker fetches.
const langCookie = "fieldbook_lang"

// langCookieMaxAge is a year: a phone keeps its language.
const langCookieMaxAge = 365 * 24 * 60 * 60

// sessLang is the signed-in user's stored language, cached in the session at
// sign-in and when they change it, so pages need no query to know it.
const sessLang = "lang"

const (
	ctxLang      = "fieldbook.lang" // sessLang of a signed-in request
	ctxLocalizer = "fieldbook.localizer"
)

// localizer is the request's language: the signed-in user's stored
// preference, else the fieldbook_lang cookie, else Accept-Language, else
// English. Every page, fragment and error of the request uses it.
func (a *App) localizer(c echo.Context) *i18n.Localizer {
	if l, ok := c.Get(ctxLocalizer).(*i18n.Localizer); ok {
		return l
	}
	stored, _ := c.Get(ctxLang).(string)
	l := a.catalog.Localizer(negotiate(c.Request(), stored))
	c.Set(ctxLocalizer, l)
	return l
}

// userLang is the signed-in user's stored language as it is now: a change
// on another phone reaches this one (store.SessionStore.UserLang), else the
// one this session was given at sign-in or by the picker.
func (a *App) userLang(c echo.Context) string {
	ctx := c.Request().Context()
	if lang, err := a.sessionStore.UserLang(ctx, a.sessions.Token(ctx)); err == nil && lang != "" {
		return lang
	} else if err != nil {
		a.log.Warn("session language", "err", err)
	}
	return a.sessions.GetString(ctx, sessLang)
}

// negotiate picks the language of r given the user's stored one ("" when
// signed out or never chosen).
func negotiate(r *http.Request, stored string) string {
	cookie := ""
	if ck, err := r.Cookie(langCookie); err == nil {
		cookie = ck.Value
	}
	return i18n.Negotiate(r.Header.Get("Accept-Language"), stored, cookie)
}

// languageHeaders says what language the response is in and what it was
// chosen by, so no cache hands one language's page to another.
func languageHeaders(h http.Header, lang string) {
	h.Set("Content-Language", lang)
	h.Add("Vary", "Accept-Language")
	h.Add("Vary", "Cookie")
}

func (a *App) setLangCookie(c echo.Context, lang string) {
	c.SetCookie(&http.Cookie{Name: langCookie, Value: lang, Path: homeURL(), MaxAge: langCookieMaxAge,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: a.sessions.Cookie.Secure})
}

// languageHandlers serve the language picker.
type languageHandlers struct{ *App }

// setLanguage is the picker's form (POST /language with lang and next): it
// remembers the language in the cookie and, for a signed-in user, as their
// stored preference, then goes back to next (a local path) or to /.
func (h *languageHandlers) setLanguage(c echo.Context) error {
	if err := readForm(c); err != nil {
		return err
	}
	lang := c.FormValue("lang")
	if !i18n.Supported(lang) {
		return badRequest("language.unknown", "list", languageList())
	}
	if signedIn(c) {
		ctx := c.Request().Context()
		if err := h.store.InTx(ctx, callerOf(c), func(tx *store.Tx) error {
			return tx.SetOwnLanguage(ctx, lang)
		}); err != nil {
			return err
		}
		h.sessions.Put(ctx, sessLang, lang)
	}
	h.setLangCookie(c, lang)
	return c.Redirect(http.StatusSeeOther, safeNext(c.FormValue("next")))
}

// languageList names every interface language in itself, with its tag:
// "English (en), Français (fr), …".
func languageList() string {
	var names []string
	for _, l := range i18n.Languages() {
		names = append(names, l.Name+" ("+l.Tag+")")
	}
	return strings.Join(names, ", ")
}

// settleLanguage runs at sign-in: a stored preference wins over the cookie
// and the header and is cached in the session and the cookie; a new account
// (fresh) stores the language it was created in.
func (a *App) settleLanguage(c echo.Context, caller store.Caller, fresh bool) error {
	ctx := c.Request().Context()
	lang := a.localizer(c).Lang()
	err := a.store.InTx(ctx, caller, func(tx *store.Tx) error {
		if fresh {
			return tx.SetOwnLanguage(ctx, lang)
		}
		stored, err := tx.OwnLanguage(ctx)
		lang = stored
		return err
	})
	if err != nil || !i18n.Supported(lang) {
		return err
	}
	a.sessions.Put(ctx, sessLang, lang)
	a.setLangCookie(c, lang)
	return nil
}

// here is the address the language picker returns to: this page for a GET,
// else the page the form was on (same site only), else /.
func here(r *http.Request) string {
	if r.Method == http.MethodGet {
		return r.URL.RequestURI()
	}
	if u, err := url.Parse(r.Referer()); err == nil && u.Host == r.Host {
		return u.RequestURI()
	}
	return homeURL()
}
