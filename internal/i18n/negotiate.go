package i18n

import (
	"cmp"
	"slices"
	"strings"
	"sync"

	"golang.org/x/text/language"
)

var matcher = sync.OnceValue(func() language.Matcher {
	tags := make([]language.Tag, len(languages))
	for i, l := range languages {
		tags[i] = language.MustParse(l.Tag)
	}
	return language.NewMatcher(tags)
})

// Negotiate is the language of a request: the first of choices that is
// supported (a signed-in user's stored preference, then the fieldbook_lang
// cookie), else the best match for the Accept-Language header, else the
// source language.
func Negotiate(acceptLanguage string, choices ...string) string {
	for _, c := range choices {
		if Supported(c) {
			return c
		}
	}
	return MatchAcceptLanguage(acceptLanguage)
}

// maxAcceptEntries bounds the work one header can ask for.
const maxAcceptEntries = 16

// MatchAcceptLanguage is the supported language an Accept-Language header
// asks for most: weights honoured, regional variants mapped to their
// language (pt-BR → pt, fr-CA → fr, sw-KE → sw), and an empty, unknown or
// garbled header answered with the source language. Each entry is parsed on
// its own, so one malformed entry does not void the others.
func MatchAcceptLanguage(header string) string {
	type choice struct {
		tag language.Tag
		q   float32
	}
	var want []choice
	for i, entry := range strings.Split(header, ",") {
		if i == maxAcceptEntries {
			break
		}
		tags, qs, err := language.ParseAcceptLanguage(entry)
		if err != nil || len(tags) != 1 || qs[0] <= 0 {
			continue
		}
		want = append(want, choice{tags[0], qs[0]})
	}
	slices.SortStableFunc(want, func(a, b choice) int { return cmp.Compare(b.q, a.q) })
	tags := make([]language.Tag, len(want))
	for i, w := range want {
		tags[i] = w.tag
	}
	if len(tags) == 0 {
		return Source
	}
	_, i, conf := matcher().Match(tags...)
	if conf == language.No {
		return Source
	}
	return languages[i].Tag
}
