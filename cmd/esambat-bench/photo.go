package main

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/esambat/esambat/media"
)

// phoneJPEG makes a 12-megapixel photo the way a phone stores a portrait
// shot: 4000×3000 pixels on disk with EXIF orientation 6 (turn 90°
// clockwise to view), a GPS position, and sensor-like noise on a scene of
// sky, buildings and a road, so that its size (about 3-5 MB at quality 92)
// and its decode time are those of a real upload.
func phoneJPEG() ([]byte, error) {
	const w, h = 4000, 3000
	m := image.NewYCbCr(image.Rect(0, 0, w, h), image.YCbCrSubsampleRatio420)
	seed := uint64(0x9E3779B97F4A7C15)
	rnd := func() int {
		seed ^= seed << 13
		seed ^= seed >> 7
		seed ^= seed << 17
		return int(seed % 17)
	}
	for y := range h {
		for x := range w {
			var v float64
			switch {
			case y < h/3: // sky
				v = 200 - 40*float64(y)/float64(h/3)
			case y < 2*h/3: // buildings: blocks with windows
				bx := x / 310
				v = 90 + float64(bx%5)*25
				if (x/37)%3 == 0 && (y/41)%2 == 0 {
					v -= 45
				}
			default: // road with texture and lane marks
				v = 70 + 18*math.Sin(float64(x)/23)*math.Sin(float64(y)/17)
				if (x/200)%2 == 0 && y > 5*h/6-20 && y < 5*h/6+20 {
					v = 235
				}
			}
			v += float64(rnd() - 8) // sensor noise
			m.Y[y*m.YStride+x] = uint8(max(0, min(255, int(v))))
		}
	}
	for y := range (h + 1) / 2 {
		for x := range (w + 1) / 2 {
			cb, cr := 128, 128
			switch {
			case y < h/6:
				cb, cr = 150, 115
			case y < h/3:
				cb, cr = 128+(x/150)%3*6, 128+(x/170)%4*5
			default:
				cb, cr = 120+rnd()/2, 132+rnd()/2
			}
			m.Cb[y*m.CStride+x] = uint8(cb)
			m.Cr[y*m.CStride+x] = uint8(cr)
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, m, &jpeg.Options{Quality: 92}); err != nil {
		return nil, err
	}
	data := buf.Bytes()
	// APP1 Exif right after SOI, as cameras write it.
	body := append([]byte("Exif\x00\x00"), exifTIFF(6)...)
	seg := []byte{0xFF, 0xE1, 0, 0}
	binary.BigEndian.PutUint16(seg[2:], uint16(len(body)+2))
	out := append([]byte{}, data[:2]...)
	out = append(out, seg...)
	out = append(out, body...)
	return append(out, data[2:]...), nil
}

// exifTIFF is a little-endian TIFF with IFD0 (Make, Orientation, GPS
// pointer) and a GPS IFD with latitude 7°38'43.21"S.
func exifTIFF(orientation int) []byte {
	le := binary.LittleEndian
	b := []byte{'I', 'I', 42, 0, 8, 0, 0, 0}
	entry := func(tag, typ uint16, count, value uint32) {
		b = le.AppendUint16(b, tag)
		b = le.AppendUint16(b, typ)
		b = le.AppendUint32(b, count)
		b = le.AppendUint32(b, value)
	}
	const gpsIFD = 50
	b = le.AppendUint16(b, 3)
	entry(0x010F, 2, 4, uint32('S')|uint32('M')<<8|uint32('G')<<16)
	entry(0x0112, 3, 1, uint32(orientation))
	entry(0x8825, 4, 1, gpsIFD)
	b = le.AppendUint32(b, 0)
	const data = 50 + 2 + 3*12 + 4
	b = le.AppendUint16(b, 3)
	entry(0x0001, 2, 2, 'S')
	entry(0x0002, 5, 3, data)
	entry(0x0003, 2, 2, 'E')
	b = le.AppendUint32(b, 0)
	for _, v := range []uint32{7, 1, 38, 1, 4321, 100} {
		b = le.AppendUint32(b, v)
	}
	return b
}

// photoChild is the child process that runs media.Process: "photo-child
// IN OUTDIR N" processes IN N times, writes the renditions of the last run
// to OUTDIR and prints the in-process durations as JSON. Running it in its
// own process lets the parent read its peak RSS from the kernel.
func photoChild(args []string) error {
	if len(args) != 3 {
		return errors.New("usage: esambat-bench photo-child IN OUTDIR N")
	}
	var n int
	if _, err := fmt.Sscan(args[2], &n); err != nil || n < 1 {
		return errors.New("photo-child: N must be a positive number")
	}
	in, err := os.ReadFile(args[0])
	if err != nil {
		return err
	}
	var times []float64
	var p *media.Processed
	for range n {
		t0 := time.Now()
		p, err = media.Process(bytes.NewReader(in), media.Limits{})
		if err != nil {
			return err
		}
		times = append(times, float64(time.Since(t0))/float64(time.Millisecond))
	}
	if err := os.WriteFile(filepath.Join(args[1], "web.jpg"), p.Web.Data, 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(args[1], "thumb.jpg"), p.Thumb.Data, 0o644); err != nil {
		return err
	}
	return json.NewEncoder(os.Stdout).Encode(map[string]any{"ms": times, "web": []int{p.Web.Width, p.Web.Height},
		"thumb": []int{p.Thumb.Width, p.Thumb.Height}, "web_bytes": len(p.Web.Data), "thumb_bytes": len(p.Thumb.Data)})
}

// procRun is one child process's wall time, CPU time and peak RSS.
type procRun struct {
	wall, cpu time.Duration
	maxRSS    int64
	stdout    []byte
}

func runProc(name string, args ...string) (procRun, error) {
	cmd := exec.Command(name, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	t0 := time.Now()
	err := cmd.Run()
	wall := time.Since(t0)
	if err != nil {
		return procRun{}, fmt.Errorf("%s %s: %v: %s", name, strings.Join(args, " "), err, errb.String())
	}
	ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	cpu := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	return procRun{wall: wall, cpu: cpu, maxRSS: ru.Maxrss << 10, stdout: out.Bytes()}, nil
}

// photoResult is the photo pipeline against ImageMagick.
type photoResult struct {
	inBytes                int
	inProcessMs            float64 // media.Process, median of runs inside one process
	ours, imOne, imTwo     procRun // medians per image, one process each
	oursSizes, imSizes     string
	imVersion, imThreading string
}

// benchPhoto times media.Process and ImageMagick on the same 12 MP JPEG,
// runs times each, every run in its own process.
func benchPhoto(self, convert, dir string, runs int) (photoResult, error) {
	var res photoResult
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return res, err
	}
	in := filepath.Join(dir, "phone-12mp.jpg")
	data, err := phoneJPEG()
	if err != nil {
		return res, err
	}
	res.inBytes = len(data)
	if err := os.WriteFile(in, data, 0o644); err != nil {
		return res, err
	}
	v, err := exec.Command(convert, "-version").Output()
	if err != nil || !bytes.Contains(v, []byte("ImageMagick")) {
		return res, fmt.Errorf("%s is not ImageMagick (%v): install the Debian package imagemagick", convert, err)
	}
	lines := strings.Split(string(v), "\n")
	res.imVersion = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(strings.TrimPrefix(lines[0], "Version:")), "ImageMagick"))
	for _, l := range lines {
		if strings.HasPrefix(l, "Features:") {
			if strings.Contains(l, "OpenMP") {
				res.imThreading = "OpenMP"
			}
		}
	}

	// In-process time of media.Process alone (5 runs in one process).
	r, err := runProc(self, "photo-child", in, dir, "5")
	if err != nil {
		return res, err
	}
	var child struct {
		Ms         []float64 `json:"ms"`
		Web, Thumb []int
		WebBytes   int `json:"web_bytes"`
		ThumbBytes int `json:"thumb_bytes"`
	}
	if err := json.Unmarshal(r.stdout, &child); err != nil {
		return res, err
	}
	slices.Sort(child.Ms)
	res.inProcessMs = child.Ms[len(child.Ms)/2]
	res.oursSizes = fmt.Sprintf("web %dx%d %d KB, thumb %dx%d %d KB", child.Web[0], child.Web[1], child.WebBytes>>10,
		child.Thumb[0], child.Thumb[1], child.ThumbBytes>>10)

	web, thumb := filepath.Join(dir, "im-web.jpg"), filepath.Join(dir, "im-thumb.jpg")
	var ours, one, two []procRun
	for range runs {
		// Ours: one process reads the file, processes it once, writes both.
		r, err := runProc(self, "photo-child", in, dir, "1")
		if err != nil {
			return res, err
		}
		ours = append(ours, r)
		// ImageMagick in one process: decode once, write both renditions.
		r, err = runProc(convert, in, "-auto-orient", "-strip", "-resize", "1600x1600>", "-quality", "82", "-write", web,
			"-resize", "320x320>", "-quality", "82", thumb)
		if err != nil {
			return res, err
		}
		one = append(one, r)
		// ImageMagick as two commands, one per rendition.
		a, err := runProc(convert, in, "-auto-orient", "-strip", "-resize", "1600x1600>", "-quality", "82", web)
		if err != nil {
			return res, err
		}
		b, err := runProc(convert, in, "-auto-orient", "-strip", "-resize", "320x320>", "-quality", "82", thumb)
		if err != nil {
			return res, err
		}
		two = append(two, procRun{wall: a.wall + b.wall, cpu: a.cpu + b.cpu, maxRSS: max(a.maxRSS, b.maxRSS)})
	}
	res.ours, res.imOne, res.imTwo = median(ours), median(one), median(two)
	res.imSizes = jpegSizes(web) + ", " + jpegSizes(thumb)
	return res, nil
}

// median returns the run with the median wall time (and the highest peak
// RSS of all runs).
func median(rs []procRun) procRun {
	peak := int64(0)
	for _, r := range rs {
		peak = max(peak, r.maxRSS)
	}
	slices.SortFunc(rs, func(a, b procRun) int { return int(a.wall - b.wall) })
	m := rs[len(rs)/2]
	m.maxRSS = peak
	return m
}

func jpegSizes(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return "?"
	}
	defer f.Close()
	cfg, err := jpeg.DecodeConfig(f)
	st, _ := f.Stat()
	if err != nil || st == nil {
		return "?"
	}
	return fmt.Sprintf("%s %dx%d %d KB", filepath.Base(path), cfg.Width, cfg.Height, st.Size()>>10)
}
