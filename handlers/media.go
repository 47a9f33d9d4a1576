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

	"fieldbook/internal/i18n"
	"fieldbook/store"
	"fieldbook/views"
)

// mediaHandlers upload and serve lesson media: images, audio and PDFs kept
// in PostgreSQL and served by content hash.
type mediaHandlers struct {
	*App
	// maxBytes is the largest file accepted (FIELDBOOK_MEDIA_MAX_BYTES).
	maxBytes int64
	// forCaller is serveForCaller behind the session middleware, for the
	// files that are not public.
	forCaller echo.HandlerFunc
}

// mediaFormSlack is what an upload's request may carry beside the file: the
// lesson form's other fields (the body is at most 30000 characters) and the
// multipart framing.
const mediaFormSlack = 256 << 10

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
	// Authorised before any work: someone who does not edit this lesson's
	// course is refused before a byte of the upload is read or decoded.
	l, err := h.editableLesson(c, id)
	if err != nil {
		return authoringError(c, err)
	}
	req := c.Request()
	limit := h.maxBytes + mediaFormSlack
	if req.ContentLength > limit {
		// Refused unread. The error handler would say only "too large".
		const status = http.StatusRequestEntityTooLarge
		loc := h.localizer(c)
		title := loc.T("media.too_large_title")
		return h.render(c, status, title, views.ErrorPage(views.Error{
			Status: status, Title: title, Message: h.tooLarge().Text(loc), HomeURL: homeURL()}))
	}
	req.Body = http.MaxBytesReader(c.Response(), req.Body, limit)
	form, fileName, data, uerr := h.readUpload(req)
	var file mediaFile
	if uerr == nil {
		file, uerr = h.check(req.Context(), fileName, data)
	}
	var ref store.MediaRef
	if uerr == nil {
		// Row-level security decides again as the file is written.
		ref, err = inTx(h.App, c, func(ctx context.Context, tx *store.Tx) (store.MediaRef, error) {
			return tx.AddMedia(ctx, newMedia(l, fileName, file))
		})
		if err != nil {
			return authoringError(c, err)
		}
	}
	var ue *Error // a refused upload: its status and message
	if uerr != nil && !errors.As(uerr, &ue) {
		return uerr
	}
	if isHTMX(c) {
		return h.uploadStatus(c, ref, ue)
	}
	return h.uploadPage(c, l, form, ref, ue)
}

// editableLesson is the lesson, if the caller edits its course and the
// course is not archived.
func (h *mediaHandlers) editableLesson(c echo.Context, id uuid.UUID) (store.EditLesson, error) {
	return readTx(h.App, c, func(ctx context.Context, tx *store.Tx) (store.EditLesson, error) {
		l, err := tx.LessonForEdit(ctx, id)
		if err == nil && l.CourseArchived {
			err = store.ErrArchived
		}
		return l, err
	})
}

// newMedia is a checked file, stored for a lesson's course under its hash.
func newMedia(l store.EditLesson, fileName string, file mediaFile) store.NewMedia {
	sum := sha256.Sum256(file.Data)
	m := store.NewMedia{
		CourseID: l.CourseID, LessonID: l.ID, SHA256: hex.EncodeToString(sum[:]),
		Name: mediaName(fileName, file.ContentType), ContentType: file.ContentType, Data: file.Data,
	}
	if file.Width > 0 {
		m.Width, m.Height = &file.Width, &file.Height
	}
	return m
}

// uploadStatus is the htmx answer: the status fragment, and the Markdown
// in an HX-Trigger event for app.js to insert. A refusal is a 422, which
// the layout's htmx config swaps (it does not swap 413 or 415).
func (h *mediaHandlers) uploadStatus(c echo.Context, ref store.MediaRef, refused *Error) error {
	if refused != nil {
		return h.render(c, http.StatusUnprocessableEntity, h.localizer(c).T("media.upload_title"), views.MediaStatus(views.MediaUpload{Error: refused.Text(h.localizer(c))}))
	}
	md := mediaMarkdown(mediaURL(ref), ref.Name, ref.ContentType)
	trigger, err := json.Marshal(map[string]any{"fieldbook:media": map[string]string{"markdown": md}})
	if err != nil {
		return err
	}
	c.Response().Header().Set("HX-Trigger", string(trigger))
	return h.render(c, http.StatusOK, h.localizer(c).T("media.upload_title"), views.MediaStatus(views.MediaUpload{Name: ref.Name, Markdown: md}))
}

