package media

import (
	"image"
	"image/color"

	"golang.org/x/image/draw"
)

// fit returns the size of a w×h image scaled to fit in a max×max box,
// keeping the aspect ratio and never enlarging it. Neither side is less
// than 1.
func fit(w, h, max int) (int, int) {
	if w <= max && h <= max {
		return w, h
	}
	if w >= h {
		return max, scaleSide(h, max, w)
	}
	return scaleSide(w, max, h), max
}

// scaleSide returns round(side*num/den), at least 1.
func scaleSide(side, num, den int) int {
	v := int((int64(side)*int64(num)*2 + int64(den)) / (int64(den) * 2))
	if v < 1 {
		return 1
	}
	return v
}

// resize returns src scaled to dw×dh as an opaque *image.RGBA; transparent
// areas are laid over white, since JPEG has no alpha and white is how a
// browser shows a transparent PNG on our pages.
//
// Large reductions go in two steps. First an integer box filter (the average
// of each k×k block) brings the image to within twice the target size: this
// is cheap, reads every source pixel once, and cannot alias. Then the
// interpolator does the remaining, less than 2×, reduction. Doing it all
// with a kernel from the full image would cost a float64 buffer of
// dw × source height × 32 bytes (160 MB for a 12 MP photo, 315 MB for
// 48 MP) and 4-10 times the time; see BenchmarkResize.
func resize(src image.Image, dw, dh int) *image.RGBA {
	sb := src.Bounds()
	if k := min(sb.Dx()/dw, sb.Dy()/dh); k >= 2 {
		src = boxShrink(src, k)
		sb = src.Bounds()
	}
	dst := image.NewRGBA(image.Rect(0, 0, dw, dh))
	op := draw.Src
	if o, ok := src.(interface{ Opaque() bool }); !ok || !o.Opaque() {
		fillWhite(dst)
		op = draw.Over
	}
	if sb.Dx() == dw && sb.Dy() == dh {
		draw.Draw(dst, dst.Bounds(), src, sb.Min, op)
	} else {
		interpolator.Scale(dst, dst.Bounds(), src, sb, op, nil)
	}
	return dst
}

// interpolator does the final reduction, by less than 2× (see resize).
// ApproxBiLinear needs no temporary buffer. After the box filter its result
// scores 44 dB PSNR against a CatmullRom-only resize of a noisy synthetic
// photo (40 dB when no box step applies, at ratios just under 2): no visible
// difference. CatmullRom here would add about 80 MB and 150 ms per 12 MP
// photo. BenchmarkResize measures all four combinations.
var interpolator draw.Interpolator = draw.ApproxBiLinear

func fillWhite(m *image.RGBA) {
	for i := range m.Pix {
		m.Pix[i] = 0xFF
	}
}

// boxShrink returns src reduced k times in each direction by averaging k×k
// blocks, with any transparency laid over white. Up to k-1 rows and columns
// at the right and bottom edges that do not fill a block are dropped; at
// k ≤ 8 (a 12000-pixel side to 1600) that is invisible.
func boxShrink(src image.Image, k int) *image.RGBA {
	sb := src.Bounds()
	dw, dh := sb.Dx()/k, sb.Dy()/k
	dst := image.NewRGBA(image.Rect(0, 0, dw, dh))
	switch s := src.(type) {
	case *image.YCbCr:
		if sb.Min.X >= 0 && sb.Min.Y >= 0 { // the shifts assume it
			boxYCbCr(dst, s, k)
			return dst
		}
	case *image.NRGBA:
		boxNRGBA(dst, s, k)
		return dst
	case *image.RGBA:
		boxRGBA(dst, s, k)
		return dst
	}
	boxGeneric(dst, src, k)
	return dst
}

