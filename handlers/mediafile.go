package handlers

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"net/http"
	"path"
	"runtime"
	"strings"

	"golang.org/x/image/draw"
	"golang.org/x/image/webp"

	"fieldbook/internal/i18n"
)

// Media limits. Learners pay for data: wide images are made 1280 px wide.
// maxDecodedBytes keeps out a small file that decodes to gigabytes (a
// decompression bomb): what decoding and scaling would take is worked out
// from the header (width × height × bytes per pixel) before any pixel is
// decoded. 96 MiB takes a 25-megapixel phone photo; a 16-bit 5000×4999 PNG
// (200 MB decoded, from a file of 194 KB) is refused.
const (
	maxImageWidth   = 1280
	maxDecodedBytes = 96 << 20
	jpegQuality     = 82
)

// decodeSlots bounds how many images are decoded at once (half the cores,
// at least one), so uploads take at most that many times maxDecodedBytes.
var decodeSlots = make(chan struct{}, max(1, runtime.NumCPU()/2))

// withDecodeSlot runs fn once a decode slot is free, or gives up with ctx.
func withDecodeSlot(ctx context.Context, fn func()) error {
	select {
	case decodeSlots <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-decodeSlots }()
	fn()
	return nil
}

// bytesPerPixel is what one pixel of a decoded image of colour model m
// takes in memory (for YCbCr, the most: no chroma subsampling).
func bytesPerPixel(m color.Model) int64 {
	switch m {
	case color.GrayModel, color.AlphaModel:
		return 1
	case color.Gray16Model, color.Alpha16Model:
		return 2
	case color.YCbCrModel:
		return 3
	case color.RGBA64Model, color.NRGBA64Model:
		return 8
	}
	if _, ok := m.(color.Palette); ok {
		return 1
	}
	return 4
}

// errMediaType is a file whose bytes are none of the accepted kinds.
var errMediaType = errors.New("not an accepted file type")

// mediaRefusal is errMediaType with the reason said to the person: a
// catalogue key and its values.
type mediaRefusal struct{ i18n.Text }

func (r mediaRefusal) Error() string        { return errMediaType.Error() + ": " + r.Key }
func (r mediaRefusal) Is(target error) bool { return target == errMediaType }

// refuseMedia is errMediaType for the reason key (with its values).
func refuseMedia(key string, kv ...any) error { return mediaRefusal{i18n.M(key, kv...)} }

// mediaExt is the extension a stored file's name gets from its sniffed type:
// never the one the client sent.
var mediaExt = map[string]string{
	"image/jpeg": ".jpg", "image/png": ".png", "image/gif": ".gif", "image/webp": ".webp",
	"audio/mpeg": ".mp3", "audio/ogg": ".ogg", "audio/wav": ".wav", "application/pdf": ".pdf",
}

// mediaFile is an upload after checking: its type from its bytes, its size
// in pixels for images, its bytes possibly downscaled.
type mediaFile struct {
	ContentType   string
	Width, Height int
	Data          []byte
}

// inspectMedia decides what an upload is from its bytes alone and refuses
// anything but the accepted images, audio and PDF. net/http's sniffer finds
// the kind; each kind is then checked further (images must decode, audio
// must start with a real frame or stream header), so a file that merely
// begins with a magic number and is something else is refused, and so is
// anything that sniffs as text or HTML. Images lose their metadata
// (stripMetadata: location, camera, comments; the orientation stays), and
// those wider than 1280 px are downscaled (JPEG and PNG are re-encoded,
// unless that would take more bytes; GIF and WebP are kept).
func inspectMedia(data []byte) (mediaFile, error) {
	ct := http.DetectContentType(data)
	switch ct {
	case "image/jpeg", "image/png", "image/gif", "image/webp":
		return inspectImage(data, ct)
	case "application/pdf":
		if !bytes.Contains(tail(data, 2048), []byte("%%EOF")) {
			return mediaFile{}, refuseMedia("media.reason.pdf_incomplete")
		}
		return mediaFile{ContentType: ct, Data: data}, nil
	case "audio/wave":
		if len(data) < 20 || string(data[12:16]) != "fmt " {
			return mediaFile{}, refuseMedia("media.reason.not_wav")
		}
		return mediaFile{ContentType: "audio/wav", Data: data}, nil
	case "application/ogg":
		if !oggAudio(data) {
			return mediaFile{}, refuseMedia("media.reason.not_ogg")
		}
		return mediaFile{ContentType: "audio/ogg", Data: data}, nil
	case "audio/mpeg", "application/octet-stream":
		// The sniffer knows MP3 only by an ID3 tag; a bare MP3 starts with
		// a frame header.
		if mp3Audio(data) {
			return mediaFile{ContentType: "audio/mpeg", Data: data}, nil
		}
	}
	return mediaFile{}, errMediaType
}

