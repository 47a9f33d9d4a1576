// Package i18ntest finds English left on a page rendered in another
// language. Tests render the same page in English and in each other
// language, and Untranslated lists the visible texts the translated page
// shares with the English one.
package i18ntest

import (
	"io"
	"slices"
	"strings"
	"unicode"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// Allowed are the texts each language really writes the same way as
// English, reviewed one by one; keep the lists short. Proper nouns (the
// product's name, a person's name) and course content are not listed: the
// page marks them translate="no" or with their own lang attribute, and they
// are skipped wherever they appear.
var Allowed = map[string][]string{
	// A quiz's "Version 3" (a volunteer's page); the header's "Menu".
	"fr": {"Version {version}", "Menu"},
	"pt": {"Menu"},
	// "no" is the Spanish word too (a lesson field's yes/no).
	"es": {"no"},
	"sw": {},
	"ar": {},
}

// Untranslated lists the visible texts of the page translated (rendered in
// lang) that are also visible texts of english (the same page rendered in
// English) and are not allowed for lang: English left untranslated. Texts
// are whole text nodes and the attributes people read (title, alt,
// placeholder, aria-label, a button's value), spaces collapsed; texts
// without a letter (numbers, punctuation) are ignored.
func Untranslated(english, translated io.Reader, lang string) ([]string, error) {
	return UntranslatedExcept(english, translated, lang, nil)
}

// UntranslatedExcept is Untranslated for a page that shows content the
// test made: course and lesson titles and texts, people's names. A shared
// text made only of such content, the product's name, digits and
// punctuation ("Receipts · Fieldbook" in <title>, a learner's name in a
// table cell) is not interface text; one that keeps a word once they are
// taken out ("Dashboard: Receipts") is still reported.
func UntranslatedExcept(english, translated io.Reader, lang string, content []string) ([]string, error) {
	en, err := VisibleTexts(english)
	if err != nil {
		return nil, err
	}
	tr, err := VisibleTexts(translated)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for _, s := range en {
		seen[s] = true
	}
	// Longest first, so a title is taken out before a word inside it.
	content = slices.Clone(content)
	slices.SortFunc(content, func(a, b string) int { return len(b) - len(a) })
	content = append(content, "Fieldbook")
	var out []string
	for _, s := range tr {
		if seen[s] && !slices.Contains(Allowed[lang], s) && !slices.Contains(out, s) && !onlyContent(s, content) {
			out = append(out, s)
		}
	}
	return out, nil
}

// onlyContent reports whether s has no letter left once every content text
// is taken out of it.
func onlyContent(s string, content []string) bool {
	for _, c := range content {
		if c != "" {
			s = strings.ReplaceAll(s, c, "")
		}
	}
	return !strings.ContainsFunc(s, unicode.IsLetter)
}

// VisibleTexts are the texts of an HTML page a person reads, in document
// order, skipping scripts and styles, anything marked translate="no", and
// any element with a lang attribute of its own (content in its own
// language: course text, the language picker's names).
func VisibleTexts(r io.Reader) ([]string, error) {
	doc, err := html.Parse(r)
	if err != nil {
		return nil, err
	}
	var out []string
	add := func(s string) {
		s = strings.Join(strings.Fields(s), " ")
		if strings.ContainsFunc(s, unicode.IsLetter) {
			out = append(out, s)
		}
	}
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		switch n.Type {
		case html.TextNode:
			add(n.Data)
			return
		case html.ElementNode:
			if skipped(n) {
				return
			}
			for _, a := range n.Attr {
				if readAttr(n, a) {
					add(a.Val)
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	return out, nil
}

func skipped(n *html.Node) bool {
	switch n.DataAtom {
	case atom.Script, atom.Style, atom.Template, atom.Noscript:
		return true
	}
	for _, a := range n.Attr {
		if a.Key == "translate" && a.Val == "no" {
			return true
		}
		if a.Key == "lang" && n.DataAtom != atom.Html {
			return true
		}
	}
	return false
}

// readAttr reports whether attribute a of n is text a person reads.
func readAttr(n *html.Node, a html.Attribute) bool {
	switch a.Key {
	case "title", "alt", "placeholder", "aria-label":
		return true
	case "value":
		if n.DataAtom != atom.Input {
			return false
		}
		for _, t := range n.Attr {
			if t.Key == "type" && (t.Val == "submit" || t.Val == "button" || t.Val == "reset") {
				return true
			}
		}
	}
	return false
}
