package handlers

import (
	"context"
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"fieldbook/store"
)

// versionedForm is a form that changes a stored record R and carries the
// version it was loaded from; P is the record's edit page. Courses and
// lessons are edited this way, two people at once without overwriting
// each other.
type versionedForm[R, P any] struct {
	// load reads the stored record for the caller: the permission check.
	load func(context.Context, *store.Tx) (R, error)
	// archived reports a record whose course is archived (no changes).
	archived func(R) bool
	// valid says whether the posted fields passed their checks.
	valid bool
	// save writes the posted fields; store.ErrConflict when someone saved
	// the record since the form's version.
	save func(context.Context, *store.Tx) error
	// page is the edit page of a stored record.
	page func(context.Context, *store.Tx, R) (P, error)
	// retype puts what was posted back into the page: with its field
	// errors and version (422), or beside the stored record that won (409).
	retype func(page *P, stored R, conflict bool)
}

// formOutcome is how a posted form ended: saved (status 0), or its page
// comes back with status. stored is the record as the caller last read it.
type formOutcome[R, P any] struct {
	status int
	stored R
	page   P
}

// saveVersioned is the one save → validate → conflict flow, in one
// transaction: permission first (a stranger learns nothing from a 422),
// then the posted fields' checks, then the save. A save over a newer
// version changes nothing and answers 409 with both versions side by side
// and the form still holding what was typed, now carrying the new version.
func saveVersioned[R, P any](a *App, c echo.Context, f versionedForm[R, P]) (formOutcome[R, P], error) {
	return inTx(a, c, func(ctx context.Context, tx *store.Tx) (out formOutcome[R, P], err error) {
		if out.stored, err = f.load(ctx, tx); err != nil {
			return out, err
		}
		if f.archived(out.stored) {
			return out, store.ErrArchived
		}
		out.status = http.StatusUnprocessableEntity
		if f.valid {
			if err := f.save(ctx, tx); !errors.Is(err, store.ErrConflict) {
				return formOutcome[R, P]{stored: out.stored}, err
			}
			if out.stored, err = f.load(ctx, tx); err != nil {
				return out, err
			}
			out.status = http.StatusConflict
		}
		if out.page, err = f.page(ctx, tx, out.stored); err != nil {
			return out, err
		}
		f.retype(&out.page, out.stored, out.status == http.StatusConflict)
		return out, nil
	})
}
