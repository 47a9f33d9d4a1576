package views

import (
	"context"

	"fieldbook/internal/i18n"
)

// Form is what was wrong with a posted form: a message at each field that
// failed its check, and one for the form as a whole (a wrong password, too
// many attempts). Form view models embed it; handlers fill it while they
// read the input, and the templates show each message at its field.
// Messages are whole sentences with their variable parts apart (fmt verbs
// and arguments), ready for the message catalogues. (After pagoda's form
// submission and miniflux's forms.)
type Form struct {
	fields  map[string]message
	problem *message
}

// message is one sentence and its variable parts.
type message struct {
	text string
	args []any
}

func (m message) in(ctx context.Context) string { return Say(i18n.From(ctx), m.text, m.args...) }

// Fail records what is wrong with a field; a later message for the same
// field replaces an earlier one.
func (f *Form) Fail(field, msg string, args ...any) {
	if f.fields == nil {
		f.fields = map[string]message{}
	}
	f.fields[field] = message{msg, args}
}

// Refuse records a message for the form as a whole.
func (f *Form) Refuse(msg string, args ...any) { f.problem = &message{msg, args} }

// Valid reports whether every field passed its check.
func (f Form) Valid() bool { return len(f.fields) == 0 }

// Error is the message at field in the page's language (ctx), or "".
func (f Form) Error(ctx context.Context, field string) string {
	if m, ok := f.fields[field]; ok {
		return m.in(ctx)
	}
	return ""
}

// Message is the message for the whole form in the page's language, or "".
func (f Form) Message(ctx context.Context) string {
	if f.problem == nil {
		return ""
	}
	return f.problem.in(ctx)
}
