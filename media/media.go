package media

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"io"
	"runtime/debug"

	"golang.org/x/image/webp"

	"github.com/esambat/esambat"
)

// Default limits, used for any Limits field left at zero.
const (
	DefaultMaxBytes  = 10 << 20   // 10 MiB: a 50 MP phone JPEG is 8-12 MB at most
	DefaultMaxPixels = 50_000_000 // 50 megapixels
	DefaultMaxSide   = 12000      // pixels
)

// Sizes of the renditions Process produces: the longest side, in pixels.
const (
	WebMaxSide   = 1600
	ThumbMaxSide = 320
)

// jpegQuality is the quality of both renditions: at 82 a 1600 px photo is
// 200-400 KB, small enough for residents on prepaid mobile data, and
// artefacts are not visible at normal viewing size.
const jpegQuality = 82

// Messages shown to the resident; they are about the "photo" field.
const (
	msgNotPhoto = "Berkas bukan foto JPEG, PNG atau WebP."
	msgCorrupt  = "Foto rusak atau tidak dapat dibaca."
	msgReadFail = "Foto gagal diterima. Coba unggah lagi."
)

// Limits bounds the input Process accepts. A zero field takes its default.
type Limits struct {
	// MaxBytes is the largest file accepted (default DefaultMaxBytes).
	MaxBytes int64
	// MaxPixels is the largest width×height accepted (default
	// DefaultMaxPixels). It bounds the memory one upload can take: a
	// decoded baseline JPEG needs 1.5-3 bytes per pixel, a PNG 4-8, and a
	// progressive JPEG adds 6-12 bytes per pixel of saved coefficients, so
	// the worst case at the default is about 750 MB.
	MaxPixels int
	// MaxSide is the longest width or height accepted (default
	// DefaultMaxSide).
	MaxSide int
}

func (l Limits) withDefaults() Limits {
	if l.MaxBytes <= 0 {
		l.MaxBytes = DefaultMaxBytes
	}
	if l.MaxPixels <= 0 {
		l.MaxPixels = DefaultMaxPixels
	}
	if l.MaxSide <= 0 {
		l.MaxSide = DefaultMaxSide
	}
	return l
}

// Processed is the result of Process: two metadata-free JPEG renditions of an
// upright photo.
type Processed struct {
	// Format is the format sniffed from the input: "jpeg", "png" or "webp".
	Format string
	// Width and Height are the size of the input once turned upright.
	Width, Height int
	// Web is for the report page: the longest side is at most WebMaxSide.
	Web Rendition
	// Thumb is for lists and maps: the longest side is at most ThumbMaxSide.
	Thumb Rendition
}

// Rendition is one re-encoded JPEG.
type Rendition struct {
	// Data is a baseline JPEG with no metadata segments at all.
	Data []byte
	// Width and Height are the pixel size of Data.
	Width, Height int
	// SHA256 is the lowercase hex SHA-256 of Data: its key in a Store.
	SHA256 string
}

// Process reads an uploaded photo from r and returns its renditions.
//
// It reads at most lim.MaxBytes+1 bytes; a longer input is ETOOLARGE. The
// format is sniffed from the bytes, never taken from a file name or a
// Content-Type: only JPEG, PNG and WebP are accepted, anything else is
// EINVALID. The pixel size is read from the header and checked against
// lim.MaxPixels and lim.MaxSide before the pixels are decoded, so a small
// file declaring a huge image is ETOOLARGE without allocating it. The EXIF
// orientation (JPEG APP1, WebP EXIF, PNG eXIf) is applied, and the output is
// re-encoded from pixels alone, so every piece of metadata in the input, GPS
// position included, is dropped. An unreadable image is EINVALID.
//
// All errors are *esambat.Error with Fields{"photo": message}: ETOOLARGE or
// EINVALID. Process does not panic, whatever the input. It is safe for
// concurrent use; each call holds the decoded image in memory, so callers
// should bound how many run at once.
func Process(r io.Reader, lim Limits) (p *Processed, err error) {
	defer func() {
		// The decoders are fuzzed upstream and here, but a photo upload must
		// never take the server down: the last line of defence.
		if v := recover(); v != nil {
			p = nil
			err = photoError(esambat.EINVALID, msgCorrupt,
				fmt.Errorf("media: panic while processing photo: %v\n%s", v, debug.Stack()))
		}
	}()
	lim = lim.withDefaults()

	data, err := io.ReadAll(io.LimitReader(r, lim.MaxBytes+1))
	if err != nil {
		var e *esambat.Error
		if errors.As(err, &e) {
			return nil, e
		}
		return nil, photoError(esambat.EINVALID, msgReadFail, err)
	}
	if int64(len(data)) > lim.MaxBytes {
		return nil, photoError(esambat.ETOOLARGE,
			fmt.Sprintf("Foto terlalu besar (maksimal %s).", megabytes(lim.MaxBytes)), nil)
	}

	format := sniff(data)
	if format == "" {
		return nil, photoError(esambat.EINVALID, msgNotPhoto, nil)
	}
	cfg, err := decodeConfig(format, data)
	if err != nil {
		return nil, photoError(esambat.EINVALID, msgCorrupt, err)
	}
	if err := checkSize(cfg.Width, cfg.Height, lim); err != nil {
		return nil, err
	}
	o := orientation(format, data)

	img, err := decode(format, data)
	if err != nil {
		return nil, photoError(esambat.EINVALID, msgCorrupt, err)
	}
	data = nil // let the input go before the renditions are allocated
	b := img.Bounds()
	if err := checkSize(b.Dx(), b.Dy(), lim); err != nil {
		return nil, err // the decoder disagreed with its own header
	}

	// Size the renditions in the upright frame, then scale the stored
	// image to the matching stored-frame size and turn the (small) result.
	uw, uh := b.Dx(), b.Dy()
	if o >= 5 {
		uw, uh = uh, uw
	}
	ww, wh := fit(uw, uh, WebMaxSide)
	sw, sh := ww, wh
	if o >= 5 {
		sw, sh = wh, ww
	}
	web := orient(resize(img, sw, sh), o)
	img = nil
	tw, th := fit(ww, wh, ThumbMaxSide)
	thumb := resize(web, tw, th)

	p = &Processed{Format: format, Width: uw, Height: uh}
	if p.Web, err = encode(web); err != nil {
		return nil, esambat.Internal(err)
	}
	if p.Thumb, err = encode(thumb); err != nil {
		return nil, esambat.Internal(err)
	}
	return p, nil
}

