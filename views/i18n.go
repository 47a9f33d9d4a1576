package views

import (
	"context"
	"fmt"

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

// number is n written the page's language's way ("1,234", "1 234").
func number(ctx context.Context, n int) string { return i18n.From(ctx).Number(n) }

// percent is p percent written the page's language's way ("50%", "50 %").
func percent(ctx context.Context, p int) string { return i18n.From(ctx).Percent(p) }

// lang is the page's language tag, for <html lang>.
func lang(ctx context.Context) string { return i18n.From(ctx).Lang() }

// dir is the page's writing direction, for <html dir>.
func dir(ctx context.Context) string { return i18n.From(ctx).Dir() }

// rtl reports a right-to-left page, for drawings CSS cannot mirror (SVG).
func rtl(ctx context.Context) bool { return i18n.From(ctx).RTL() }

// Say is a message in loc's language. A catalogue key is translated, its
// placeholders filled from args as name, value pairs (a "count" pair picks
// the plural form); any other text is shown as it is, its fmt verbs filled
// from args: a message not yet moved to the catalogues, or one translated
// already. Form and handlers.Error messages go through here.
func Say(loc *i18n.Localizer, msg string, args ...any) string {
	if loc.Has(msg) {
		for i := 0; i+1 < len(args); i += 2 {
			if n, ok := args[i+1].(int); ok && args[i] == "count" {
				return loc.N(msg, n, append(args[:i:i], args[i+2:]...)...)
			}
		}
		return loc.T(msg, args...)
	}
	if len(args) > 0 {
		return fmt.Sprintf(msg, args...)
	}
	return msg
}

// roleName is a role (learner, volunteer, admin) in the page's language.
func roleName(ctx context.Context, role string) string {
	switch role {
	case "learner":
		return t(ctx, "role.learner")
	case "volunteer":
		return t(ctx, "role.volunteer")
	case "admin":
		return t(ctx, "role.admin")
	}
	return role
}
