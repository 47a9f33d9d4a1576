package handlers_test

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"net/http"
	"strings"
	"sync"
	"testing"

	"golang.org/x/image/webp"
)

// --- images with metadata, made in the test ---

// secrets are the strings the metadata fixtures carry: none may be stored.
var secrets = []string{"SecretCam", "HOMEGPS", "xmpmeta", "HOME-COMMENT", "HOMEIPTC", "HOMETRAILER"}

// exifTIFF is a big-endian TIFF block as a phone writes it: the camera's
// make, an orientation and a GPS directory.
func exifTIFF(orient int) []byte {
	be := binary.BigEndian
	t := []byte("MM\x00\x2a\x00\x00\x00\x08")
	entry := func(tag, typ uint16, count, value uint32) {
		t = be.AppendUint16(t, tag)
		t = be.AppendUint16(t, typ)
		t = be.AppendUint32(t, count)
		t = be.AppendUint32(t, value)
	}
	t = be.AppendUint16(t, 3)
	entry(0x010F, 2, 10, 50)                // Make, at 50
	entry(0x0112, 3, 1, uint32(orient)<<16) // Orientation
	entry(0x8825, 4, 1, 60)                 // GPS directory, at 60
	t = be.AppendUint32(t, 0)               // no next directory
	t = append(t, "SecretCam\x00"...)       // 50..60
	t = be.AppendUint16(t, 1)               // GPS directory
	entry(0x001B, 7, 16, 78)                // GPSProcessingMethod, at 78
	t = be.AppendUint32(t, 0)
	return append(t, "ASCII\x00\x00\x00HOMEGPS1"...)
}

// jpegSegment frames payload as a JPEG marker segment.
func jpegSegment(marker byte, payload string) []byte {
	return append([]byte{0xFF, marker, byte((len(payload) + 2) >> 8), byte(len(payload) + 2)}, payload...)
}

// jpegWithMetadata is a w×h JPEG carrying EXIF (with orientation), XMP,
// IPTC, a comment, and data after the end of the image.
func jpegWithMetadata(t *testing.T, w, h, orient int) []byte {
	plain := testJPEG(t, w, h)
	var b bytes.Buffer
	b.Write(plain[:2])
	b.Write(jpegSegment(0xE1, "Exif\x00\x00"+string(exifTIFF(orient))))
	b.Write(jpegSegment(0xE1, "http://ns.adobe.com/xap/1.0/\x00<x:xmpmeta>HOMEXMP</x:xmpmeta>"))
	b.Write(jpegSegment(0xED, "Photoshop 3.0\x008BIM\x04\x04\x00\x00\x00\x00\x00\x08HOMEIPTC"))
	b.Write(jpegSegment(0xFE, "shot at HOME-COMMENT"))
	b.Write(plain[2:])
	b.WriteString("HOMETRAILER")
	return b.Bytes()
}

// pngChunk frames data as a PNG chunk.
func pngChunk(typ, data string) []byte {
	c := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
	c = append(append(c, typ...), data...)
	return binary.BigEndian.AppendUint32(c, crc32.ChecksumIEEE(c[4:]))
}

// pngWithMetadata is a PNG with eXIf (with orientation), text, XMP and a
// modification time.
func pngWithMetadata(t *testing.T, orient int) []byte {
	plain := testPNG(t, 40, 30)
	const ihdrEnd = 8 + 25
	var b bytes.Buffer
	b.Write(plain[:ihdrEnd])
	b.Write(pngChunk("eXIf", string(exifTIFF(orient))))
	b.Write(pngChunk("tEXt", "Comment\x00HOME-COMMENT"))
	b.Write(pngChunk("iTXt", "XML:com.adobe.xmp\x00\x00\x00\x00\x00<x:xmpmeta>HOMEXMP</x:xmpmeta>"))
	b.Write(pngChunk("tIME", "\x07\xea\x0b\x19\x09\x1e\x00"))
	b.Write(plain[ihdrEnd:])
	return b.Bytes()
}

