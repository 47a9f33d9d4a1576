package i18n

import (
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"unicode"

	"fieldbook/internal/i18n/i18ntest"
)

// categories are the CLDR plural categories the library chooses for tag,
// found by asking it for every count that can tell them apart.
func categories(t *testing.T, tag string) []string {
	t.Helper()
	probe := `{"probe": {"zero": "zero", "one": "one", "two": "two", "few": "few", "many": "many", "other": "other"}}`
	fsys := fstest.MapFS{}
	for _, l := range languages {
		fsys[l.Tag+".json"] = &fstest.MapFile{Data: []byte(probe)}
	}
	c, err := Load(fsys)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for n := 0; n <= 1000; n++ {
		seen[c.Localizer(tag).N("probe", n)] = true
	}
	seen[c.Localizer(tag).N("probe", 1000000)] = true
	return slices.Sorted(maps.Keys(seen))
}

// problems lists what is wrong with a catalogue against its source
// language: keys missing or extra, a count where the source has none (or
// the reverse), plural forms other than the language's CLDR categories,
// placeholders that differ, and English left as the translation.
func problems(t *testing.T, c *Catalog) []string {
	t.Helper()
	var out []string
	for _, l := range languages[1:] {
		cats := categories(t, l.Tag)
		for _, key := range c.Keys(Source) {
			out = append(out, messageProblems(c, l.Tag, key, cats)...)
		}
		for _, key := range c.Keys(l.Tag) {
			if _, ok := c.messages[Source][key]; !ok {
				out = append(out, fmt.Sprintf("%s: %s is not in the source catalogue", l.Tag, key))
			}
		}
	}
	return out
}

func messageProblems(c *Catalog, tag, key string, cats []string) []string {
	src := c.messages[Source][key]
	m, ok := c.messages[tag][key]
	if !ok {
		return []string{fmt.Sprintf("%s: %s is missing", tag, key)}
	}
	if plural(src) != plural(m) {
		return []string{fmt.Sprintf("%s: %s must count as the source does (plural: %v)", tag, key, plural(src))}
	}
	var out []string
	forms, _ := c.Forms(tag, key)
	srcForms, _ := c.Forms(Source, key)
	if plural(m) {
		if got := slices.Sorted(maps.Keys(forms)); !slices.Equal(got, cats) {
			out = append(out, fmt.Sprintf("%s: %s has plural forms %v, want %v", tag, key, got, cats))
		}
		if slices.Contains(Placeholders(srcForms["other"]), "count") &&
			!slices.Contains(Placeholders(forms["other"]), "count") {
			out = append(out, fmt.Sprintf("%s: %s: the other form lacks {count}", tag, key))
		}
	}
	if got, want := placeholderSet(forms), placeholderSet(srcForms); !slices.Equal(got, want) {
		out = append(out, fmt.Sprintf("%s: %s has placeholders %v, want %v", tag, key, got, want))
	}
	for cat, text := range forms {
		if text == srcForms[cat] && hasWords(text) && !slices.Contains(i18ntest.Allowed[tag], text) {
			out = append(out, fmt.Sprintf("%s: %s is still English: %q", tag, key, text))
		}
	}
	return out
}

// hasWords reports whether text has letters outside its placeholders: "{day}
// {month} {year}" may well be the same in two languages.
func hasWords(text string) bool {
	for _, p := range Placeholders(text) {
		text = strings.Replace(text, "{"+p+"}", "", 1)
	}
	return strings.ContainsFunc(text, unicode.IsLetter)
}

// placeholderSet is the placeholders of every form but {count}, which a
// language may leave out where it says the number in words ("one", "two").
func placeholderSet(forms map[string]string) []string {
	set := map[string]bool{}
	for _, text := range forms {
		for _, p := range Placeholders(text) {
			if p != "count" {
				set[p] = true
			}
		}
	}
	return slices.Sorted(maps.Keys(set))
}

func TestCataloguesAreComplete(t *testing.T) {
	for _, p := range problems(t, Default()) {
		t.Error(p)
	}
}

