package media

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"testing"

	"github.com/esambat/esambat"
)

// Quadrant colours of the test pictures: a stored image is red top-left,
// green top-right, blue bottom-left and yellow bottom-right, so that every
// rotation and mirror puts a different colour in each corner.
var (
	red    = color.RGBA{255, 0, 0, 255}
	green  = color.RGBA{0, 255, 0, 255}
	blue   = color.RGBA{0, 0, 255, 255}
	yellow = color.RGBA{255, 255, 0, 255}
)

func quadImage(w, h int) *image.RGBA {
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := red
			switch {
			case x >= w/2 && y < h/2:
				c = green
			case x < w/2 && y >= h/2:
				c = blue
			case x >= w/2 && y >= h/2:
				c = yellow
			}
			m.SetRGBA(x, y, c)
		}
	}
	return m
}

// photoImage is a synthetic photo: gradients, soft waves, hard-edged shapes
// and sensor-like noise, so JPEG sizes and decode times are realistic.
func photoImage(w, h int) *image.YCbCr {
	m := image.NewYCbCr(image.Rect(0, 0, w, h), image.YCbCrSubsampleRatio420)
	seed := uint32(2463534242)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			seed ^= seed << 13
			seed ^= seed >> 17
			seed ^= seed << 5
			noise := int(seed%17) - 8
			v := 40 + 150*x/w + 50*((x/97+y/89)%2) + noise
			if dx, dy := x-w/3, y-h/2; dx*dx+dy*dy < (h/5)*(h/5) {
				v = 230 + noise
			}
			m.Y[y*m.YStride+x] = uint8(max(0, min(255, v)))
		}
	}
	for y := 0; y < (h+1)/2; y++ {
		for x := 0; x < (w+1)/2; x++ {
			m.Cb[y*m.CStride+x] = uint8(100 + 60*y*2/h)
			m.Cr[y*m.CStride+x] = uint8(100 + 60*x*2/w)
		}
	}
	return m
}

func encodeJPEG(t testing.TB, m image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, m, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func encodePNG(t testing.TB, m image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, m); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// insertSegment returns the JPEG data with a marker segment added right
// after SOI, where cameras put their APPn segments.
func insertSegment(data []byte, marker byte, body []byte) []byte {
	seg := []byte{0xFF, marker, 0, 0}
	binary.BigEndian.PutUint16(seg[2:], uint16(len(body)+2))
	out := append([]byte{}, data[:2]...)
	out = append(out, seg...)
	out = append(out, body...)
	return append(out, data[2:]...)
}

// gpsSecret is in the GPS IFD of the test EXIF: it must not survive.
const gpsSecret = "RUMAH-PAK-RT-07"

// exifTIFF builds a little-endian TIFF structure like a phone writes: IFD0
// with Make, Orientation and a GPS IFD pointer, and a GPS IFD with latitude
// (7°38'43"S, Kota Pasuruan) and a processing-method string.
func exifTIFF(orientation int) []byte {
	le := binary.LittleEndian
	var b []byte
	b = append(b, 'I', 'I', 42, 0, 8, 0, 0, 0)
	entry := func(tag, typ uint16, count, value uint32) {
		b = le.AppendUint16(b, tag)
		b = le.AppendUint16(b, typ)
		b = le.AppendUint32(b, count)
		b = le.AppendUint32(b, value)
	}
	// IFD0 at 8: 3 entries, next-IFD 0 → ends at 8+2+36+4 = 50.
	const gpsIFD = 50
	b = le.AppendUint16(b, 3)
	entry(0x010F, 2, 4, uint32('S')|uint32('M')<<8|uint32('G')<<16) // Make "SMG\0", inline
	entry(tagOrientation, 3, 1, uint32(orientation))
	entry(0x8825, 4, 1, gpsIFD)
	b = le.AppendUint32(b, 0)
	// GPS IFD at 50: 4 entries → data area at 50+2+48+4 = 104.
	const data = 104
	b = le.AppendUint16(b, 4)
	entry(0x0001, 2, 2, 'S')                          // GPSLatitudeRef
	entry(0x0002, 5, 3, data)                         // GPSLatitude, 3 rationals
	entry(0x0003, 2, 2, 'E')                          // GPSLongitudeRef
	entry(0x001B, 7, uint32(len(gpsSecret)), data+24) // GPSProcessingMethod
	b = le.AppendUint32(b, 0)
	for _, v := range []uint32{7, 1, 38, 1, 4321, 100} {
		b = le.AppendUint32(b, v)
	}
	return append(b, gpsSecret...)
}

// jpegWithMetadata is a w×h quadrant JPEG carrying what phones and editors
// add: EXIF with GPS, XMP with GPS, an ICC profile and a comment.
func jpegWithMetadata(t testing.TB, w, h, orientation int) []byte {
	t.Helper()
	data := encodeJPEG(t, quadImage(w, h))
	data = insertSegment(data, 0xFE, []byte("komentar: "+gpsSecret))
	data = insertSegment(data, 0xE2, append([]byte("ICC_PROFILE\x00\x01\x01"), make([]byte, 64)...))
	data = insertSegment(data, 0xE1, []byte("http://ns.adobe.com/xap/1.0/\x00<x:xmpmeta><exif:GPSLatitude>7,38.72S</exif:GPSLatitude></x:xmpmeta>"))
	return insertSegment(data, 0xE1, append([]byte("Exif\x00\x00"), exifTIFF(orientation)...))
}

// pngChunk returns one PNG chunk with its CRC.
func pngChunk(typ string, body []byte) []byte {
	var b []byte
	b = binary.BigEndian.AppendUint32(b, uint32(len(body)))
	b = append(b, typ...)
	b = append(b, body...)
	return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(b[4:]))
}

