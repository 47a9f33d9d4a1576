// Package i18n is Fieldbook's interface languages: one message catalogue per
// language (catalog/<tag>.json, English the source), CLDR plural rules from
// go-i18n, numbers, percentages and dates per locale from golang.org/x/text
// and the catalogues, and the negotiation that picks a request's language.
// It imports neither Echo nor templ: handlers put a Localizer in the request's
// context (WithLocalizer) and components read it back (From). docs/i18n.md
// says how to convert a string, add a key and add a language.
package i18n

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"sync"

	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

// Source is the language the catalogues are written in first; every other
// catalogue is checked against it, and a missing translation falls back to it.
const Source = "en"

// JSPrefix marks the keys the phone's JavaScript needs (static/app.js and the
// service worker): JSTable hands them over without the prefix.
const JSPrefix = "js."

// Language is one interface language.
type Language struct {
	// Tag is the BCP 47 tag: the catalogue's file name, <html lang>, the
	// fieldbook_lang cookie and users.lang.
	Tag string
	// Name is the language's name in itself, as the picker lists it.
	Name string
	// RTL marks a right-to-left script: pages get dir="rtl".
	RTL bool
	// Numbers is the CLDR numbering system when it is not the language's
	// default: "latn" keeps Arabic pages on the digits learners type.
	Numbers string
}

// Dir is the value of the HTML dir attribute for the language.
func (l Language) Dir() string {
	if l.RTL {
		return "rtl"
	}
	return "ltr"
}

// Locale is the tag numbers and plurals are formatted with, on the server
// and in the phone's Intl (new Intl.NumberFormat(locale)), so both write the
// same digits: "ar-u-nu-latn" for Arabic.
func (l Language) Locale() string {
	if l.Numbers == "" {
		return l.Tag
	}
	return l.Tag + "-u-nu-" + l.Numbers
}

// Languages lists the interface languages in the picker's order.
func Languages() []Language { return slices.Clone(languages) }

// Lookup returns the supported language with exactly this tag.
func Lookup(tag string) (Language, bool) {
	for _, l := range languages {
		if l.Tag == tag {
			return l, true
		}
	}
	return Language{}, false
}

// Supported reports whether tag is exactly one of the interface languages'
// tags (as a form, a cookie or the database gives it; "fr-CA" is not).
func Supported(tag string) bool {
	_, ok := Lookup(tag)
	return ok
}

// Catalog holds every language's messages, loaded once at start-up and
// read-only afterwards, so it is shared by all requests.
type Catalog struct {
	bundle *goi18n.Bundle
	// messages are each language's messages as its file has them.
	messages   map[string]map[string]*goi18n.Message
	localizers map[string]*Localizer
	js         map[string][]byte
	version    string
}

//go:embed catalog/*.json
var embedded embed.FS

var defaultCatalog = sync.OnceValue(func() *Catalog {
	sub, err := fs.Sub(embedded, "catalog")
	if err == nil {
		var c *Catalog
		if c, err = Load(sub); err == nil {
			return c
		}
	}
	// The embedded files are checked by this package's tests: a broken one
	// is a build that must not ship.
	panic(err)
})

// Default is the catalogue built into the binary.
func Default() *Catalog { return defaultCatalog() }

// Load reads <tag>.json from fsys for every interface language. The files
// are go-i18n's JSON: "key": "text {placeholder}", or for a count, "key":
// {"one": "…", "other": "…"} with the language's CLDR categories.
func Load(fsys fs.FS) (*Catalog, error) {
	c := &Catalog{
		bundle:     goi18n.NewBundle(language.MustParse(Source)),
		messages:   map[string]map[string]*goi18n.Message{},
		localizers: map[string]*Localizer{},
		js:         map[string][]byte{},
	}
	c.bundle.RegisterUnmarshalFunc("json", json.Unmarshal)
	sum := sha256.New()
	for _, l := range languages {
		name := l.Tag + ".json"
		buf, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("i18n: catalogue for %s: %w", l.Tag, err)
		}
		sum.Write([]byte(name))
		sum.Write(buf)
		mf, err := c.bundle.ParseMessageFileBytes(buf, name)
		if err != nil {
			return nil, fmt.Errorf("i18n: catalogue %s: %w", name, err)
		}
		msgs := make(map[string]*goi18n.Message, len(mf.Messages))
		for _, m := range mf.Messages {
			msgs[m.ID] = m
		}
		c.messages[l.Tag] = msgs
	}
	c.version = hex.EncodeToString(sum.Sum(nil))
	for _, l := range languages {
		c.localizers[l.Tag] = newLocalizer(c, l)
		js, err := c.buildJSTable(l.Tag)
		if err != nil {
			return nil, err
		}
		c.js[l.Tag] = js
	}
	return c, nil
}

// Version changes whenever any catalogue does: the service worker's cache
// version includes it, so phones fetch the new words.
func (c *Catalog) Version() string { return c.version }

// Localizer is the localizer for tag; an unsupported tag gets the source
// language's.
func (c *Catalog) Localizer(tag string) *Localizer {
	if l, ok := c.localizers[tag]; ok {
		return l
	}
	return c.localizers[Source]
}

// Keys lists the keys of tag's catalogue, sorted.
func (c *Catalog) Keys(tag string) []string {
	keys := make([]string, 0, len(c.messages[tag]))
	for k := range c.messages[tag] {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// Forms are a message's texts by CLDR plural category ("one", "other", …);
// a message without a count has only "other". ok is false for a key the
// language's catalogue lacks.
func (c *Catalog) Forms(tag, key string) (forms map[string]string, ok bool) {
	m, ok := c.messages[tag][key]
	if !ok {
		return nil, false
	}
	forms = map[string]string{}
	for cat, text := range map[string]string{"zero": m.Zero, "one": m.One, "two": m.Two,
		"few": m.Few, "many": m.Many, "other": m.Other} {
		if text != "" {
			forms[cat] = text
		}
	}
	return forms, true
}

// plural reports whether a message varies with a count.
func plural(m *goi18n.Message) bool {
	return m.Zero != "" || m.One != "" || m.Two != "" || m.Few != "" || m.Many != ""
}

// JSTable is the JSON table of the "js." messages for tag, without their
// prefix, for the page's script and the service worker: {"key": "text
// {placeholder}"} or {"key": {"one": "…", "other": "…"}} with the language's
// CLDR categories (JavaScript chooses one with Intl.PluralRules(Locale())).
// Missing translations are filled from the source language, as on the server.
func (c *Catalog) JSTable(tag string) []byte {
	if js, ok := c.js[tag]; ok {
		return js
	}
	return c.js[Source]
}

func (c *Catalog) buildJSTable(tag string) ([]byte, error) {
	table := map[string]any{}
	for key, src := range c.messages[Source] {
		name, ok := strings.CutPrefix(key, JSPrefix)
		if !ok {
			continue
		}
		m := src
		if tr, ok := c.messages[tag][key]; ok {
			m = tr
		}
		if !plural(m) {
			table[name] = m.Other
			continue
		}
		forms, _ := c.Forms(tag, key)
		if m == src {
			forms, _ = c.Forms(Source, key)
		}
		table[name] = forms
	}
	js, err := json.Marshal(table)
	if err != nil {
		return nil, fmt.Errorf("i18n: JavaScript table for %s: %w", tag, err)
	}
	return js, nil
}