// boxYCbCr averages in Y'CbCr, which is a linear function of R'G'B', and
// converts once per output pixel. It works a row of blocks at a time over
// contiguous memory; the chroma planes are read through a column table and
// the subsampling shifts, so every ratio the decoders produce works and a
// chroma sample counts once for each luma pixel of the block it covers.
func boxYCbCr(dst *image.RGBA, s *image.YCbCr, k int) {
	var hs, vs int // chroma shift, horizontal and vertical
	switch s.SubsampleRatio {
	case image.YCbCrSubsampleRatio422:
		hs = 1
	case image.YCbCrSubsampleRatio420:
		hs, vs = 1, 1
	case image.YCbCrSubsampleRatio440:
		vs = 1
	case image.YCbCrSubsampleRatio411:
		hs = 2
	case image.YCbCrSubsampleRatio410:
		hs, vs = 2, 1
	}
	r := s.Rect
	dw, dh := dst.Rect.Dx(), dst.Rect.Dy()
	accY := make([]uint32, dw)
	accCb := make([]uint32, dw)
	accCr := make([]uint32, dw)
	sumRows := func(acc []uint32, row []byte, k int) {
		switch k { // 1 and 2 are the 12 MP case: twice as fast unrolled
		case 1:
			row = row[:len(acc)]
			for ox := range acc {
				acc[ox] += uint32(row[ox])
			}
			return
		case 2:
			row = row[:len(acc)*2]
			for ox := range acc {
				acc[ox] += uint32(row[2*ox]) + uint32(row[2*ox+1])
			}
			return
		}
		for ox := range acc {
			var t uint32
			for _, v := range row[ox*k : ox*k+k] {
				t += uint32(v)
			}
			acc[ox] += t
		}
	}
	// When blocks are whole chroma samples (k a multiple of the subsampling
	// and an aligned origin, the usual case) the chroma planes are averaged
	// like the luma one, over k/2×k/2 samples for 4:2:0; otherwise each luma
	// pixel looks its chroma sample up through a column table.
	kx, ky := k>>hs, k>>vs
	aligned := kx<<hs == k && ky<<vs == k && r.Min.X>>hs<<hs == r.Min.X && r.Min.Y>>vs<<vs == r.Min.Y
	var cx []int32
	if !aligned {
		// cx[x] is the chroma column of source column x, as in COffset.
		cx = make([]int32, dw*k)
		for x := range cx {
			cx[x] = int32((r.Min.X+x)>>hs - r.Min.X>>hs)
		}
	}
	n, nc := uint32(k*k), uint32(kx*ky)
	if !aligned {
		nc = n
	}
	for oy := 0; oy < dh; oy++ {
		clear(accY)
		clear(accCb)
		clear(accCr)
		for y := oy * k; y < oy*k+k; y++ {
			sumRows(accY, s.Y[y*s.YStride:], k)
		}
		if aligned {
			for cy := oy * ky; cy < oy*ky+ky; cy++ {
				sumRows(accCb, s.Cb[cy*s.CStride:], kx)
				sumRows(accCr, s.Cr[cy*s.CStride:], kx)
			}
		} else {
			for y := oy * k; y < oy*k+k; y++ {
				c := ((r.Min.Y+y)>>vs - r.Min.Y>>vs) * s.CStride
				cbrow, crrow := s.Cb[c:], s.Cr[c:]
				for ox := range accCb {
					var tb, tr uint32
					for _, i := range cx[ox*k : ox*k+k] {
						tb += uint32(cbrow[i])
						tr += uint32(crrow[i])
					}
					accCb[ox] += tb
					accCr[ox] += tr
				}
			}
		}
		d := dst.Pix[oy*dst.Stride : oy*dst.Stride+dw*4]
		for ox := range accY {
			cr, cg, cb := color.YCbCrToRGB(uint8((accY[ox]+n/2)/n), uint8((accCb[ox]+nc/2)/nc), uint8((accCr[ox]+nc/2)/nc))
			p := d[ox*4 : ox*4+4]
			p[0], p[1], p[2], p[3] = cr, cg, cb, 0xFF
		}
	}
}

// boxNRGBA lays each pixel over white before averaging:
// c' = (c·a + 255·(255−a)) / 255, summed exactly and divided once.
func boxNRGBA(dst *image.RGBA, s *image.NRGBA, k int) {
	n := uint32(k*k) * 255
	half := n / 2
	for oy := 0; oy < dst.Rect.Dy(); oy++ {
		d := dst.Pix[oy*dst.Stride:]
		for ox := 0; ox < dst.Rect.Dx(); ox++ {
			var sr, sg, sb uint32
			for y := oy * k; y < oy*k+k; y++ {
				p := s.Pix[y*s.Stride+ox*k*4 : y*s.Stride+(ox*k+k)*4]
				for i := 0; i+3 < len(p); i += 4 {
					a := uint32(p[i+3])
					w := 255 * (255 - a)
					sr += uint32(p[i])*a + w
					sg += uint32(p[i+1])*a + w
					sb += uint32(p[i+2])*a + w
				}
			}
			d[ox*4+0] = uint8((sr + half) / n)
			d[ox*4+1] = uint8((sg + half) / n)
			d[ox*4+2] = uint8((sb + half) / n)
			d[ox*4+3] = 0xFF
		}
	}
}

