package i18n

import (
	"context"
	"encoding/json"
	"reflect"
	"testing"
	"testing/fstest"
	"time"
)

// testCatalog loads one catalogue text per language; languages not given
// get the source's.
func testCatalog(t *testing.T, files map[string]string) *Catalog {
	t.Helper()
	fsys := fstest.MapFS{}
	for _, l := range languages {
		data, ok := files[l.Tag]
		if !ok {
			data = files[Source]
		}
		fsys[l.Tag+".json"] = &fstest.MapFile{Data: []byte(data)}
	}
	c, err := Load(fsys)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestPluralRules(t *testing.T) {
	tests := []struct {
		tag   string
		count int
		want  string
	}{
		{"en", 0, "other"}, {"en", 1, "one"}, {"en", 2, "other"},
		{"fr", 0, "one"}, {"fr", 1, "one"}, {"fr", 2, "other"}, {"fr", 1000000, "many"},
		{"pt", 0, "one"}, {"pt", 1, "one"}, {"pt", 2, "other"}, {"pt", 1000000, "many"},
		{"es", 0, "other"}, {"es", 1, "one"}, {"es", 2, "other"}, {"es", 1000000, "many"},
		{"sw", 0, "other"}, {"sw", 1, "one"}, {"sw", 5, "other"},
		{"ar", 0, "zero"}, {"ar", 1, "one"}, {"ar", 2, "two"}, {"ar", 3, "few"}, {"ar", 10, "few"},
		{"ar", 11, "many"}, {"ar", 99, "many"}, {"ar", 100, "other"}, {"ar", 103, "few"},
	}
	probe := `{"p": {"zero": "zero", "one": "one", "two": "two", "few": "few", "many": "many", "other": "other"}}`
	c := testCatalog(t, map[string]string{Source: probe})
	for _, tt := range tests {
		if got := c.Localizer(tt.tag).N("p", tt.count); got != tt.want {
			t.Errorf("%s %d: category %q, want %q", tt.tag, tt.count, got, tt.want)
		}
	}
}

func TestTAndN(t *testing.T) {
	c := testCatalog(t, map[string]string{
		"en": `{"hello": "Hello {name}, {n} new", "lessons": {"one": "{count} lesson", "other": "{count} lessons"},
			"only.en": "English only", "braces": "{not a placeholder} {x"}`,
		"fr": `{"hello": "Bonjour {name}, {n} nouveaux", "lessons": {"one": "{count} leçon", "many": "{count} de leçons", "other": "{count} leçons"},
			"braces": "{not a placeholder} {x"}`,
		"ar": `{"hello": "مرحبًا {name}", "lessons": {"zero": "لا دروس", "one": "درس واحد", "two": "درسان", "few": "{count} دروس", "many": "{count} درسًا", "other": "{count} درس"}}`,
	})
	en, fr, ar := c.Localizer("en"), c.Localizer("fr"), c.Localizer("ar")
	tests := []struct{ got, want string }{
		{en.T("hello", "name", "Ada", "n", 12345), "Hello Ada, 12,345 new"},
		{fr.T("hello", "name", "Ada", "n", 12345), "Bonjour Ada, 12\u00a0345 nouveaux"},
		{en.T("hello", "name", "Ada"), "Hello Ada, {n} new"},
		{en.N("lessons", 1), "1 lesson"},
		{en.N("lessons", 1200), "1,200 lessons"},
		{fr.N("lessons", 0), "0 leçon"},
		{fr.N("lessons", 1000000), "1\u00a0000\u00a0000 de leçons"},
		{ar.N("lessons", 2), "درسان"},
		{ar.N("lessons", 7), "7 دروس"},
		{ar.N("lessons", 1234), "1,234 درسًا"}, {ar.N("lessons", 1200), "1,200 درس"},
		{fr.T("only.en"), "English only"},
		{fr.T("no.such.key"), "no.such.key"},
		{fr.T("braces"), "{not a placeholder} {x"},
		{fr.Say(M("hello", "name", "Ada", "n", 2)), "Bonjour Ada, 2 nouveaux"},
		{fr.Say("hello"), "Bonjour {name}, {n} nouveaux"},
		{fr.Say("Plain words."), "Plain words."},
		// A message as a value is said in the same language.
		{fr.T("hello", "name", M("lessons"), "n", 1), "Bonjour {count} leçons, 1 nouveaux"},
		{en.T("hello", "name", M("hello", "name", "Ada", "n", 1), "n", 2), "Hello Hello Ada, 1 new, 2 new"},
	}
	for i, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%d: got %q, want %q", i, tt.got, tt.want)
		}
	}
}

