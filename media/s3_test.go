package media

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/esambat/esambat"
	"github.com/rclone/gofakes3"
	"github.com/rclone/gofakes3/s3mem"
)

// fakeS3 starts an in-process S3 server that verifies every request's
// Signature Version 4 against one key pair, with bucket "esambat".
func fakeS3(t *testing.T) (*httptest.Server, *s3mem.Backend) {
	t.Helper()
	backend := s3mem.New()
	if err := backend.CreateBucket(context.Background(), "esambat"); err != nil {
		t.Fatal(err)
	}
	fake := gofakes3.New(backend, gofakes3.WithV4Auth(map[string]string{"AKIAESAMBAT": "rahasia-s3"}),
		gofakes3.WithLogger(gofakes3.DiscardLog()))
	srv := httptest.NewServer(fake.Server())
	t.Cleanup(srv.Close)
	return srv, backend
}

// TestS3StoreRoundTrip: a photo put is read back byte for byte, under
// the prefix, with its content type; the signatures are accepted by a
// server that checks them.
func TestS3StoreRoundTrip(t *testing.T) {
	ctx := context.Background()
	srv, backend := fakeS3(t)
	s := &S3Store{Endpoint: srv.URL, Bucket: "esambat", Prefix: "foto/", AccessKey: "AKIAESAMBAT", SecretKey: "rahasia-s3"}
	key, data := content("sebuah foto jalan berlubang")
	if ok, err := s.Exists(ctx, key); err != nil || ok {
		t.Fatalf("Exists before Put = %v, %v", ok, err)
	}
	if _, err := s.Open(ctx, key); esambat.ErrorCode(err) != esambat.ENOTFOUND {
		t.Fatalf("Open before Put = %v, want ENOTFOUND", err)
	}
	for i := 0; i < 2; i++ { // the second Put of the same key is harmless
		if err := s.Put(ctx, key, data); err != nil {
			t.Fatalf("Put %d: %v", i, err)
		}
	}
	if ok, err := s.Exists(ctx, key); err != nil || !ok {
		t.Fatalf("Exists after Put = %v, %v", ok, err)
	}
	rc, err := s.Open(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(rc)
	rc.Close()
	if string(got) != string(data) {
		t.Errorf("Open = %q, want %q", got, data)
	}
	obj, err := backend.HeadObject(ctx, "esambat", "foto/"+key+".jpg")
	if err != nil || obj.Metadata["Content-Type"] != "image/jpeg" {
		t.Errorf("the object under the prefix: %+v, %v", obj, err)
	}
	// Content that does not hash to the key, and keys that are not keys.
	if err := s.Put(ctx, key, []byte("lain")); esambat.ErrorCode(err) != esambat.EINVALID {
		t.Errorf("Put with the wrong content = %v", err)
	}
	for _, bad := range []string{"", "../../etc/passwd", strings.Repeat("A", 64), key + "x"} {
		if err := s.Put(ctx, bad, data); esambat.ErrorCode(err) != esambat.EINVALID {
			t.Errorf("Put(%q) = %v", bad, err)
		}
		if _, err := s.Open(ctx, bad); esambat.ErrorCode(err) != esambat.EINVALID {
			t.Errorf("Open(%q) = %v", bad, err)
		}
	}
}

// TestS3StoreFailures: a wrong secret, a missing bucket, a clock far
// off (the server refuses the signature) and a service that cannot be
// reached are EUNAVAILABLE with the store's message, never a success or
// a secret in the error.
func TestS3StoreFailures(t *testing.T) {
	ctx := context.Background()
	srv, _ := fakeS3(t)
	key, data := content("foto")
	good := &S3Store{Endpoint: srv.URL, Bucket: "esambat", AccessKey: "AKIAESAMBAT", SecretKey: "rahasia-s3"}
	cases := map[string]*S3Store{
		"wrong secret":   {Endpoint: srv.URL, Bucket: "esambat", AccessKey: "AKIAESAMBAT", SecretKey: "salah"},
		"unknown key id": {Endpoint: srv.URL, Bucket: "esambat", AccessKey: "AKIALAIN", SecretKey: "rahasia-s3"},
		"no such bucket": {Endpoint: srv.URL, Bucket: "tidak-ada", AccessKey: "AKIAESAMBAT", SecretKey: "rahasia-s3"},
		"clock a day off": {Endpoint: srv.URL, Bucket: "esambat", AccessKey: "AKIAESAMBAT", SecretKey: "rahasia-s3",
			now: func() time.Time { return time.Now().Add(-24 * time.Hour) }},
		"unreachable": {Endpoint: "http://127.0.0.1:1", Bucket: "esambat", AccessKey: "AKIAESAMBAT", SecretKey: "rahasia-s3",
			Client: &http.Client{Timeout: time.Second}},
	}
	for name, s := range cases {
		t.Run(name, func(t *testing.T) {
			err := s.Put(ctx, key, data)
			if esambat.ErrorCode(err) != esambat.EUNAVAILABLE || esambat.ErrorMessage(err) != msgStoreDown {
				t.Errorf("Put = %v, want EUNAVAILABLE", err)
			}
			if err != nil && strings.Contains(err.Error(), "rahasia-s3") {
				t.Errorf("the secret is in the error: %v", err)
			}
			if _, err := s.Exists(ctx, key); esambat.ErrorCode(err) != esambat.EUNAVAILABLE && name != "no such bucket" {
				t.Errorf("Exists = %v, want EUNAVAILABLE", err)
			}
			if s.Failures() == 0 {
				t.Error("the failures were not counted")
			}
		})
	}
	if err := good.Put(ctx, key, data); err != nil || good.Failures() != 0 {
		t.Fatalf("the good store after them: %v, %d failures", err, good.Failures())
	}
}

// TestS3StoreAddress: path-style by default, the bucket as a host name
// with VirtualHost.
func TestS3StoreAddress(t *testing.T) {
	key, _ := content("x")
	s := &S3Store{Endpoint: "https://s3.ap-southeast-3.amazonaws.com/", Bucket: "foto-kota", Prefix: "es/"}
	if u, err := s.objectURL(key); err != nil || u.String() != "https://s3.ap-southeast-3.amazonaws.com/foto-kota/es/"+key+".jpg" {
		t.Errorf("path-style = %v, %v", u, err)
	}
	s.VirtualHost = true
	if u, err := s.objectURL(key); err != nil || u.String() != "https://foto-kota.s3.ap-southeast-3.amazonaws.com/es/"+key+".jpg" {
		t.Errorf("virtual-hosted = %v, %v", u, err)
	}
	s.Endpoint = "s3.example.com"
	if _, err := s.objectURL(key); esambat.ErrorCode(err) != esambat.EINTERNAL {
		t.Errorf("an endpoint without a scheme = %v", err)
	}
}

func TestParseS3(t *testing.T) {
	for loc, want := range map[string][2]string{
		"s3://esambat":                 {"esambat", ""},
		"s3://esambat/":                {"esambat", ""},
		"s3://esambat/foto":            {"esambat", "foto/"},
		"s3://foto.kota/es/foto-2026/": {"foto.kota", "es/foto-2026/"},
	} {
		b, p, err := ParseS3(loc)
		if err != nil || b != want[0] || p != want[1] {
			t.Errorf("ParseS3(%q) = %q %q %v", loc, b, p, err)
		}
	}
	for _, bad := range []string{"", "esambat", "s3://", "s3:///foto", "s3://Esambat", "s3://es sambat", "s3://esambat/foto?x=1", "s3://esambat/f%20o", "https://esambat"} {
		if _, _, err := ParseS3(bad); err == nil {
			t.Errorf("ParseS3(%q) accepted", bad)
		}
	}
}
