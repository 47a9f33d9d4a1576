package handlers

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
)

// Image metadata. Phone photos carry EXIF and XMP: where they were taken,
// the camera and its serial number, often a thumbnail of the uncropped
// picture. None of it may reach learners, so every image is stored without
// it. The one tag that matters for showing the picture, the orientation, is
// kept (as a minimal EXIF block holding nothing else) wherever the original
// bytes are kept; re-encoded images have it applied instead (inspectImage).

// errMetadata is a container the metadata walker cannot follow; the upload
// is refused rather than stored with what it might carry.
var errMetadata = errors.New("the image's structure cannot be read")

// stripMetadata returns the image without metadata, and its EXIF
// orientation (1 when it has none). Bytes without anything to strip come
// back unchanged.
func stripMetadata(ct string, b []byte) ([]byte, int, error) {
	switch ct {
	case "image/jpeg":
		return stripJPEG(b)
	case "image/png":
		return stripPNG(b)
	case "image/gif":
		out, err := stripGIF(b)
		return out, 1, err
	case "image/webp":
		return stripWebP(b)
	}
	return b, 1, nil
}

// orientationTIFF is a TIFF header with one IFD holding only the
// orientation tag: the EXIF block a stripped image keeps.
func orientationTIFF(o int) []byte {
	t := []byte("MM\x00\x2a\x00\x00\x00\x08\x00\x01\x01\x12\x00\x03\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00")
	t[19] = byte(o)
	return t
}

// tiffOrientation reads the orientation of a TIFF block, 1 without one.
func tiffOrientation(t []byte) int {
	if len(t) < 8 {
		return 1
	}
	return exifOrientation(t)
}

// keepJPEGSegment says whether a JPEG marker segment is kept: everything
// but comments and the application segments that hold metadata (EXIF, XMP,
// IPTC, MPF and others). JFIF (APP0), ICC colour profiles (APP2) and Adobe's
// colour transform (APP14) are kept, since they change how colours decode.
func keepJPEGSegment(marker byte, payload []byte) bool {
	switch {
	case marker == 0xFE:
		return false
	case marker == 0xE0, marker == 0xEE:
		return true
	case marker == 0xE2:
		return bytes.HasPrefix(payload, []byte("ICC_PROFILE\x00"))
	case marker >= 0xE1 && marker <= 0xEF:
		return false
	}
	return true
}

// stripJPEG walks the marker segments up to the end of the image, drops the
// metadata ones (keepJPEGSegment) and anything after the end of the image
// (phones append depth maps and previews there), and puts back a minimal
// EXIF block when the photo has an orientation.
func stripJPEG(b []byte) ([]byte, int, error) {
	if len(b) < 4 || b[0] != 0xFF || b[1] != 0xD8 {
		return nil, 1, errMetadata
	}
	orient := jpegOrientation(b)
	var body bytes.Buffer
	changed := false
	var head []byte // APP0 segments, which lead the file
	i := 2
	for {
		if i+2 > len(b) || b[i] != 0xFF {
			return nil, 1, errMetadata
		}
		marker := b[i+1]
		switch {
		case marker == 0xFF: // fill byte
			i++
			continue
		case marker == 0xD9: // end of image
			body.Write(b[i : i+2])
			changed = changed || i+2 != len(b)
			return finishJPEG(b, head, body.Bytes(), orient, changed), orient, nil
		case marker == 0x01 || marker >= 0xD0 && marker <= 0xD8:
			body.Write(b[i : i+2])
			i += 2
			continue
		}
		if i+4 > len(b) {
			return nil, 1, errMetadata
		}
		n := int(binary.BigEndian.Uint16(b[i+2:]))
		if n < 2 || i+2+n > len(b) {
			return nil, 1, errMetadata
		}
		seg := b[i : i+2+n]
		switch {
		case marker == 0xE0 && body.Len() == 0:
			head = append(head, seg...)
		case keepJPEGSegment(marker, seg[4:]):
			body.Write(seg)
		default:
			changed = true
		}
		i += 2 + n
		if marker == 0xDA { // start of scan: entropy-coded data follows
			j := scanEnd(b, i)
			body.Write(b[i:j])
			i = j
		}
	}
}