// TestNumbersDatesAndDigits: each language writes numbers its own way, and
// Arabic uses the Latin digits everywhere (docs/i18n.md says why).
func TestNumbersDatesAndDigits(t *testing.T) {
	c := Default()
	day := time.Date(2026, time.December, 1, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		tag, number, percent, date string
	}{
		{"en", "1,234,567", "50%", "1 December 2026"},
		{"fr", "1\u00a0234\u00a0567", "50\u00a0%", "1 décembre 2026"},
		{"pt", "1.234.567", "50%", "1 de dezembro de 2026"},
		{"es", "1.234.567", "50\u00a0%", "1 de diciembre de 2026"},
		{"sw", "1,234,567", "50%", "1 Desemba 2026"},
		{"ar", "1,234,567", "50\u200e%\u200e", "1 ديسمبر 2026"},
	}
	for _, tt := range tests {
		l := c.Localizer(tt.tag)
		if got := l.Number(1234567); got != tt.number {
			t.Errorf("%s: Number = %q, want %q", tt.tag, got, tt.number)
		}
		if got := l.Percent(50); got != tt.percent {
			t.Errorf("%s: Percent = %q, want %q", tt.tag, got, tt.percent)
		}
		if got := l.Date(day); got != tt.date {
			t.Errorf("%s: Date = %q, want %q", tt.tag, got, tt.date)
		}
	}
	if got := c.Localizer("ar").Language().Locale(); got != "ar-u-nu-latn" {
		t.Errorf("Arabic Locale = %q, want ar-u-nu-latn (what Intl must be given)", got)
	}
}

func TestLanguagesAndDirection(t *testing.T) {
	c := Default()
	for _, l := range Languages() {
		loc := c.Localizer(l.Tag)
		wantDir := "ltr"
		if l.Tag == "ar" {
			wantDir = "rtl"
		}
		if loc.Lang() != l.Tag || loc.Dir() != wantDir {
			t.Errorf("%s: Lang %q Dir %q, want %s %s", l.Tag, loc.Lang(), loc.Dir(), l.Tag, wantDir)
		}
	}
	if got := c.Localizer("de").Lang(); got != Source {
		t.Errorf("an unsupported language's localizer speaks %q, want %q", got, Source)
	}
	if Supported("fr-CA") || Supported("") || !Supported("sw") {
		t.Error("Supported must accept exactly the catalogue tags")
	}
	ctx := WithLocalizer(context.Background(), c.Localizer("sw"))
	if From(ctx).Lang() != "sw" || From(context.Background()).Lang() != Source {
		t.Error("From must return the context's localizer, else the source language's")
	}
}

func TestNegotiate(t *testing.T) {
	tests := []struct {
		header  string
		choices []string
		want    string
	}{
		{"", nil, "en"},
		{"garbage!!", nil, "en"},
		{"*", nil, "en"},
		{"de-DE, nb;q=0.8", nil, "en"},
		{"pt-BR", nil, "pt"},
		{"fr-CA,en;q=0.5", nil, "fr"},
		{"sw-KE", nil, "sw"},
		{"es-419", nil, "es"},
		{"ar-EG,ar;q=0.9", nil, "ar"},
		{"en;q=0.1, ar;q=0.9", nil, "ar"},
		{"de, fr;q=0.5", nil, "fr"},
		{"fr;q=0, sw", nil, "sw"},
		{"zh-Hant, !!bad!!, pt-PT;q=0.3", nil, "pt"},
		{"fr", []string{"", "ar"}, "ar"},
		{"fr", []string{"sw", "ar"}, "sw"},
		{"fr", []string{"fr-CA", "klingon"}, "fr"},
		{"", []string{"es"}, "es"},
	}
	for _, tt := range tests {
		if got := Negotiate(tt.header, tt.choices...); got != tt.want {
			t.Errorf("Negotiate(%q, %q) = %q, want %q", tt.header, tt.choices, got, tt.want)
		}
	}
}

func TestJSTable(t *testing.T) {
	c := testCatalog(t, map[string]string{
		"en": `{"js.pending": {"one": "{count} change waiting", "other": "{count} changes waiting"},
			"js.sync": "Sync now", "js.only_en": "Only English", "page.title": "Not for scripts"}`,
		"ar": `{"js.pending": {"zero": "لا تغييرات", "one": "تغيير واحد", "two": "تغييران", "few": "{count} تغييرات", "many": "{count} تغييرًا", "other": "{count} تغيير"},
			"js.sync": "أرسل الآن", "page.title": "ليس للبرامج"}`,
	})
	var got map[string]any
	if err := json.Unmarshal(c.JSTable("ar"), &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"pending": map[string]any{"zero": "لا تغييرات", "one": "تغيير واحد", "two": "تغييران",
			"few": "{count} تغييرات", "many": "{count} تغييرًا", "other": "{count} تغيير"},
		"sync":    "أرسل الآن",
		"only_en": "Only English",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("JSTable(ar) = %v, want %v", got, want)
	}
	if string(c.JSTable("xx")) != string(c.JSTable(Source)) {
		t.Error("an unsupported language must get the source language's table")
	}
	if js := Default().JSTable("fr"); len(js) == 0 || js[0] != '{' {
		t.Errorf("the built-in table is not a JSON object: %s", js)
	}
}

func BenchmarkT(b *testing.B) {
	l := Default().Localizer("fr")
	for b.Loop() {
		_ = l.T("auth.signin.title")
	}
}

func BenchmarkN(b *testing.B) {
	l := Default().Localizer("ar")
	for b.Loop() {
		_ = l.N("auth.error.throttle_signin", 12)
	}
}
