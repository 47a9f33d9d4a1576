package handlers

import (
	"bufio"
	"encoding/csv"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"fieldbook/internal/i18n"
	"fieldbook/store"
)

// csvFlushRows: the export is flushed to the client every so many rows, so
// memory stays flat and the download shows progress.
const csvFlushRows = 200

// csvCell neutralises spreadsheet formulas: a cell starting with = + - @
// (or a tab or carriage return, which some programs skip before one) is
// prefixed with an apostrophe, so it is shown as text, never run.
func csvCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

var unsafeFileChars = regexp.MustCompile(`[^a-z0-9]+`)

// exportCSV streams a course's learners as CSV: one row per learner with
// their totals and the completion time of each published lesson, then a row
// of completions per lesson. Rows go out as the database sends them.
func (h *dashboardHandlers) exportCSV(c echo.Context) error {
	id, err := parseID(c, "id")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	var x *csvExport // the download under way, once its status is sent
	err = h.store.ReadTx(ctx, callerOf(c), func(tx *store.Tx) error {
		course, err := dashboardCourse(c, tx, id)
		if err != nil {
			return err
		}
		lessons, err := tx.DashboardLessons(ctx, id)
		if err != nil {
			return err
		}
		x = startCSV(c, h.localizer(c), course.Title, lessons)
		if err := x.w.Write(x.header); err != nil {
			return err
		}
		if err := tx.ExportLearners(ctx, id, x.lessonIDs, x.quizIDs, x.learner); err != nil {
			return err
		}
		return x.finish()
	})
	if err != nil && x != nil {
		// The status is sent; all that is left is to stop and say why.
		if !isClientGone(c, err) {
			h.log.Error("csv export failed", "course", id.String(), "err", err)
		}
		return nil
	}
	return err
}

// csvExport is one CSV download under way.
type csvExport struct {
	w          *csv.Writer
	bw         *bufio.Writer
	rc         *http.ResponseController
	header     []string
	totals     []string
	lessonIDs  []uuid.UUID
	quizIDs    []uuid.UUID
	row        []string
	rows       int
	numLessons int
}

// startCSV sends the download's headers (the status with them) and the
// byte-order mark, and prepares the header and totals rows.
func startCSV(c echo.Context, loc *i18n.Localizer, title string, lessons []store.LessonStat) *csvExport {
	x := &csvExport{
		header: []string{loc.T("dashboard.csv.learner"), loc.T("dashboard.csv.completed"), loc.T("dashboard.csv.lessons"),
			loc.T("dashboard.csv.percent"), loc.T("dashboard.csv.last_activity")},
		totals:     []string{loc.T("dashboard.csv.per_lesson"), "", strconv.Itoa(len(lessons)), "", ""},
		lessonIDs:  make([]uuid.UUID, 0, len(lessons)),
		numLessons: len(lessons),
	}
	for _, l := range lessons {
		x.header = append(x.header, csvCell(strconv.Itoa(l.Number)+". "+l.Title))
		x.totals = append(x.totals, strconv.Itoa(l.Completed))
		x.lessonIDs = append(x.lessonIDs, l.ID)
	}
	quizHeader, quizIDs := quizColumns(loc, lessons)
	x.header = append(x.header, quizHeader...)
	x.totals = append(x.totals, make([]string, len(quizHeader))...)
	x.quizIDs = quizIDs
	resp := c.Response()
	hdr := resp.Header()
	hdr.Set("Content-Type", "text/csv; charset=utf-8")
	hdr.Set("Content-Disposition", `attachment; filename="`+csvFileName(title, time.Now())+`"`)
	hdr.Set("Cache-Control", "private, no-store")
	resp.WriteHeader(http.StatusOK)
	x.rc = http.NewResponseController(resp)
	x.bw = bufio.NewWriterSize(resp, 16<<10)
	x.w = csv.NewWriter(x.bw)
	x.w.UseCRLF = true
	// A byte-order mark, so spreadsheet programs read the names as UTF-8.
	_, _ = x.bw.WriteString("\uFEFF")
	x.row = make([]string, 0, len(x.header))
	return x
}

// csvFileName names a course's export: its title made safe, and the day.
func csvFileName(title string, now time.Time) string {
	name := strings.Trim(unsafeFileChars.ReplaceAllString(strings.ToLower(title), "-"), "-")
	if len(name) > 40 {
		name = strings.Trim(name[:40], "-")
	}
	if name == "" {
		name = "course"
	}
	return "fieldbook-" + name + "-" + now.UTC().Format(time.DateOnly) + ".csv"
}

// learner writes one learner's row, flushing to the client every
// csvFlushRows rows.
func (x *csvExport) learner(r store.ExportRow) error {
	pct := 0
	if x.numLessons > 0 {
		pct = min(r.Completed, x.numLessons) * 100 / x.numLessons
	}
	x.row = append(x.row[:0], csvCell(r.DisplayName), strconv.Itoa(r.Completed), strconv.Itoa(x.numLessons),
		strconv.Itoa(pct), machineTime(r.LastActivityAt))
	for _, at := range r.CompletedAt {
		if at == nil {
			x.row = append(x.row, "")
		} else {
			x.row = append(x.row, machineTime(*at))
		}
	}
	x.row = appendQuizCells(x.row, r)
	if err := x.w.Write(x.row); err != nil {
		return err
	}
	if x.rows++; x.rows%csvFlushRows == 0 {
		x.w.Flush()
		if err := x.bw.Flush(); err != nil {
			return err
		}
		_ = x.rc.SetWriteDeadline(time.Now().Add(writeWait))
		return x.rc.Flush()
	}
	return nil
}

// finish writes the totals row and flushes what is left.
func (x *csvExport) finish() error {
	if err := x.w.Write(x.totals); err != nil {
		return err
	}
	x.w.Flush()
	if err := x.w.Error(); err != nil {
		return err
	}
	return x.bw.Flush()
}

// quizColumns are the CSV's columns for the course's quizzes: per quiz
// lesson, the learner's best score and when they first passed, and the
// lessons they are for.
func quizColumns(loc *i18n.Localizer, lessons []store.LessonStat) ([]string, []uuid.UUID) {
	var header []string
	var ids []uuid.UUID
	for _, l := range lessons {
		if l.Quiz {
			lesson := strconv.Itoa(l.Number) + ". " + l.Title
			header = append(header, csvCell(loc.T("dashboard.csv.best_score", "lesson", lesson)),
				csvCell(loc.T("dashboard.csv.passed_at", "lesson", lesson)))
			ids = append(ids, l.ID)
		}
	}
	return header, ids
}

// appendQuizCells adds a learner's best score (a whole percent) and first
// passed-at (ISO 8601, UTC) for each quiz; blank where there is none.
func appendQuizCells(row []string, r store.ExportRow) []string {
	for i := range r.BestScore {
		best, passed := "", ""
		if r.BestScore[i] != nil {
			best = strconv.Itoa(*r.BestScore[i])
		}
		if r.PassedAt[i] != nil {
			passed = machineTime(*r.PassedAt[i])
		}
		row = append(row, best, passed)
	}
	return row
}
