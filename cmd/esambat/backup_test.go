package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"log/slog"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/esambat/esambat/sqldb"
)

// bkResident is a resident signed up through the JSON API.
type bkResident struct {
	nik, phone, password, token string
}

func bkRegister(t *testing.T, base string, i int) bkResident {
	t.Helper()
	r := bkResident{nik: fmt.Sprintf("35750112039%05d", i+1), phone: fmt.Sprintf("0812345%05d", i+1), password: "kata-sandi-rahasia"}
	code, m := bkPost(base, "/api/v1/auth/register", "", fmt.Sprintf(
		`{"nik":%q,"name":"Warga %d","phone":%q,"password":%q,"kelurahan_code":"35.75.02.1001"}`, r.nik, i+1, r.phone, r.password))
	if code != 201 {
		t.Fatalf("register resident %d = %d %v", i, code, m)
	}
	r.token, _ = m["token"].(string)
	return r
}

// bkPost posts JSON and returns the status and the decoded body.
func bkPost(base, path, token, body string) (int, map[string]any) {
	req, _ := http.NewRequest("POST", base+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return -1, map[string]any{"transport": err.Error()}
	}
	defer resp.Body.Close()
	var m map[string]any
	json.NewDecoder(resp.Body).Decode(&m)
	return resp.StatusCode, m
}

// bkSubmit files a report and attaches one photo; it returns the ticket
// and whether the photo was accepted.
func bkSubmit(base, token string, n int) (ticket string, photo bool, err error) {
	code, m := bkPost(base, "/api/v1/reports", token, fmt.Sprintf(
		`{"category":"pendidikan","title":"Pungutan seragam nomor %d","description":"Ada pungutan seragam yang tidak jelas dasarnya, laporan %d."}`, n, n))
	if code != 201 {
		return "", false, fmt.Errorf("submit = %d %v", code, m)
	}
	ticket, _ = m["ticket"].(string)
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("photo", "foto.jpg")
	fw.Write(bkJPEG(n))
	mw.Close()
	req, _ := http.NewRequest("POST", base+"/api/v1/reports/"+ticket+"/photos", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return ticket, false, err
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 201 {
		return ticket, false, fmt.Errorf("photo for %s = %d %s", ticket, resp.StatusCode, b)
	}
	return ticket, true, nil
}

// bkJPEG is a 640×480 photo, different for every seed.
func bkJPEG(seed int) []byte {
	rng := rand.New(rand.NewPCG(uint64(seed), 7))
	img := image.NewRGBA(image.Rect(0, 0, 640, 480))
	base := color.RGBA{uint8(rng.IntN(256)), uint8(rng.IntN(256)), uint8(rng.IntN(256)), 255}
	for y := 0; y < 480; y++ {
		for x := 0; x < 640; x++ {
			d := uint8(rng.IntN(48))
			img.Set(x, y, color.RGBA{base.R + d + uint8(x/5), base.G + d + uint8(y/4), base.B + d, 255})
		}
	}
	var b bytes.Buffer
	jpeg.Encode(&b, img, &jpeg.Options{Quality: 85})
	return b.Bytes()
}

// bkOpen opens (and migrates) the SQLite database of a data directory.
func bkOpen(t *testing.T, dir string) *sqldb.DB {
	t.Helper()
	db, err := openDB(context.Background(), Config{DataDir: dir}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// bkReports returns ticket -> title of every report.
func bkReports(t *testing.T, db *sqldb.DB) map[string]string {
	t.Helper()
	rows, err := db.Read.Query(`SELECT ticket, title FROM reports`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var ticket, title string
		if err := rows.Scan(&ticket, &title); err != nil {
			t.Fatal(err)
		}
		out[ticket] = title
	}
	return out
}

// bkCheckPhotos checks that every photo row of every report has both
// renditions in dir's photos/, each hashing to its key; it returns the
// number of photo rows and the tickets that have photos.
func bkCheckPhotos(t *testing.T, db *sqldb.DB, dir string) (int, map[string]bool) {
	t.Helper()
	ctx := context.Background()
	rows, err := db.Read.Query(`SELECT id, ticket FROM reports`)
	if err != nil {
		t.Fatal(err)
	}
	type rep struct {
		id     int64
		ticket string
	}
	var reps []rep
	for rows.Next() {
		var r rep
		rows.Scan(&r.id, &r.ticket)
		reps = append(reps, r)
	}
	rows.Close()
	n := 0
	with := map[string]bool{}
	for _, r := range reps {
		photos, err := db.ListPhotos(ctx, r.id)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range photos {
			n++
			with[r.ticket] = true
			for _, key := range []string{p.Key, p.ThumbKey} {
				b, err := os.ReadFile(filepath.Join(dir, "photos", key[0:2], key[2:4], key+".jpg"))
				if err != nil {
					t.Errorf("report %s: photo file missing: %v", r.ticket, err)
					continue
				}
				if sum := sha256.Sum256(b); hex.EncodeToString(sum[:]) != key {
					t.Errorf("report %s: photo %s does not hash to its key", r.ticket, key)
				}
			}
		}
	}
	return n, with
}

// bkMember is one entry of an archive, for tests that rewrite archives.
type bkMember struct {
	hdr  *tar.Header
	data []byte
}

func bkReadArchive(t *testing.T, file string) []bkMember {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	var out []bkMember
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return out
		} else if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, bkMember{hdr, b})
	}
}

