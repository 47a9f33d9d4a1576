package handlers

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"fieldbook/store"
	"fieldbook/views"
)

// mediaHandlers upload and serve lesson media: images, audio and PDFs kept
// in PostgreSQL and served by content hash.
type mediaHandlers struct {
	*App
	// maxBytes is the largest file accepted (FIELDBOOK_MEDIA_MAX_BYTES).
	maxBytes int64
}

// mediaFormSlack is what an upload's request may carry beside the file: the
// lesson form's other fields (the body is at most 30000 characters) and the
// multipart framing.
const mediaFormSlack = 256 << 10

// isMediaUpload is true for POST /lessons/{id}/media, which has its own,
// larger body limit (the global one is for small forms).
func isMediaUpload(c echo.Context) bool {
	p := c.Request().URL.Path
	return strings.HasPrefix(p, "/lessons/") && strings.HasSuffix(p, "/media") && strings.Count(p, "/") == 3
}

// isMediaPath is true for served media: already compressed (or, for WAV and
// PDF, served with byte ranges), so never gzipped.
func isMediaPath(c echo.Context) bool { return strings.HasPrefix(c.Request().URL.Path, "/media/") }

func mediaURL(ref store.MediaRef) string { return "/media/" + ref.SHA256 + "/" + ref.Name }

// uploadError is a refused upload: the status and a message for the person.
type uploadError struct {
	status int
	msg    string
}

func (e *uploadError) Error() string { return e.msg }

// upload stores a file for a lesson's course. The button sits in the lesson
// form, so the request carries what was typed too. With htmx the answer is a
// short status fragment plus an HX-Trigger event carrying the Markdown,
// which static/app.js puts into the lesson text at the cursor. Without
// JavaScript the edit page comes back with what was typed, the Markdown
// added to the end of the text and shown to copy; nothing is saved until
// "Save lesson".
func (h *mediaHandlers) upload(c echo.Context) error {
	id, err := parseID(c, "id")
	if err != nil {
		return err
	}
	req := c.Request()
	ctx := req.Context()
	// Authorised before any work: someone who does not edit this lesson's
	// course is refused before a byte of the upload is read or decoded.
	l, err := h.editableLesson(c, id)
	if err != nil {
		return authoringError(c, err)
	}
	limit := h.maxBytes + mediaFormSlack
	if req.ContentLength > limit {
		// Refused unread. The error handler would say only "too large".
		const status = http.StatusRequestEntityTooLarge
		return h.render(c, status, "File too large", views.ErrorPage(views.Error{
			Status: status, Title: "File too large", Message: h.tooLargeMsg()}))
	}
	req.Body = http.MaxBytesReader(c.Response(), req.Body, limit)
	form, fileName, data, uerr := h.readUpload(req)
	var file mediaFile
	if uerr == nil {
		file, uerr = h.check(ctx, fileName, data)
	}
	var ref store.MediaRef
	if uerr == nil {
		if ref, err = h.save(c, l, fileName, file); err != nil {
			return authoringError(c, err)
		}
	}
	var ue *uploadError
	if uerr != nil && !errors.As(uerr, &ue) {
		return uerr
	}
	if isHTMX(c) {
		if ue != nil {
			// The layout's htmx config swaps 422s, not 413/415.
			return h.render(c, http.StatusUnprocessableEntity, "Upload", views.MediaStatus(views.MediaUpload{Error: ue.msg}))
		}
		md := mediaMarkdown(mediaURL(ref), ref.Name, ref.ContentType)
		trigger, err := json.Marshal(map[string]any{"fieldbook:media": map[string]string{"markdown": md}})
		if err != nil {
			return err
		}
		c.Response().Header().Set("HX-Trigger", string(trigger))
		return h.render(c, http.StatusOK, "Upload", views.MediaStatus(views.MediaUpload{Name: ref.Name, Markdown: md}))
	}
	page := lessonPage(l)
	if version, err := strconv.Atoi(form.Get("version")); err == nil && form.Has("title") {
		page.Form.Version = version
		page.Form.Fields = views.LessonFields{
			Title:           strings.TrimSpace(form.Get("title")),
			Body:            strings.ReplaceAll(form.Get("body"), "\r\n", "\n"),
			ContentURL:      strings.TrimSpace(form.Get("content_url")),
			DurationMinutes: strings.TrimSpace(form.Get("duration_minutes")),
			Published:       form.Get("published") == "true",
		}
	}
	status := http.StatusOK
	if ue != nil {
		status = ue.status
		page.Form.Media.Error = ue.msg
	} else {
		md := mediaMarkdown(mediaURL(ref), ref.Name, ref.ContentType)
		page.Form.Media = views.MediaUpload{Name: ref.Name, Markdown: md}
		body := strings.TrimRight(page.Form.Fields.Body, "\n")
		if body != "" {
			body += "\n\n"
		}
		page.Form.Fields.Body = body + md + "\n"
	}
	return h.render(c, status, "Edit "+page.Title, views.LessonEditPage(page))
}