// pngHeader is a PNG signature and IHDR for an 8-bit RGBA w×h image.
func pngHeader(w, h uint32) []byte {
	ihdr := binary.BigEndian.AppendUint32(nil, w)
	ihdr = binary.BigEndian.AppendUint32(ihdr, h)
	ihdr = append(ihdr, 8, 6, 0, 0, 0)
	return append([]byte("\x89PNG\r\n\x1a\n"), pngChunk("IHDR", ihdr)...)
}

// withPNGExif inserts an eXIf chunk right after IHDR.
func withPNGExif(data, tiff []byte) []byte {
	const ihdrEnd = 8 + 8 + 13 + 4
	out := append([]byte{}, data[:ihdrEnd]...)
	out = append(out, pngChunk("eXIf", tiff)...)
	return append(out, data[ihdrEnd:]...)
}

// riffChunk returns one RIFF chunk, padded to an even length.
func riffChunk(id string, body []byte) []byte {
	b := append([]byte(id), binary.LittleEndian.AppendUint32(nil, uint32(len(body)))...)
	b = append(b, body...)
	if len(body)%2 == 1 {
		b = append(b, 0)
	}
	return b
}

// webpExtended wraps a VP8L chunk (a whole chunk, header included) in the
// extended format with a VP8X header and the given extra chunks after it.
func webpExtended(w, h int, flags byte, image []byte, extra ...[]byte) []byte {
	vp8x := []byte{flags, 0, 0, 0,
		byte(w - 1), byte((w - 1) >> 8), byte((w - 1) >> 16),
		byte(h - 1), byte((h - 1) >> 8), byte((h - 1) >> 16)}
	body := append([]byte("WEBP"), riffChunk("VP8X", vp8x)...)
	body = append(body, image...)
	for _, c := range extra {
		body = append(body, c...)
	}
	return append(append([]byte("RIFF"), binary.LittleEndian.AppendUint32(nil, uint32(len(body)))...), body...)
}

func decodeJPEG(t testing.TB, data []byte) image.Image {
	t.Helper()
	m, err := jpeg.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("output is not a JPEG: %v", err)
	}
	return m
}

// near reports whether c is within tol of want on every channel.
func near(c color.Color, want color.RGBA, tol int) bool {
	r, g, b, _ := c.RGBA()
	d := func(a uint32, b uint8) bool {
		diff := int(a>>8) - int(b)
		return diff <= tol && -diff <= tol
	}
	return d(r, want.R) && d(g, want.G) && d(b, want.B)
}

// corners returns the colours at the centres of the four quadrants of m:
// top-left, top-right, bottom-left, bottom-right.
func corners(m image.Image) [4]color.Color {
	b := m.Bounds()
	x1, x2 := b.Min.X+b.Dx()/4, b.Min.X+b.Dx()*3/4
	y1, y2 := b.Min.Y+b.Dy()/4, b.Min.Y+b.Dy()*3/4
	return [4]color.Color{m.At(x1, y1), m.At(x2, y1), m.At(x1, y2), m.At(x2, y2)}
}

func wantCode(t *testing.T, err error, code string) *esambat.Error {
	t.Helper()
	var e *esambat.Error
	if !errors.As(err, &e) {
		t.Fatalf("error = %v (%T), want *esambat.Error %s", err, err, code)
	}
	if e.Code != code {
		t.Fatalf("code = %s (%v), want %s", e.Code, err, code)
	}
	return e
}

// wantPhotoError checks err is code about the "photo" field, with message
// msg when msg is not empty.
func wantPhotoError(t *testing.T, err error, code, msg string) *esambat.Error {
	t.Helper()
	e := wantCode(t, err, code)
	if e.Fields["photo"] == "" || e.Fields["photo"] != e.Message {
		t.Errorf("Fields = %v, want photo: %q", e.Fields, e.Message)
	}
	if msg != "" && e.Message != msg {
		t.Errorf("message = %q, want %q", e.Message, msg)
	}
	return e
}

// markers lists the marker bytes of the segments of a JPEG up to and
// including SOS, walking lengths rather than searching bytes.
func markers(t *testing.T, data []byte) []byte {
	t.Helper()
	var ms []byte
	if len(data) < 2 || data[0] != 0xFF || data[1] != 0xD8 {
		t.Fatal("no SOI")
	}
	for p := 2; ; {
		if p+4 > len(data) || data[p] != 0xFF {
			t.Fatalf("bad segment at %d", p)
		}
		m := data[p+1]
		ms = append(ms, m)
		if m == 0xDA {
			return ms
		}
		p += 2 + int(binary.BigEndian.Uint16(data[p+2:]))
	}
}
