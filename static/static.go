// Package static embeds Fieldbook's CSS, vendored htmx and icons. Each file is
// served under its content hash (/static/<hash>/<name>) so browsers and the
// service worker may cache it forever; a changed file gets a new URL.
package static

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"path"
	"sort"
)

//go:embed *.css *.js *.svg *.png
var files embed.FS

// BuildID is mixed into Set.Version, the name of the service worker's cache.
// Release builds may set it (-ldflags "-X fieldbook/static.BuildID=…") to
// force clients onto a fresh cache; tests use it to ship a "new build".
var BuildID = ""

// HTMX is the vendored htmx file, its version in the name.
const HTMX = "htmx-2.0.11.min.js"

// SSE is htmx's Server-Sent Events extension (npm htmx-ext-sse, its
// dist/sse.min.js), loaded only by the pages that stream: the dashboard.
const SSE = "htmx-ext-sse-2.2.4.min.js"

// File is one static file, read once at start-up.
type File struct {
	Name        string
	Hash        string
	URL         string
	ContentType string
	Body        []byte
	// Gzip is Body compressed once at start-up, or nil when that would not
	// save bytes (PNG, for instance).
	Gzip []byte
}

// Set is every static file by name, with its hashed URL.
type Set struct {
	byName map[string]*File
	// Version is a hash over all files: it names the service worker's cache.
	Version string
}

// Load reads and hashes the embedded files.
func Load() (*Set, error) {
	entries, err := fs.ReadDir(files, ".")
	if err != nil {
		return nil, fmt.Errorf("static: list: %w", err)
	}
	s := &Set{byName: map[string]*File{}}
	all := sha256.New()
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		if !e.IsDir() {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	// One compressor for every file: each holds about 1 MB.
	zw, _ := gzip.NewWriterLevel(nil, gzip.BestCompression)
	for _, name := range names {
		body, err := files.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("static: read %s: %w", name, err)
		}
		sum := sha256.Sum256(body)
		h := hex.EncodeToString(sum[:])[:12]
		all.Write(sum[:])
		ct := mime.TypeByExtension(path.Ext(name))
		if ct == "" {
			ct = "application/octet-stream"
		}
		f := &File{Name: name, Hash: h, URL: "/static/" + h + "/" + name, ContentType: ct, Body: body}
		var zb bytes.Buffer
		zw.Reset(&zb)
		_, _ = zw.Write(body)
		_ = zw.Close()
		if zb.Len() < len(body)*9/10 {
			f.Gzip = zb.Bytes()
		}
		s.byName[name] = f
	}
	all.Write([]byte(BuildID))
	s.Version = hex.EncodeToString(all.Sum(nil))[:12]
	return s, nil
}

// URL is the hashed URL of a file; it panics on an unknown name, which is a
// programming error caught by any test that renders a page.
func (s *Set) URL(name string) string {
	f, ok := s.byName[name]
	if !ok {
		panic("static: no file " + name)
	}
	return f.URL
}

// Lookup finds a file by hash and name; ok is false when either is wrong.
func (s *Set) Lookup(hash, name string) (*File, bool) {
	f, ok := s.byName[name]
	if !ok || f.Hash != hash {
		return nil, false
	}
	return f, true
}
