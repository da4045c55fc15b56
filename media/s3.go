package media

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/esambat/esambat"
	"github.com/esambat/esambat/internal/redact"
)

// S3Store keeps photos in an S3-compatible object store (Amazon S3,
// MinIO, Ceph RGW, Cloudflare R2, and the object storage of Indonesian
// clouds), so that several instances of E-Sambat on PostgreSQL serve
// the same photos (DESIGN: "S3-compatible storage for scale-out"). Key
// "abcd…" is the object Prefix+"abcd….jpg" in Bucket.
//
// It speaks three calls of the S3 protocol, PUT, GET and HEAD of one
// object, signed with AWS Signature Version 4 (the signing is written
// here: an SDK would bring dozens of packages for three requests; the
// tests check it against a server that verifies the signatures). A PUT
// that S3 answers 200 is durable by S3's own guarantee, so Put keeps the
// Store's promise. Because keys are content hashes, a PUT of a key that
// exists writes the same bytes again, and Put does not ask first.
type S3Store struct {
	// Endpoint is the service's base URL, e.g.
	// https://s3.ap-southeast-3.amazonaws.com or http://127.0.0.1:9000.
	Endpoint string
	// Region signs the requests; "" = us-east-1 (what MinIO and most
	// compatible services accept).
	Region string
	Bucket string
	// Prefix is put before every object's name, e.g. "esambat/foto/".
	Prefix string
	// AccessKey and SecretKey sign the requests.
	AccessKey, SecretKey string
	// VirtualHost addresses the bucket as a host name
	// (https://BUCKET.s3.example.com/KEY), as Amazon S3 wants for new
	// buckets; otherwise as a path (https://s3.example.com/BUCKET/KEY),
	// as MinIO and most compatible services do.
	VirtualHost bool
	// Client defaults to s3Client.
	Client *http.Client
	// now is the signing clock; tests set it.
	now func() time.Time

	failures atomic.Int64
}

// Failures is how many requests to the store failed (unreachable, or an
// answer other than the one expected), for the metrics.
func (s *S3Store) Failures() int64 { return s.failures.Load() }

var _ Store = (*S3Store)(nil)

// Put stores data under key; see Store.Put.
func (s *S3Store) Put(ctx context.Context, key string, data []byte) error {
	if !ValidKey(key) {
		return esambat.FieldError("key", "Kunci foto tidak valid.")
	}
	if sum := sha256.Sum256(data); hex.EncodeToString(sum[:]) != key {
		return esambat.Errorf(esambat.EINVALID, "Isi foto tidak cocok dengan kuncinya.")
	}
	resp, err := s.do(ctx, http.MethodPut, key, data)
	if err != nil {
		return err
	}
	defer drain(resp)
	if resp.StatusCode != http.StatusOK {
		s.failures.Add(1)
		return unavailable(s3Error(resp))
	}
	return nil
}

// Open returns the stored data for key; see Store.Open.
func (s *S3Store) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	if !ValidKey(key) {
		return nil, esambat.FieldError("key", "Kunci foto tidak valid.")
	}
	resp, err := s.do(ctx, http.MethodGet, key, nil)
	if err != nil {
		return nil, err
	}
	switch resp.StatusCode {
	case http.StatusOK:
		return resp.Body, nil
	case http.StatusNotFound:
		drain(resp)
		return nil, esambat.Errorf(esambat.ENOTFOUND, "Foto tidak ditemukan.")
	}
	defer drain(resp)
	s.failures.Add(1)
	return nil, unavailable(s3Error(resp))
}

// Exists reports whether key is stored; see Store.Exists.
func (s *S3Store) Exists(ctx context.Context, key string) (bool, error) {
	if !ValidKey(key) {
		return false, esambat.FieldError("key", "Kunci foto tidak valid.")
	}
	resp, err := s.do(ctx, http.MethodHead, key, nil)
	if err != nil {
		return false, err
	}
	defer drain(resp)
	switch resp.StatusCode {
	case http.StatusOK:
		return true, nil
	case http.StatusNotFound:
		return false, nil
	}
	s.failures.Add(1)
	return false, unavailable(s3Error(resp))
}

// drain reads what is left of a small answer so that the connection
// can carry the next request, and closes it.
func drain(resp *http.Response) {
	io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	resp.Body.Close()
}

// s3Error describes an answer that is not the one expected, with S3's
// error code (<Code>AccessDenied</Code>) when the body has one.
func s3Error(resp *http.Response) error {
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	code := ""
	if _, rest, ok := strings.Cut(string(body), "<Code>"); ok {
		code, _, _ = strings.Cut(rest, "</Code>")
	}
	return fmt.Errorf("s3: %s %s", resp.Status, code)
}

// objectURL is the object's address, path-style or virtual-hosted.
func (s *S3Store) objectURL(key string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimRight(s.Endpoint, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, esambat.Internal(fmt.Errorf("media: S3 endpoint %q is not an http(s) URL", s.Endpoint))
	}
	name := s.Prefix + key + ".jpg"
	if s.VirtualHost {
		u.Host = s.Bucket + "." + u.Host
		u.Path += "/" + name
	} else {
		u.Path += "/" + s.Bucket + "/" + name
	}
	return u, nil
}