// scanEnd finds the marker that ends the entropy-coded data starting at i
// (stuffed zero bytes, restart markers and fill bytes are part of it).
func scanEnd(b []byte, i int) int {
	for ; i+1 < len(b); i++ {
		if b[i] != 0xFF {
			continue
		}
		if n := b[i+1]; n != 0x00 && n != 0xFF && (n < 0xD0 || n > 0xD7) {
			return i
		}
	}
	return len(b)
}

// finishJPEG assembles a stripped JPEG: SOI, the JFIF segment, a minimal
// EXIF orientation block if needed, the rest. Unchanged files come back as
// they were.
func finishJPEG(orig, head, body []byte, orient int, changed bool) []byte {
	if orient != 1 {
		changed = true // the original EXIF block goes, a minimal one comes
	}
	if !changed {
		return orig
	}
	out := append([]byte{0xFF, 0xD8}, head...)
	if orient != 1 {
		exif := append([]byte("Exif\x00\x00"), orientationTIFF(orient)...)
		out = append(out, 0xFF, 0xE1, byte((len(exif)+2)>>8), byte(len(exif)+2))
		out = append(out, exif...)
	}
	return append(out, body...)
}

// pngKeep are the PNG chunks kept: the image, its colour and pixel-size
// information, and animation. Text chunks (where XMP lives), eXIf, tIME and
// anything unknown go.
var pngKeep = map[string]bool{
	"IHDR": true, "PLTE": true, "IDAT": true, "IEND": true, "tRNS": true, "cHRM": true,
	"gAMA": true, "iCCP": true, "sBIT": true, "sRGB": true, "cICP": true, "mDCV": true,
	"cLLI": true, "bKGD": true, "hIST": true, "pHYs": true, "sPLT": true,
	"acTL": true, "fcTL": true, "fdAT": true,
}

// stripPNG keeps the chunks in pngKeep, and a minimal eXIf chunk (before
// the image data) when the image has an orientation.
func stripPNG(b []byte) ([]byte, int, error) {
	const sig = "\x89PNG\r\n\x1a\n"
	if len(b) < len(sig) || string(b[:len(sig)]) != sig {
		return nil, 1, errMetadata
	}
	orient := 1
	var kept [][]byte
	changed := false
	for i := len(sig); ; {
		if i+12 > len(b) {
			return nil, 1, errMetadata
		}
		n := int(binary.BigEndian.Uint32(b[i:]))
		if n < 0 || n > len(b)-i-12 {
			return nil, 1, errMetadata
		}
		typ := string(b[i+4 : i+8])
		chunk := b[i : i+12+n]
		switch {
		case pngKeep[typ]:
			kept = append(kept, chunk)
		case typ == "eXIf":
			orient = tiffOrientation(chunk[8 : 8+n])
			changed = true
		default:
			changed = true
		}
		i += 12 + n
		if typ == "IEND" {
			changed = changed || i != len(b)
			break
		}
	}
	if orient != 1 {
		changed = true
	}
	if !changed {
		return b, orient, nil
	}
	out := []byte(sig)
	exif := orient != 1
	for _, c := range kept {
		if exif && string(c[4:8]) == "IDAT" {
			out = append(out, pngChunk("eXIf", orientationTIFF(orient))...)
			exif = false
		}
		out = append(out, c...)
	}
	return out, orient, nil
}

// pngChunk frames data as a PNG chunk of type typ.
func pngChunk(typ string, data []byte) []byte {
	c := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
	c = append(append(c, typ...), data...)
	return binary.BigEndian.AppendUint32(c, crc32.ChecksumIEEE(c[4:]))
}

// gifKeepApp are the application extensions kept: looping animation.
// Others (XMP among them) go, with comments.
var gifKeepApp = map[string]bool{"NETSCAPE2.0": true, "ANIMEXTS1.0": true}

