package views

import (
	"context"

	"github.com/a-h/templ"

	"fieldbook/internal/i18n"
)

// content marks course content (titles, descriptions, lessons) with the
// course's own language, and with its direction when that differs from the
// page's: an Arabic lesson on an English page reads right to left, a French
// one on an Arabic page left to right. Browsers then pick the right fonts,
// hyphenation and speech, and the untranslated-English check leaves course
// content alone.
func content(ctx context.Context, tag string) templ.Attributes {
	l, ok := i18n.Lookup(tag)
	if !ok {
		return templ.Attributes{}
	}
	attrs := templ.Attributes{"lang": l.Tag}
	if l.Dir() != dir(ctx) {
		attrs["dir"] = l.Dir()
	}
	return attrs
}

// languageName is a language's name in itself ("Kiswahili"), for lists of
// course languages; "" for a tag that is not an interface language.
func languageName(tag string) string {
	l, _ := i18n.Lookup(tag)
	return l.Name
}