// uploadPage is the answer without JavaScript: the lesson's edit page with
// what was typed, the Markdown added to the end of the text, or the
// refusal at the file field with its own status.
func (h *mediaHandlers) uploadPage(c echo.Context, l store.EditLesson, form url.Values, ref store.MediaRef, refused *Error) error {
	page := lessonPage(h.localizer(c), l)
	if version, err := strconv.Atoi(form.Get("version")); err == nil && form.Has("title") {
		page.Form.Version = version
		page.Form.Fields = typedLessonFields(form.Get)
	}
	status := http.StatusOK
	if refused != nil {
		status = refused.Status
		page.Form.Media.Error = refused.Text(h.localizer(c))
	} else {
		md := mediaMarkdown(mediaURL(ref), ref.Name, ref.ContentType)
		page.Form.Media = views.MediaUpload{Name: ref.Name, Markdown: md}
		body := strings.TrimRight(page.Form.Fields.Body, "\n")
		if body != "" {
			body += "\n\n"
		}
		page.Form.Fields.Body = body + md + "\n"
	}
	return h.render(c, status, editTitle(h.localizer(c), page.Title), views.LessonEditPage(page))
}

// tooLarge refuses a file over the limit, said in megabytes when the limit
// is a whole number of them, else in kilobytes.
func (h *mediaHandlers) tooLarge() *Error {
	if n := h.maxBytes; n >= 1<<20 && n%(1<<20) == 0 {
		return newError(http.StatusRequestEntityTooLarge, nil, "media.error.too_large_mb", "size", int(n>>20))
	}
	return newError(http.StatusRequestEntityTooLarge, nil, "media.error.too_large_kb", "size", int((h.maxBytes+1023)>>10))
}

// readUpload reads the multipart form: the other fields into form, the part
// named file into data (at most maxBytes, or a 413).
func (h *mediaHandlers) readUpload(req *http.Request) (form url.Values, name string, data []byte, err error) {
	form = url.Values{}
	mr, err := req.MultipartReader()
	if err != nil {
		return form, "", nil, badRequest("media.error.multipart")
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
				return form, "", nil, h.tooLarge()
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
		return form, "", nil, newError(http.StatusUnprocessableEntity, nil, "media.error.no_file")
	}
	return form, name, data, nil
}

func readErr(err error, h *mediaHandlers) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return h.tooLarge()
	}
	return badRequest("media.error.cut_off")
}

// check sniffs the type from the bytes, strips image metadata and
// downscales wide images, at most len(decodeSlots) uploads at a time.
func (h *mediaHandlers) check(ctx context.Context, name string, data []byte) (mediaFile, error) {
	if len(data) == 0 {
		return mediaFile{}, newError(http.StatusUnprocessableEntity, nil, "media.error.empty", "name", name)
	}
	var f mediaFile
	var err error
	if serr := withDecodeSlot(ctx, func() { f, err = inspectMedia(data) }); serr != nil {
		return mediaFile{}, serr
	}
	if errors.Is(err, errMediaType) {
		reason := i18n.M("media.reason.unknown")
		var r mediaRefusal
		if errors.As(err, &r) {
			reason = r.Text
		}
		return mediaFile{}, newError(http.StatusUnsupportedMediaType, err, "media.error.type", "reason", reason)
	}
	return f, err
}

var mediaHashRE = regexp.MustCompile(`^[0-9a-f]{64}$`)

// serve serves a file of a published, live course with no session work at
// all: one query as the anonymous role, cacheable by anyone. A file it
// cannot see goes to forCaller (the session-carrying chain), so editors see
// the media of their drafts, privately cached.
func (h *mediaHandlers) serve(c echo.Context) error {
	hash := c.Param("sha256")
	if !mediaHashRE.MatchString(hash) {
		return notFound("media.error.no_such")
	}
	m, err := h.lookup(c, store.Anonymous, hash)
	if err == nil {
		return serveMediaFile(c, m, true)
	}
	if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	if _, cerr := c.Cookie(h.sessions.Cookie.Name); cerr != nil {
		return notFound("media.error.no_such")
	}
	return h.forCaller(c)
}

// serveForCaller serves a file the signed-in caller may see (a draft
// course's, to its editors).
func (h *mediaHandlers) serveForCaller(c echo.Context) error {
	m, err := h.lookup(c, callerOf(c), c.Param("sha256"))
	if err != nil {
		return explain(err, explanations{store.ErrNotFound: "media.error.no_such"})
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