func bkWriteArchive(t *testing.T, file string, members []bkMember) {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for _, m := range members {
		h := *m.hdr
		if h.Typeflag == tar.TypeReg {
			h.Size = int64(len(m.data))
		}
		if err := tw.WriteHeader(&h); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(m.data); err != nil {
			t.Fatal(err)
		}
	}
	tw.Close()
	gz.Close()
	if err := os.WriteFile(file, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
}

func bkManifest(t *testing.T, members []bkMember) backupManifest {
	t.Helper()
	for _, m := range members {
		if m.hdr.Name == memberManifest {
			var bm backupManifest
			if err := json.Unmarshal(m.data, &bm); err != nil {
				t.Fatal(err)
			}
			return bm
		}
	}
	t.Fatal("no manifest in the archive")
	return backupManifest{}
}

// TestBackupRestoreUnderLoad: residents keep filing reports with photos
// while "esambat backup" runs in the same process on the same data
// directory. The archive restores into a fresh directory with every
// report of its snapshot, their photo files, intact audit chains and the
// same master key.
func TestBackupRestoreUnderLoad(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	getenv := env("ESAMBAT_DATA_DIR", dir, "ESAMBAT_RATE_LIMIT", "1000000,1000000,1000000", "ESAMBAT_ROUTING_RETRAIN", "0", "ESAMBAT_LOG_LEVEL", "warn")
	base, stop := boot(t, getenv)
	const writers = 4
	residents := make([]bkResident, writers)
	for i := range residents {
		residents[i] = bkRegister(t, base, i)
	}

	// acked holds the reports whose photo the server acknowledged: both
	// are committed.
	var mu sync.Mutex
	var acked, own0 []string // own0: resident 0's
	var nAcked atomic.Int64
	quit := make(chan struct{})
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-quit:
					return
				default:
				}
				ticket, _, err := bkSubmit(base, residents[w].token, w*100000+i)
				if err != nil {
					t.Errorf("writer %d: %v", w, err)
					return
				}
				mu.Lock()
				acked = append(acked, ticket)
				if w == 0 {
					own0 = append(own0, ticket)
				}
				mu.Unlock()
				nAcked.Add(1)
			}
		}()
	}
	deadline := time.Now().Add(60 * time.Second)
	for nAcked.Load() < 60 && time.Now().Before(deadline) && !t.Failed() {
		time.Sleep(20 * time.Millisecond)
	}
	mu.Lock()
	before := append([]string(nil), acked...)
	mine := own0[0]
	mu.Unlock()

	archive := filepath.Join(t.TempDir(), "esambat-backup.tar.gz")
	var out, errb bytes.Buffer
	code := run(ctx, []string{"backup", "--out", archive}, nil, &out, &errb, getenv)
	during := nAcked.Load() - int64(len(before))
	// Keep writing a little after the backup, then stop.
	time.Sleep(200 * time.Millisecond)
	close(quit)
	wg.Wait()
	if code != 0 {
		t.Fatalf("backup = %d\nstdout: %s\nstderr: %s", code, out.String(), errb.String())
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	t.Logf("%s", strings.TrimSpace(out.String()))
	if !regexp.MustCompile(`^backup .+: \d+ reports, \d+ events, \d+ photos \(\d+ files\), .+ in .+\n$`).MatchString(out.String()) {
		t.Errorf("summary line = %q", out.String())
	}
	if st, err := os.Stat(archive); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("archive: %v, mode %v; want 0600 (it holds the key)", err, st.Mode())
	}
	if _, err := os.Stat(archive + ".tmp"); err == nil {
		t.Error("the temporary archive was left behind")
	}
	leftovers, _ := filepath.Glob(filepath.Join(filepath.Dir(archive), ".esambat-snapshot-*"))
	if len(leftovers) > 0 {
		t.Errorf("snapshot files left behind: %v", leftovers)
	}
	man := bkManifest(t, bkReadArchive(t, archive))
	live := bkReports(t, bkOpen(t, dir))
	t.Logf("reports acknowledged before the backup: %d, during it: %d; in the snapshot: %d; at the end: %d",
		len(before), during, man.Reports, len(live))

	restored := filepath.Join(t.TempDir(), "restored")
	out.Reset()
	errb.Reset()
	if code := run(ctx, []string{"restore", "--in", archive, "--data", restored}, nil, &out, &errb, getenv); code != 0 {
		t.Fatalf("restore = %d\nstdout: %s\nstderr: %s", code, out.String(), errb.String())
	}
	t.Logf("%s", strings.TrimSpace(out.String()))
	if !strings.Contains(out.String(), "every chain intact") {
		t.Errorf("restore output = %q", out.String())
	}
	if _, err := os.Stat(restored + ".partial"); err == nil {
		t.Error("the staging directory was left behind")
	}

	rdb := bkOpen(t, restored)
	got := bkReports(t, rdb)
	if int64(len(got)) != man.Reports {
		t.Errorf("restored %d reports; the manifest says %d", len(got), man.Reports)
	}
	if len(got) < len(before) || len(got) > len(live) {
		t.Errorf("restored %d reports; want between %d (acknowledged before the backup) and %d (at the end)", len(got), len(before), len(live))
	}
	for ticket, title := range got {
		if live[ticket] != title {
			t.Errorf("restored report %s %q is not the live one (%q)", ticket, title, live[ticket])
		}
	}
	nPhotos, withPhotos := bkCheckPhotos(t, rdb, restored)
	if int64(nPhotos) != man.PhotoRows || nPhotos < len(before) {
		t.Errorf("restored %d photos; the manifest says %d, and %d were acknowledged before the backup", nPhotos, man.PhotoRows, len(before))
	}
	for _, ticket := range before {
		if _, ok := got[ticket]; !ok {
			t.Errorf("report %s, acknowledged before the backup began, is not in it", ticket)
		} else if !withPhotos[ticket] {
			t.Errorf("report %s lost the photo acknowledged before the backup began", ticket)
		}
	}
	if len(man.MissingPhotos) > 0 {
		t.Errorf("backup reports missing photos: %v", man.MissingPhotos)
	}
	k1, _ := os.ReadFile(filepath.Join(dir, "secret.key"))
	k2, _ := os.ReadFile(filepath.Join(restored, "secret.key"))
	if len(k1) == 0 || !bytes.Equal(k1, k2) {
		t.Error("secret.key not restored")
	}
	rdb.Close()

	renv := env("ESAMBAT_DATA_DIR", restored, "ESAMBAT_ROUTING_RETRAIN", "0", "ESAMBAT_LOG_LEVEL", "warn")
	out.Reset()
	if code := run(ctx, []string{"audit", "verify"}, nil, &out, io.Discard, renv); code != 0 || !strings.Contains(out.String(), "every chain intact") {
		t.Errorf("audit verify on the restored dir = %d %q", code, out.String())
	}

	// The restored server: the resident logs in with the same password;
	// the same NIK is recognised (its keyed hash needs the same key); the
	// photos are served; new reports are numbered on.
	rbase, _ := boot(t, renv)
	r := residents[0]
	code, m := bkPost(rbase, "/api/v1/auth/token", "", fmt.Sprintf(`{"login":%q,"password":%q}`, r.phone, r.password))
	if code != 200 || m["token"] == nil {
		t.Fatalf("login on the restored server = %d %v", code, m)
	}
	token := m["token"].(string)
	code, m = bkPost(rbase, "/api/v1/auth/register", "", fmt.Sprintf(
		`{"nik":%q,"name":"Warga Lain","phone":"081299990001","password":"kata-sandi-lain","kelurahan_code":"35.75.02.1001"}`, r.nik))
	if code != 409 {
		t.Errorf("second sign-up with the same NIK on the restored server = %d %v; want 409 (secret.key not the same?)", code, m)
	}
	req, _ := http.NewRequest("GET", rbase+"/api/v1/reports/"+mine, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var rep struct{ Photos []string }
	json.NewDecoder(resp.Body).Decode(&rep)
	resp.Body.Close()
	if resp.StatusCode != 200 || len(rep.Photos) == 0 {
		t.Errorf("GET report %s on the restored server = %d, photos %v", mine, resp.StatusCode, rep.Photos)
	} else {
		// The URL carries --base-url; fetch its path from this server.
		p, _ := url.Parse(rep.Photos[0])
		req, _ := http.NewRequest("GET", rbase+p.Path, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !bytes.HasPrefix(b, []byte{0xff, 0xd8}) {
			t.Errorf("GET %s on the restored server = %d, %d bytes", p.Path, resp.StatusCode, len(b))
		}
	}
	if _, _, err := bkSubmit(rbase, token, 999999); err != nil {
		t.Errorf("new report on the restored server: %v", err)
	}
}

// bkSmallBackup makes a data directory with one report and its photo
// and backs it up; it returns the archive.
func bkSmallBackup(t *testing.T) string {
	archive, _ := bkSmallData(t)
	return archive
}

// bkSmallData is bkSmallBackup that also returns the data directory.
func bkSmallData(t *testing.T) (archive, dir string) {
	t.Helper()
	dir = t.TempDir()
	getenv := env("ESAMBAT_DATA_DIR", dir, "ESAMBAT_ROUTING_RETRAIN", "0", "ESAMBAT_LOG_LEVEL", "warn")
	base, stop := boot(t, getenv)
	r := bkRegister(t, base, 0)
	if _, _, err := bkSubmit(base, r.token, 1); err != nil {
		t.Fatal(err)
	}
	archive = filepath.Join(t.TempDir(), "backup.tar.gz")
	var errb bytes.Buffer
	if code := run(context.Background(), []string{"backup", "--out", archive}, nil, io.Discard, &errb, getenv); code != 0 {
		t.Fatalf("backup = %d %s", code, errb.String())
	}
	stop()
	return archive, dir
}

// TestBackupPhotosDir: photos/ may be a link to another disk; a photo
// file lost from it is reported, not silently skipped; a stray file
// there is left out; the archive replaces an older one at the same path.
func TestBackupPhotosDir(t *testing.T) {
	archive, dir := bkSmallData(t)
	moved := filepath.Join(t.TempDir(), "photos-on-big-disk")
	if err := os.Rename(filepath.Join(dir, "photos"), moved); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(moved, filepath.Join(dir, "photos")); err != nil {
		t.Fatal(err)
	}
	getenv := env("ESAMBAT_DATA_DIR", dir)
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"backup", "--out", archive}, nil, &out, &errb, getenv); code != 0 || errb.Len() > 0 {
		t.Fatalf("backup with photos/ a link = %d %s", code, errb.String())
	}
	if man := bkManifest(t, bkReadArchive(t, archive)); man.PhotoFiles != 2 || man.PhotoRows != 1 {
		t.Errorf("photo files %d, rows %d; want 2, 1", man.PhotoFiles, man.PhotoRows)
	}
	lost, _ := filepath.Glob(filepath.Join(moved, "*", "*", "*.jpg"))
	if len(lost) != 2 {
		t.Fatalf("photo files: %v", lost)
	}
	os.Remove(lost[0])
	os.WriteFile(filepath.Join(moved, "README.txt"), []byte("stray"), 0o644)
	errb.Reset()
	if code := run(context.Background(), []string{"backup", "--out", archive}, nil, io.Discard, &errb, getenv); code != 0 {
		t.Fatalf("backup = %d %s", code, errb.String())
	}
	key := strings.TrimSuffix(filepath.Base(lost[0]), ".jpg")
	if !strings.Contains(errb.String(), "1 photo files the database references are missing") || !strings.Contains(errb.String(), "README.txt") {
		t.Errorf("warnings = %q", errb.String())
	}
	man := bkManifest(t, bkReadArchive(t, archive))
	if man.PhotoFiles != 1 || len(man.MissingPhotos) != 1 || man.MissingPhotos[0] != key {
		t.Errorf("manifest: %d photo files, missing %v; want 1 and [%s]", man.PhotoFiles, man.MissingPhotos, key)
	}
}