// boxRGBA is boxNRGBA for premultiplied pixels: over white, c' = c + 255 − a.
func boxRGBA(dst *image.RGBA, s *image.RGBA, k int) {
	n := uint32(k * k)
	half := n / 2
	for oy := 0; oy < dst.Rect.Dy(); oy++ {
		d := dst.Pix[oy*dst.Stride:]
		for ox := 0; ox < dst.Rect.Dx(); ox++ {
			var sr, sg, sb uint32
			for y := oy * k; y < oy*k+k; y++ {
				p := s.Pix[y*s.Stride+ox*k*4 : y*s.Stride+(ox*k+k)*4]
				for i := 0; i+3 < len(p); i += 4 {
					w := 255 - uint32(p[i+3])
					sr += uint32(p[i]) + w
					sg += uint32(p[i+1]) + w
					sb += uint32(p[i+2]) + w
				}
			}
			d[ox*4+0] = uint8(min((sr+half)/n, 255))
			d[ox*4+1] = uint8(min((sg+half)/n, 255))
			d[ox*4+2] = uint8(min((sb+half)/n, 255))
			d[ox*4+3] = 0xFF
		}
	}
}

// boxGeneric handles the rarer decoder outputs (paletted, grey, 16-bit,
// CMYK, Y'CbCr with alpha) through RGBA64At, which every image type in the
// standard library implements without allocating.
func boxGeneric(dst *image.RGBA, src image.Image, k int) {
	sb := src.Bounds()
	at := func(x, y int) color.RGBA64 {
		r, g, b, a := src.At(x, y).RGBA()
		return color.RGBA64{uint16(r), uint16(g), uint16(b), uint16(a)}
	}
	if s, ok := src.(image.RGBA64Image); ok {
		at = s.RGBA64At
	}
	n := uint64(k*k) * 0x101
	half := n / 2
	for oy := 0; oy < dst.Rect.Dy(); oy++ {
		d := dst.Pix[oy*dst.Stride:]
		for ox := 0; ox < dst.Rect.Dx(); ox++ {
			var sr, sg, sbl uint64
			x0, y0 := sb.Min.X+ox*k, sb.Min.Y+oy*k
			for y := y0; y < y0+k; y++ {
				for x := x0; x < x0+k; x++ {
					c := at(x, y)
					w := 0xFFFF - uint64(c.A)
					sr += uint64(c.R) + w
					sg += uint64(c.G) + w
					sbl += uint64(c.B) + w
				}
			}
			d[ox*4+0] = uint8(min((sr+half)/n, 255))
			d[ox*4+1] = uint8(min((sg+half)/n, 255))
			d[ox*4+2] = uint8(min((sbl+half)/n, 255))
			d[ox*4+3] = 0xFF
		}
	}
}

// orient returns m turned upright according to an EXIF orientation value
// (see tagOrientation). It returns m itself for 1 and unknown values.
func orient(m *image.RGBA, o int) *image.RGBA {
	if o < 2 || o > 8 {
		return m
	}
	w, h := m.Rect.Dx(), m.Rect.Dy()
	dw, dh := w, h
	if o >= 5 {
		dw, dh = h, w
	}
	dst := image.NewRGBA(image.Rect(0, 0, dw, dh))
	for y := 0; y < dh; y++ {
		for x := 0; x < dw; x++ {
			// (sx, sy) is the stored pixel shown at (x, y).
			var sx, sy int
			switch o {
			case 2: // mirror
				sx, sy = w-1-x, y
			case 3: // 180°
				sx, sy = w-1-x, h-1-y
			case 4: // flip
				sx, sy = x, h-1-y
			case 5: // transpose
				sx, sy = y, x
			case 6: // 90° clockwise
				sx, sy = y, h-1-x
			case 7: // transverse
				sx, sy = w-1-y, h-1-x
			case 8: // 90° counter-clockwise
				sx, sy = w-1-y, x
			}
			si := m.PixOffset(m.Rect.Min.X+sx, m.Rect.Min.Y+sy)
			di := y*dst.Stride + x*4
			copy(dst.Pix[di:di+4], m.Pix[si:si+4])
		}
	}
	return dst
}