// stripGIF keeps the screen, colour tables, images and their graphic
// controls, and drops comments, application data other than looping, and
// anything after the trailer.
func stripGIF(b []byte) ([]byte, error) {
	if len(b) < 13 {
		return nil, errMetadata
	}
	i := 13
	if b[10]&0x80 != 0 {
		i += 3 << (b[10]&7 + 1)
	}
	out := append([]byte{}, b[:min(i, len(b))]...)
	changed := false
	for i < len(b) {
		start := i
		keep := true
		switch b[i] {
		case 0x3B: // trailer
			out = append(out, 0x3B)
			if changed || i+1 != len(b) {
				return out, nil
			}
			return b, nil
		case 0x2C: // image: descriptor, local colour table, LZW code size, data
			if i+10 > len(b) {
				return nil, errMetadata
			}
			i += 10
			if b[i-1]&0x80 != 0 {
				i += 3 << (b[i-1]&7 + 1)
			}
			i++
		case 0x21: // extension: label, data sub-blocks
			if i+3 > len(b) {
				return nil, errMetadata
			}
			switch label := b[i+1]; label {
			case 0xF9, 0x01:
			case 0xFF:
				n := int(b[i+2])
				keep = i+3+n <= len(b) && gifKeepApp[string(b[i+3:i+3+n])]
			default:
				keep = false
			}
			i += 2
		default:
			return nil, errMetadata
		}
		var ok bool
		if i, ok = skipSubBlocks(b, i); !ok {
			return nil, errMetadata
		}
		if keep {
			out = append(out, b[start:i]...)
		} else {
			changed = true
		}
	}
	return nil, errMetadata
}

// skipSubBlocks steps over GIF data sub-blocks from i to after their
// terminator.
func skipSubBlocks(b []byte, i int) (int, bool) {
	for i < len(b) {
		n := int(b[i])
		i++
		if n == 0 {
			return i, true
		}
		i += n
	}
	return i, false
}

// stripWebP cuts the EXIF and XMP chunks out of a WebP file (Go has no WebP
// encoder to re-encode it), clears their flags in the VP8X header and puts
// back a minimal EXIF chunk when the image has an orientation.
func stripWebP(b []byte) ([]byte, int, error) {
	if len(b) < 12 || string(b[:4]) != "RIFF" || string(b[8:12]) != "WEBP" {
		return nil, 1, errMetadata
	}
	end := 8 + int(binary.LittleEndian.Uint32(b[4:]))
	if end > len(b) || end < 12 {
		return nil, 1, errMetadata
	}
	orient := 1
	changed := end != len(b)
	var chunks [][]byte
	vp8x := -1
	for i := 12; i < end; {
		if i+8 > end {
			return nil, 1, errMetadata
		}
		n := int(binary.LittleEndian.Uint32(b[i+4:]))
		if n < 0 || n > end-i-8 {
			return nil, 1, errMetadata
		}
		next := min(i+8+n+n&1, end)
		switch fourcc := string(b[i : i+4]); fourcc {
		case "EXIF":
			orient = tiffOrientation(bytes.TrimPrefix(b[i+8:i+8+n], []byte("Exif\x00\x00")))
			changed = true
		case "XMP ":
			changed = true
		default:
			if fourcc == "VP8X" && n >= 1 {
				vp8x = len(chunks)
			}
			chunks = append(chunks, append([]byte{}, b[i:next]...))
		}
		i = next
	}
	if vp8x < 0 {
		orient = 1 // EXIF is only read from the extended format
	}
	if !changed && orient == 1 {
		return b, 1, nil
	}
	if vp8x >= 0 {
		chunks[vp8x][8] &^= 0x0C // the EXIF and XMP flags
		if orient != 1 {
			chunks[vp8x][8] |= 0x08
			tiff := orientationTIFF(orient)
			c := append(append([]byte("EXIF"), binary.LittleEndian.AppendUint32(nil, uint32(len(tiff)))...), tiff...)
			chunks = append(chunks, c)
		}
	}
	body := bytes.Join(chunks, nil)
	out := append([]byte("RIFF"), binary.LittleEndian.AppendUint32(nil, uint32(4+len(body)))...)
	out = append(append(out, "WEBP"...), body...)
	return out, orient, nil
}
