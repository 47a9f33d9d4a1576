package handlers

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"fieldbook/static"
	"fieldbook/store"
	"fieldbook/views"
)

// LearnersPerPage is the size of a page of the dashboard's learner table.
const LearnersPerPage = 50

// maxSearch bounds the learner search, in characters.
const maxSearch = 100

// dashboardHandlers serve a course's dashboard (editors and admins only),
// its live event stream and CSV export, and a learner's own progress page.
type dashboardHandlers struct {
	*App
	hub       *Hub
	heartbeat time.Duration
	// recheck is how often an open stream checks its session (sessionStands).
	recheck time.Duration
}

func dashboardURL(id uuid.UUID) string { return courseURL(id) + "/dashboard" }

var errNotStaff = echo.NewHTTPError(http.StatusForbidden, "Only a course's editors and admins can see its dashboard.")

// dashboardCourse loads a course for its dashboard and checks that the
// caller may see it: 404 for a course they cannot read at all, 403 for
// anyone but its editors and admins. Learners never get further than 403.
func dashboardCourse(c echo.Context, tx *store.Tx, id uuid.UUID) (store.DashboardCourse, error) {
	role := callerOf(c).Role
	if role != store.RoleVolunteer && role != store.RoleAdmin {
		return store.DashboardCourse{}, errNotStaff
	}
	course, err := tx.DashboardCourse(c.Request().Context(), id)
	if err != nil {
		if store.IsNotFound(err) {
			return course, echo.NewHTTPError(http.StatusNotFound, "No course has that id.")
		}
		return course, err
	}
	if !course.CanView {
		return course, errNotStaff
	}
	return course, nil
}

// dashQuery is the learner table's sort, search and page, from the URL.
type dashQuery struct {
	sort   store.LearnerSort
	desc   bool
	search string
	page   int
}

// defaultDesc is each sort's natural direction: names A–Z, the most
// progress and the latest activity first.
func defaultDesc(s store.LearnerSort) bool { return s != store.SortName }

// parseDashQuery reads sort, dir, q and page; anything unknown is a 400
// that says what is allowed. A page past the end is clamped later.
func parseDashQuery(c echo.Context) (dashQuery, error) {
	q := dashQuery{sort: store.SortName, page: 1}
	switch s := store.LearnerSort(c.QueryParam("sort")); s {
	case "":
	case store.SortName, store.SortProgress, store.SortActivity:
		q.sort = s
	default:
		return q, badRequest("sort must be name, progress or activity.")
	}
	q.desc = defaultDesc(q.sort)
	switch c.QueryParam("dir") {
	case "":
	case "asc":
		q.desc = false
	case "desc":
		q.desc = true
	default:
		return q, badRequest("dir must be asc or desc.")
	}
	if p := c.QueryParam("page"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 {
			return q, badRequest("page must be a whole number, 1 or more.")
		}
		q.page = n
	}
	q.search = strings.TrimSpace(c.QueryParam("q"))
	if utf8.RuneCountInString(q.search) > maxSearch || !utf8.ValidString(q.search) {
		return q, badRequest(fmt.Sprintf("Search for at most %d characters.", maxSearch))
	}
	return q, nil
}

// url is the dashboard address for this query, defaults left out.
func (q dashQuery) url(course uuid.UUID, page int) string {
	v := url.Values{}
	if q.sort != store.SortName {
		v.Set("sort", string(q.sort))
	}
	if q.desc != defaultDesc(q.sort) {
		if q.desc {
			v.Set("dir", "desc")
		} else {
			v.Set("dir", "asc")
		}
	}
	if q.search != "" {
		v.Set("q", q.search)
	}
	if page > 1 {
		v.Set("page", strconv.Itoa(page))
	}
	if len(v) == 0 {
		return dashboardURL(course)
	}
	return dashboardURL(course) + "?" + v.Encode()
}

func (q dashQuery) dir() string {
	if q.desc {
		return "desc"
	}
	return "asc"
}