// TestCatalogueChecksCatchMistakes feeds the checks a French catalogue with
// one of each mistake.
func TestCatalogueChecksCatchMistakes(t *testing.T) {
	en := `{"a": "Hello {name}", "b": "Bye", "c": {"one": "{count} lesson", "other": "{count} lessons"}, "d": "Same", "e": "x"}`
	fr := `{"a": "Bonjour {nom}", "c": {"one": "{count} leçon", "other": "leçons"}, "d": "Same", "e": "y", "z": "extra"}`
	fsys := fstest.MapFS{}
	for _, l := range languages {
		data := en
		if l.Tag == "fr" {
			data = fr
		} else if l.Tag != Source {
			data = strings.ReplaceAll(strings.ReplaceAll(en, "Same", "Pareil"), `"x"`, `"w"`)
			data = strings.NewReplacer("Hello", "Hola", "Bye", "Adiós", "lesson", "lección").Replace(data)
		}
		fsys[l.Tag+".json"] = &fstest.MapFile{Data: []byte(data)}
	}
	c, err := Load(fsys)
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(problems(t, c), "\n")
	for _, want := range []string{
		"fr: a has placeholders [nom], want [name]",
		"fr: b is missing",
		"fr: c has plural forms [one other], want [many one other]",
		"fr: c: the other form lacks {count}",
		`fr: d is still English: "Same"`,
		"fr: z is not in the source catalogue",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("the checks missed %q; they said:\n%s", want, got)
		}
	}
	if strings.Contains(got, "fr: e") {
		t.Errorf("the checks complain about a good message:\n%s", got)
	}
}

// repoRoot is the module's root directory.
func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test's directory")
		}
		dir = parent
	}
}

var (
	stringLiteral = regexp.MustCompile(`"((?:[^"\\\n]|\\.)*)"|'((?:[^'\\\n]|\\.)*)'`)
	keyCall       = regexp.MustCompile(`\b(?:T|N|t|tn|M)\(\s*(?:ctx\s*,\s*)?"([^"]+)"`)
)

// sources are the string literals of the code that can show a message (Go,
// templ and the phone's JavaScript, not tests or vendored files), and the
// keys passed literally to a translating call, by file.
func sources(t *testing.T) (literals map[string]bool, calls map[string]string) {
	t.Helper()
	root := repoRoot(t)
	literals, calls = map[string]bool{}, map[string]string{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if strings.HasPrefix(name, ".") || name == "node_modules" || name == "testdata" {
				return filepath.SkipDir
			}
			return nil
		}
		js := strings.HasSuffix(name, ".js") && !strings.HasSuffix(name, ".min.js")
		goOrTempl := strings.HasSuffix(name, ".go") && !strings.HasSuffix(name, "_test.go") ||
			strings.HasSuffix(name, ".templ")
		if !js && !goOrTempl {
			return nil
		}
		raw, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		src := withoutLineComments(string(raw))
		for _, m := range stringLiteral.FindAllStringSubmatch(src, -1) {
			lit := m[1] + m[2]
			literals[lit] = true
			if js {
				literals[JSPrefix+lit] = true
			}
		}
		if goOrTempl {
			rel, _ := filepath.Rel(root, path)
			for _, m := range keyCall.FindAllStringSubmatch(src, -1) {
				calls[m[1]] = rel
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return literals, calls
}

// withoutLineComments drops the lines that are only a comment: an example
// in a doc comment is not a use of a key.
func withoutLineComments(src string) string {
	lines := strings.Split(src, "\n")
	kept := lines[:0]
	for _, l := range lines {
		if !strings.HasPrefix(strings.TrimSpace(l), "//") {
			kept = append(kept, l)
		}
	}
	return strings.Join(kept, "\n")
}

// TestEveryKeyIsUsed: a message no code names is dead weight every learner
// downloads; keys are written whole in the code (never built by
// concatenation) so this scan finds them. JavaScript names "js." keys
// without the prefix.
func TestEveryKeyIsUsed(t *testing.T) {
	literals, _ := sources(t)
	for _, key := range Default().Keys(Source) {
		if !literals[key] {
			t.Errorf("%s is in the catalogues but no code uses it", key)
		}
	}
}

// TestEveryKeyUsedExists: a key passed to T, N, t, tn or M must be in the
// source catalogue, or the page would show the key itself.
func TestEveryKeyUsedExists(t *testing.T) {
	_, calls := sources(t)
	en := Default().Localizer(Source)
	for key, file := range calls {
		if !en.Has(key) {
			t.Errorf("%s uses %q, which is not in the catalogue", file, key)
		}
	}
}
