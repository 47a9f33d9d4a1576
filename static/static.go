// Package static embeds Fieldbook's CSS, vendored htmx and icons. Each file is
// served under its content hash (an address like /static/<hash>/<name>,
// made by the router) so browsers and the service worker may cache it
// forever; a changed file gets a new URL.
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

// QuizJS is the grading rule and the quiz of a lesson page, loaded only
// on lessons with a quiz.
const QuizJS = "quiz.js"

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
	sum  [32]byte
}

// Set is every static file by name, with its hashed URL.
type Set struct {
	byName map[string]*File
	// urlFor makes a file's URL from its hash and name (the router's).
	urlFor func(hash, name string) string
	// Version is a hash over all files: it names the service worker's cache.
	Version string
}

// Load reads and hashes the embedded files; urlFor makes a file's URL from
// its hash and name (the router's builder: static knows no paths).
func Load(urlFor func(hash, name string) string) (*Set, error) {
	entries, err := fs.ReadDir(files, ".")
	if err != nil {
		return nil, fmt.Errorf("static: list: %w", err)
	}
	s := &Set{byName: map[string]*File{}, urlFor: urlFor}
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		if !e.IsDir() {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	for _, name := range names {
		body, err := files.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("static: read %s: %w", name, err)
		}
		s.byName[name] = s.newFile(name, body)
	}
	s.version()
	return s, nil
}

func (s *Set) newFile(name string, body []byte) *File {
	sum := sha256.Sum256(body)
	h := hex.EncodeToString(sum[:])[:12]
	ct := mime.TypeByExtension(path.Ext(name))
	if ct == "" {
		ct = "application/octet-stream"
	}
	f := &File{Name: name, Hash: h, URL: s.urlFor(h, name), ContentType: ct, Body: body, sum: sum}
	var zb bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&zb, gzip.BestCompression)
	_, _ = zw.Write(body)
	_ = zw.Close()
	if zb.Len() < len(body)*9/10 {
		f.Gzip = zb.Bytes()
	}
	return f
}

// version hashes every file, in name order, and the build id.
func (s *Set) version() {
	names := make([]string, 0, len(s.byName))
	for name := range s.byName {
		names = append(names, name)
	}
	sort.Strings(names)
	all := sha256.New()
	for _, name := range names {
		all.Write(s.byName[name].sum[:])
	}
	all.Write([]byte(BuildID))
	s.Version = hex.EncodeToString(all.Sum(nil))[:12]
}

// Variants replaces the file from by one file per entry of prefixes, each
// named by its key and made of its prefix and from's body: the page script
// once per language, each with that language's texts and the constants it
// shares with the service worker in front. Each is hashed anew, so its URL
// and the Set's Version follow.
func (s *Set) Variants(from string, prefixes map[string][]byte) error {
	f, ok := s.byName[from]
	if !ok {
		return fmt.Errorf("static: no file %s", from)
	}
	delete(s.byName, from)
	for name, prefix := range prefixes {
		s.byName[name] = s.newFile(name, append(append([]byte{}, prefix...), f.Body...))
	}
	s.version()
	return nil
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
