package media

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"image"
	"image/color"
	"image/gif"
	"runtime"
	"strings"
	"testing"

	"github.com/esambat/esambat"
)

// Tiny WebP files made with cwebp 1.2.4 from a 16×8 quadrant image
// (quadImage(16, 8)): `cwebp -lossless -exact q.png` and `cwebp -q 90 q.png`.
var (
	webpLossless = []byte{
		0x52, 0x49, 0x46, 0x46, 0x36, 0x00, 0x00, 0x00, 0x57, 0x45, 0x42, 0x50,
		0x56, 0x50, 0x38, 0x4c, 0x29, 0x00, 0x00, 0x00, 0x2f, 0x0f, 0xc0, 0x01,
		0x00, 0x1f, 0x20, 0x10, 0x48, 0xda, 0x1f, 0x7a, 0x8d, 0xf9, 0x17, 0x10,
		0x14, 0xf9, 0x3f, 0xda, 0xfc, 0x07, 0x5f, 0x24, 0x80, 0x30, 0xdb, 0x68,
		0x92, 0x93, 0x9c, 0xe4, 0xfd, 0x8e, 0x21, 0xa2, 0xff, 0xb1, 0xe9, 0x87,
		0xfa, 0x00,
	}
	webpLossy = []byte{
		0x52, 0x49, 0x46, 0x46, 0x66, 0x00, 0x00, 0x00, 0x57, 0x45, 0x42, 0x50,
		0x56, 0x50, 0x38, 0x20, 0x5a, 0x00, 0x00, 0x00, 0x10, 0x04, 0x00, 0x9d,
		0x01, 0x2a, 0x10, 0x00, 0x08, 0x00, 0x00, 0xc0, 0x12, 0x25, 0xa8, 0x02,
		0x74, 0xba, 0x01, 0xf8, 0x01, 0xf8, 0x81, 0x30, 0x03, 0xf8, 0x07, 0xe2,
		0x05, 0xdf, 0xfd, 0xd8, 0x07, 0xf4, 0x00, 0x60, 0xb8, 0x2c, 0xf8, 0x12,
		0x20, 0x00, 0xfe, 0xfd, 0x9c, 0x17, 0xc5, 0x8a, 0xfd, 0xf5, 0x73, 0xff,
		0x98, 0x8d, 0x9a, 0x9f, 0xfd, 0xd9, 0xa7, 0xef, 0xd7, 0x83, 0xfc, 0x7f,
		0x92, 0x2f, 0xa6, 0x9b, 0xff, 0x5a, 0x39, 0xff, 0xac, 0x60, 0xff, 0xf1,
		0x99, 0x6a, 0x7d, 0x90, 0x6c, 0xe6, 0xc3, 0x43, 0x25, 0x3c, 0x36, 0xa0,
		0x00, 0x00,
	}
)

// expectedCorners returns the quadrant colours (top-left, top-right,
// bottom-left, bottom-right) of an upright quadImage stored with the given
// EXIF orientation, derived from the specification's wording ("row 0 is the
// visual right, column 0 the visual top") rather than from orient's maths.
func expectedCorners(o int) [4]color.RGBA {
	spec := map[int][2]string{
		1: {"top", "left"}, 2: {"top", "right"}, 3: {"bottom", "right"}, 4: {"bottom", "left"},
		5: {"left", "top"}, 6: {"right", "top"}, 7: {"right", "bottom"}, 8: {"left", "bottom"},
	}
	opposite := map[string]string{"top": "bottom", "bottom": "top", "left": "right", "right": "left"}
	side := func(s string, first bool) string {
		if first {
			return s
		}
		return opposite[s]
	}
	index := map[string]int{"top left": 0, "top right": 1, "bottom left": 2, "bottom right": 3}
	var got [4]color.RGBA
	// The stored quadrants: row 0 or last, column 0 or last.
	for _, q := range []struct {
		row0, col0 bool
		c          color.RGBA
	}{{true, true, red}, {true, false, green}, {false, true, blue}, {false, false, yellow}} {
		a, b := side(spec[o][0], q.row0), side(spec[o][1], q.col0)
		if a == "left" || a == "right" {
			a, b = b, a
		}
		got[index[a+" "+b]] = q.c
	}
	return got
}

func checkCorners(t *testing.T, m image.Image, want [4]color.RGBA, tol int) {
	t.Helper()
	got := corners(m)
	for i := range got {
		if !near(got[i], want[i], tol) {
			t.Errorf("quadrant %d = %v, want %v", i, got[i], want[i])
		}
	}
}

