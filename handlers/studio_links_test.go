package handlers_test

import (
	"net/http"
	"strings"
	"testing"

	"fieldbook/store"
	"fieldbook/store/storetest"
)

// A course's editor reaches its dashboard from "Your courses" and from the
// course's edit page.
func TestStudioLinksToDashboard(t *testing.T) {
	a := newTestApp(t)
	vol := a.seed.User(t, store.RoleVolunteer, "vera", "Vera", "volunteer long password")
	course := a.seed.Course(t, vol.Caller, "Cooking safely", true, storetest.Published("Fire")).ID
	c := a.newClient(t)
	c.signIn("vera", "volunteer long password")
	want := "/courses/" + course.String() + "/dashboard"
	for _, page := range []string{"/studio", "/courses/" + course.String() + "/edit"} {
		r := c.GET(page).Send()
		if r.Status != http.StatusOK {
			t.Fatalf("%s: %d", page, r.Status)
		}
		doc := r.Doc()
		mustSelect(t, doc, "a"+attrIs("href", want))
	}
	c.GET(want).Expect(http.StatusOK)
}

// The staff stylesheet is linked for volunteers and admins only: learners
// never download the authoring and dashboard styles.
func TestStudioStylesOnlyForStaff(t *testing.T) {
	a := newTestApp(t)
	a.seed.User(t, store.RoleVolunteer, "vera", "Vera", "volunteer long password")
	a.seed.User(t, store.RoleLearner, "lulu", "Lulu", "learner long password")
	stylesheets := func(c *client) []string {
		r := c.GET(personalPage).Send()
		if r.Status != http.StatusOK {
			r = c.GET("/login").Send()
		}
		var hrefs []string
		for _, n := range r.Doc().Find("link[rel=\"stylesheet\"]").EachIter() {
			href, _ := n.Attr("href")
			hrefs = append(hrefs, href)
		}
		return hrefs
	}
	vol, lrn, anon := a.newClient(t), a.newClient(t), a.newClient(t)
	vol.signIn("vera", "volunteer long password")
	lrn.signIn("lulu", "learner long password")
	has := func(hrefs []string) bool {
		for _, h := range hrefs {
			if strings.HasSuffix(h, "/studio.css") {
				return true
			}
		}
		return false
	}
	if got := stylesheets(vol); len(got) != 2 || !has(got) {
		t.Fatalf("volunteer's stylesheets: %v", got)
	}
	for name, c := range map[string]*client{"learner": lrn, "anonymous": anon} {
		if got := stylesheets(c); len(got) != 1 || has(got) {
			t.Fatalf("%s's stylesheets: %v", name, got)
		}
	}
}
