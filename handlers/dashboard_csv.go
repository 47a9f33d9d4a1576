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
	resp := c.Response()
	started := false
	err = h.store.ReadTx(ctx, callerOf(c), func(tx *store.Tx) error {
		course, err := dashboardCourse(c, tx, id)
		if err != nil {
			return err
		}
		lessons, err := tx.DashboardLessons(ctx, id)
		if err != nil {
			return err
		}
		header := []string{"Learner", "Lessons completed", "Lessons", "Percent", "Last activity"}
		totals := []string{"Completions per lesson", "", strconv.Itoa(len(lessons)), "", ""}
		for _, l := range lessons {
			header = append(header, csvCell(strconv.Itoa(l.Number)+". "+l.Title))
			totals = append(totals, strconv.Itoa(l.Completed))
		}
		name := strings.Trim(unsafeFileChars.ReplaceAllString(strings.ToLower(course.Title), "-"), "-")
		if len(name) > 40 {
			name = strings.Trim(name[:40], "-")
		}
		if name == "" {
			name = "course"
		}
		hdr := resp.Header()
		hdr.Set("Content-Type", "text/csv; charset=utf-8")
		hdr.Set("Content-Disposition", `attachment; filename="fieldbook-`+name+`-`+time.Now().UTC().Format(time.DateOnly)+`.csv"`)
		hdr.Set("Cache-Control", "private, no-store")
		resp.WriteHeader(http.StatusOK)
		started = true
		rc := http.NewResponseController(resp)
		bw := bufio.NewWriterSize(resp, 16<<10)
		w := csv.NewWriter(bw)
		w.UseCRLF = true
		// A byte-order mark, so spreadsheet programs read the names as UTF-8.
		_, _ = bw.WriteString("\uFEFF")
		if err := w.Write(header); err != nil {
			return err
		}
		lessonIDs := make([]uuid.UUID, len(lessons))
		for i, l := range lessons {
			lessonIDs[i] = l.ID
		}
		row := make([]string, 0, len(header))
		n := 0
		err = tx.ExportLearners(ctx, id, lessonIDs, func(r store.ExportRow) error {
			pct := 0
			if len(lessons) > 0 {
				pct = min(r.Completed, len(lessons)) * 100 / len(lessons)
			}
			row = append(row[:0], csvCell(r.DisplayName), strconv.Itoa(r.Completed), strconv.Itoa(len(lessons)),
				strconv.Itoa(pct), machineTime(r.LastActivityAt))
			for _, at := range r.CompletedAt {
				if at == nil {
					row = append(row, "")
				} else {
					row = append(row, machineTime(*at))
				}
			}
			if err := w.Write(row); err != nil {
				return err
			}
			if n++; n%csvFlushRows == 0 {
				w.Flush()
				if err := bw.Flush(); err != nil {
					return err
				}
				_ = rc.SetWriteDeadline(time.Now().Add(writeWait))
				return rc.Flush()
			}
			return nil
		})
		if err != nil {
			return err
		}
		if err := w.Write(totals); err != nil {
			return err
		}
		w.Flush()
		if err := w.Error(); err != nil {
			return err
		}
		return bw.Flush()
	})
	if err != nil && started {
		// The status is sent; all that is left is to stop and say why.
		if !isClientGone(c, err) {
			h.log.Error("csv export failed", "course", id.String(), "err", err)
		}
		return nil
	}
	return err
}