// editableLesson is the lesson, if the caller edits its course and the
// course is not archived.
func (h *mediaHandlers) editableLesson(c echo.Context, id uuid.UUID) (l store.EditLesson, err error) {
	ctx := c.Request().Context()
	err = h.store.ReadTx(ctx, callerOf(c), func(tx *store.Tx) (err error) {
		if l, err = tx.LessonForEdit(ctx, id); err == nil && l.CourseArchived {
			err = store.ErrArchived
		}
		return err
	})
	return l, err
}

// save stores a checked file for the lesson's course; row-level security
// decides again as it is written.
func (h *mediaHandlers) save(c echo.Context, l store.EditLesson, fileName string, file mediaFile) (ref store.MediaRef, err error) {
	ctx := c.Request().Context()
	sum := sha256.Sum256(file.Data)
	m := store.NewMedia{
		CourseID: l.CourseID, LessonID: l.ID, SHA256: hex.EncodeToString(sum[:]),
		Name: mediaName(fileName, file.ContentType), ContentType: file.ContentType, Data: file.Data,
	}
	if file.Width > 0 {
		m.Width, m.Height = &file.Width, &file.Height
	}
	err = h.store.InTx(ctx, callerOf(c), func(tx *store.Tx) (err error) {
		ref, err = tx.AddMedia(ctx, m)
		return err
	})
	return ref, err
}

func (h *mediaHandlers) tooLargeMsg() string {
	return "The file is larger than " + sizeText(h.maxBytes) + ". Make it smaller (a photo from a phone app's “share” often is) and try again."
}

// readUpload reads the multipart form: the other fields into form, the part
// named file into data (at most maxBytes, or a 413).
func (h *mediaHandlers) readUpload(req *http.Request) (form url.Values, name string, data []byte, err error) {
	form = url.Values{}
	mr, err := req.MultipartReader()
	if err != nil {
		return form, "", nil, &uploadError{http.StatusBadRequest, "Send the file as a form upload (multipart/form-data) in a field named file."}
	}
	found := false
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return form, "", nil, readErr(err, h)
		}
		if part.FormName() == "file" && part.FileName() != "" {
			found = true
			name = part.FileName()
			data, err = io.ReadAll(io.LimitReader(part, h.maxBytes+1))
			if err != nil {
				return form, "", nil, readErr(err, h)
			}
			if int64(len(data)) > h.maxBytes {
				return form, "", nil, &uploadError{http.StatusRequestEntityTooLarge, h.tooLargeMsg()}
			}
			continue
		}
		if part.FileName() == "" && part.FormName() != "" {
			v, err := io.ReadAll(io.LimitReader(part, mediaFormSlack))
			if err != nil {
				return form, "", nil, readErr(err, h)
			}
			form.Add(part.FormName(), string(v))
		}
	}
	if !found {
		return form, "", nil, &uploadError{http.StatusUnprocessableEntity, "Choose a file first (an image, a sound or a PDF)."}
	}
	return form, name, data, nil
}

func readErr(err error, h *mediaHandlers) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return &uploadError{http.StatusRequestEntityTooLarge, h.tooLargeMsg()}
	}
	return &uploadError{http.StatusBadRequest, "The upload was cut off or is malformed. Please try again."}
}