func TestProcessJPEGStripsMetadataAndRotates(t *testing.T) {
	in := jpegWithMetadata(t, 64, 32, 6)
	if !bytes.Contains(in, []byte(gpsSecret)) || !bytes.Contains(in, []byte("Exif")) {
		t.Fatal("test input lacks its metadata")
	}
	p, err := Process(bytes.NewReader(in), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if p.Format != "jpeg" || p.Width != 32 || p.Height != 64 {
		t.Errorf("Format, Width, Height = %s, %d, %d, want jpeg, 32, 64", p.Format, p.Width, p.Height)
	}
	for name, r := range map[string]Rendition{"web": p.Web, "thumb": p.Thumb} {
		t.Run(name, func(t *testing.T) {
			if r.Width != 32 || r.Height != 64 {
				t.Errorf("size = %dx%d, want 32x64 (rotated)", r.Width, r.Height)
			}
			m := decodeJPEG(t, r.Data)
			if b := m.Bounds(); b.Dx() != 32 || b.Dy() != 64 {
				t.Errorf("decoded size = %v", b)
			}
			// Orientation 6: the stored bottom-left (blue) is now top-left.
			checkCorners(t, m, [4]color.RGBA{blue, red, yellow, green}, 40)
			for _, s := range []string{"Exif", gpsSecret, "xmpmeta", "ns.adobe.com", "ICC_PROFILE", "komentar", "SMG"} {
				if bytes.Contains(r.Data, []byte(s)) {
					t.Errorf("output contains %q", s)
				}
			}
			gpsLat := binary.LittleEndian.AppendUint32(nil, 4321)
			if bytes.Contains(r.Data, append(gpsLat, 100, 0, 0, 0)) {
				t.Error("output contains the GPS seconds rational")
			}
			for _, m := range markers(t, r.Data) {
				if m >= 0xE0 && m <= 0xEF || m == 0xFE {
					t.Errorf("output has marker %#x (APPn or COM)", m)
				}
			}
			sum := sha256.Sum256(r.Data)
			if r.SHA256 != hex.EncodeToString(sum[:]) || !ValidKey(r.SHA256) {
				t.Errorf("SHA256 = %s, not the hash of Data", r.SHA256)
			}
		})
	}
}

func TestProcessJPEGAllOrientations(t *testing.T) {
	for o := 1; o <= 8; o++ {
		p, err := Process(bytes.NewReader(jpegWithMetadata(t, 64, 32, o)), Limits{})
		if err != nil {
			t.Fatalf("orientation %d: %v", o, err)
		}
		wantW, wantH := 64, 32
		if o >= 5 {
			wantW, wantH = 32, 64
		}
		if p.Web.Width != wantW || p.Web.Height != wantH {
			t.Errorf("orientation %d: size %dx%d, want %dx%d", o, p.Web.Width, p.Web.Height, wantW, wantH)
		}
		t.Run(string(rune('0'+o)), func(t *testing.T) {
			checkCorners(t, decodeJPEG(t, p.Web.Data), expectedCorners(o), 40)
		})
	}
}

func TestProcessPNG(t *testing.T) {
	// Left half fully transparent, right half opaque blue: a JPEG has no
	// alpha, so transparency must become white, not black.
	m := image.NewNRGBA(image.Rect(0, 0, 40, 20))
	for y := 0; y < 20; y++ {
		for x := 20; x < 40; x++ {
			m.SetNRGBA(x, y, color.NRGBA{0, 0, 255, 255})
		}
	}
	p, err := Process(bytes.NewReader(encodePNG(t, m)), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if p.Format != "png" || p.Web.Width != 40 || p.Web.Height != 20 {
		t.Errorf("got %s %dx%d", p.Format, p.Web.Width, p.Web.Height)
	}
	white := color.RGBA{255, 255, 255, 255}
	checkCorners(t, decodeJPEG(t, p.Web.Data), [4]color.RGBA{white, blue, white, blue}, 40)
}

func TestProcessPNGExifOrientation(t *testing.T) {
	in := withPNGExif(encodePNG(t, quadImage(64, 32)), exifTIFF(8))
	p, err := Process(bytes.NewReader(in), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if p.Web.Width != 32 || p.Web.Height != 64 {
		t.Errorf("size %dx%d, want 32x64", p.Web.Width, p.Web.Height)
	}
	checkCorners(t, decodeJPEG(t, p.Web.Data), expectedCorners(8), 40)
	if bytes.Contains(p.Web.Data, []byte(gpsSecret)) {
		t.Error("output contains GPS data")
	}
}

func TestProcessWebP(t *testing.T) {
	tiff := exifTIFF(6)
	tests := []struct {
		name   string
		in     []byte
		w, h   int
		orient int
		tol    int
	}{
		{"lossless", webpLossless, 16, 8, 1, 8},
		{"lossy", webpLossy, 16, 8, 1, 80},
		// The VP8L chunk of webpLossless in the extended format, with an
		// EXIF chunk (flag 0x08) saying orientation 6.
		{"extended+exif", webpExtended(16, 8, 0x08, webpLossless[12:], riffChunk("EXIF", tiff)), 8, 16, 6, 8},
		{"extended+exif with Exif prefix", webpExtended(16, 8, 0x08, webpLossless[12:],
			riffChunk("EXIF", append([]byte("Exif\x00\x00"), tiff...))), 8, 16, 6, 8},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Process(bytes.NewReader(tt.in), Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if p.Format != "webp" || p.Web.Width != tt.w || p.Web.Height != tt.h {
				t.Errorf("got %s %dx%d, want webp %dx%d", p.Format, p.Web.Width, p.Web.Height, tt.w, tt.h)
			}
			// The quadrants are only 8×4 pixels, so the 4:2:0 chroma of
			// the output JPEG bleeds across them: a wide tolerance.
			checkCorners(t, decodeJPEG(t, p.Web.Data), expectedCorners(tt.orient), 60+tt.tol)
			if bytes.Contains(p.Web.Data, []byte(gpsSecret)) {
				t.Error("output contains GPS data")
			}
		})
	}
}

func TestProcessDecompressionBomb(t *testing.T) {
	smallJPEG := encodeJPEG(t, quadImage(16, 16))
	jpegBomb := append([]byte{}, smallJPEG...)
	sof := bytes.Index(jpegBomb, []byte{0xFF, 0xC0})
	binary.BigEndian.PutUint16(jpegBomb[sof+5:], 60000) // height
	binary.BigEndian.PutUint16(jpegBomb[sof+7:], 60000) // width

	idat := pngChunk("IDAT", []byte{0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01})
	iend := pngChunk("IEND", nil)
	bomb := func(w, h uint32) []byte {
		return append(append(pngHeader(w, h), idat...), iend...)
	}
	tests := []struct {
		name string
		in   []byte
		msg  string
	}{
		{"png 100000x100000", bomb(100000, 100000), "Sisi terpanjang maksimal 12000 piksel"},
		{"png 12000x12000", bomb(12000, 12000), "Maksimal 50 megapiksel"},
		{"png 20000x1", bomb(20000, 1), "Sisi terpanjang"},
		{"jpeg 60000x60000", jpegBomb, "Sisi terpanjang"},
		{"webp vp8x 16384x16384", webpExtended(16384, 16384, 0, webpLossless[12:]), "Sisi terpanjang"},
		{"webp vp8x 8000x8000", webpExtended(8000, 8000, 0, webpLossless[12:]), "megapiksel"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			_, err := Process(bytes.NewReader(tt.in), Limits{})
			runtime.ReadMemStats(&after)
			e := wantPhotoError(t, err, esambat.ETOOLARGE, "")
			if !strings.Contains(e.Message, tt.msg) {
				t.Errorf("message = %q, want it to mention %q", e.Message, tt.msg)
			}
			// Refused from the header: nowhere near a pixel buffer.
			if n := after.TotalAlloc - before.TotalAlloc; n > 1<<20 {
				t.Errorf("allocated %d bytes refusing a bomb", n)
			}
		})
	}
}

// endless is a reader of a JPEG header followed by zeros forever, counting
// what has been read from it.
type endless struct{ n int64 }

func (r *endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 0
	}
	if r.n == 0 && len(p) >= 3 {
		copy(p, []byte{0xFF, 0xD8, 0xFF})
	}
	r.n += int64(len(p))
	return len(p), nil
}