// showDashboard renders a course's dashboard. An htmx request aimed at the
// live block (the SSE-triggered re-read) gets only that block.
func (h *dashboardHandlers) showDashboard(c echo.Context) error {
	id, err := parseID(c, "id")
	if err != nil {
		return err
	}
	q, err := parseDashQuery(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	var (
		course   store.DashboardCourse
		totals   store.DashboardTotals
		lessons  []store.LessonStat
		learners []store.LearnerRow
		matched  int
	)
	now := time.Now()
	err = h.store.ReadTx(ctx, callerOf(c), func(tx *store.Tx) (err error) {
		if course, err = dashboardCourse(c, tx, id); err != nil {
			return err
		}
		if totals, err = tx.DashboardTotals(ctx, id, course.Lessons); err != nil {
			return err
		}
		if lessons, err = tx.DashboardLessons(ctx, id); err != nil {
			return err
		}
		matched = totals.Started
		if q.search != "" {
			if matched, err = tx.CountLearners(ctx, id, q.search); err != nil {
				return err
			}
		}
		// A page past the end shows the last page.
		q.page = min(q.page, max(1, (matched+LearnersPerPage-1)/LearnersPerPage))
		learners, err = tx.DashboardLearners(ctx, id, store.LearnerQuery{Sort: q.sort, Desc: q.desc,
			Search: q.search, Limit: LearnersPerPage, Offset: (q.page - 1) * LearnersPerPage})
		return err
	})
	if err != nil {
		return err
	}
	live := h.liveModel(id, course, totals, lessons, learners, matched, q, now)
	c.Response().Header().Set("Cache-Control", "private, no-store")
	if isHTMX(c) && c.Request().Header.Get("HX-Target") == "dash-live" {
		return h.write(c, http.StatusOK, views.DashboardLiveBlock(live))
	}
	vm := views.Dashboard{
		CourseTitle: course.Title, CourseURL: courseURL(id), URL: dashboardURL(id),
		CSVURL:    dashboardURL(id) + ".csv",
		EventsURL: dashboardURL(id) + "/events?since=" + strconv.FormatInt(now.UnixMilli(), 10),
		LiveURL:   q.url(id, q.page),
		Search:    q.search, Sort: string(q.sort), Dir: q.dir(),
		Live: live,
	}
	title := "Dashboard: " + course.Title
	if isHTMX(c) {
		return h.write(c, http.StatusOK, views.DashboardPage(vm))
	}
	p := h.page(c, title)
	p.Scripts = []string{h.assets.URL(static.SSE)}
	return h.renderPage(c, http.StatusOK, p, views.DashboardPage(vm))
}

func (h *dashboardHandlers) liveModel(id uuid.UUID, course store.DashboardCourse, totals store.DashboardTotals,
	lessons []store.LessonStat, learners []store.LearnerRow, matched int, q dashQuery, now time.Time) views.DashboardLive {
	l := views.DashboardLive{
		Lessons: course.Lessons, Started: totals.Started, Finished: totals.Finished,
		Matched: matched, Search: q.search, Page: q.page,
		Pages:  max(1, (matched+LearnersPerPage-1)/LearnersPerPage),
		ReadAt: now.UTC().Format("15:04:05 UTC"), ReadAtTS: now.UTC().Format(time.RFC3339),
	}
	if course.Lessons > 0 {
		l.MedianPercent = int(math.Round(totals.MedianCompleted * 100 / float64(course.Lessons)))
	}
	for _, ls := range lessons {
		pct := 0
		if totals.Started > 0 {
			pct = min(100, ls.Completed*100/totals.Started)
		}
		l.Chart = append(l.Chart, views.ChartBar{Number: ls.Number, Title: ls.Title, Completed: ls.Completed, Percent: pct})
	}
	cols := []struct {
		label string
		sort  store.LearnerSort
	}{{"Name", store.SortName}, {"Progress", store.SortProgress}, {"Last activity", store.SortActivity}}
	for _, col := range cols {
		next := dashQuery{sort: col.sort, desc: defaultDesc(col.sort), search: q.search}
		aria := "none"
		if col.sort == q.sort {
			next.desc = !q.desc
			aria = "ascending"
			if q.desc {
				aria = "descending"
			}
		}
		l.Columns = append(l.Columns, views.SortColumn{Label: col.label, URL: next.url(id, 1), AriaSort: aria})
	}
	for _, r := range learners {
		l.Learners = append(l.Learners, views.LearnerItem{
			Name:           r.DisplayName,
			DetailURL:      dashboardURL(id) + "/learners/" + r.StudentID.String(),
			Progress:       views.ProgressBar{Completed: min(r.Completed, course.Lessons), Total: course.Lessons},
			LastActivity:   ago(r.LastActivityAt, now),
			LastActivityTS: r.LastActivityAt.UTC().Format(time.RFC3339),
		})
	}
	if q.page > 1 {
		l.PrevURL = q.url(id, q.page-1)
	}
	if q.page < l.Pages {
		l.NextURL = q.url(id, q.page+1)
	}
	return l
}

// ago says how long ago t was, in words a person reads at a glance.
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
	return t.UTC().Format("2 Jan 2006")
}

