package handlers_test

import (
	"testing"

	"github.com/google/uuid"

	"fieldbook/handlers"
)

// TestExportedPaths: the paths other programs (the benchmark client) build
// are the routes the server answers.
func TestExportedPaths(t *testing.T) {
	id := uuid.MustParse("0b9a3c53-3d1e-4f7a-9a55-2f0c1d2e3f40")
	for _, tt := range []struct{ got, want string }{
		{handlers.HomePath(), "/"},
		{handlers.CoursePath(id), "/courses/" + id.String()},
		{handlers.LessonPath(id), "/lessons/" + id.String()},
		{handlers.DashboardPath(id), "/courses/" + id.String() + "/dashboard"},
		{handlers.LoginPath(), "/login"},
		{handlers.LogoutPath(), "/logout"},
		{handlers.SyncPath(), "/api/progress"},
		{handlers.CourseProgressAPIPath(id), "/api/courses/" + id.String() + "/progress"},
		{handlers.MyProgressAPIPath(), "/api/me/progress"},
		{handlers.ReadyPath(), "/readyz"},
	} {
		if tt.got != tt.want {
			t.Errorf("path %q, want %q", tt.got, tt.want)
		}
	}
}