func tail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}

func inspectImage(data []byte, ct string) (mediaFile, error) {
	var decode func(io.Reader) (image.Image, error)
	var decodeConfig func(io.Reader) (image.Config, error)
	switch ct {
	case "image/jpeg":
		decode, decodeConfig = jpeg.Decode, jpeg.DecodeConfig
	case "image/png":
		decode, decodeConfig = png.Decode, png.DecodeConfig
	case "image/gif":
		decode, decodeConfig = gif.Decode, gif.DecodeConfig
	default:
		decode, decodeConfig = webp.Decode, webp.DecodeConfig
	}
	cfg, err := decodeConfig(bytes.NewReader(data))
	if err != nil || cfg.Width <= 0 || cfg.Height <= 0 {
		return mediaFile{}, refuseMedia("media.reason.image_unreadable")
	}
	// Location and camera details go; the orientation stays (or is applied
	// below when the image is re-encoded).
	data, orient, err := stripMetadata(ct, data)
	if err != nil {
		return mediaFile{}, errors.Join(refuseMedia("media.reason.image_structure"), err)
	}
	// Phones store photos as the sensor saw them plus an EXIF orientation;
	// width and height are as displayed.
	w, h := cfg.Width, cfg.Height
	if orient >= 5 {
		w, h = h, w
	}
	f := mediaFile{ContentType: ct, Width: w, Height: h, Data: data}
	scale := w > maxImageWidth && (ct == "image/jpeg" || ct == "image/png")
	tw, th := maxImageWidth, max(1, (h*maxImageWidth+w/2)/w)
	need := int64(cfg.Width) * int64(cfg.Height) * bytesPerPixel(cfg.ColorModel)
	if scale {
		need += 2 * 4 * int64(tw) * int64(th) // the scaled image, and turned
	}
	if need > maxDecodedBytes {
		return mediaFile{}, refuseMedia("media.reason.image_too_big", "need", int(need>>20), "max", int(maxDecodedBytes>>20))
	}
	img, err := decode(bytes.NewReader(data))
	if err != nil {
		return mediaFile{}, refuseMedia("media.reason.image_damaged")
	}
	if !scale {
		return f, nil
	}
	sw, sh := tw, th // the scaled size before turning
	if orient >= 5 {
		sw, sh = th, tw
	}
	// *image.RGBA is the destination x/image/draw has fast paths for.
	scaled := image.NewRGBA(image.Rect(0, 0, sw, sh))
	draw.CatmullRom.Scale(scaled, scaled.Bounds(), img, img.Bounds(), draw.Src, nil)
	out := orientImage(scaled, orient, tw, th)
	var buf bytes.Buffer
	if ct == "image/jpeg" {
		err = jpeg.Encode(&buf, out, &jpeg.Options{Quality: jpegQuality})
	} else {
		err = (&png.Encoder{CompressionLevel: png.DefaultCompression}).Encode(&buf, out)
	}
	if err != nil {
		return mediaFile{}, fmt.Errorf("handlers: downscale image: %w", err)
	}
	// Rarely (flat drawings, dithered patterns) the smaller image takes
	// more bytes; then the original is kept, since bytes are what learners
	// pay for, with its orientation and no other metadata.
	if buf.Len() >= len(data) {
		return f, nil
	}
	f.Width, f.Height, f.Data = tw, th, buf.Bytes()
	return f, nil
}

