package views

import (
	"context"
	"strconv"

	"github.com/a-h/templ"
)

func itoa(n int) string { return strconv.Itoa(n) }

// minutes is a lesson's duration in words.
func minutes(ctx context.Context, n int) string { return tn(ctx, "lesson.minutes", n) }

// typedMinutes is a duration as typed in the lesson form: in words when it
// is a number, else as typed.
func typedMinutes(ctx context.Context, s string) string {
	if n, err := strconv.Atoi(s); err == nil {
		return minutes(ctx, n)
	}
	return s
}

// lessonCount is a number of lessons in words.
func lessonCount(ctx context.Context, n int) string { return tn(ctx, "course.lessons", n) }

// deviceAttrs mark a device's name (its system and browser, or the label
// its phone gave it) as no interface text: proper names and the learner's
// words, the same in every language. "Unknown device" is ours, translated.
func deviceAttrs(ctx context.Context, name string) templ.Attributes {
	if name == t(ctx, "account.device_unknown") {
		return templ.Attributes{}
	}
	return templ.Attributes{"translate": "no"}
}

// whoAttr is data-who (and data-via) on <html> for a page drawn for its
// caller: their role, or "out". A neutral page has none until app.js sets
// it.
func whoAttr(p Page) templ.Attributes {
	switch {
	case p.Neutral:
		return templ.Attributes{}
	case p.User == nil:
		return templ.Attributes{"data-who": "out"}
	default:
		return templ.Attributes{"data-who": p.User.Role, "data-via": "session"}
	}
}