func TestProcessTooManyBytes(t *testing.T) {
	r := &endless{}
	_, err := Process(r, Limits{})
	wantPhotoError(t, err, esambat.ETOOLARGE, "Foto terlalu besar (maksimal 10 MB).")
	if r.n > DefaultMaxBytes+1 {
		t.Errorf("read %d bytes, want at most %d", r.n, DefaultMaxBytes+1)
	}

	// The limit is inclusive.
	in := encodeJPEG(t, quadImage(16, 16))
	if _, err := Process(bytes.NewReader(in), Limits{MaxBytes: int64(len(in))}); err != nil {
		t.Errorf("exactly MaxBytes: %v", err)
	}
	_, err = Process(bytes.NewReader(in), Limits{MaxBytes: int64(len(in) - 1)})
	wantPhotoError(t, err, esambat.ETOOLARGE, "")
}

func TestProcessNotAPhoto(t *testing.T) {
	var gifBuf bytes.Buffer
	if err := gif.Encode(&gifBuf, quadImage(8, 8), nil); err != nil {
		t.Fatal(err)
	}
	tests := []struct{ name, in string }{
		{"empty", ""},
		{"svg", `<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="10" height="10"/></svg>`},
		{"html", "<!DOCTYPE html><html><script>alert(1)</script></html>"},
		{"gif", gifBuf.String()},
		{"pdf", "%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\n"},
		{"text named foto.jpg", "ini foto jalan rusak, sungguh"},
		{"bmp", "BM\x3a\x00\x00\x00\x00\x00\x00\x00\x36\x00\x00\x00\x28\x00"},
		{"riff wave", "RIFF\x24\x00\x00\x00WAVEfmt \x10\x00\x00\x00"},
		{"two bytes of jpeg", "\xFF\xD8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Process(strings.NewReader(tt.in), Limits{})
			wantPhotoError(t, err, esambat.EINVALID, "Berkas bukan foto JPEG, PNG atau WebP.")
		})
	}
}

