package handlers_test

import (
	"net/http"
	"testing"

	"fieldbook/store"
)

// A course's editor reaches its dashboard from "Your courses" and from the
// course's edit page.
func TestStudioLinksToDashboard(t *testing.T) {
	a := newTestApp(t)
	vol := a.createUser(t, store.RoleVolunteer, "vera", "Vera", "volunteer long password")
	course, _ := a.createCourse(t, vol, "Cooking safely", true, lessonSpec{"Fire", true})
	c := a.newClient(t)
	c.signIn("vera", "volunteer long password")
	want := "/courses/" + course.String() + "/dashboard"
	for _, page := range []string{"/studio", "/courses/" + course.String() + "/edit"} {
		r := c.get(page, nil)
		if r.Status != http.StatusOK {
			t.Fatalf("%s: %d", page, r.Status)
		}
		doc := parseDoc(t, r.Body)
		mustFind(t, doc, "dashboard link on "+page, and(tag("a"), hasAttr("href", want)))
	}
	if r := c.get(want, nil); r.Status != http.StatusOK {
		t.Fatalf("the dashboard link answers %d", r.Status)
	}
}