// TestRestoreRefuses: a restore that cannot be done safely writes
// nothing at all, and says why.
func TestRestoreRefuses(t *testing.T) {
	archive := bkSmallBackup(t)
	good := bkReadArchive(t, archive)
	photo := -1
	for i, m := range good {
		if strings.HasPrefix(m.hdr.Name, "photos/") {
			photo = i
			break
		}
	}
	if photo < 0 {
		t.Fatal("no photo in the archive")
	}
	// variant copies the good archive's members, lets fn change them and
	// writes the result.
	variant := func(fn func([]bkMember) []bkMember) string {
		ms := make([]bkMember, len(good))
		for i, m := range good {
			h := *m.hdr
			ms[i] = bkMember{&h, append([]byte(nil), m.data...)}
		}
		f := filepath.Join(t.TempDir(), "variant.tar.gz")
		bkWriteArchive(t, f, fn(ms))
		return f
	}
	withManifest := func(ms []bkMember, fn func(*backupManifest)) []bkMember {
		for i, m := range ms {
			if m.hdr.Name == memberManifest {
				bm := bkManifest(t, ms)
				fn(&bm)
				ms[i].data, _ = json.Marshal(bm)
			}
		}
		return ms
	}
	reg := func(name string, data []byte) bkMember {
		return bkMember{&tar.Header{Name: name, Mode: 0o644, Typeflag: tar.TypeReg, Size: int64(len(data))}, data}
	}
	sum := func(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }
	flipped := func() string {
		b, _ := os.ReadFile(archive)
		b[len(b)/2] ^= 0x40
		f := filepath.Join(t.TempDir(), "flipped.tar.gz")
		os.WriteFile(f, b, 0o600)
		return f
	}()
	evilAbs := filepath.Join(t.TempDir(), "evil-absolute")

	tests := []struct {
		name    string
		archive string
		want    string
	}{
		{"tampered database", variant(func(ms []bkMember) []bkMember {
			ms[0].data[len(ms[0].data)/2] ^= 1 // esambat.db comes first
			return ms
		}), "esambat.db does not match the manifest"},
		{"tampered photo, manifest updated to match", variant(func(ms []bkMember) []bkMember {
			ms[photo].data[100] ^= 1
			return withManifest(ms, func(bm *backupManifest) {
				for i := range bm.Files {
					if bm.Files[i].Name == ms[photo].hdr.Name {
						bm.Files[i].SHA256 = sum(ms[photo].data)
					}
				}
			})
		}), "does not match its name"},
		{"flipped byte in the compressed file", flipped, ""},
		{"../evil entry", variant(func(ms []bkMember) []bkMember {
			ms = append(ms[:1], append([]bkMember{reg("../evil", []byte("x"))}, ms[1:]...)...)
			return withManifest(ms, func(bm *backupManifest) {
				bm.Files = append(bm.Files, backupFile{Name: "../evil", Size: 1, SHA256: sum([]byte("x"))})
			})
		}), "outside the data directory"},
		{"photos/../../evil entry", variant(func(ms []bkMember) []bkMember {
			return append([]bkMember{reg("photos/../../evil", []byte("x"))}, ms...)
		}), "outside the data directory"},
		{"absolute entry", variant(func(ms []bkMember) []bkMember {
			return append([]bkMember{reg(evilAbs, []byte("x"))}, ms...)
		}), "absolute path"},
		{"symlink entry", variant(func(ms []bkMember) []bkMember {
			return append([]bkMember{{&tar.Header{Name: "routing-model.json", Typeflag: tar.TypeSymlink, Linkname: "/etc/passwd"}, nil}}, ms...)
		}), "is a link"},
		{"unknown entry", variant(func(ms []bkMember) []bkMember {
			return append(ms, reg("notes.txt", []byte("x")))
		}), "unexpected entry"},
		{"photo not in the manifest", variant(func(ms []bkMember) []bkMember {
			data := []byte("not really a photo")
			k := sum(data)
			return append(ms, reg("photos/"+k[0:2]+"/"+k[2:4]+"/"+k+".jpg", data))
		}), "not in the manifest"},
		{"no manifest", variant(func(ms []bkMember) []bkMember {
			return ms[:len(ms)-1]
		}), "no manifest.json"},
		{"member missing", variant(func(ms []bkMember) []bkMember {
			return append(ms[:photo], ms[photo+1:]...)
		}), "missing from the archive"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			parent := t.TempDir()
			target := filepath.Join(parent, "data")
			var out, errb bytes.Buffer
			code := run(context.Background(), []string{"restore", "--in", tt.archive, "--data", target}, nil, &out, &errb, env())
			if code == 0 || !strings.Contains(errb.String(), tt.want) {
				t.Errorf("restore = %d, stderr %q; want a failure mentioning %q", code, errb.String(), tt.want)
			}
			if entries, _ := os.ReadDir(parent); len(entries) > 0 {
				t.Errorf("a refused restore wrote %v", entries[0].Name())
			}
			if _, err := os.Stat(filepath.Join(filepath.Dir(parent), "evil")); err == nil {
				t.Error("../evil was written")
			}
			if _, err := os.Stat(evilAbs); err == nil {
				t.Error("the absolute entry was written")
			}
		})
	}

	t.Run("non-empty data directory", func(t *testing.T) {
		target := t.TempDir()
		os.WriteFile(filepath.Join(target, "esambat.db"), []byte("the live database"), 0o600)
		var errb bytes.Buffer
		code := run(context.Background(), []string{"restore", "--in", archive, "--data", target}, nil, io.Discard, &errb, env())
		if code == 0 || !strings.Contains(errb.String(), "is not empty") {
			t.Errorf("restore into a non-empty dir = %d %q", code, errb.String())
		}
		if entries, _ := os.ReadDir(target); len(entries) != 1 {
			t.Errorf("the non-empty dir now holds %d entries", len(entries))
		}
		if b, _ := os.ReadFile(filepath.Join(target, "esambat.db")); string(b) != "the live database" {
			t.Error("the existing database was touched")
		}
	})
	t.Run("interrupted earlier restore", func(t *testing.T) {
		target := filepath.Join(t.TempDir(), "data")
		os.Mkdir(target+".partial", 0o750)
		var errb bytes.Buffer
		if code := run(context.Background(), []string{"restore", "--in", archive, "--data", target}, nil, io.Discard, &errb, env()); code == 0 || !strings.Contains(errb.String(), "interrupted") {
			t.Errorf("restore beside a leftover .partial = %d %q", code, errb.String())
		}
		if _, err := os.Stat(target); err == nil {
			t.Error("the target was created")
		}
	})
	t.Run("existing empty directory", func(t *testing.T) {
		target := t.TempDir() // e.g. a mount point: restored in place
		var out, errb bytes.Buffer
		if code := run(context.Background(), []string{"restore", "--in", archive, "--data", target}, nil, &out, &errb, env()); code != 0 {
			t.Fatalf("restore into an empty dir = %d %s", code, errb.String())
		}
		entries, _ := os.ReadDir(target)
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		if got := strings.Join(names, " "); got != "esambat.db photos secret.key" {
			t.Errorf("restored dir holds %q", got)
		}
		if st, err := os.Stat(filepath.Join(target, "secret.key")); err != nil || st.Mode().Perm() != 0o600 {
			t.Errorf("secret.key: %v %v", err, st)
		}
		n, _ := bkCheckPhotos(t, bkOpen(t, target), target)
		if n != 1 {
			t.Errorf("%d photos restored, want 1", n)
		}
	})
	t.Run("PostgreSQL", func(t *testing.T) {
		for _, cmd := range [][]string{{"backup", "--out", filepath.Join(t.TempDir(), "x.tar.gz")}, {"restore", "--in", archive}} {
			var errb bytes.Buffer
			code := run(context.Background(), cmd, nil, io.Discard, &errb, env("ESAMBAT_DATABASE_URL", "postgres://nobody@127.0.0.1:1/none", "ESAMBAT_DATA_DIR", t.TempDir()))
			if code == 0 || !strings.Contains(errb.String(), "pg_dump") || !strings.Contains(errb.String(), "Backup and restore") {
				t.Errorf("%s on PostgreSQL = %d %q; want a pointer to pg_dump and the README", cmd[0], code, errb.String())
			}
		}
	})
}

