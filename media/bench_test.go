package media

import (
	"bytes"
	"fmt"
	"image"
	"math"
	"testing"

	"golang.org/x/image/draw"
)

// BenchmarkProcess12MP processes a 4000×3000 JPEG, the size of a typical
// phone photo, end to end: read, sniff, decode, resize, encode both
// renditions, hash.
func BenchmarkProcess12MP(b *testing.B) {
	in := encodeJPEG(b, photoImage(4000, 3000))
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := Process(bytes.NewReader(in), Limits{}); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/op")
	b.ReportMetric(float64(len(in))/(1<<20), "MB-input")
}

// BenchmarkResize compares ways to make the web rendition from a decoded
// photo: one x/image/draw interpolator over the whole image, or resize's
// box filter followed by an interpolator. psnr-dB is the similarity to the
// CatmullRom-only result (the smoothest, slowest option); above 40 dB the
// difference is not visible.
func BenchmarkResize(b *testing.B) {
	for _, size := range []image.Point{{4000, 3000}, {3000, 2000}, {8000, 6000}} {
		src := photoImage(size.X, size.Y)
		dw, dh := fit(size.X, size.Y, WebMaxSide)
		ref := image.NewRGBA(image.Rect(0, 0, dw, dh))
		draw.CatmullRom.Scale(ref, ref.Bounds(), src, src.Bounds(), draw.Src, nil)
		for _, m := range []struct {
			name   string
			resize func() *image.RGBA
		}{
			{"CatmullRom", direct(draw.CatmullRom, src, dw, dh)},
			{"ApproxBiLinear", direct(draw.ApproxBiLinear, src, dw, dh)},
			{"box+CatmullRom", boxThen(draw.CatmullRom, src, dw, dh)},
			{"box+ApproxBiLinear", boxThen(draw.ApproxBiLinear, src, dw, dh)},
		} {
			b.Run(fmt.Sprintf("%dx%d/%s", size.X, size.Y, m.name), func(b *testing.B) {
				b.ReportAllocs()
				var out *image.RGBA
				for i := 0; i < b.N; i++ {
					out = m.resize()
				}
				b.StopTimer()
				b.ReportMetric(psnr(ref, out), "psnr-dB")
			})
		}
	}
}

func direct(q draw.Interpolator, src image.Image, dw, dh int) func() *image.RGBA {
	return func() *image.RGBA {
		dst := image.NewRGBA(image.Rect(0, 0, dw, dh))
		q.Scale(dst, dst.Bounds(), src, src.Bounds(), draw.Src, nil)
		return dst
	}
}

func boxThen(q draw.Interpolator, src image.Image, dw, dh int) func() *image.RGBA {
	return func() *image.RGBA {
		saved := interpolator
		defer func() { interpolator = saved }()
		interpolator = q
		return resize(src, dw, dh)
	}
}

// psnr is the peak signal-to-noise ratio of b against a, over RGB.
func psnr(a, b *image.RGBA) float64 {
	var sum float64
	var n int
	for i := range a.Pix {
		if i%4 == 3 {
			continue
		}
		d := float64(a.Pix[i]) - float64(b.Pix[i])
		sum += d * d
		n++
	}
	if sum == 0 {
		return math.Inf(1)
	}
	return 10 * math.Log10(255*255/(sum/float64(n)))
}