// gifWithMetadata is a looping GIF with a comment and an XMP application
// extension.
func gifWithMetadata(t *testing.T) []byte {
	img := image.NewPaletted(image.Rect(0, 0, 12, 10), color.Palette{color.Black, color.White})
	img.Pix[5] = 1
	var plain bytes.Buffer
	if err := gif.Encode(&plain, img, nil); err != nil {
		t.Fatal(err)
	}
	p := plain.Bytes()
	head := 13
	if p[10]&0x80 != 0 {
		head += 3 << (p[10]&7 + 1)
	}
	var b bytes.Buffer
	b.Write(p[:head])
	b.WriteString("\x21\xFF\x0BNETSCAPE2.0\x03\x01\x00\x00\x00")
	b.WriteString("\x21\xFE\x14shot at HOME-COMMENT\x00")
	xmp := "<x:xmpmeta>HOMEXMP</x:xmpmeta>"
	b.WriteString("\x21\xFF\x0BXMP DataXMP" + string(rune(len(xmp))) + xmp + "\x00")
	b.Write(p[head:])
	return b.Bytes()
}

// vp8l is a lossless WebP bitstream of a w×h image of one colour: every
// prefix code has a single symbol, so the pixels take no bits at all.
func vp8l(w, h int, c color.NRGBA) []byte {
	var out []byte
	var acc uint64
	n := 0
	put := func(v uint64, bits int) {
		acc |= v << n
		n += bits
		for n >= 8 {
			out = append(out, byte(acc))
			acc >>= 8
			n -= 8
		}
	}
	put(0x2f, 8)
	put(uint64(w-1), 14)
	put(uint64(h-1), 14)
	put(0, 1) // alpha is not used
	put(0, 3) // version
	put(0, 1) // no transform
	put(0, 1) // no colour cache
	put(0, 1) // no meta prefix codes
	for _, v := range []uint8{c.G, c.R, c.B, c.A} {
		put(1, 1) // simple code
		put(0, 1) // one symbol
		put(1, 1) // of 8 bits
		put(uint64(v), 8)
	}
	put(1, 1) // distance: simple, one symbol of 1 bit, 0
	put(0, 1)
	put(0, 1)
	put(0, 1)
	if n > 0 {
		out = append(out, byte(acc))
	}
	return out
}

// riffChunk frames data as a RIFF chunk (padded to an even length).
func riffChunk(fourcc string, data []byte) []byte {
	c := append([]byte(fourcc), binary.LittleEndian.AppendUint32(nil, uint32(len(data)))...)
	c = append(c, data...)
	if len(data)%2 == 1 {
		c = append(c, 0)
	}
	return c
}

// webpWithMetadata is an extended-format WebP with EXIF and XMP chunks.
func webpWithMetadata(orient int) []byte {
	const w, h = 6, 4
	vp8x := []byte{0x08 | 0x04, 0, 0, 0, w - 1, 0, 0, h - 1, 0, 0}
	body := append(riffChunk("VP8X", vp8x), riffChunk("VP8L", vp8l(w, h, color.NRGBA{200, 30, 30, 255}))...)
	body = append(body, riffChunk("EXIF", exifTIFF(orient))...)
	body = append(body, riffChunk("XMP ", []byte("<x:xmpmeta>HOMEXMP</x:xmpmeta>"))...)
	out := append([]byte("RIFF"), binary.LittleEndian.AppendUint32(nil, uint32(4+len(body)))...)
	return append(append(out, "WEBP"...), body...)
}

// orientationIn reads the orientation from the one TIFF block in b that
// follows marker, or 0 when there is none.
func orientationIn(b []byte, marker string) int {
	i := bytes.Index(b, []byte(marker))
	if i < 0 {
		return 0
	}
	t := b[i+len(marker):]
	if len(t) < 26 || string(t[:4]) != "MM\x00\x2a" {
		return 0
	}
	ifd := int(binary.BigEndian.Uint32(t[4:]))
	for k := range int(binary.BigEndian.Uint16(t[ifd:])) {
		e := ifd + 2 + 12*k
		if binary.BigEndian.Uint16(t[e:]) == 0x0112 {
			return int(binary.BigEndian.Uint16(t[e+8:]))
		}
	}
	return 0
}

// pngBomb is a valid 16-bit RGBA PNG of 5000×4999 black pixels: 194 KB that
// decode to 200 MB. Made once (it takes a second to compress).
var pngBomb = func() func(t *testing.T) []byte {
	var once sync.Once
	var data []byte
	return func(t *testing.T) []byte {
		once.Do(func() {
			const w, h = 5000, 4999
			ihdr := binary.BigEndian.AppendUint32(nil, w)
			ihdr = binary.BigEndian.AppendUint32(ihdr, h)
			ihdr = append(ihdr, 16, 6, 0, 0, 0)
			var z bytes.Buffer
			zw, _ := zlib.NewWriterLevel(&z, zlib.BestCompression)
			row := make([]byte, 1+w*8)
			for range h {
				zw.Write(row)
			}
			zw.Close()
			data = append([]byte("\x89PNG\r\n\x1a\n"), pngChunk("IHDR", string(ihdr))...)
			data = append(data, pngChunk("IDAT", z.String())...)
			data = append(data, pngChunk("IEND", "")...)
		})
		return data
	}
}()