// check sniffs the type from the bytes, strips image metadata and
// downscales wide images, at most len(decodeSlots) uploads at a time.
func (h *mediaHandlers) check(ctx context.Context, name string, data []byte) (mediaFile, error) {
	if len(data) == 0 {
		return mediaFile{}, &uploadError{http.StatusUnprocessableEntity, "The file " + strconv.Quote(name) + " is empty."}
	}
	var f mediaFile
	var err error
	if serr := withDecodeSlot(ctx, func() { f, err = inspectMedia(data) }); serr != nil {
		return mediaFile{}, serr
	}
	if errors.Is(err, errMediaType) {
		return mediaFile{}, &uploadError{http.StatusUnsupportedMediaType,
			"This file cannot be used (" + strings.TrimPrefix(err.Error(), errMediaType.Error()+": ") +
				"). Upload a JPEG, PNG, GIF or WebP image, an MP3, Ogg or WAV sound, or a PDF. " +
				"The file's contents decide, not its name."}
	}
	return f, err
}

func sizeText(n int64) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return strconv.FormatInt(n>>20, 10) + " MB"
	}
	if n >= 1<<10 {
		return strconv.FormatInt(n>>10, 10) + " KB"
	}
	return strconv.FormatInt(n, 10) + " bytes"
}

var mediaHashRE = regexp.MustCompile(`^[0-9a-f]{64}$`)

// servePublic serves a file of a published, live course with no session
// work at all: one query as the anonymous role, cacheable by anyone. A file
// it cannot see goes to forCaller (the session-carrying chain), so editors
// see the media of their drafts, privately cached.
func (h *mediaHandlers) servePublic(forCaller echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		hash := c.Param("hash")
		if !mediaHashRE.MatchString(hash) {
			return echo.NewHTTPError(http.StatusNotFound, "No such file.")
		}
		m, err := h.lookup(c, store.Anonymous, hash)
		if err == nil {
			return serveMediaFile(c, m, true)
		}
		if !store.IsNotFound(err) {
			return err
		}
		if _, cerr := c.Cookie(h.sessions.Cookie.Name); cerr != nil {
			return echo.NewHTTPError(http.StatusNotFound, "No such file.")
		}
		return forCaller(c)
	}
}

// serveForCaller serves a file the signed-in caller may see (a draft
// course's, to its editors).
func (h *mediaHandlers) serveForCaller(c echo.Context) error {
	m, err := h.lookup(c, callerOf(c), c.Param("hash"))
	if store.IsNotFound(err) {
		return echo.NewHTTPError(http.StatusNotFound, "No such file.")
	}
	if err != nil {
		return err
	}
	return serveMediaFile(c, m, m.Public)
}

func (h *mediaHandlers) lookup(c echo.Context, caller store.Caller, hash string) (m store.Media, err error) {
	ctx := c.Request().Context()
	err = h.store.ReadTx(ctx, caller, func(tx *store.Tx) error {
		m, err = tx.MediaByHash(ctx, hash)
		return err
	})
	return m, err
}

// serveMediaFile sends a stored file: its own type, never sniffed; cached
// for a year (the address is the content); sandboxed if opened on its own;
// downloaded rather than shown unless it is an image or a sound. Byte
// ranges work, so audio can seek.
func serveMediaFile(c echo.Context, m store.Media, public bool) error {
	h := c.Response().Header()
	if public {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		h.Set("Cache-Control", "private, max-age=31536000, immutable")
	}
	h.Set("Content-Type", m.ContentType)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
	h.Set("ETag", `"`+m.SHA256+`"`)
	disposition := "inline"
	if !strings.HasPrefix(m.ContentType, "image/") && !strings.HasPrefix(m.ContentType, "audio/") {
		disposition = "attachment"
	}
	h.Set("Content-Disposition", disposition+`; filename="`+m.Name+`"`)
	http.ServeContent(c.Response(), c.Request(), m.Name, time.Time{}, bytes.NewReader(m.Data))
	return nil
}

// mediaRoutes wires the media routes (called from New).
func mediaRoutes(a *App, pages *routes, maxBytes int64) {
	if maxBytes <= 0 {
		maxBytes = DefaultMediaMaxBytes
	}
	m := &mediaHandlers{App: a, maxBytes: maxBytes}
	pages.POST("/lessons/:id/media", m.upload, a.requireStaff)
	forCaller := m.serveForCaller
	for i := len(pages.mw) - 1; i >= 0; i-- {
		forCaller = pages.mw[i](forCaller)
	}
	pages.e.GET("/media/:hash/:name", m.servePublic(forCaller))
}
