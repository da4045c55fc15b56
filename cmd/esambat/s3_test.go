package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rclone/gofakes3"
	"github.com/rclone/gofakes3/s3mem"
)

// startFakeS3 starts an S3 server with bucket "esambat" that checks
// every signature against one key pair, and returns it, its objects, and
// an environment with a new data dir and that key pair.
func startFakeS3(t *testing.T) (*httptest.Server, *s3mem.Backend, func(string) string) {
	t.Helper()
	backend := s3mem.New()
	if err := backend.CreateBucket(context.Background(), "esambat"); err != nil {
		t.Fatal(err)
	}
	fake := httptest.NewServer(gofakes3.New(backend, gofakes3.WithV4Auth(map[string]string{"AKIAKOTA": "rahasia-kota"}),
		gofakes3.WithLogger(gofakes3.DiscardLog())).Server())
	t.Cleanup(fake.Close)
	return fake, backend, env("ESAMBAT_DATA_DIR", t.TempDir(), "ESAMBAT_S3_ACCESS_KEY", "AKIAKOTA", "ESAMBAT_S3_SECRET_KEY", "rahasia-kota")
}

// TestPhotosInS3: the server started with --photo-store s3://… keeps the
// photos it receives in that object store, signed with the keys from the
// environment, none in the data dir, and serves them back from it; with
// the store gone, an upload is refused with 503, not lost silently.
func TestPhotosInS3(t *testing.T) {
	ctx := context.Background()
	fake, backend, getenv := startFakeS3(t)
	dir := getenv("ESAMBAT_DATA_DIR")
	base, _ := boot(t, getenv, "--photo-store", "s3://esambat/foto", "--s3-endpoint", fake.URL)

	code, m := bkPost(base, "/api/v1/auth/register", "", `{"nik":"3575011203900001","name":"Siti","phone":"081234567891",
		"password":"kata-sandi-rahasia","kelurahan_code":"35.75.02.1001"}`)
	token, _ := m["token"].(string)
	if code != 201 || token == "" {
		t.Fatalf("register = %d %v", code, m)
	}
	ticket, ok, err := bkSubmit(base, token, 1)
	if err != nil || !ok {
		t.Fatalf("a report with a photo: %v", err)
	}
	list, err := backend.ListBucket(ctx, "esambat", nil, gofakes3.ListBucketPage{})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Contents) != 2 { // the web size and the thumbnail
		t.Fatalf("the bucket holds %d objects, want the photo's two renditions", len(list.Contents))
	}
	var keys []string
	for _, o := range list.Contents {
		if !strings.HasPrefix(o.Key, "foto/") || !strings.HasSuffix(o.Key, ".jpg") {
			t.Errorf("object %q is not under the prefix", o.Key)
		}
		keys = append(keys, strings.TrimSuffix(strings.TrimPrefix(o.Key, "foto/"), ".jpg"))
	}
	if files, _ := filepath.Glob(filepath.Join(dir, "photos", "*", "*", "*.jpg")); len(files) != 0 {
		t.Errorf("photos were written to the data dir too: %v", files)
	}
	if _, err := os.Stat(filepath.Join(dir, "photos")); err == nil {
		t.Error("the data dir has a photos directory")
	}
	// Served back from the object store.
	served := 0
	for _, k := range keys {
		req, _ := http.NewRequest("GET", base+"/laporan/"+ticket+"/foto/"+k+".jpg", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode == 200 && resp.Header.Get("Content-Type") == "image/jpeg" {
			served++
		}
	}
	if served == 0 {
		t.Error("no rendition was served back from the object store")
	}
	// The store gone: the upload is refused, clearly, and a photo is
	// unavailable, not missing.
	fake.Close()
	if _, _, err := bkSubmit(base, token, 2); err == nil || !strings.Contains(err.Error(), "= 503") {
		t.Errorf("a photo with the object store down: %v, want 503", err)
	}
	req, _ := http.NewRequest("GET", base+"/laporan/"+ticket+"/foto/"+keys[0]+".jpg", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 503 || resp.Header.Get("Retry-After") == "" {
		t.Errorf("a photo read with the object store down: %v %v, want 503 with Retry-After", resp, err)
	} else {
		resp.Body.Close()
	}
	if _, body := get(t, base+"/metrics"); !strings.Contains(body, "esambat_photo_store_failures ") || strings.Contains(body, "esambat_photo_store_failures 0\n") {
		t.Error("/metrics does not count the object store's failures")
	}
}

// TestPhotoStoreConfig: an object store needs its endpoint and keys, and
// a location that names a bucket.
func TestPhotoStoreConfig(t *testing.T) {
	keys := env("ESAMBAT_S3_ACCESS_KEY", "AKIA", "ESAMBAT_S3_SECRET_KEY", "rahasia")
	for _, c := range []struct {
		args   []string
		getenv func(string) string
		want   string // "" = accepted
	}{
		{[]string{"--photo-store", "s3://esambat/foto", "--s3-endpoint", "https://s3.example.com"}, keys, ""},
		{[]string{"--photo-store", "s3://esambat", "--s3-endpoint", "http://127.0.0.1:9000", "--s3-virtual-host", "true"}, keys, ""},
		{[]string{"--photo-store", "s3://esambat"}, keys, "needs --s3-endpoint"},
		{[]string{"--photo-store", "s3://esambat", "--s3-endpoint", "https://s3.example.com"}, env(), "ESAMBAT_S3_SECRET_KEY"},
		{[]string{"--photo-store", "/srv/foto", "--s3-endpoint", "https://s3.example.com"}, keys, "s3://BUCKET"},
		{[]string{"--s3-virtual-host", "ya"}, env(), "true or false"},
	} {
		var stderr strings.Builder
		_, _, err := parseConfig("serve", c.args, c.getenv, &stderr)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%v: %v\n%s", c.args, err, stderr.String())
		case c.want != "" && (err == nil || !strings.Contains(err.Error()+stderr.String(), c.want)):
			t.Errorf("%v = %v, want an error naming %q", c.args, err, c.want)
		}
	}
}