func TestProcessCorrupt(t *testing.T) {
	jpg := encodeJPEG(t, photoImage(64, 48))
	pngData := encodePNG(t, quadImage(16, 16))
	badCRC := append([]byte{}, pngData...)
	badCRC[len(badCRC)-20] ^= 0xFF // inside the IDAT data
	tests := []struct {
		name string
		in   []byte
	}{
		{"jpeg header only", []byte{0xFF, 0xD8, 0xFF}},
		{"truncated jpeg", jpg[:len(jpg)/2]},
		{"jpeg without scan", jpg[:bytes.Index(jpg, []byte{0xFF, 0xDA})]},
		{"truncated png", pngData[:len(pngData)/2]},
		{"png bad crc", badCRC},
		{"png 0x0", append(append(pngHeader(0, 0), pngChunk("IDAT", nil)...), pngChunk("IEND", nil)...)},
		{"truncated webp", webpLossless[:30]},
		{"webp size mismatch", webpExtended(17, 8, 0, webpLossless[12:])},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Process(bytes.NewReader(tt.in), Limits{})
			wantPhotoError(t, err, esambat.EINVALID, "Foto rusak atau tidak dapat dibaca.")
		})
	}
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("connection reset") }

func TestProcessReadError(t *testing.T) {
	_, err := Process(failingReader{}, Limits{})
	e := wantPhotoError(t, err, esambat.EINVALID, "")
	if e.Err == nil || !strings.Contains(e.Err.Error(), "connection reset") {
		t.Errorf("cause = %v, want the read error", e.Err)
	}
}

func TestProcessSizes(t *testing.T) {
	tests := []struct {
		w, h           int
		webW, webH     int
		thumbW, thumbH int
	}{
		{4000, 3000, 1600, 1200, 320, 240},
		{3000, 4000, 1200, 1600, 240, 320},
		{3264, 2448, 1600, 1200, 320, 240}, // k = 2 box step
		{2000, 1000, 1600, 800, 320, 160},  // no box step
		{1600, 1200, 1600, 1200, 320, 240}, // exactly the web size
		{800, 600, 800, 600, 320, 240},     // never upscaled
		{200, 100, 200, 100, 200, 100},
		{1, 1, 1, 1, 1, 1},
		{12000, 3, 1600, 1, 320, 1}, // a side never rounds to 0
		{5, 5000, 2, 1600, 1, 320},
	}
	for _, tt := range tests {
		p, err := Process(bytes.NewReader(encodeJPEG(t, photoImage(tt.w, tt.h))), Limits{})
		if err != nil {
			t.Fatalf("%dx%d: %v", tt.w, tt.h, err)
		}
		for _, c := range []struct {
			name string
			r    Rendition
			w, h int
		}{{"web", p.Web, tt.webW, tt.webH}, {"thumb", p.Thumb, tt.thumbW, tt.thumbH}} {
			b := decodeJPEG(t, c.r.Data).Bounds()
			if c.r.Width != c.w || c.r.Height != c.h || b.Dx() != c.w || b.Dy() != c.h {
				t.Errorf("%dx%d %s: %dx%d (decoded %v), want %dx%d",
					tt.w, tt.h, c.name, c.r.Width, c.r.Height, b, c.w, c.h)
			}
		}
	}
}

