package handlers

import (
	"cmp"
	"errors"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"fieldbook/internal/i18n"
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

var errNotStaff = forbidden("dashboard.error.not_staff")

// dashboardCourse loads a course for its dashboard and checks that the
// caller may see it: 404 for a course they cannot read at all, 403 for
// anyone but its editors and admins. Learners never get further than 403.
func dashboardCourse(c echo.Context, tx *store.Tx, id uuid.UUID) (store.DashboardCourse, error) {
	if !callerOf(c).Role.Staff() {
		return store.DashboardCourse{}, errNotStaff
	}
	course, err := tx.DashboardCourse(c.Request().Context(), id)
	return course, dashboardAllowed(course, err)
}

// dashboardAllowed refuses a dashboard whose course could not be read
// (404) or that the caller does not edit (403).
func dashboardAllowed(course store.DashboardCourse, err error) error {
	if err != nil {
		return explain(err, explanations{store.ErrNotFound: "dashboard.error.no_course"})
	}
	if !course.CanView {
		return errNotStaff
	}
	return nil
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
		return q, badRequest("dashboard.error.sort")
	}
	q.desc = defaultDesc(q.sort)
	switch c.QueryParam("dir") {
	case "":
	case "asc":
		q.desc = false
	case "desc":
		q.desc = true
	default:
		return q, badRequest("dashboard.error.dir")
	}
	if p := c.QueryParam("page"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 {
			return q, badRequest("dashboard.error.page")
		}
		q.page = n
	}
	q.search = strings.TrimSpace(c.QueryParam("q"))
	if utf8.RuneCountInString(q.search) > maxSearch || !utf8.ValidString(q.search) {
		return q, badRequest("dashboard.error.search_long", "count", maxSearch)
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
	now := time.Now()
	d, err := h.readDashboard(c, id, &q)
	if err != nil {
		return err
	}
	course, quizzes := d.course, d.quizzes
	live := h.liveModel(h.localizer(c), id, course, d.totals, d.lessons, d.learners, d.matched, q, now)
	if len(quizzes) > 0 {
		live.HasQuizzes, live.Quizzes = true, quizInsights(h.localizer(c), quizzes)
		learnerQuizzes(live.Learners, d.learners, d.sums)
	}
	c.Response().Header().Set("Cache-Control", "private, no-store")
	vm := views.Dashboard{
		HomeURL: homeURL(), CourseTitle: course.Title, CourseURL: courseURL(id), URL: dashboardURL(id),
		CSVURL:    dashboardCSVURL(id),
		EventsURL: dashboardEventsURL(id, now.UnixMilli()),
		LiveURL:   q.url(id, q.page),
		Search:    q.search, Sort: string(q.sort), Dir: q.dir(),
		Live: live,
	}
	page := views.DashboardPage(vm)
	part := page
	if c.Request().Header.Get("HX-Target") == "dash-live" {
		// The re-read an event triggers: the live block alone.
		part = views.DashboardLiveBlock(live)
	}
	return h.respond(c, http.StatusOK, h.localizer(c).T("dashboard.heading", "title", course.Title), part, whole(page), h.assets.URL(static.SSE))
}

// dashboardData is what a dashboard page reads.
type dashboardData struct {
	course   store.DashboardCourse
	totals   store.DashboardTotals
	lessons  []store.LessonStat
	learners []store.LearnerRow
	matched  int
	quizzes  []store.QuestionStat
	sums     map[uuid.UUID]store.LearnerQuizSummary
}

// readDashboard reads a dashboard in one round trip (store.Read): the
// course with the caller's permission, the totals, the lessons, a search's
// count and the page of learners asked for travel together. RLS shows the
// counters to the course's editors and admins only, and nothing is shown
// before the permission is checked. A page past the end (the last page is
// shown instead) and a course with quizzes take a second read.
func (h *dashboardHandlers) readDashboard(c echo.Context, id uuid.UUID, q *dashQuery) (d dashboardData, err error) {
	caller := callerOf(c)
	if !caller.Role.Staff() {
		return d, errNotStaff
	}
	ctx := c.Request().Context()
	learners := func(b *store.Batch) error {
		b.CustomPlans()
		return b.DashboardLearners(id, store.LearnerQuery{Sort: q.sort, Desc: q.desc,
			Search: q.search, Limit: LearnersPerPage, Offset: (q.page - 1) * LearnersPerPage}, &d.learners)
	}
	var qerr error
	err = h.store.Read(ctx, caller, func(b *store.Batch) {
		b.DashboardCourse(id, &d.course)
		b.DashboardTotals(id, &d.totals)
		b.DashboardLessons(id, &d.lessons)
		if q.search != "" {
			b.CountLearners(id, q.search, &d.matched)
		}
		qerr = learners(b)
	})
	if err = dashboardAllowed(d.course, cmp.Or(qerr, err)); err != nil {
		return d, err
	}
	if q.search == "" {
		d.matched = d.totals.Started
	}
	if last := max(1, (d.matched+LearnersPerPage-1)/LearnersPerPage); q.page > last {
		q.page = last
		err = h.store.Read(ctx, caller, func(b *store.Batch) { qerr = learners(b) })
		if err = cmp.Or(qerr, err); err != nil {
			return d, err
		}
	}
	if hasQuiz(d.lessons) {
		err = h.store.ReadTx(ctx, caller, func(tx *store.Tx) (err error) {
			d.quizzes, d.sums, err = dashboardQuizzes(ctx, tx, id, d.learners)
			return err
		})
	}
	return d, err
}

func (h *dashboardHandlers) liveModel(loc *i18n.Localizer, id uuid.UUID, course store.DashboardCourse, totals store.DashboardTotals,
	lessons []store.LessonStat, learners []store.LearnerRow, matched int, q dashQuery, now time.Time) views.DashboardLive {
	l := views.DashboardLive{
		Lessons: course.Lessons, Started: totals.Started, Finished: totals.Finished,
		Matched: matched, Search: q.search, Page: q.page,
		Pages:  max(1, (matched+LearnersPerPage-1)/LearnersPerPage),
		ReadAt: showTime(loc, now, clockStyle), ReadAtTS: machineTime(now),
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
	}{{"dashboard.col.name", store.SortName}, {"dashboard.col.progress", store.SortProgress}, {"dashboard.col.activity", store.SortActivity}}
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
		l.Columns = append(l.Columns, views.SortColumn{Label: loc.T(col.label), URL: next.url(id, 1), AriaSort: aria})
	}
	for _, r := range learners {
		l.Learners = append(l.Learners, views.LearnerItem{
			Name:           r.DisplayName,
			DetailURL:      dashboardLearnerURL(id, r.StudentID),
			Progress:       views.ProgressBar{Completed: min(r.Completed, course.Lessons), Total: course.Lessons},
			LastActivity:   ago(loc, r.LastActivityAt, now),
			LastActivityTS: machineTime(r.LastActivityAt),
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
		course   store.DashboardCourse
		learner  store.LearnerRow
		lessons  []store.LessonCompletion
		attempts []store.AttemptDetail
	)
	err = h.store.ReadTx(ctx, callerOf(c), func(tx *store.Tx) (err error) {
		if course, err = dashboardCourse(c, tx, id); err != nil {
			return err
		}
		if learner, err = tx.DashboardLearner(ctx, id, learnerID); err != nil {
			return explain(err, explanations{store.ErrNotFound: "dashboard.error.no_learner"})
		}
		if lessons, err = tx.LearnerLessons(ctx, id, learnerID); err != nil {
			return err
		}
		attempts, err = tx.LearnerAttempts(ctx, id, learnerID)
		return err
	})
	if err != nil {
		return err
	}
	loc := h.localizer(c)
	vm := views.LearnerDetail{
		CourseTitle: course.Title, DashboardURL: dashboardURL(id), Name: learner.DisplayName,
		Started: showTime(loc, learner.StartedAt, minuteStyle), LastActivity: showTime(loc, learner.LastActivityAt, minuteStyle),
		Attempts: attemptViews(loc, attempts),
	}
	for _, l := range lessons {
		ld := views.LessonDone{Number: l.Number, Title: l.Title, Quiz: l.Quiz, BeforeQuiz: l.BeforeQuiz}
		vm.HasQuizzes = vm.HasQuizzes || l.Quiz
		if l.BestScore != nil {
			ld.Best = h.localizer(c).Percent(*l.BestScore)
		}
		if l.CompletedAt != nil {
			ld.CompletedAt, ld.CompletedTS = showTime(loc, *l.CompletedAt, minuteStyle), machineTime(*l.CompletedAt)
			vm.Progress.Completed++
		}
		vm.Lessons = append(vm.Lessons, ld)
	}
	vm.Progress.Total = len(lessons)
	c.Response().Header().Set("Cache-Control", "private, no-store")
	return h.render(c, http.StatusOK, learner.DisplayName, views.LearnerDetailPage(vm))
}

// isClientGone reports errors that only mean the client went away.
func isClientGone(c echo.Context, err error) bool {
	return c.Request().Context().Err() != nil || errors.Is(err, http.ErrHandlerTimeout)
}
