package handlers

import (
	"fmt"
	"time"
)

// timeStyle is one way pages show a date or a time.
type timeStyle int

const (
	// dayStyle: "2 Jan 2006" (accounts, and old relative times).
	dayStyle timeStyle = iota
	// minuteStyle: "2 Jan 2006 15:04 UTC" (links, learners' progress).
	minuteStyle
	// auditStyle: "2 Jan 2006, 15:04 UTC" (who changed a course, when).
	auditStyle
	// clockStyle: "15:04:05 UTC" (when a live dashboard was read).
	clockStyle
	// longDayStyle: "2 January 2006" (certificates).
	longDayStyle
)

var timeLayouts = [...]string{
	dayStyle:     "2 Jan 2006",
	minuteStyle:  "2 Jan 2006 15:04 UTC",
	auditStyle:   "2 Jan 2006, 15:04 UTC",
	clockStyle:   "15:04:05 UTC",
	longDayStyle: "2 January 2006",
}

// showTime is a date or time as a person reads it. Every time a page
// shows goes through here (or through ago and sessionAgo, which fall back
// to it), so it is localised in one place.
func showTime(t time.Time, s timeStyle) string { return t.UTC().Format(timeLayouts[s]) }

// machineTime is a time for machines: datetime attributes, CSV cells.
func machineTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// ago says how long ago t was, in words a person reads at a glance
// (dashboards, a learner's own progress).
func ago(t, now time.Time) string {
	d := now.Sub(t)
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return fmt.Sprintf("%d min ago", int(d/time.Minute))
	case d < 24*time.Hour:
		return fmt.Sprintf("%d h ago", int(d/time.Hour))
	case d < 14*24*time.Hour:
		n := int(d / (24 * time.Hour))
		if n == 1 {
			return "yesterday"
		}
		return fmt.Sprintf("%d days ago", n)
	}
	return showTime(t, dayStyle)
}

// sessionAgo is ago as the list of one's sessions words it.
func sessionAgo(t time.Time) string {
	d := time.Since(t)
	switch {
	case d < 2*time.Minute:
		return "just now"
	case d < time.Hour:
		return fmt.Sprintf("%d minutes ago", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%d hours ago", int(d.Hours()))
	}
	return showTime(t, dayStyle)
}