// TestPhotosPush: "esambat photos push" copies the photos of a data dir
// into the object store, skips those already there when run again, and
// stops, naming the file, at one whose bytes do not match its key.
func TestPhotosPush(t *testing.T) {
	ctx := context.Background()
	fake, backend, getenv := startFakeS3(t)
	dir := getenv("ESAMBAT_DATA_DIR")
	// Photos taken the ordinary way, on the data dir.
	base, stop := boot(t, getenv)
	code, m := bkPost(base, "/api/v1/auth/register", "", `{"nik":"3575011203900001","name":"Siti","phone":"081234567891",
		"password":"kata-sandi-rahasia","kelurahan_code":"35.75.02.1001"}`)
	token, _ := m["token"].(string)
	if code != 201 {
		t.Fatalf("register = %d %v", code, m)
	}
	for i := 1; i <= 3; i++ {
		if _, _, err := bkSubmit(base, token, i); err != nil {
			t.Fatal(err)
		}
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "photos", "*", "*", "*.jpg"))
	if len(files) != 6 {
		t.Fatalf("%d photo files in the data dir, want 6", len(files))
	}
	push := func() (int, string, string) {
		var out, errb strings.Builder
		code := run(ctx, []string{"photos", "push", "--photo-store", "s3://esambat/foto", "--s3-endpoint", fake.URL}, nil, &out, &errb, getenv)
		return code, out.String(), errb.String()
	}
	if code, out, errb := push(); code != 0 || !strings.Contains(out, "6 photo files copied to s3://esambat/foto, 0 already there") {
		t.Fatalf("push = %d\n%s\n%s", code, out, errb)
	}
	list, _ := backend.ListBucket(ctx, "esambat", nil, gofakes3.ListBucketPage{})
	if len(list.Contents) != 6 {
		t.Errorf("the bucket holds %d objects, want 6", len(list.Contents))
	}
	if code, out, _ := push(); code != 0 || !strings.Contains(out, "0 photo files copied to s3://esambat/foto, 6 already there") {
		t.Errorf("push again = %d %s", code, out)
	}
	// A damaged file (its bytes no longer its key) is not copied.
	bad := files[0]
	key := strings.TrimSuffix(filepath.Base(bad), ".jpg")
	if _, err := backend.DeleteObject(ctx, "esambat", "foto/"+key+".jpg"); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bad, []byte("rusak"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, errb := push(); code == 0 || !strings.Contains(errb, key[:8]) || !strings.Contains(errb, "tidak cocok") {
		t.Errorf("push with a damaged file = %d %s", code, errb)
	}
	var out, errb strings.Builder
	if code := run(ctx, []string{"photos", "push"}, nil, &out, &errb, getenv); code == 0 || !strings.Contains(errb.String(), "--photo-store") {
		t.Errorf("push without a store = %d %s", code, errb.String())
	}
}

