package store

import (
	"context"
	"strings"
	"time"

	"github.com/google/uuid"
)

// Certificate is a learner's certificate of a course, as issued: the
// database writes it (progress_certify) in the transaction that completed
// the course's last lesson; no caller can.
type Certificate struct {
	Code        string    `db:"code"`
	CourseID    uuid.UUID `db:"course_id"`
	DisplayName string    `db:"display_name"`
	CourseTitle string    `db:"course_title"`
	CompletedAt time.Time `db:"completed_at"`
	IssuedAt    time.Time `db:"issued_at"`
}

// MyCertificate returns the caller's certificate of a course, ErrNotFound
// while they have none.
func (t *Tx) MyCertificate(ctx context.Context, courseID uuid.UUID) (Certificate, error) {
	return queryOne[Certificate](ctx, t, "my certificate", `
		SELECT code, course_id, display_name, course_title, completed_at, issued_at
		FROM certificates WHERE student_id = (SELECT current_user_id()) AND course_id = $1`, courseID)
}

// CertificateProof is what /verify/{code} shows, and nothing more.
type CertificateProof struct {
	DisplayName string    `db:"display_name"`
	CourseTitle string    `db:"course_title"`
	CompletedAt time.Time `db:"completed_at"`
}

// NormalizeCertificateCode reads a code as a person may type it: any case,
// with spaces or dashes between groups.
func NormalizeCertificateCode(s string) string {
	return strings.ToUpper(strings.NewReplacer(" ", "", "-", "").Replace(strings.TrimSpace(s)))
}

// VerifyCertificate looks a code up through certificate_by_code, the one
// way the anonymous role reaches certificates. ErrNotFound for no such code.
func (t *Tx) VerifyCertificate(ctx context.Context, code string) (CertificateProof, error) {
	return queryOne[CertificateProof](ctx, t, "verify certificate",
		`SELECT display_name, course_title, completed_at FROM certificate_by_code($1)`, NormalizeCertificateCode(code))
}
