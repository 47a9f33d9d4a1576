package handlers

import (
	"bytes"
	"errors"
	"regexp"
	"testing"
)

// FuzzInspectMedia: whatever the bytes, the inspector never panics, answers
// one of the accepted types or errMediaType, and never accepts what the
// sniffer calls text or HTML.
func FuzzInspectMedia(f *testing.F) {
	for _, seed := range [][]byte{
		[]byte("<!DOCTYPE html><script>alert(1)</script>"),
		[]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02"),
		[]byte("\xff\xd8\xff\xe1\x00\x16Exif\x00\x00MM\x00\x2a\x00\x00\x00\x08\x00\x01\x01\x12"),
		[]byte("ID3\x04\x00\x00\x00\x00\x00\x00\xff\xfb\x90\x64"),
		[]byte("OggS\x00\x02\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01\x1e\x01vorbis"),
		[]byte("RIFF\x24\x00\x00\x00WAVEfmt \x10\x00\x00\x00"),
		[]byte("%PDF-1.4\n%%EOF"),
		[]byte("GIF89a\x01\x00\x01\x00"),
	} {
		f.Add(seed)
	}
	nameRE := regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$`)
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := inspectMedia(data)
		if err != nil {
			if !errors.Is(err, errMediaType) {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		if mediaExt[m.ContentType] == "" {
			t.Fatalf("accepted as %q", m.ContentType)
		}
		if bytes.HasPrefix(bytes.TrimSpace(data), []byte("<")) {
			t.Fatalf("accepted markup as %s", m.ContentType)
		}
		if n := mediaName(string(data), m.ContentType); !nameRE.MatchString(n) {
			t.Fatalf("name %q breaks the database's rule", n)
		}
	})
}