// TestBackupPhotosFromS3: with --photo-store, "esambat backup" reads the
// photos the database references from the object store into the
// archive, checked against their keys, so a restore gives back the
// photos too (it used to hold the database and key only); a photo the
// store lost is listed as missing, and a store that does not answer stops
// the backup instead of writing one without photos.
func TestBackupPhotosFromS3(t *testing.T) {
	ctx := context.Background()
	fake, backend, getenv := startFakeS3(t)
	flags := []string{"--photo-store", "s3://esambat/foto", "--s3-endpoint", fake.URL}
	base, stop := boot(t, getenv, flags...)
	code, m := bkPost(base, "/api/v1/auth/register", "", `{"nik":"3575011203900001","name":"Siti","phone":"081234567891",
		"password":"kata-sandi-rahasia","kelurahan_code":"35.75.02.1001"}`)
	token, _ := m["token"].(string)
	if code != 201 || token == "" {
		t.Fatalf("register = %d %v", code, m)
	}
	for n := 1; n <= 2; n++ {
		if _, ok, err := bkSubmit(base, token, n); err != nil || !ok {
			t.Fatalf("report %d with a photo: %v", n, err)
		}
	}
	stop()

	archive := filepath.Join(t.TempDir(), "esambat.tar.gz")
	backup := func() (int, string) {
		var out bytes.Buffer
		code := run(ctx, append([]string{"backup", "--out", archive}, flags...), nil, &out, &out, getenv)
		return code, out.String()
	}
	if code, out := backup(); code != 0 {
		t.Fatalf("backup = %d %s", code, out)
	}
	if man := bkManifest(t, bkReadArchive(t, archive)); man.PhotoFiles != 4 || man.PhotoRows != 2 || len(man.MissingPhotos) != 0 {
		t.Errorf("manifest: %d photo files, %d rows, missing %v; want 4, 2, none", man.PhotoFiles, man.PhotoRows, man.MissingPhotos)
	}
	restored := filepath.Join(t.TempDir(), "restored")
	var out bytes.Buffer
	if code := run(ctx, []string{"restore", "--in", archive, "--data", restored}, nil, &out, &out, env()); code != 0 {
		t.Fatalf("restore = %d %s", code, out.String())
	}
	if files, _ := filepath.Glob(filepath.Join(restored, "photos", "*", "*", "*.jpg")); len(files) != 4 {
		t.Errorf("the restored data dir holds %d photo files, want 4", len(files))
	}

	// A photo the store lost: listed, the rest archived.
	list, err := backend.ListBucket(ctx, "esambat", nil, gofakes3.ListBucketPage{})
	if err != nil || len(list.Contents) != 4 {
		t.Fatalf("bucket: %v, %v", list, err)
	}
	lost := list.Contents[0].Key
	if _, err := backend.DeleteObject(ctx, "esambat", lost); err != nil {
		t.Fatal(err)
	}
	if code, out := backup(); code != 0 {
		t.Fatalf("backup with a photo gone = %d %s", code, out)
	}
	man := bkManifest(t, bkReadArchive(t, archive))
	if key := strings.TrimSuffix(strings.TrimPrefix(lost, "foto/"), ".jpg"); man.PhotoFiles != 3 || len(man.MissingPhotos) != 1 || man.MissingPhotos[0] != key {
		t.Errorf("manifest after a photo was lost: %d files, missing %v; want 3 and [%s]", man.PhotoFiles, man.MissingPhotos, key)
	}

	// The store down: no backup, and the earlier archive untouched.
	before, _ := os.ReadFile(archive)
	fake.Close()
	if code, out := backup(); code == 0 || !strings.Contains(out, "object store") {
		t.Errorf("backup with the store down = %d %q, want a refusal naming the store", code, out)
	}
	if after, _ := os.ReadFile(archive); !bytes.Equal(before, after) {
		t.Error("a failed backup changed the earlier archive")
	}
}