func TestProcessDeterministic(t *testing.T) {
	in := jpegWithMetadata(t, 300, 200, 3)
	a, err := Process(bytes.NewReader(in), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := Process(bytes.NewReader(in), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	// Content addressing dedupes a retried upload only if this holds.
	if a.Web.SHA256 != b.Web.SHA256 || a.Thumb.SHA256 != b.Thumb.SHA256 {
		t.Error("same input, different outputs")
	}
}

func TestTiffOrientation(t *testing.T) {
	good := exifTIFF(6)
	be := []byte{'M', 'M', 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0}
	long := []byte{'I', 'I', 42, 0, 8, 0, 0, 0, 1, 0, 0x12, 0x01, 4, 0, 1, 0, 0, 0, 8, 0, 0, 0}
	set := func(b []byte, i int, v ...byte) []byte {
		c := append([]byte{}, b...)
		copy(c[i:], v)
		return c
	}
	tests := []struct {
		name string
		in   []byte
		want int
	}{
		{"phone", good, 6},
		{"big-endian", be, 3},
		{"LONG type", long, 8},
		{"nil", nil, 1},
		{"short", good[:7], 1},
		{"bad byte order", set(good, 0, 'X', 'X'), 1},
		{"bad magic", set(good, 2, 43), 1},
		{"IFD past end", set(good, 4, 0xFF, 0xFF, 0xFF, 0xFF), 1},
		{"IFD at last byte", set(good, 4, byte(len(good)-1), 0, 0, 0), 1},
		{"entry count past end", set(good, 8, 0xFF, 0xFF), 6}, // Orientation is the 2nd entry: found first
		{"truncated entries", good[:8+2+12+6], 1},
		{"value 0", set(good, 8+2+12+8, 0, 0), 1},
		{"value 9", set(good, 8+2+12+8, 9, 0), 1},
		{"wrong type", set(good, 8+2+12+2, 2, 0), 1},
		{"count 0", set(good, 8+2+12+4, 0, 0, 0, 0), 1},
	}
	for _, tt := range tests {
		if got := tiffOrientation(tt.in); got != tt.want {
			t.Errorf("%s: got %d, want %d", tt.name, got, tt.want)
		}
	}
}

func TestJPEGExifBounds(t *testing.T) {
	in := jpegWithMetadata(t, 16, 16, 5)
	if got := orientation("jpeg", in); got != 5 {
		t.Fatalf("orientation = %d, want 5", got)
	}
	// Every truncation and a corrupt length must be handled without
	// panicking; whatever is found must be a valid value.
	for i := range in {
		if o := orientation("jpeg", in[:i]); o < 1 || o > 8 {
			t.Fatalf("truncated at %d: %d", i, o)
		}
	}
	bad := append([]byte{}, in...)
	binary.BigEndian.PutUint16(bad[4:], 0xFFFF) // first segment's length
	if o := orientation("jpeg", bad); o != 1 {
		t.Errorf("corrupt length: %d", o)
	}
	// EXIF after the start of scan is image data, not metadata.
	jpg := encodeJPEG(t, quadImage(16, 16))
	sos := bytes.Index(jpg, []byte{0xFF, 0xDA})
	exifSeg := insertSegment([]byte{0xFF, 0xD8}, 0xE1, append([]byte("Exif\x00\x00"), exifTIFF(6)...))[2:]
	late := append(append(append([]byte{}, jpg[:sos+2]...), exifSeg...), jpg[sos+2:]...)
	if o := orientation("jpeg", late); o != 1 {
		t.Errorf("EXIF after SOS: %d", o)
	}
	for _, f := range []string{"png", "webp"} {
		for i := 0; i < 40; i++ {
			orientation(f, in[:i])
		}
	}
}

func TestOrient(t *testing.T) {
	// A 3×2 image whose stored corners carry the quadrant colours.
	m := image.NewRGBA(image.Rect(0, 0, 3, 2))
	m.SetRGBA(0, 0, red)
	m.SetRGBA(2, 0, green)
	m.SetRGBA(0, 1, blue)
	m.SetRGBA(2, 1, yellow)
	for o := 1; o <= 8; o++ {
		got := orient(m, o)
		b := got.Bounds()
		want := expectedCorners(o)
		cs := [4]color.Color{got.At(0, 0), got.At(b.Dx()-1, 0), got.At(0, b.Dy()-1), got.At(b.Dx()-1, b.Dy()-1)}
		for i := range cs {
			if cs[i] != want[i] {
				t.Errorf("orientation %d: corner %d = %v, want %v", o, i, cs[i], want[i])
			}
		}
		if (o >= 5) != (b.Dx() == 2) {
			t.Errorf("orientation %d: size %v", o, b)
		}
	}
}

// TestBoxShrinkFastPaths checks the type-specific box filters against the
// generic one on the same pixels.
func TestBoxShrinkFastPaths(t *testing.T) {
	const w, h = 37, 23
	ycc := photoImage(w, h)
	nrgba := image.NewNRGBA(ycc.Rect)
	rgba := image.NewRGBA(ycc.Rect)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := color.NRGBAModel.Convert(ycc.At(x, y)).(color.NRGBA)
			c.A = uint8(x * 255 / w)
			nrgba.SetNRGBA(x, y, c)
			rgba.Set(x, y, c)
		}
	}
	srcs := []struct {
		name string
		src  image.Image
	}{
		{"ycbcr420", ycc},
		{"ycbcr420 odd origin", ycc.SubImage(image.Rect(5, 3, w, h))},
		{"ycbcr420 even origin", ycc.SubImage(image.Rect(4, 2, w, h))},
		{"nrgba", nrgba},
		{"rgba", rgba},
	}
	for _, ratio := range []image.YCbCrSubsampleRatio{
		image.YCbCrSubsampleRatio444, image.YCbCrSubsampleRatio422, image.YCbCrSubsampleRatio440,
		image.YCbCrSubsampleRatio411, image.YCbCrSubsampleRatio410,
	} {
		m := image.NewYCbCr(ycc.Rect, ratio)
		// Values that stay inside the RGB gamut: averaging before or after
		// conversion only agrees where nothing is clamped.
		for i := range m.Y {
			m.Y[i] = uint8(40 + i*7%170)
		}
		for i := range m.Cb {
			m.Cb[i], m.Cr[i] = uint8(112+i*13%32), uint8(112+i*5%32)
		}
		srcs = append(srcs, struct {
			name string
			src  image.Image
		}{ratio.String(), m})
	}
	for _, tt := range srcs {
		for k := 2; k <= 5; k++ {
			fast := boxShrink(tt.src, k)
			slow := image.NewRGBA(fast.Rect)
			boxGeneric(slow, tt.src, k)
			for i := range fast.Pix {
				if d := int(fast.Pix[i]) - int(slow.Pix[i]); d > 2 || d < -2 {
					t.Errorf("%s k=%d: byte %d = %d, generic %d", tt.name, k, i, fast.Pix[i], slow.Pix[i])
					break
				}
			}
		}
	}
}