// orientImage applies EXIF orientation o to src (an *image.RGBA or
// *image.NRGBA, four bytes a pixel), giving a w×h image of the same kind.
func orientImage(src draw.Image, o, w, h int) draw.Image {
	if o < 2 || o > 8 {
		return src
	}
	var sp []byte
	var stride int
	var dst draw.Image
	var dp []byte
	switch s := src.(type) {
	case *image.RGBA:
		sp, stride = s.Pix, s.Stride
		d := image.NewRGBA(image.Rect(0, 0, w, h))
		dst, dp = d, d.Pix
	case *image.NRGBA:
		sp, stride = s.Pix, s.Stride
		d := image.NewNRGBA(image.Rect(0, 0, w, h))
		dst, dp = d, d.Pix
	default:
		return src
	}
	b := src.Bounds()
	for y := range b.Dy() {
		for x := range b.Dx() {
			var dx, dy int
			switch o {
			case 2: // mirrored
				dx, dy = w-1-x, y
			case 3: // upside down
				dx, dy = w-1-x, h-1-y
			case 4:
				dx, dy = x, h-1-y
			case 5:
				dx, dy = y, x
			case 6: // turned: rotate 90° clockwise
				dx, dy = w-1-y, x
			case 7:
				dx, dy = w-1-y, h-1-x
			case 8: // rotate 90° counter-clockwise
				dx, dy = y, h-1-x
			}
			copy(dp[(dy*w+dx)*4:(dy*w+dx)*4+4], sp[y*stride+x*4:y*stride+x*4+4])
		}
	}
	return dst
}

// jpegOrientation is the EXIF orientation (1–8) of a JPEG; 1 when it has
// none or it cannot be read.
func jpegOrientation(b []byte) int {
	if len(b) < 4 || b[0] != 0xFF || b[1] != 0xD8 {
		return 1
	}
	for i := 2; i+4 <= len(b); {
		if b[i] != 0xFF || b[i+1] == 0xDA || b[i+1] == 0xD9 {
			return 1
		}
		n := int(binary.BigEndian.Uint16(b[i+2:]))
		if n < 2 || i+2+n > len(b) {
			return 1
		}
		if seg := b[i+4 : i+2+n]; b[i+1] == 0xE1 && len(seg) > 14 && string(seg[:6]) == "Exif\x00\x00" {
			return exifOrientation(seg[6:])
		}
		i += 2 + n
	}
	return 1
}

// exifOrientation reads tag 0x0112 from a TIFF header's first IFD.
func exifOrientation(t []byte) int {
	var bo binary.ByteOrder
	switch string(t[:2]) {
	case "II":
		bo = binary.LittleEndian
	case "MM":
		bo = binary.BigEndian
	default:
		return 1
	}
	off := int(bo.Uint32(t[4:8]))
	if off < 8 || off+2 > len(t) {
		return 1
	}
	for k := range int(bo.Uint16(t[off:])) {
		e := off + 2 + 12*k
		if e+12 > len(t) {
			return 1
		}
		if bo.Uint16(t[e:]) == 0x0112 {
			if v := int(bo.Uint16(t[e+8:])); v >= 1 && v <= 8 {
				return v
			}
			return 1
		}
	}
	return 1
}

// oggAudio: the first Ogg page carries a Vorbis or Opus identification
// header.
func oggAudio(b []byte) bool {
	if len(b) < 28 || string(b[:4]) != "OggS" {
		return false
	}
	start := 27 + int(b[26])
	if len(b) < start+8 {
		return false
	}
	p := b[start:]
	return bytes.HasPrefix(p, []byte("\x01vorbis")) || bytes.HasPrefix(p, []byte("OpusHead"))
}

