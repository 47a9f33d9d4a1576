package i18n

import (
	"context"
	"fmt"
	"time"

	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"golang.org/x/text/number"
)

// Localizer speaks one language: messages, numbers and dates. One exists per
// language for the life of the process; every request in that language
// shares it, so taking one costs nothing.
type Localizer struct {
	lang    Language
	cat     *Catalog
	loc     *goi18n.Localizer
	printer *message.Printer
}

func newLocalizer(c *Catalog, l Language) *Localizer {
	return &Localizer{
		lang:    l,
		cat:     c,
		loc:     goi18n.NewLocalizer(c.bundle, l.Tag),
		printer: message.NewPrinter(language.MustParse(l.Locale())),
	}
}

// Language is the language this localizer speaks.
func (l *Localizer) Language() Language { return l.lang }

// Lang is the BCP 47 tag, for <html lang> and Content-Language.
func (l *Localizer) Lang() string { return l.lang.Tag }

// Dir is "rtl" or "ltr", for <html dir>.
func (l *Localizer) Dir() string { return l.lang.Dir() }

// RTL reports whether the language is written right to left, for the few
// places CSS cannot mirror (SVG coordinates).
func (l *Localizer) RTL() bool { return l.lang.RTL }

// Has reports whether key is in the catalogue (in the source language at
// least), so a message that is already a key can be told from plain text.
func (l *Localizer) Has(key string) bool {
	_, ok := l.cat.messages[Source][key]
	return ok
}

// T is the message key in this language with its placeholders filled from
// kv, given as name, value pairs: T("auth.hello", "name", u.Name) fills
// {name}. Numbers are written the language's way. A key the catalogue lacks
// comes back as itself, which the catalogue tests catch.
func (l *Localizer) T(key string, kv ...any) string {
	return l.localize(key, nil, kv)
}

// N is T for a message that counts something: the CLDR plural category of
// count in this language picks the form, and {count} is count written the
// language's way. N("lessons", 3) might be "3 lessons" or "3 دروس".
func (l *Localizer) N(key string, count int, kv ...any) string {
	return l.localize(key, count, append(kv, "count", count))
}

func (l *Localizer) localize(key string, count any, kv []any) string {
	s, err := l.loc.Localize(&goi18n.LocalizeConfig{
		MessageID:      key,
		PluralCount:    count,
		TemplateData:   l.args(kv),
		TemplateParser: braces,
	})
	if err != nil && s == "" {
		return key
	}
	// err with a text is a missing translation answered in the source
	// language: better than nothing on screen.
	return s
}

// args turns name, value pairs into placeholder values: numbers formatted,
// Texts translated.
func (l *Localizer) args(kv []any) map[string]string {
	if len(kv) == 0 {
		return nil
	}
	m := make(map[string]string, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		name, ok := kv[i].(string)
		if !ok {
			continue
		}
		switch v := kv[i+1].(type) {
		case string:
			m[name] = v
		case int:
			m[name] = l.Number(v)
		case int64:
			m[name] = l.Number(int(v))
		case Text:
			// A message inside a message (a reason in a refusal): said in
			// this language too.
			m[name] = l.T(v.Key, v.Args...)
		case fmt.Stringer:
			m[name] = v.String()
		default:
			m[name] = fmt.Sprint(v)
		}
	}
	return m
}

// Number is n written the language's way: "1,234", "1 234", "1.234".
func (l *Localizer) Number(n int) string {
	return l.printer.Sprint(number.Decimal(n))
}

// Percent is p percent written the language's way: "50%", "50 %".
func (l *Localizer) Percent(p int) string {
	return l.printer.Sprint(number.Percent(float64(p) / 100))
}

// monthKeys name the months in the catalogues (x/text has no public date
// formatter, so the names are translated like any other message).
var monthKeys = [12]string{"date.month.1", "date.month.2", "date.month.3", "date.month.4",
	"date.month.5", "date.month.6", "date.month.7", "date.month.8", "date.month.9",
	"date.month.10", "date.month.11", "date.month.12"}

// Date is t's calendar date the language's way, in t's location: "1
// December 2026", "1 décembre 2026", "1 de dezembro de 2026". Exports (the
// CSV) keep ISO dates instead.
func (l *Localizer) Date(t time.Time) string {
	return l.T("date.long",
		"day", l.digits(t.Day()),
		"month", l.T(monthKeys[t.Month()-1]),
		"year", l.digits(t.Year()))
}

// digits is n in the language's digits without grouping (a year).
func (l *Localizer) digits(n int) string {
	return l.printer.Sprint(number.Decimal(n, number.NoSeparator()))
}

// Text is a message to translate later, when the language is known: a
// handler's error says which message, the error page says it in the
// reader's language.
type Text struct {
	Key  string
	Args []any
}

// M is the Text of key with name, value pairs for its placeholders.
func M(key string, kv ...any) Text { return Text{Key: key, Args: kv} }

// Say is msg in this language: a Text is translated; a string that is a
// catalogue key is translated; any other string is shown as it is (a message
// not yet moved to the catalogues).
func (l *Localizer) Say(msg any) string {
	switch m := msg.(type) {
	case Text:
		return l.T(m.Key, m.Args...)
	case *Text:
		return l.T(m.Key, m.Args...)
	case string:
		if l.Has(m) {
			return l.T(m)
		}
		return m
	case nil:
		return ""
	}
	return fmt.Sprint(msg)
}

type ctxKey struct{}

// WithLocalizer is ctx carrying l, for components rendered with it.
func WithLocalizer(ctx context.Context, l *Localizer) context.Context {
	return context.WithValue(ctx, ctxKey{}, l)
}

// From is the Localizer ctx carries, or the source language's when it
// carries none.
func From(ctx context.Context) *Localizer {
	if l, ok := ctx.Value(ctxKey{}).(*Localizer); ok {
		return l
	}
	return Default().Localizer(Source)
}
