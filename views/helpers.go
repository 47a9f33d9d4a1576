package views

import "strconv"

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
