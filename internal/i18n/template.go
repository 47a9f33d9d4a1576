package i18n

import (
	"strings"

	"github.com/nicksnyder/go-i18n/v2/i18n/template"
)

// braces is the placeholder syntax of every catalogue: {name}, the same
// text the phone's JavaScript fills in, so one message serves both. (go-i18n
// would otherwise run each message as a text/template, {{.Name}}.)
var braces template.Parser = bracesParser{}

type bracesParser struct{}

// Cacheable: a parsed message depends on nothing but its text.
func (bracesParser) Cacheable() bool { return true }

// Parse splits src into literal text and {name} placeholders once.
func (bracesParser) Parse(src, _, _ string) (template.ParsedTemplate, error) {
	var parts []part
	for src != "" {
		name, before, after, ok := nextPlaceholder(src)
		if !ok {
			parts = append(parts, part{text: src})
			break
		}
		if before != "" {
			parts = append(parts, part{text: before})
		}
		parts = append(parts, part{name: name})
		src = after
	}
	return parsed(parts), nil
}

// part is literal text, or a placeholder when name is set.
type part struct{ text, name string }

type parsed []part

// Execute fills the placeholders from data (a map[string]string); one
// without a value stays as written, so a mistake shows instead of vanishing.
func (p parsed) Execute(data any) (string, error) {
	args, _ := data.(map[string]string)
	var b strings.Builder
	for _, pt := range p {
		if pt.name == "" {
			b.WriteString(pt.text)
		} else if v, ok := args[pt.name]; ok {
			b.WriteString(v)
		} else {
			b.WriteString("{" + pt.name + "}")
		}
	}
	return b.String(), nil
}

// nextPlaceholder finds the first {name} in s (name: letters, digits and
// underscores); a brace around anything else is literal text.
func nextPlaceholder(s string) (name, before, after string, ok bool) {
	for i := 0; i < len(s); i++ {
		if s[i] != '{' {
			continue
		}
		j := i + 1
		for j < len(s) && isNameByte(s[j]) {
			j++
		}
		if j > i+1 && j < len(s) && s[j] == '}' {
			return s[i+1 : j], s[:i], s[j+1:], true
		}
	}
	return "", "", "", false
}

func isNameByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// Placeholders lists the {name} placeholders of a message text, in order.
func Placeholders(text string) []string {
	var names []string
	for {
		name, _, after, ok := nextPlaceholder(text)
		if !ok {
			return names
		}
		names = append(names, name)
		text = after
	}
}
