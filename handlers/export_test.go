package handlers

import (
	"testing"

	"fieldbook/internal/password"
)

// FillHashQueue takes every Argon2 slot and fills the queue of hashes
// waiting for one, as a flood of sign-ins would; the returned function
// gives them back. Only for tests that do not run in parallel.
func FillHashQueue(t *testing.T) (release func()) {
	t.Helper()
	return password.FillQueueForTest()
}

// CoursesPerPage is the length of a course list page.
const CoursesPerPage = coursesPerPage