func stamp(t time.Time) string { return t.UTC().Format("2 Jan 2006 15:04 UTC") }

// showLearner shows one learner's completion time of each lesson.
func (h *dashboardHandlers) showLearner(c echo.Context) error {
	id, err := parseID(c, "id")
	if err != nil {
		return err
	}
	learnerID, err := parseID(c, "learnerID")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	var (
		course  store.DashboardCourse
		learner store.LearnerRow
		lessons []store.LessonCompletion
	)
	err = h.store.ReadTx(ctx, callerOf(c), func(tx *store.Tx) (err error) {
		if course, err = dashboardCourse(c, tx, id); err != nil {
			return err
		}
		if learner, err = tx.DashboardLearner(ctx, id, learnerID); err != nil {
			if store.IsNotFound(err) {
				return echo.NewHTTPError(http.StatusNotFound, "That learner has not started this course.")
			}
			return err
		}
		lessons, err = tx.LearnerLessons(ctx, id, learnerID)
		return err
	})
	if err != nil {
		return err
	}
	vm := views.LearnerDetail{
		CourseTitle: course.Title, DashboardURL: dashboardURL(id), Name: learner.DisplayName,
		Started: stamp(learner.StartedAt), LastActivity: stamp(learner.LastActivityAt),
	}
	for _, l := range lessons {
		ld := views.LessonDone{Number: l.Number, Title: l.Title}
		if l.CompletedAt != nil {
			ld.CompletedAt, ld.CompletedTS = stamp(*l.CompletedAt), l.CompletedAt.UTC().Format(time.RFC3339)
			vm.Progress.Completed++
		}
		vm.Lessons = append(vm.Lessons, ld)
	}
	vm.Progress.Total = len(lessons)
	c.Response().Header().Set("Cache-Control", "private, no-store")
	return h.render(c, http.StatusOK, learner.DisplayName, views.LearnerDetailPage(vm))
}

// myProgress shows the caller's progress in every course they started.
func (h *dashboardHandlers) myProgress(c echo.Context) error {
	ctx := c.Request().Context()
	var list []store.MyCourse
	err := h.store.ReadTx(ctx, callerOf(c), func(tx *store.Tx) (err error) {
		list, err = tx.MyCourses(ctx)
		return err
	})
	if err != nil {
		return err
	}
	now := time.Now()
	vm := views.MyProgress{}
	for _, m := range list {
		item := views.MyCourseItem{Title: m.Title, URL: courseURL(m.ID),
			Progress: views.ProgressBar{Completed: m.Completed, Total: m.Total}}
		if m.LastActivity != nil {
			item.LastActivity = ago(*m.LastActivity, now)
		}
		vm.Courses = append(vm.Courses, item)
	}
	return h.render(c, http.StatusOK, "My progress", views.MyProgressPage(vm))
}

// isClientGone reports errors that only mean the client went away.
func isClientGone(c echo.Context, err error) bool {
	return c.Request().Context().Err() != nil || errors.Is(err, http.ErrHandlerTimeout)
}
