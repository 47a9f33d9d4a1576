package handlers

import (
	"time"

	"fieldbook/internal/i18n"
)

// timeStyle is one way pages show a date or a time.
type timeStyle int

const (
	// dayStyle: the date, "2 January 2006" (accounts, and old relative
	// times).
	dayStyle timeStyle = iota
	// minuteStyle: the date and the time of day, "2 January 2006, 15:04
	// UTC" (links, learners' progress).
	minuteStyle
	// auditStyle: as minuteStyle (who changed a course, when).
	auditStyle
	// clockStyle: the time of day alone, "15:04:05 UTC" (when a live
	// dashboard was read).
	clockStyle
	// longDayStyle: the date, as dayStyle (certificates).
	longDayStyle
)

// showTime is a date or time as a person reads it, in loc's language: the
// month by name, the day and year in its digits, times on the 24-hour
// clock in UTC. Every time a page shows goes through here (or through ago
// and sessionAgo, which fall back to it), so it is localised in one place;
// exports use machineTime.
func showTime(loc *i18n.Localizer, t time.Time, s timeStyle) string {
	t = t.UTC()
	switch s {
	case minuteStyle, auditStyle:
		return loc.T("time.date_time", "date", loc.Date(t), "time", t.Format("15:04"))
	case clockStyle:
		// Digits and an abbreviation every language writes the same way.
		return t.Format("15:04:05") + " UTC"
	}
	return loc.Date(t)
}

// machineTime is a time for machines: datetime attributes, CSV cells.
func machineTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// ago says how long ago t was, in words a person reads at a glance
// (dashboards, a learner's own progress).
func ago(loc *i18n.Localizer, t, now time.Time) string {
	d := now.Sub(t)
	switch {
	case d < time.Minute:
		return loc.T("time.just_now")
	case d < time.Hour:
		return loc.N("time.minutes_ago", int(d/time.Minute))
	case d < 24*time.Hour:
		return loc.N("time.hours_ago", int(d/time.Hour))
	case d < 14*24*time.Hour:
		n := int(d / (24 * time.Hour))
		if n == 1 {
			return loc.T("time.yesterday")
		}
		return loc.N("time.days_ago", n)
	}
	return showTime(loc, t, dayStyle)
}

// sessionAgo is ago as the list of one's sessions words it: minutes up to
// an hour, hours up to two days, then the date.
func sessionAgo(loc *i18n.Localizer, t time.Time) string {
	d := time.Since(t)
	switch {
	case d < 2*time.Minute:
		return loc.T("time.just_now")
	case d < time.Hour:
		return loc.N("time.minutes_ago", int(d.Minutes()))
	case d < 48*time.Hour:
		return loc.N("time.hours_ago", int(d.Hours()))
	}
	return showTime(loc, t, dayStyle)
}