// do sends one signed request for key's object; a failure to reach the
// service is EUNAVAILABLE.
func (s *S3Store) do(ctx context.Context, method, key string, body []byte) (*http.Response, error) {
	u, err := s.objectURL(key)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), bytes.NewReader(body))
	if err != nil {
		return nil, esambat.Internal(err)
	}
	if body == nil {
		req.Body, req.ContentLength = http.NoBody, 0
	} else {
		req.Header.Set("Content-Type", "image/jpeg")
		req.Header.Set("Cache-Control", "public, max-age=31536000, immutable")
	}
	now := time.Now
	if s.now != nil {
		now = s.now
	}
	s.sign(req, body, now().UTC())
	c := s.Client
	if c == nil {
		c = s3Client
	}
	resp, err := c.Do(req)
	if err != nil {
		s.failures.Add(1)
		return nil, unavailable(redact.URL(err))
	}
	return resp, nil
}

// s3Client waits at most 30 s for the store to answer, but sets no limit
// on reading the answer: a photo is passed on to a resident as it is
// read, and on a slow mobile network that takes longer than the store
// does (the request's context still ends it when the resident goes).
var s3Client = &http.Client{Transport: &http.Transport{
	Proxy:                 http.ProxyFromEnvironment,
	DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
	TLSHandshakeTimeout:   10 * time.Second,
	ResponseHeaderTimeout: 30 * time.Second,
	ExpectContinueTimeout: time.Second,
	MaxIdleConnsPerHost:   16,
	IdleConnTimeout:       90 * time.Second,
	ForceAttemptHTTP2:     true,
}}

// sign adds the AWS Signature Version 4 headers to req, whose body is
// body (signed by its SHA-256, not left unsigned).
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html
func (s *S3Store) sign(req *http.Request, body []byte, at time.Time) {
	region := s.Region
	if region == "" {
		region = "us-east-1"
	}
	sum := sha256.Sum256(body)
	payload := hex.EncodeToString(sum[:])
	stamp := at.Format("20060102T150405Z")
	day := stamp[:8]
	req.Header.Set("X-Amz-Date", stamp)
	req.Header.Set("X-Amz-Content-Sha256", payload)

	// The canonical request: method, path, query (none), the signed
	// headers by lower-case name, their names, the payload's hash.
	signed := []string{"host", "x-amz-content-sha256", "x-amz-date"}
	headers := map[string]string{"host": req.URL.Host, "x-amz-content-sha256": payload, "x-amz-date": stamp}
	for _, h := range []string{"Cache-Control", "Content-Type"} {
		if v := req.Header.Get(h); v != "" {
			name := strings.ToLower(h)
			signed = append(signed, name)
			headers[name] = v
		}
	}
	slices.Sort(signed)
	var canon strings.Builder
	canon.WriteString(req.Method + "\n" + req.URL.EscapedPath() + "\n\n")
	for _, h := range signed {
		canon.WriteString(h + ":" + strings.TrimSpace(headers[h]) + "\n")
	}
	canon.WriteString("\n" + strings.Join(signed, ";") + "\n" + payload)

	scope := day + "/" + region + "/s3/aws4_request"
	canonSum := sha256.Sum256([]byte(canon.String()))
	toSign := "AWS4-HMAC-SHA256\n" + stamp + "\n" + scope + "\n" + hex.EncodeToString(canonSum[:])
	key := hmacSHA256([]byte("AWS4"+s.SecretKey), day)
	key = hmacSHA256(key, region)
	key = hmacSHA256(key, "s3")
	key = hmacSHA256(key, "aws4_request")
	sig := hex.EncodeToString(hmacSHA256(key, toSign))
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential="+s.AccessKey+"/"+scope+
		", SignedHeaders="+strings.Join(signed, ";")+", Signature="+sig)
}

func hmacSHA256(key []byte, data string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(data))
	return m.Sum(nil)
}

// errS3Config is returned by ParseS3 for a malformed location.
var errS3Config = errors.New("the photo store must be s3://BUCKET or s3://BUCKET/PREFIX, the bucket a DNS name and the prefix of letters, digits and - _ . ~ /")

// ParseS3 reads a photo store location, s3://BUCKET[/PREFIX], into the
// bucket and the prefix (ending in "/" when not empty).
func ParseS3(loc string) (bucket, prefix string, err error) {
	rest, ok := strings.CutPrefix(loc, "s3://")
	if !ok {
		return "", "", errS3Config
	}
	bucket, prefix, _ = strings.Cut(rest, "/")
	if bucket == "" || strings.Trim(bucket, "abcdefghijklmnopqrstuvwxyz0123456789-.") != "" ||
		strings.Trim(prefix, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~/") != "" {
		return "", "", errS3Config
	}
	if prefix = strings.Trim(prefix, "/"); prefix != "" {
		prefix += "/"
	}
	return bucket, prefix, nil
}