// pgTool finds a PostgreSQL client program: on $PATH (Debian's wrapper
// picks the newest installed version) or in /usr/lib/postgresql/*/bin.
func pgTool(t *testing.T, name string) string {
	t.Helper()
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	if ps, _ := filepath.Glob("/usr/lib/postgresql/*/bin/" + name); len(ps) > 0 {
		return ps[len(ps)-1]
	}
	t.Fatalf("%s not found on $PATH or in /usr/lib/postgresql/*/bin: install the PostgreSQL client (apt-get install postgresql-client) to run the PostgreSQL backup test", name)
	return ""
}

// TestBackupRestorePostgres follows the README's PostgreSQL procedure: a
// schema with reports made through the app is dumped with pg_dump
// --format=custom, restored with pg_restore into a new database, and the
// app pointed at it (with a copy of the data directory's photos and key)
// finds the same reports and intact audit chains.
func TestBackupRestorePostgres(t *testing.T) {
	dsn := os.Getenv("ESAMBAT_TEST_POSTGRES_DSN")
	if dsn == "" {
		t.Skip("PostgreSQL backup suite skipped: set ESAMBAT_TEST_POSTGRES_DSN to run it (CI does)")
	}
	pgDump, pgRestore := pgTool(t, "pg_dump"), pgTool(t, "pg_restore")
	ctx := context.Background()
	src := freshSchema(t, dsn)
	u, err := url.Parse(src)
	if err != nil {
		t.Fatal(err)
	}
	schema := u.Query().Get("search_path")
	dataDir := t.TempDir()
	getenv := env("ESAMBAT_DATABASE_URL", src, "ESAMBAT_DATA_DIR", dataDir, "ESAMBAT_ROUTING_RETRAIN", "0", "ESAMBAT_LOG_LEVEL", "warn")
	base, stop := boot(t, getenv)
	r := bkRegister(t, base, 0)
	for i := range 5 {
		if _, _, err := bkSubmit(base, r.token, i); err != nil {
			t.Fatal(err)
		}
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}

	// pg_dump takes the server's DSN; search_path is the app's own
	// parameter, not libpq's, so it is dropped and --schema names it.
	dump := filepath.Join(t.TempDir(), "esambat.dump")
	q := u.Query()
	q.Del("search_path")
	u.RawQuery = q.Encode()
	if b, err := exec.CommandContext(ctx, pgDump, "--format=custom", "--schema="+schema, "--no-owner", "--file="+dump, "--dbname="+u.String()).CombinedOutput(); err != nil {
		t.Fatalf("pg_dump: %v\n%s", err, b)
	}
	dbname := fmt.Sprintf("esambat_restore_%d", time.Now().UnixNano()%1e9)
	if err := pgExec(dsn, "CREATE DATABASE "+dbname); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pgExec(dsn, "DROP DATABASE IF EXISTS "+dbname+" WITH (FORCE)") })
	ru := *u
	ru.Path = "/" + dbname
	if b, err := exec.CommandContext(ctx, pgRestore, "--no-owner", "--exit-on-error", "--dbname="+ru.String(), dump).CombinedOutput(); err != nil {
		t.Fatalf("pg_restore: %v\n%s", err, b)
	}
	rq := ru.Query()
	rq.Set("search_path", schema)
	ru.RawQuery = rq.Encode()
	restoredDSN := ru.String()

	// The data directory goes with the dump: photos and secret.key.
	restoredData := t.TempDir()
	if err := os.CopyFS(restoredData, os.DirFS(dataDir)); err != nil {
		t.Fatal(err)
	}

	open := func(d string) *sqldb.DB {
		db, err := openDB(ctx, Config{DatabaseURL: d}, slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	orig, restored := bkReports(t, open(src)), bkReports(t, open(restoredDSN))
	if len(orig) != 5 || len(restored) != len(orig) {
		t.Errorf("restored %d reports of %d", len(restored), len(orig))
	}
	for ticket, title := range orig {
		if restored[ticket] != title {
			t.Errorf("report %s: restored %q, want %q", ticket, restored[ticket], title)
		}
	}
	if n, _ := bkCheckPhotos(t, open(restoredDSN), restoredData); n != 5 {
		t.Errorf("%d photos restored, want 5", n)
	}
	renv := env("ESAMBAT_DATABASE_URL", restoredDSN, "ESAMBAT_DATA_DIR", restoredData, "ESAMBAT_ROUTING_RETRAIN", "0", "ESAMBAT_LOG_LEVEL", "warn")
	var out bytes.Buffer
	if code := run(ctx, []string{"audit", "verify"}, nil, &out, io.Discard, renv); code != 0 || !strings.Contains(out.String(), "every chain intact") {
		t.Errorf("audit verify on the restored database = %d %q", code, out.String())
	}
	rbase, _ := boot(t, renv)
	code, m := bkPost(rbase, "/api/v1/auth/token", "", fmt.Sprintf(`{"login":%q,"password":%q}`, r.phone, r.password))
	if code != 200 || m["token"] == nil {
		t.Fatalf("login on the restored database = %d %v", code, m)
	}
	token := m["token"].(string)
	code, m = bkPost(rbase, "/api/v1/auth/register", "", fmt.Sprintf(
		`{"nik":%q,"name":"Warga Lain","phone":"081299990001","password":"kata-sandi-lain","kelurahan_code":"35.75.02.1001"}`, r.nik))
	if code != 409 {
		t.Errorf("second sign-up with the same NIK = %d %v; want 409", code, m)
	}
	// Sequences came back with the data: new reports get new numbers.
	if _, _, err := bkSubmit(rbase, token, 6); err != nil {
		t.Errorf("new report on the restored database: %v", err)
	}
}

// TestRestoreBrokenAudit: a backup whose audit trail was altered is not
// restored unless the operator asks for it, to investigate.
func TestRestoreBrokenAudit(t *testing.T) {
	_, dir := bkSmallData(t)
	if err := sqliteExec(filepath.Join(dir, "esambat.db"),
		`DROP TRIGGER events_no_update`, `UPDATE events SET public_text = 'Laporan sudah selesai.' WHERE seq = 1`); err != nil {
		t.Fatal(err)
	}
	archive := filepath.Join(t.TempDir(), "broken.tar.gz")
	if code := run(context.Background(), []string{"backup", "--out", archive, "--data", dir}, nil, io.Discard, io.Discard, env()); code != 0 {
		t.Fatal("backup failed")
	}
	parent := t.TempDir()
	target := filepath.Join(parent, "data")
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"restore", "--in", archive, "--data", target}, nil, &out, &errb, env())
	if code == 0 || !strings.Contains(errb.String(), "BROKEN at report 1, event 1") || !strings.Contains(errb.String(), "--allow-broken-audit") {
		t.Errorf("restore of a broken trail = %d %q", code, errb.String())
	}
	if entries, _ := os.ReadDir(parent); len(entries) > 0 {
		t.Errorf("the refused restore left %s", entries[0].Name())
	}
	out.Reset()
	if code := run(context.Background(), []string{"restore", "--in", archive, "--data", target, "--allow-broken-audit"}, nil, &out, io.Discard, env()); code != 0 || !strings.Contains(out.String(), "BROKEN at report 1, event 1") {
		t.Errorf("restore --allow-broken-audit = %d %q", code, out.String())
	}
	if _, err := os.Stat(filepath.Join(target, "esambat.db")); err != nil {
		t.Error(err)
	}
}
