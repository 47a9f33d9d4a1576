package views

import (
	"strconv"

	"github.com/a-h/templ"
)

func itoa(n int) string { return strconv.Itoa(n) }

func minutes(n int) string {
	if n == 1 {
		return "1 minute"
	}
	return strconv.Itoa(n) + " minutes"
}

func lessonCount(n int) string {
	if n == 1 {
		return "1 lesson"
	}
	return strconv.Itoa(n) + " lessons"
}

func progressCount(n int) string {
	if n == 1 {
		return "1 progress record"
	}
	return strconv.Itoa(n) + " progress records"
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
