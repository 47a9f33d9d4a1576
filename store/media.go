package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// NewMedia is a file an editor uploads for a lesson, already checked and
// (for large images) downscaled by the caller. SHA256 is the hex digest of
// Data: the file's address.
type NewMedia struct {
	CourseID    uuid.UUID
	LessonID    uuid.UUID
	SHA256      string
	Name        string
	ContentType string
	Width       *int
	Height      *int
	Data        []byte
}

// MediaRef is where a stored file is served: /media/<SHA256>/<Name>.
type MediaRef struct {
	SHA256      string `db:"sha256"`
	Name        string `db:"name"`
	ContentType string `db:"content_type"`
}

// AddMedia stores a file for a lesson's course as the caller. The same bytes
// uploaded again to the same course keep the first row (and its name), so
// the Markdown already pasted stays valid. A caller who does not edit the
// course is refused by row-level security (ErrForbidden).
func (t *Tx) AddMedia(ctx context.Context, m NewMedia) (MediaRef, error) {
	rows, err := t.tx.Query(ctx, `
		INSERT INTO media (course_id, lesson_id, sha256, name, content_type, size, width, height, data, created_by)
		VALUES ($1, $2, $3, $4, $5, octet_length($8::bytea), $6, $7, $8, current_user_id())
		ON CONFLICT (course_id, sha256) DO NOTHING
		RETURNING sha256, name, content_type`,
		m.CourseID, m.LessonID, m.SHA256, m.Name, m.ContentType, m.Width, m.Height, m.Data)
	if err != nil {
		return MediaRef{}, fmt.Errorf("store: add media: %w", mapErr(err))
	}
	ref, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[MediaRef])
	if errors.Is(err, pgx.ErrNoRows) {
		rows, err = t.tx.Query(ctx, `
			SELECT sha256, name, content_type FROM media WHERE course_id = $1 AND sha256 = $2`,
			m.CourseID, m.SHA256)
		if err != nil {
			return MediaRef{}, fmt.Errorf("store: add media: %w", mapErr(err))
		}
		ref, err = pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[MediaRef])
	}
	if err != nil {
		return MediaRef{}, fmt.Errorf("store: add media: %w", mapErr(err))
	}
	return ref, nil
}

// Media is a stored file as it is served.
type Media struct {
	MediaRef
	Data []byte `db:"data"`
	// Public is true when its course is published and live, so anyone may
	// fetch it (and shared caches may keep it).
	Public bool `db:"public"`
}

// MediaByHash returns a file the caller may read, by its SHA-256. Row-level
// security decides: the media of published, live courses for anyone, those
// of a course the caller edits too. Anything else is ErrNotFound.
func (t *Tx) MediaByHash(ctx context.Context, sha256 string) (Media, error) {
	rows, err := t.tx.Query(ctx, `
		SELECT m.sha256, m.name, m.content_type, m.data,
		       EXISTS (SELECT 1 FROM courses c
		               WHERE c.id = m.course_id AND c.published AND c.archived_at IS NULL) AS public
		FROM media m
		WHERE m.sha256 = $1
		ORDER BY public DESC
		LIMIT 1`, sha256)
	if err != nil {
		return Media{}, fmt.Errorf("store: media by hash: %w", mapErr(err))
	}
	m, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Media])
	if err != nil {
		return Media{}, fmt.Errorf("store: media by hash: %w", mapErr(err))
	}
	return m, nil
}

// PublishedMediaRefs lists the files that a course's published lessons
// show or link to (their stored HTML mentions /media/<hash>/), in one
// query: "Save this course for offline" fetches them with the pages.
func (t *Tx) PublishedMediaRefs(ctx context.Context, courseID uuid.UUID) ([]MediaRef, error) {
	var list []MediaRef
	err := collect(ctx, t, &list, "published media", publishedMediaSQL, courseID)
	return list, err
}

// PublishedMediaRefs queues Tx.PublishedMediaRefs into *out.
func (b *Batch) PublishedMediaRefs(courseID uuid.UUID, out *[]MediaRef) {
	_ = collect(context.Background(), b, out, "published media", publishedMediaSQL, courseID)
}

const publishedMediaSQL = `
	SELECT m.sha256, m.name, m.content_type
	FROM media m
	WHERE m.course_id = $1
	  AND EXISTS (SELECT 1 FROM lessons l
	              WHERE l.course_id = m.course_id AND l.published
	                AND strpos(l.body_html, '/media/' || m.sha256 || '/') > 0)
	ORDER BY m.created_at, m.sha256`