// mp3Audio: after an optional ID3v2 tag, two consecutive MPEG audio frame
// headers (or one frame that is the whole rest of a short file).
func mp3Audio(b []byte) bool {
	if len(b) >= 10 && string(b[:3]) == "ID3" {
		size := int(b[6]&0x7f)<<21 | int(b[7]&0x7f)<<14 | int(b[8]&0x7f)<<7 | int(b[9]&0x7f)
		if b[5]&0x10 != 0 {
			size += 10 // footer
		}
		if 10+size > len(b) {
			return false
		}
		b = b[10+size:]
	}
	n := mp3FrameLen(b)
	if n <= 0 {
		return false
	}
	if n >= len(b) {
		return n-len(b) < 4 // a single, possibly trimmed, frame
	}
	return mp3FrameLen(b[n:]) > 0
}

// MPEG audio tables: bitrates in kbit/s for MPEG-1 and MPEG-2/2.5 per layer
// (index 1 is Layer III, 2 Layer II, 3 Layer I), sample rates in Hz.
var (
	mp3Bitrates = [2][4][16]int{
		{{}, {0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320},
			{0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384},
			{0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448}},
		{{}, {0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160},
			{0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160},
			{0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256}},
	}
	mp3Rates = [4][3]int{{11025, 12000, 8000}, {}, {22050, 24000, 16000}, {44100, 48000, 32000}}
)

// mp3FrameLen is the length of the MPEG audio frame b starts with, or 0.
func mp3FrameLen(b []byte) int {
	if len(b) < 4 {
		return 0
	}
	hdr := binary.BigEndian.Uint32(b)
	version, layer := (hdr>>19)&3, (hdr>>17)&3
	bri, sri, pad := (hdr>>12)&15, (hdr>>10)&3, int((hdr>>9)&1)
	if hdr>>21 != 0x7ff || version == 1 || layer == 0 || bri == 0 || bri == 15 || sri == 3 {
		return 0
	}
	v := 1
	if version == 3 {
		v = 0
	}
	bitrate, rate := mp3Bitrates[v][layer][bri]*1000, mp3Rates[version][sri]
	switch {
	case layer == 3: // Layer I
		return (12*bitrate/rate + pad) * 4
	case layer == 1 && v == 1: // Layer III, MPEG-2/2.5
		return 72*bitrate/rate + pad
	default:
		return 144*bitrate/rate + pad
	}
}

// mediaName makes a stored file's name from the one the client sent: its
// last path element, letters, digits, '.', '_' and '-' only, at most 60
// characters, with the extension of the sniffed type.
func mediaName(client, contentType string) string {
	base := client[strings.LastIndexAny(client, `/\`)+1:]
	base = strings.TrimSuffix(base, path.Ext(base))
	var b strings.Builder
	dash := false
	for _, r := range base {
		ok := r < 0x80 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '.')
		switch {
		case ok:
			b.WriteRune(r)
			dash = false
		case !dash && b.Len() > 0:
			b.WriteByte('-')
			dash = true
		}
	}
	stem := strings.Trim(b.String(), "-._")
	if len(stem) > 60 {
		stem = strings.Trim(stem[:60], "-._")
	}
	if stem == "" {
		stem = "file"
	}
	return stem + mediaExt[contentType]
}

// mediaMarkdown is what goes into the lesson text: an image for images, a
// link for audio and PDFs.
func mediaMarkdown(url, name, contentType string) string {
	label := strings.NewReplacer("-", " ", "_", " ").Replace(strings.TrimSuffix(name, path.Ext(name)))
	if strings.HasPrefix(contentType, "image/") {
		return "![" + label + "](" + url + ")"
	}
	return "[" + label + " (" + strings.TrimPrefix(path.Ext(name), ".") + ")](" + url + ")"
}