// photoError returns an *esambat.Error about the "photo" field.
func photoError(code, msg string, cause error) *esambat.Error {
	return &esambat.Error{Code: code, Message: msg, Fields: map[string]string{"photo": msg}, Err: cause}
}

// megabytes formats n for a resident: 10485760 → "10 MB".
func megabytes(n int64) string {
	if n%(1<<20) == 0 {
		return fmt.Sprintf("%d MB", n>>20)
	}
	return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
}

// sniff returns the format of data from its magic bytes, or "" when it is
// not one we accept.
func sniff(data []byte) string {
	switch {
	case len(data) >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF:
		return "jpeg"
	case len(data) >= 8 && string(data[:8]) == "\x89PNG\r\n\x1a\n":
		return "png"
	case len(data) >= 16 && string(data[0:4]) == "RIFF" && string(data[8:15]) == "WEBPVP8":
		return "webp"
	}
	return ""
}

// decodeConfig reads only the header of data. It calls the decoder of the
// sniffed format directly rather than image.DecodeConfig, so that a format
// registered elsewhere in the program (GIF, BMP) can never slip through.
func decodeConfig(format string, data []byte) (image.Config, error) {
	r := bytes.NewReader(data)
	switch format {
	case "jpeg":
		return jpeg.DecodeConfig(r)
	case "png":
		return png.DecodeConfig(r)
	case "webp":
		return webp.DecodeConfig(r)
	}
	return image.Config{}, fmt.Errorf("media: unknown format %q", format)
}

func decode(format string, data []byte) (image.Image, error) {
	r := bytes.NewReader(data)
	switch format {
	case "jpeg":
		return jpeg.Decode(r)
	case "png":
		return png.Decode(r)
	case "webp":
		return webp.Decode(r)
	}
	return nil, fmt.Errorf("media: unknown format %q", format)
}

// checkSize refuses images too large to decode safely.
func checkSize(w, h int, lim Limits) error {
	switch {
	case w <= 0 || h <= 0:
		return photoError(esambat.EINVALID, msgCorrupt, fmt.Errorf("media: image is %dx%d", w, h))
	case w > lim.MaxSide || h > lim.MaxSide:
		return photoError(esambat.ETOOLARGE, fmt.Sprintf(
			"Ukuran foto terlalu besar (%d×%d piksel). Sisi terpanjang maksimal %d piksel.",
			w, h, lim.MaxSide), nil)
	case int64(w)*int64(h) > int64(lim.MaxPixels):
		return photoError(esambat.ETOOLARGE, fmt.Sprintf(
			"Ukuran foto terlalu besar (%d×%d piksel). Maksimal %s megapiksel.",
			w, h, megapixels(lim.MaxPixels)), nil)
	}
	return nil
}

func megapixels(n int) string {
	if n%1_000_000 == 0 {
		return fmt.Sprint(n / 1_000_000)
	}
	return fmt.Sprintf("%.1f", float64(n)/1e6)
}

// encode writes m as a JPEG. The standard encoder writes no APPn or COM
// segment, so the output holds pixels and nothing else.
func encode(m image.Image) (Rendition, error) {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, m, &jpeg.Options{Quality: jpegQuality}); err != nil {
		return Rendition{}, err
	}
	sum := sha256.Sum256(buf.Bytes())
	b := m.Bounds()
	return Rendition{Data: buf.Bytes(), Width: b.Dx(), Height: b.Dy(), SHA256: hex.EncodeToString(sum[:])}, nil
}