// Item 12: every stored image loses its location, camera and other
// metadata (EXIF, XMP, IPTC, comments, text chunks, data after the image)
// but keeps its orientation, so phone photos are not turned sideways; WebP
// has its EXIF and XMP chunks cut. A wide JPEG is re-encoded turned, with
// no metadata at all.
func TestUploadedImagesLoseMetadata(t *testing.T) {
	t.Parallel()
	f := newAuthoringFixture(t)
	for _, tt := range []struct {
		name, typ string
		data      []byte
		marker    string // where the kept orientation is ("" for none)
		decode    func([]byte) (image.Image, error)
		keep      string // a string that must stay
	}{
		{"photo.jpg", "image/jpeg", jpegWithMetadata(t, 64, 48, 6), "Exif\x00\x00",
			func(b []byte) (image.Image, error) { return jpeg.Decode(bytes.NewReader(b)) }, ""},
		{"drawing.png", "image/png", pngWithMetadata(t, 6), "eXIf",
			func(b []byte) (image.Image, error) { return png.Decode(bytes.NewReader(b)) }, ""},
		{"loop.gif", "image/gif", gifWithMetadata(t), "",
			func(b []byte) (image.Image, error) { return gif.Decode(bytes.NewReader(b)) }, "NETSCAPE2.0"},
		{"rose.webp", "image/webp", webpWithMetadata(6), "EXIF\x1a\x00\x00\x00",
			func(b []byte) (image.Image, error) { return webp.Decode(bytes.NewReader(b)) }, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := tt.decode(tt.data); err != nil {
				t.Fatalf("the fixture does not decode: %v", err)
			}
			u, _ := uploaded(t, f.victor.POST(f.lessonEdit+"/media").File(nil, tt.name, tt.typ, tt.data).Send())
			res := f.learner.GET(u).Send()
			if res.Status != http.StatusOK || res.Header.Get("Content-Type") != tt.typ {
				t.Fatalf("served: %d %q", res.Status, res.Header.Get("Content-Type"))
			}
			stored := []byte(res.Body)
			for _, s := range secrets {
				if bytes.Contains(stored, []byte(s)) {
					t.Errorf("the stored image still carries %q", s)
				}
			}
			if _, err := tt.decode(stored); err != nil {
				t.Errorf("the stored image does not decode: %v", err)
			}
			if tt.marker != "" {
				if o := orientationIn(stored, tt.marker); o != 6 {
					t.Errorf("stored orientation %d, want 6 (turned 90°, as the phone said)", o)
				}
			}
			if tt.keep != "" && !bytes.Contains(stored, []byte(tt.keep)) {
				t.Errorf("%q was dropped", tt.keep)
			}
			if tt.typ == "image/webp" && (stored[20]&0x04 != 0 || stored[20]&0x08 == 0) {
				t.Errorf("VP8X flags %#x: want EXIF set (the orientation) and XMP clear", stored[20])
			}
		})
	}
	// A wide phone photo is re-encoded, turned upright, without metadata.
	side := image.NewRGBA(image.Rect(0, 0, 3000, 1500))
	var jb bytes.Buffer
	if err := jpeg.Encode(&jb, side, nil); err != nil {
		t.Fatal(err)
	}
	wide := append(append([]byte{0xFF, 0xD8}, jpegSegment(0xE1, "Exif\x00\x00"+string(exifTIFF(6)))...), jb.Bytes()[2:]...)
	u, _ := uploaded(t, f.victor.POST(f.lessonEdit+"/media").File(nil, "wide.jpg", "image/jpeg", wide).Send())
	stored := f.learner.GET(u).Send().Body
	img, err := jpeg.Decode(strings.NewReader(stored))
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != 1280 || b.Dy() != 2560 {
		t.Errorf("re-encoded %dx%d, want 1280x2560 (turned)", b.Dx(), b.Dy())
	}
	if strings.Contains(stored, "Exif") || strings.Contains(stored, "SecretCam") {
		t.Error("the re-encoded photo carries EXIF")
	}
}
