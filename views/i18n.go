package views

import (
	"context"

	"fieldbook/internal/i18n"
)

// Components translate with the localizer the handler rendered them with
// (i18n.WithLocalizer): { t(ctx, "nav.signin") }, { tn(ctx, "key", n) }.

// t is the message key in the page's language, placeholders filled from
// name, value pairs.
func t(ctx context.Context, key string, kv ...any) string { return i18n.From(ctx).T(key, kv...) }

// tn is t for a message that counts: count picks the plural form and fills
// {count}.
func tn(ctx context.Context, key string, count int, kv ...any) string {
	return i18n.From(ctx).N(key, count, kv...)
}

// lang is the page's language tag, for <html lang>.
func lang(ctx context.Context) string { return i18n.From(ctx).Lang() }

// dir is the page's writing direction, for <html dir>.
func dir(ctx context.Context) string { return i18n.From(ctx).Dir() }

// rtl reports a right-to-left page, for drawings CSS cannot mirror (SVG).
func rtl(ctx context.Context) bool { return i18n.From(ctx).RTL() }

// manifestURL is the web manifest in the page's language.
func manifestURL(ctx context.Context) string { return "/manifest.webmanifest?lang=" + lang(ctx) }