func FuzzProcess(f *testing.F) {
	f.Add(encodeJPEG(f, quadImage(16, 8)))
	f.Add(jpegWithMetadata(f, 16, 8, 6))
	f.Add(encodePNG(f, quadImage(8, 8)))
	f.Add(withPNGExif(encodePNG(f, quadImage(8, 8)), exifTIFF(7)))
	f.Add(webpLossless)
	f.Add(webpLossy)
	f.Add(webpExtended(16, 8, 0x08, webpLossless[12:], riffChunk("EXIF", exifTIFF(6))))
	f.Add(pngHeader(100000, 100000))
	f.Add([]byte("<svg/>"))
	f.Add([]byte{})
	// Small limits keep each run fast; the checks are the same.
	lim := Limits{MaxBytes: 1 << 20, MaxPixels: 1 << 20, MaxSide: 4096}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Process(bytes.NewReader(data), lim)
		if err != nil {
			var e *esambat.Error
			if !errors.As(err, &e) || (e.Code != esambat.EINVALID && e.Code != esambat.ETOOLARGE) {
				t.Fatalf("error %v, want EINVALID or ETOOLARGE", err)
			}
			if e.Err != nil && strings.Contains(e.Err.Error(), "panic") {
				t.Fatalf("recovered a panic: %v", e.Err)
			}
			return
		}
		for _, r := range []Rendition{p.Web, p.Thumb} {
			if r.Width < 1 || r.Height < 1 || r.Width > WebMaxSide || r.Height > WebMaxSide {
				t.Fatalf("rendition %dx%d", r.Width, r.Height)
			}
			if sniff(r.Data) != "jpeg" {
				t.Fatal("rendition is not a JPEG")
			}
		}
	})
}
