package http_test

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/esambat/esambat"
	esambathttp "github.com/esambat/esambat/http"
	"github.com/esambat/esambat/media"
)

// Hostile input: every request below is what an attacker, a broken client
// or a confused resident might send. Each must get a clear 4xx (or, for
// payloads that are legitimate text, the normal answer with the text kept
// inert), never a 5xx, a panic or a logged internal error. On /api/ the
// answer is the documented error shape; on pages it is a page that says
// what went wrong.

// hostile is the shared fixture: accounts of every kind, reports in the
// states the cases need, and sessions that are valid, revoked or expired.
type hostile struct {
	e        *env
	mediaDir string

	resident, admin, petugas string // bearer tokens
	partnerKey               string
	revoked, expired         string // bearer tokens that no longer work
	expiredSession           string // a session cookie that has run out

	web, adminWeb, petugasWeb    *browser // cookie sessions
	webCSRF, adminCSRF, petCSRF  string
	draft, published, processing string // tickets: diajukan (the resident's), didisposisi, diproses
	residentID                   string // the resident's account ID

	bomb, hugeJPEG []byte
}

// hostileCase is one hostile request and what it must get.
type hostileCase struct {
	name   string
	method string
	// path may hold {draft}, {published}, {processing} and {resident-id}.
	path string
	// who sends it: anon, resident, admin, petugas, partner (bearer token
	// or API key), or web, web-admin, web-petugas (a browser with a session
	// cookie; body builders get its CSRF token).
	who     string
	headers []string
	body    func(h *hostile, csrf string) (contentType string, body io.Reader)
	// limits and maxBody configure the server for this case; before is how
	// many identical requests are sent first (floods).
	limits  esambathttp.RateLimits
	maxBody int64
	before  int

	status int
	// code is the API error code (on /api/ with status >= 400).
	code string
	// msg must appear in the page (web) or the error message (API).
	msg string
	// location is the expected redirect target prefix for 3xx.
	location string
	// asset marks answers that are not pages (photos, static files): only
	// the status is checked.
	asset bool
	check func(t *testing.T, h *hostile, r page)
}

// TestHostileRequests sends every case of hostileCases to the real server
// (newEnv, SQLite, a media directory) and checks status, error code and
// message, the answer's shape, and that nothing was logged as an internal
// error.
func TestHostileRequests(t *testing.T) {
	h := newHostile(t)
	cases := hostileCases()
	counts := map[string]int{}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := h.run(t, c)
			if apiShaped(c.path) {
				counts["api"]++
			} else {
				counts["web"]++
			}
			if r.Status >= 500 {
				t.Fatalf("%s %s = %d (server error)\n%s", c.method, c.path, r.Status, r.Body)
			}
			if r.Status != c.status {
				t.Fatalf("%s %s = %d, want %d\n%.2000s", c.method, c.path, r.Status, c.status, r.Body)
			}
			h.checkShape(t, c, r)
			if c.check != nil {
				c.check(t, h, r)
			}
		})
	}
	t.Logf("%d hostile cases; ran %d against the JSON API and %d against pages and forms", len(cases), counts["api"], counts["web"])
	if len(cases) < 60 {
		t.Errorf("only %d hostile cases, want at least 60", len(cases))
	}
	if counts["api"]+counts["web"] == len(cases) { // not when -run picked some
		// Whatever was uploaded, only content-addressed renditions are in
		// the media directory, and nothing was written beside it.
		h.checkMediaDir(t)
	}
}

func hostileCases() []hostileCase {
	return []hostileCase{
		// ---- Oversized bodies and decompression bombs.
		{name: "api register body over MaxBody", method: "POST", path: "/api/v1/auth/register", who: "anon",
			body: jsonRaw(`{"name":"` + strings.Repeat("A", 2<<20) + `"}`), status: 413, code: esambat.ETOOLARGE, msg: "terlalu besar"},
		{name: "api report body over a small MaxBody", method: "POST", path: "/api/v1/reports", who: "resident", maxBody: 4 << 10,
			body: jsonBody(map[string]any{"title": "Jalan rusak", "description": strings.Repeat("lubang ", 2000)}), status: 413, code: esambat.ETOOLARGE},
		{name: "api register gzip bomb is not inflated", method: "POST", path: "/api/v1/auth/register", who: "anon",
			headers: []string{"Content-Encoding", "gzip"}, body: gzipBomb, status: 400, code: esambat.EINVALID},
		{name: "api photos PNG declaring 100000x100000", method: "POST", path: "/api/v1/reports/{draft}/photos", who: "resident",
			body: photoUpload("photo", "bom.png", "image/png", func(h *hostile) []byte { return h.bomb }), status: 413, code: esambat.ETOOLARGE, msg: "100000×100000"},
		{name: "api photos JPEG declaring 60000x60000", method: "POST", path: "/api/v1/reports/{draft}/photos", who: "resident",
			body: photoUpload("photo", "besar.jpg", "image/jpeg", func(h *hostile) []byte { return h.hugeJPEG }), status: 413, code: esambat.ETOOLARGE},
		{name: "api photos upload over the request limit", method: "POST", path: "/api/v1/reports/{draft}/photos", who: "resident",
			body: endlessUpload("photo"), status: 413, code: esambat.ETOOLARGE},
		{name: "web lapor PNG declaring 100000x100000", method: "POST", path: "/lapor", who: "web",
			body: reportForm(nil, filePart{"photos", "bom.png", "image/png", nil, true}), status: 413, msg: "100000×100000"},
		{name: "web lapor upload over the request limit", method: "POST", path: "/lapor", who: "web",
			body: endlessUpload("photos"), status: 413, msg: "Kiriman terlalu besar"},
		{name: "web daftar form body over 10 MB", method: "POST", path: "/daftar", who: "anon",
			body: formRaw("name=" + strings.Repeat("A", 11<<20)), status: 400, msg: "Formulir tidak dapat dibaca"},
		{name: "web kelola finish with a PNG bomb as evidence", method: "POST", path: "/kelola/{processing}", who: "web-petugas",
			body: func(h *hostile, csrf string) (string, io.Reader) {
				return multipartBody([][2]string{{"csrf", csrf}, {"action", "finish"}, {"text", "Sudah ditambal."}},
					filePart{"photos", "bukti.png", "image/png", h.bomb, false})
			}, status: 413, msg: "100000×100000"},

		// ---- SVG, HTML and other files disguised as photos.
		{name: "api photos SVG named .jpg sent as image/jpeg", method: "POST", path: "/api/v1/reports/{draft}/photos", who: "resident",
			body: photoUpload("photo", "foto.jpg", "image/jpeg", constBytes(svgPayload)), status: 400, code: esambat.EINVALID, msg: "bukan foto"},
		{name: "api photos HTML named .jpg sent as image/jpeg", method: "POST", path: "/api/v1/reports/{draft}/photos", who: "resident",
			body: photoUpload("photo", "foto.jpg", "image/jpeg", constBytes(htmlPayload)), status: 400, code: esambat.EINVALID, msg: "bukan foto"},
		{name: "api photos JPEG magic followed by HTML", method: "POST", path: "/api/v1/reports/{draft}/photos", who: "resident",
			body: photoUpload("photo", "foto.jpg", "image/jpeg", constBytes("\xff\xd8\xff\xe0"+htmlPayload)), status: 400, code: esambat.EINVALID, msg: "rusak"},
		{name: "api photos not multipart", method: "POST", path: "/api/v1/reports/{draft}/photos", who: "resident",
			body: jsonBody(map[string]string{"photo": "iVBORw0KGgo="}), status: 400, code: esambat.EINVALID},
		{name: "web lapor SVG named .jpg sent as image/jpeg", method: "POST", path: "/lapor", who: "web",
			body: reportForm(nil, filePart{"photos", "foto.jpg", "image/jpeg", []byte(svgPayload), false}), status: 400, msg: "bukan foto"},
		{name: "web lapor HTML named .jpg sent as image/jpeg", method: "POST", path: "/lapor", who: "web",
			body: reportForm(nil, filePart{"photos", "foto.jpg", "image/jpeg", []byte(htmlPayload), false}), status: 400, msg: "bukan foto"},
		{name: "web lapor six photos", method: "POST", path: "/lapor", who: "web",
			body: reportForm(nil, jpegParts(6)...), status: 400, msg: "Maksimal 5 foto"},
		{name: "web lapor malformed multipart", method: "POST", path: "/lapor", who: "web",
			body: func(h *hostile, csrf string) (string, io.Reader) {
				return "multipart/form-data; boundary=xyz", strings.NewReader("--xyz\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nJalan")
			}, status: 400, msg: "Formulir tidak dapat dibaca"},
		{name: "web lapor multipart without a boundary", method: "POST", path: "/lapor", who: "web",
			body: func(h *hostile, csrf string) (string, io.Reader) {
				return "multipart/form-data", strings.NewReader("--xyz--\r\n")
			}, status: 400, msg: "Formulir tidak dapat dibaca"},

		// ---- Path traversal in file names and paths.
		{name: "api photos file named ../../etc/passwd.jpg", method: "POST", path: "/api/v1/reports/{draft}/photos", who: "resident",
			body: photoUpload("photo", "../../etc/passwd.jpg", "image/jpeg", nil), status: 201,
			check: func(t *testing.T, h *hostile, r page) {
				if !regexp.MustCompile(`/foto/[0-9a-f]{64}\.jpg`).MatchString(r.Body) || strings.Contains(r.Body, "passwd") {
					t.Errorf("photo URL does not use the content hash: %s", r.Body)
				}
			}},
		{name: "web lapor file named ../../etc/passwd.jpg", method: "POST", path: "/lapor", who: "web",
			body:   reportForm(nil, filePart{"photos", `..\..\..\etc\passwd.jpg`, "image/jpeg", nil, false}, filePart{"photos", "../../etc/passwd.jpg", "image/jpeg", nil, false}),
			status: 303, location: "/laporan/ES-"},
		{name: "web photo key with traversal", method: "GET", path: "/laporan/{published}/foto/..%2F..%2F..%2Fetc%2Fpasswd", who: "anon", status: 404, asset: true},
		{name: "web photo key of another file", method: "GET", path: "/laporan/{published}/foto/" + strings.Repeat("a", 64) + ".jpg", who: "anon", status: 404, asset: true},
		{name: "web static traversal", method: "GET", path: "/static/..%2F..%2Fserver.go", who: "anon", status: 404, asset: true},
		{name: "api ticket with traversal", method: "GET", path: "/api/v1/reports/..%2F..%2Fetc%2Fpasswd", who: "anon", status: 404, code: esambat.ENOTFOUND},

		// ---- Invalid UTF-8 and control characters.
		{name: "api register invalid UTF-8 in name", method: "POST", path: "/api/v1/auth/register", who: "anon",
			body:   jsonRaw(`{"nik":"3175024506920003","name":"Budi ` + "\xff\xfe" + `","phone":"081234567890","password":"kata-sandi-rahasia","kelurahan_code":"35.75.02.1001"}`),
			status: 400, code: esambat.EINVALID, msg: "UTF-8"},
		{name: "api report invalid UTF-8 in title", method: "POST", path: "/api/v1/reports", who: "resident",
			body: reportJSON(func(m map[string]any) { m["title"] = "Jalan \xc3\x28 rusak parah" }), status: 400, code: esambat.EINVALID, msg: "UTF-8"},
		{name: "api report NUL in title", method: "POST", path: "/api/v1/reports", who: "resident",
			body: reportJSON(func(m map[string]any) { m["title"] = "Jalan\x00rusak parah" }), status: 400, code: esambat.EINVALID, msg: "tidak valid"},
		{name: "api report lone surrogate escape in description", method: "POST", path: "/api/v1/reports", who: "resident",
			body:   jsonRaw(`{"category":"jalan-jembatan","title":"Jalan rusak parah","description":"Lubang \ud800 besar sekali di sini","kelurahan_code":"35.75.02.1001","address":"Jl. Veteran"}`),
			status: 201},
		{name: "api reports q with invalid UTF-8", method: "GET", path: "/api/v1/reports?q=%FF%FE", who: "anon", status: 400, code: esambat.EINVALID},
		{name: "api reports q with a NUL in a word", method: "GET", path: "/api/v1/reports?q=jal%00an", who: "anon", status: 400, code: esambat.EINVALID},
		{name: "web laporan search with a NUL in a word", method: "GET", path: "/laporan?q=jal%00an", who: "anon", status: 200,
			check: func(t *testing.T, h *hostile, r page) {
				if !strings.Contains(r.Body, "berisi karakter yang tidak valid") {
					t.Errorf("list page does not say what is wrong with q")
				}
			}},
		{name: "api reports category with invalid UTF-8", method: "GET", path: "/api/v1/reports?category=%C3%28", who: "anon", status: 400, code: esambat.EINVALID},
		{name: "web daftar invalid UTF-8 in name", method: "POST", path: "/daftar", who: "anon",
			body:   form("nik", "3575024506920003", "name", "Budi \xff", "phone", "081234567890", "password", "kata-sandi-rahasia", "kelurahan_code", "35.75.02.1001"),
			status: 400, msg: "Nama wajib diisi"},
		{name: "web lapor invalid UTF-8 in title", method: "POST", path: "/lapor", who: "web",
			body: reportForm(map[string]string{"title": "Jalan \xff\xfe rusak"}), status: 400, msg: "Judul berisi karakter yang tidak valid"},
		{name: "web lapor control characters in description", method: "POST", path: "/lapor", who: "web",
			body: reportForm(map[string]string{"description": "Lubang\x1b[31m besar di tengah jalan"}), status: 400, msg: "Uraian berisi karakter yang tidak valid"},
		{name: "web lapor invalid UTF-8 category", method: "POST", path: "/lapor", who: "web",
			body: reportForm(map[string]string{"category": "jalan\xff"}), status: 400, msg: "Kategori tidak dikenal"},
		{name: "web admin threshold of an invalid UTF-8 category", method: "POST", path: "/admin/kategori/%FF%FE", who: "web-admin",
			body: form("threshold", "50"), status: 404, msg: "tidak"},
		{name: "web petugas template with invalid UTF-8 category", method: "POST", path: "/petugas/templat", who: "web-petugas",
			body: form("title", "Tambal rutin", "category", "\xc3\x28", "body", "Lubang akan ditambal minggu ini oleh tim."), status: 400, msg: "ategori"},
		{name: "web masuk invalid UTF-8 login", method: "POST", path: "/masuk", who: "anon",
			body: form("login", "\xff\xfe@example.org", "password", "x"), status: 401, msg: "salah"},

		// ---- XSS payloads in text fields: refused where the field forbids
		// them, otherwise stored as text and shown escaped.
		{name: "api register script in name", method: "POST", path: "/api/v1/auth/register", who: "anon",
			body:   jsonBody(map[string]string{"nik": "3575024506920003", "name": xssImg, "phone": "081234567890", "password": "kata-sandi-rahasia", "kelurahan_code": "35.75.02.1001"}),
			status: 400, code: esambat.EINVALID, msg: "tidak diizinkan"},
		{name: "web daftar script in name", method: "POST", path: "/daftar", who: "anon",
			body:   form("nik", "3575024506920003", "name", xssScript, "phone", "081234567890", "password", "kata-sandi-rahasia", "kelurahan_code", "35.75.02.1001"),
			status: 400, msg: "tidak diizinkan",
			check: func(t *testing.T, h *hostile, r page) { noRawPayload(t, r.Body) }},
		{name: "api report script in title, description and address", method: "POST", path: "/api/v1/reports", who: "resident",
			body: reportJSON(func(m map[string]any) {
				m["title"], m["description"], m["address"] = xssScript, xssSVG+" "+xssLink, xssImg
			}), status: 201,
			check: func(t *testing.T, h *hostile, r page) {
				var c struct{ Ticket string }
				json.Unmarshal([]byte(r.Body), &c)
				got := h.e.do("GET", "/api/v1/reports/"+c.Ticket, h.resident, nil)
				var rep struct{ Title, Description, Address string }
				got.json(t, &rep)
				if rep.Title != xssScript || rep.Description != xssSVG+" "+xssLink || rep.Address != xssImg {
					t.Errorf("payloads not kept verbatim: %+v", rep)
				}
				if strings.Contains(string(got.Body), "<script") || !strings.Contains(string(got.Body), `\u003cscript\u003e`) {
					t.Errorf("JSON does not escape < and >: %s", got.Body)
				}
				p := h.web.get("/laporan/" + c.Ticket)
				noRawPayload(t, p.Body)
				if !strings.Contains(p.Body, "&lt;script&gt;window.__xss=1&lt;/script&gt;") {
					t.Errorf("report page does not show the title as text")
				}
			}},
		{name: "web lapor script in every text field", method: "POST", path: "/lapor", who: "web",
			body: reportForm(map[string]string{"title": xssSVG, "description": xssScript + " " + xssLink, "address": xssImg,
				"on_behalf": "1", "on_behalf_name": xssImg, "on_behalf_relationship": xssScript}),
			status: 303, location: "/laporan/ES-",
			check: func(t *testing.T, h *hostile, r page) {
				p := h.web.get(r.Location)
				noRawPayload(t, p.Body)
				if p.Status != 200 || !strings.Contains(p.Body, "&lt;svg onload=window.__xss=1&gt;") {
					t.Errorf("report page = %d, title not shown as text", p.Status)
				}
				ticket := strings.TrimSuffix(strings.TrimPrefix(r.Location, "/laporan/"), "?baru=1")
				k := h.adminWeb.get("/kelola/" + ticket)
				noRawPayload(t, k.Body)
				if k.Status != 200 || !strings.Contains(k.Body, "&lt;img src=x onerror=window.__xss=1&gt;") {
					t.Errorf("staff page = %d, on-behalf name not shown as text", k.Status)
				}
			}},
		{name: "web lapor script in title refilled after an error", method: "POST", path: "/lapor", who: "web",
			body: reportForm(map[string]string{"title": xssScript, "description": "pendek"}), status: 400, msg: "Uraian minimal",
			check: func(t *testing.T, h *hostile, r page) { noRawPayload(t, r.Body) }},
		{name: "web kelola internal note with script", method: "POST", path: "/kelola/{processing}", who: "web-petugas",
			body: form("action", "note", "note", xssScript+xssImg), status: 303, location: "/kelola/",
			check: func(t *testing.T, h *hostile, r page) {
				p := h.petugasWeb.get(r.Location)
				noRawPayload(t, p.Body)
				if !strings.Contains(p.Body, "&lt;script&gt;") {
					t.Errorf("the note is not shown as text on the staff page")
				}
			}},
		{name: "api answer with script", method: "POST", path: "/api/v1/reports/{processing}/actions", who: "petugas",
			body: jsonBody(map[string]string{"action": "answer", "text": xssSVG + " " + xssLink}), status: 200,
			check: func(t *testing.T, h *hostile, r page) {
				if strings.Contains(r.Body, "<svg") {
					t.Errorf("API answer echoes raw markup: %s", r.Body)
				}
				noRawPayload(t, h.e.browser().get("/laporan/"+h.processing).Body)
			}},
		{name: "web petugas template with script", method: "POST", path: "/petugas/templat", who: "web-petugas",
			body: form("title", xssImg, "category", "jalan-jembatan", "body", xssScript+" akan ditambal minggu ini."), status: 303, location: "/petugas/templat",
			check: func(t *testing.T, h *hostile, r page) { noRawPayload(t, h.petugasWeb.get("/petugas/templat").Body) }},
		{name: "web laporan list search echoes script as text", method: "GET", path: "/laporan?q=" + url.QueryEscape(xssScript), who: "anon", status: 200,
			check: func(t *testing.T, h *hostile, r page) { noRawPayload(t, r.Body) }},
		{name: "web lacak ticket with script", method: "GET", path: "/lacak?tiket=" + url.QueryEscape(xssSVG), who: "anon", status: 404, msg: "tidak ditemukan",
			check: func(t *testing.T, h *hostile, r page) { noRawPayload(t, strings.ToLower(r.Body)) }},
		{name: "web masuk kembali=javascript: stays on site", method: "POST", path: "/masuk", who: "anon",
			body: form("login", "081234567801", "password", "kata-sandi-rahasia", "kembali", "javascript:window.__xss=1"), status: 303,
			check: func(t *testing.T, h *hostile, r page) {
				if r.Location != "/" {
					t.Errorf("redirect after login to %q", r.Location)
				}
			}},

		// ---- SQL injection in search, titles, names and identifiers.
		{name: "api reports q SQL injection", method: "GET", path: "/api/v1/reports?q=" + url.QueryEscape(`' OR 1=1 --`), who: "anon", status: 200,
			check: noReports},
		{name: "api reports q UNION injection", method: "GET", path: "/api/v1/reports?q=" + url.QueryEscape(`%' UNION SELECT name, password_hash FROM users --`), who: "anon", status: 200,
			check: noReports},
		{name: "api reports q LIKE wildcards only", method: "GET", path: "/api/v1/reports?q=" + url.QueryEscape(`%_%`), who: "anon", status: 200, check: noReports},
		{name: "api reports q over 200 characters", method: "GET", path: "/api/v1/reports?q=" + strings.Repeat("x", 201), who: "anon", status: 400, code: esambat.EINVALID},
		{name: "api reports cursor SQL injection", method: "GET", path: "/api/v1/reports?cursor=" + url.QueryEscape(`1; DROP TABLE reports`), who: "anon", status: 400, code: esambat.EINVALID},
		{name: "api reports limit out of range", method: "GET", path: "/api/v1/reports?limit=99999999999999999999", who: "anon", status: 400, code: esambat.EINVALID},
		{name: "api reports status SQL injection", method: "GET", path: "/api/v1/reports?status=" + url.QueryEscape(`diajukan' OR '1'='1`), who: "anon", status: 400, code: esambat.EINVALID},
		{name: "api report ticket SQL injection", method: "GET", path: "/api/v1/reports/" + url.PathEscape(`ES-26-000001' OR '1'='1`), who: "anon", status: 404, code: esambat.ENOTFOUND},
		{name: "api report title SQL injection kept as text", method: "POST", path: "/api/v1/reports", who: "resident",
			body: reportJSON(func(m map[string]any) { m["title"] = `Robert'); DROP TABLE reports;--` }), status: 201,
			check: func(t *testing.T, h *hostile, r page) {
				if n, err := h.e.db.CountReports(t.Context(), esambat.ReportFilter{}); err != nil || n < 2 {
					t.Errorf("reports after the payload: %d, %v", n, err)
				}
			}},
		{name: "api register SQL injection in NIK", method: "POST", path: "/api/v1/auth/register", who: "anon",
			body:   jsonBody(map[string]string{"nik": `' OR 1=1 --`, "name": "Budi", "phone": "081234567890", "password": "kata-sandi-rahasia", "kelurahan_code": "35.75.02.1001"}),
			status: 400, code: esambat.EINVALID},
		{name: "api register SQL injection in name kept as text", method: "POST", path: "/api/v1/auth/register", who: "anon",
			body:   jsonBody(map[string]string{"nik": nikKota2, "name": `O'Brien"); DROP TABLE users;--`, "phone": "081234567802", "password": "kata-sandi-rahasia", "kelurahan_code": "35.75.02.1001"}),
			status: 201,
			check: func(t *testing.T, h *hostile, r page) {
				var out struct{ Name, Token string }
				json.Unmarshal([]byte(r.Body), &out)
				if out.Name != `O'Brien"); DROP TABLE users;--` {
					t.Errorf("name = %q", out.Name)
				}
				if me := h.e.do("GET", "/api/v1/me", h.resident, nil); me.Status != 200 {
					t.Errorf("other users gone: /me = %d", me.Status)
				}
			}},
		{name: "api token SQL injection in login", method: "POST", path: "/api/v1/auth/token", who: "anon",
			body: jsonBody(map[string]string{"login": `' OR '1'='1' --`, "password": `' OR '1'='1`}), status: 401, code: esambat.EUNAUTHORIZED},
		{name: "web masuk SQL injection in login", method: "POST", path: "/masuk", who: "anon",
			body: form("login", `admin@example.org' --`, "password", `' OR ''='`), status: 401, msg: "salah"},
		{name: "web lupa-sandi SQL injection in number", method: "POST", path: "/lupa-sandi", who: "anon",
			body: form("login", `0812' OR '1'='1`), status: 400, msg: "nomor HP yang terdaftar"},
		{name: "web lupa-sandi invalid UTF-8 number", method: "POST", path: "/lupa-sandi", who: "anon",
			body: form("login", "0812\xff\xfe"), status: 400, msg: "nomor HP yang terdaftar"},
		{name: "web lupa-sandi script in number, shown escaped", method: "POST", path: "/lupa-sandi", who: "anon",
			body: form("login", xssImg), status: 400, msg: "nomor HP yang terdaftar"},
		{name: "web lupa-sandi/atur SQL injection in code", method: "POST", path: "/lupa-sandi/atur", who: "anon",
			body: form("login", "081234567890", "code", `1' OR 1=1`, "password", "kata-sandi-baru-sekali"), status: 400, msg: "6 angka"},
		{name: "web lupa-sandi/atur huge password", method: "POST", path: "/lupa-sandi/atur", who: "anon",
			body: form("login", "081234567890", "code", "123456", "password", strings.Repeat("a", 5000)), status: 400, msg: "ata sandi"},
		{name: "web daftar SQL injection in NIK", method: "POST", path: "/daftar", who: "anon",
			body:   form("nik", `1' OR '1'='1`, "name", "Budi", "phone", "081234567890", "password", "kata-sandi-rahasia", "kelurahan_code", "35.75.02.1001"),
			status: 400, msg: "NIK"},
		{name: "web laporan search SQL injection", method: "GET", path: "/laporan?q=" + url.QueryEscape(`' OR 1=1 --`), who: "anon", status: 200,
			check: func(t *testing.T, h *hostile, r page) {
				if strings.Contains(r.Body, h.draft) {
					t.Errorf("an unpublished report leaked into the search")
				}
			}},
		{name: "web lacak SQL injection", method: "GET", path: "/lacak?tiket=" + url.QueryEscape(`ES-26-000001' OR '1'='1`), who: "anon", status: 404, msg: "tidak ditemukan"},
		{name: "web admin bulk verify with SQL injection tickets", method: "POST", path: "/admin/verifikasi-massal", who: "web-admin",
			body: form("ticket", `x' OR '1'='1`, "ticket", `1; DELETE FROM reports`), status: 303, location: "/admin",
			check: func(t *testing.T, h *hostile, r page) {
				if n, _ := h.e.db.CountReports(t.Context(), esambat.ReportFilter{}); n < 2 {
					t.Errorf("reports after the payload: %d", n)
				}
			}},

		// ---- NaN, infinite and out-of-range coordinates.
		{name: "api report lat NaN as a bare word", method: "POST", path: "/api/v1/reports", who: "resident",
			body:   jsonRaw(`{"category":"jalan-jembatan","title":"Jalan rusak parah","description":"Lubang besar di tengah jalan","location":{"lat":NaN,"lng":112.9}}`),
			status: 400, code: esambat.EINVALID, msg: "JSON tidak valid"},
		{name: "api report lat Infinity as a bare word", method: "POST", path: "/api/v1/reports", who: "resident",
			body:   jsonRaw(`{"category":"jalan-jembatan","title":"Jalan rusak parah","description":"Lubang besar di tengah jalan","location":{"lat":-7.6,"lng":Infinity}}`),
			status: 400, code: esambat.EINVALID},
		{name: "api report lat NaN as a string", method: "POST", path: "/api/v1/reports", who: "resident",
			body: reportJSON(func(m map[string]any) { m["location"] = map[string]any{"lat": "NaN", "lng": 112.9} }), status: 400, code: esambat.EINVALID},
		{name: "api report lng +Inf as a string", method: "POST", path: "/api/v1/reports", who: "resident",
			body: reportJSON(func(m map[string]any) { m["location"] = map[string]any{"lat": -7.6, "lng": "+Inf"} }), status: 400, code: esambat.EINVALID},
		{name: "api report lat 1e309", method: "POST", path: "/api/v1/reports", who: "resident",
			body:   jsonRaw(`{"category":"jalan-jembatan","title":"Jalan rusak parah","description":"Lubang besar di tengah jalan","location":{"lat":1e309,"lng":112.9}}`),
			status: 400, code: esambat.EINVALID},
		{name: "api report lat 91", method: "POST", path: "/api/v1/reports", who: "resident",
			body: reportJSON(func(m map[string]any) { m["location"] = map[string]any{"lat": 91, "lng": 112.9} }), status: 400, code: esambat.EINVALID, msg: "-90 dan 90"},
		{name: "api report lng -181", method: "POST", path: "/api/v1/reports", who: "resident",
			body: reportJSON(func(m map[string]any) { m["location"] = map[string]any{"lat": -7.6, "lng": -181} }), status: 400, code: esambat.EINVALID, msg: "-180 dan 180"},
		{name: "api report lat without lng", method: "POST", path: "/api/v1/reports", who: "resident",
			body: reportJSON(func(m map[string]any) { m["location"] = map[string]any{"lat": -7.6} }), status: 400, code: esambat.EINVALID},
		{name: "api jurisdiction lat=NaN", method: "GET", path: "/api/v1/jurisdiction?lat=NaN&lng=112.9", who: "anon", status: 400, code: esambat.EINVALID},
		{name: "api jurisdiction lng=-Inf", method: "GET", path: "/api/v1/jurisdiction?lat=-7.6&lng=-Inf", who: "anon", status: 400, code: esambat.EINVALID},
		{name: "api jurisdiction lat=1e309", method: "GET", path: "/api/v1/jurisdiction?lat=1e309&lng=112.9", who: "anon", status: 400, code: esambat.EINVALID},
		{name: "api jurisdiction lat=91", method: "GET", path: "/api/v1/jurisdiction?lat=91&lng=112.9", who: "anon", status: 400, code: esambat.EINVALID},
		{name: "api jurisdiction lng=-181", method: "GET", path: "/api/v1/jurisdiction?lat=-7.6&lng=-181", who: "anon", status: 400, code: esambat.EINVALID},
		{name: "api jurisdiction lat=0x1p-2", method: "GET", path: "/api/v1/jurisdiction?lat=0x1p-2&lng=112.9", who: "anon", status: 200},
		{name: "api nearby lat=Infinity", method: "GET", path: "/api/v1/reports/nearby?lat=Infinity&lng=112.9", who: "anon", status: 400, code: esambat.EINVALID},
		{name: "api reports bbox with NaN", method: "GET", path: "/api/v1/reports?bbox=NaN,-8,113,-7", who: "anon", status: 400, code: esambat.EINVALID},
		{name: "api reports bbox out of range", method: "GET", path: "/api/v1/reports?bbox=-181,-91,181,91", who: "anon", status: 400, code: esambat.EINVALID},
		{name: "open data bbox with Infinity", method: "GET", path: "/open-data/reports.geojson?bbox=Infinity,-8,113,-7", who: "anon", status: 400, code: esambat.EINVALID, msg: "bbox"},
		{name: "open data invalid UTF-8 in a filter", method: "GET", path: "/open-data/reports.csv?category=%ff%fe", who: "anon", status: 400, code: esambat.EINVALID, msg: "tidak valid"},
		{name: "open data SQL injection in a filter", method: "GET", path: "/open-data/reports.csv?kelurahan=" + url.QueryEscape("1' OR '1'='1"), who: "anon", status: 200, asset: true},
		{name: "open data paged by a forged cursor", method: "GET", path: "/open-data/reports.csv?cursor=zzzz", who: "anon", status: 400, code: esambat.EINVALID, msg: "cursor"},
		{name: "open data date not a date", method: "GET", path: "/open-data/reports.geojson?to=" + url.QueryEscape("2026-13-45"), who: "anon", status: 400, code: esambat.EINVALID, msg: "tanggal"},
		{name: "api stats with a body and junk parameters", method: "GET", path: "/api/v1/stats?by=" + url.QueryEscape("<script>"), who: "anon", status: 200, asset: true},
		{name: "web lapor lat NaN", method: "POST", path: "/lapor", who: "web",
			body: reportForm(map[string]string{"lat": "NaN", "lng": "112.9"}), status: 400, msg: "Garis lintang"},
		{name: "web lapor lng Infinity", method: "POST", path: "/lapor", who: "web",
			body: reportForm(map[string]string{"lat": "-7.64", "lng": "Infinity"}), status: 400, msg: "Garis bujur"},
		{name: "web lapor lat 1e309", method: "POST", path: "/lapor", who: "web",
			body: reportForm(map[string]string{"lat": "1e309", "lng": "112.9"}), status: 400, msg: "Titik lokasi tidak valid"},
		{name: "web lapor lat 91", method: "POST", path: "/lapor", who: "web",
			body: reportForm(map[string]string{"lat": "91", "lng": "112.9"}), status: 400, msg: "Garis lintang"},
		{name: "web lapor lng -181", method: "POST", path: "/lapor", who: "web",
			body: reportForm(map[string]string{"lat": "-7.64", "lng": "-181"}), status: 400, msg: "Garis bujur"},
		{name: "web admin threshold NaN", method: "POST", path: "/admin/kategori/jalan-jembatan", who: "web-admin",
			body: form("threshold", "NaN"), status: 400, msg: "Ambang keyakinan"},
		{name: "web laporan list bbox with Inf", method: "GET", path: "/laporan?bbox=-Inf,-8,113,-7", who: "anon", status: 200,
			check: func(t *testing.T, h *hostile, r page) {
				if !strings.Contains(r.Body, "bbox harus berisi empat angka") {
					t.Errorf("list page does not say what is wrong with bbox")
				}
			}},

		// ---- Malformed JSON.
		{name: "api register text/plain", method: "POST", path: "/api/v1/auth/register", who: "anon",
			headers: []string{"Content-Type", "text/plain"}, body: jsonBody(map[string]string{"nik": nikKota}), status: 400, code: esambat.EINVALID, msg: "application/json"},
		{name: "api register empty body", method: "POST", path: "/api/v1/auth/register", who: "anon", body: jsonRaw(""), status: 400, code: esambat.EINVALID, msg: "kosong"},
		{name: "api register two JSON values", method: "POST", path: "/api/v1/auth/register", who: "anon", body: jsonRaw(`{} {}`), status: 400, code: esambat.EINVALID},
		{name: "api register unknown field", method: "POST", path: "/api/v1/auth/register", who: "anon", body: jsonRaw(`{"role":"admin"}`), status: 400, code: esambat.EINVALID, msg: "role"},
		{name: "api report nested 100000 deep", method: "POST", path: "/api/v1/reports", who: "resident",
			body: jsonRaw(`{"title":` + strings.Repeat("[", 100000) + strings.Repeat("]", 100000) + `}`), status: 400, code: esambat.EINVALID},
		{name: "api report wrong types", method: "POST", path: "/api/v1/reports", who: "resident", body: jsonRaw(`{"title":["a"],"location":"here"}`), status: 400, code: esambat.EINVALID},
		{name: "api action unknown action", method: "POST", path: "/api/v1/reports/{processing}/actions", who: "petugas",
			body: jsonBody(map[string]string{"action": "escalate"}), status: 400, code: esambat.EINVALID},
		{name: "api tokens revoke non-numeric id", method: "DELETE", path: "/api/v1/me/tokens/1%20OR%201=1", who: "resident", status: 400, code: esambat.EINVALID},
		{name: "api unknown route", method: "GET", path: "/api/v2/etc/passwd", who: "anon", status: 404, code: esambat.ENOTFOUND},
		{name: "api unknown method", method: "PATCH", path: "/api/v1/reports", who: "resident", body: jsonRaw(`{}`), status: 405, code: esambat.EINVALID, msg: "PATCH"},

		// ---- Forged and missing CSRF, cross-site posts.
		{name: "web lapor without CSRF token", method: "POST", path: "/lapor", who: "web",
			body: func(h *hostile, csrf string) (string, io.Reader) { return reportForm(nil)(h, "") }, status: 403, msg: "Formulir kedaluwarsa"},
		{name: "web lapor forged CSRF token", method: "POST", path: "/lapor", who: "web",
			body: func(h *hostile, csrf string) (string, io.Reader) { return reportForm(nil)(h, "palsu"+csrf) }, status: 403, msg: "Formulir kedaluwarsa"},
		{name: "web lapor cross-site post", method: "POST", path: "/lapor", who: "web",
			headers: []string{"Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site"}, body: reportForm(nil), status: 403, msg: "lintas situs"},
		{name: "web dukung forged CSRF token", method: "POST", path: "/laporan/{published}/dukung", who: "web",
			body: formRaw("csrf=" + strings.Repeat("A", 43)), status: 403, msg: "Formulir kedaluwarsa"},
		{name: "web kelola without CSRF token", method: "POST", path: "/kelola/{processing}", who: "web-petugas",
			body: func(h *hostile, csrf string) (string, io.Reader) { return form("action", "note", "note", "x")(h, "") }, status: 403, msg: "Formulir kedaluwarsa"},
		{name: "web admin bulk verify cross-site", method: "POST", path: "/admin/verifikasi-massal", who: "web-admin",
			headers: []string{"Origin", "https://evil.example"}, body: form("ticket", "{draft}"), status: 403, msg: "lintas situs"},
		{name: "web keluar cross-site", method: "POST", path: "/keluar", who: "web", headers: []string{"Sec-Fetch-Site", "cross-site"}, body: form(), status: 403, msg: "lintas situs"},
		{name: "web verifikasi-hp forged CSRF", method: "POST", path: "/verifikasi-hp", who: "web",
			body: formRaw("csrf=x&code=123456"), status: 403, msg: "Formulir kedaluwarsa"},

		// ---- The admins' accounts and categories pages.
		{name: "web admin/pengguna create without CSRF token", method: "POST", path: "/admin/pengguna", who: "web-admin",
			body: func(h *hostile, csrf string) (string, io.Reader) {
				return form("role", "admin", "name", "Penyusup", "email", "penyusup@example.org")(h, "")
			}, status: 403, msg: "Formulir kedaluwarsa"},
		{name: "web admin/pengguna create cross-site", method: "POST", path: "/admin/pengguna", who: "web-admin",
			headers: []string{"Origin", "https://evil.example"}, body: form("role", "admin", "name", "Penyusup", "email", "penyusup@example.org"), status: 403, msg: "lintas situs"},
		{name: "web admin/pengguna create by a petugas", method: "POST", path: "/admin/pengguna", who: "web-petugas",
			body: form("role", "admin", "name", "Naik pangkat", "email", "naik@example.org"), status: 404, msg: "tidak ditemukan"},
		{name: "web admin/pengguna script in name, SQL injection in email", method: "POST", path: "/admin/pengguna", who: "web-admin",
			body: form("role", "petugas", "name", xssImg, "email", `x@example.org' OR '1'='1`, "agency", "dinas-pupr"), status: 400, msg: "email tidak valid"},
		{name: "web admin/pengguna huge name", method: "POST", path: "/admin/pengguna", who: "web-admin",
			body: form("role", "pimpinan", "name", strings.Repeat("Nama ", 1000), "email", "panjang@example.org"), status: 400, msg: "terlalu panjang"},
		{name: "web admin/pengguna unknown role", method: "POST", path: "/admin/pengguna", who: "web-admin",
			body: form("role", "superadmin", "name", "Dewa", "email", "dewa@example.org"), status: 400, msg: "Pilih peran"},
		{name: "web admin/pengguna invalid UTF-8 and NUL in search", method: "GET", path: "/admin/pengguna?q=%FF%00", who: "web-admin",
			status: 400, msg: "karakter yang tidak valid"},
		{name: "web admin/pengguna markup in a staff name", method: "POST", path: "/admin/pengguna", who: "web-admin",
			body: form("role", "pimpinan", "name", "<b>Kepala</b>", "email", "kepala@example.org"), status: 400, msg: "tidak diizinkan"},
		{name: "web admin/pengguna SQL injection in search", method: "GET", path: "/admin/pengguna?q=%27%20OR%20%271%27%3D%271", who: "web-admin",
			status: 200, msg: "Tidak ada akun yang cocok"},
		{name: "web admin/pengguna turn off a non-numeric id", method: "POST", path: "/admin/pengguna/1%20OR%201=1/nonaktifkan", who: "web-admin",
			body: form(), status: 404, msg: "tidak ditemukan"},
		{name: "web admin/pengguna resident's password without CSRF token", method: "POST", path: "/admin/pengguna/{resident-id}/sandi", who: "web-admin",
			body: func(h *hostile, csrf string) (string, io.Reader) { return form("identity", "1")(h, "") }, status: 403, msg: "Formulir kedaluwarsa"},
		{name: "web admin/pengguna resident's password by a petugas", method: "POST", path: "/admin/pengguna/{resident-id}/sandi", who: "web-petugas",
			body: form("identity", "1"), status: 404, msg: "tidak ditemukan"},
		{name: "web admin/pengguna resident's password with a forged identity value", method: "POST", path: "/admin/pengguna/{resident-id}/sandi", who: "web-admin",
			body: form("identity", "1' OR '1'='1"), status: 400, msg: "Periksa dulu KTP"},
		{name: "web admin/pengguna script in a resident's name", method: "POST", path: "/admin/pengguna/{resident-id}", who: "web-admin",
			body: form("name", xssImg, "phone", "081234567801"), status: 400, msg: "tidak diizinkan"},
		{name: "web admin/pengguna SQL injection and a huge value as a resident's phone", method: "POST", path: "/admin/pengguna/{resident-id}", who: "web-admin",
			body: form("name", "Warga Kota", "phone", "0812' OR '1'='1"+strings.Repeat("9", 5000)), status: 400, msg: "Nomor HP"},
		{name: "api users resident's number set by a petugas", method: "PUT", path: "/api/v1/users/{resident-id}", who: "petugas",
			body: jsonBody(map[string]string{"name": "Warga Kota", "phone": "081399998888"}), status: 403, code: esambat.EFORBIDDEN},
		{name: "api users resident's password with identity_checked as a string", method: "POST", path: "/api/v1/users/{resident-id}/password", who: "admin",
			body: jsonRaw(`{"identity_checked":"ya"}`), status: 400, code: esambat.EINVALID},
		{name: "web akun/data without CSRF token", method: "POST", path: "/akun/data", who: "web",
			body: func(h *hostile, csrf string) (string, io.Reader) {
				return form("name", "Warga", "phone", "081399990000", "kelurahan_code", "35.75.02.1001")(h, "")
			}, status: 403, msg: "Formulir kedaluwarsa"},
		{name: "web akun/data cross-site", method: "POST", path: "/akun/data", who: "web", headers: []string{"Origin", "https://evil.example"},
			body: form("name", "Warga", "phone", "081399990000", "kelurahan_code", "35.75.02.1001"), status: 403, msg: "lintas situs"},
		{name: "web akun/data a new number without the password", method: "POST", path: "/akun/data", who: "web",
			body: form("name", "Warga Kota", "phone", "081399990000", "kelurahan_code", "35.75.02.1001"), status: 400, msg: "kata sandi Anda yang sekarang"},
		{name: "web akun/data script in the name, SQL injection as kelurahan", method: "POST", path: "/akun/data", who: "web",
			body: form("name", xssImg, "phone", "081234567801", "kelurahan_code", "35.75.02.1001' OR '1'='1"), status: 400, msg: "tidak diizinkan"},
		{name: "web akun/data by a petugas", method: "POST", path: "/akun/data", who: "web-petugas",
			body: form("name", "Naik", "phone", "081399990000", "kelurahan_code", "35.75.02.1001"), status: 404, msg: "tidak ditemukan"},
		{name: "api me update with invalid UTF-8 name", method: "PUT", path: "/api/v1/me", who: "resident",
			body: jsonRaw("{\"name\":\"\xff\xfe\",\"phone\":\"081234567801\",\"kelurahan_code\":\"35.75.02.1001\"}"), status: 400, code: esambat.EINVALID},
		{name: "api me update with a huge phone", method: "PUT", path: "/api/v1/me", who: "resident",
			body: jsonBody(map[string]string{"name": "Warga Kota", "phone": strings.Repeat("8", 100000), "kelurahan_code": "35.75.02.1001"}), status: 400, code: esambat.EINVALID},
		{name: "web akun/tutup without CSRF token", method: "POST", path: "/akun/tutup", who: "web",
			body: func(h *hostile, csrf string) (string, io.Reader) {
				return form("close_current", "kata-sandi-rahasia", "confirm", "1")(h, "")
			}, status: 403, msg: "Formulir kedaluwarsa"},
		{name: "web akun/tutup cross-site", method: "POST", path: "/akun/tutup", who: "web", headers: []string{"Sec-Fetch-Site", "cross-site"},
			body: form("close_current", "kata-sandi-rahasia", "confirm", "1"), status: 403, msg: "lintas situs"},
		{name: "web akun/tutup SQL injection as the password", method: "POST", path: "/akun/tutup", who: "web",
			body: form("close_current", "' OR '1'='1", "confirm", "1"), status: 400, msg: "kata sandi Anda yang sekarang"},
		{name: "api me close with confirm as a string", method: "DELETE", path: "/api/v1/me", who: "resident",
			body: jsonRaw(`{"current":"kata-sandi-rahasia","confirm":"ya"}`), status: 400, code: esambat.EINVALID},
		{name: "api password-reset with an overlong email", method: "POST", path: "/api/v1/auth/password-reset", who: "anon",
			body: jsonBody(map[string]string{"login": strings.Repeat("a", 5000) + "@example.org"}), status: 400, code: esambat.EINVALID},
		{name: "web lupa-sandi with markup as the email", method: "POST", path: "/lupa-sandi", who: "anon",
			body: formRaw("login=" + url.QueryEscape(`"><script>x</script>@example.org`)), status: 400, msg: "alamat email akun Anda"},
		{name: "web akun/unduh by a petugas", method: "GET", path: "/akun/unduh", who: "web-petugas", status: 404, msg: "hanya untuk akun warga"},
		{name: "web konfirmasi-email with a forged token", method: "GET", path: "/konfirmasi-email?t=1.99999999999.0123456789abcdef0123456789abcdef", who: "anon",
			status: 400, msg: "Tautan konfirmasi ini tidak berlaku lagi"},
		{name: "web konfirmasi-email with script as the token", method: "GET", path: "/konfirmasi-email?t=" + url.QueryEscape(`"><script>alert(1)</script>`), who: "anon",
			status: 400, msg: "Tautan konfirmasi ini tidak berlaku lagi"},
		{name: "web konfirmasi-email POST with an overlong token", method: "POST", path: "/konfirmasi-email", who: "anon",
			body: form("t", strings.Repeat("1.", 5000)), status: 400, msg: "Tautan konfirmasi ini tidak berlaku lagi"},
		{name: "web konfirmasi-email POST without CSRF in a session", method: "POST", path: "/konfirmasi-email", who: "web",
			body: formRaw("t=1.2.3"), status: 403, msg: "Formulir kedaluwarsa"},
		{name: "api confirm-email with a negative account", method: "POST", path: "/api/v1/auth/confirm-email", who: "anon",
			body: jsonBody(map[string]string{"token": "-1.99999999999.00"}), status: 400, code: esambat.EINVALID},
		{name: "api confirm-email with SQL injection", method: "POST", path: "/api/v1/auth/confirm-email", who: "anon",
			body: jsonBody(map[string]string{"token": "1' OR '1'='1.9.x"}), status: 400, code: esambat.EINVALID},
		{name: "api confirm-email with the token as a number", method: "POST", path: "/api/v1/auth/confirm-email", who: "anon",
			body: jsonRaw(`{"token":12345}`), status: 400, code: esambat.EINVALID},
		{name: "api email resend without a token", method: "POST", path: "/api/v1/me/email/resend", who: "anon", status: 401, code: esambat.EUNAUTHORIZED},
		{name: "api email resend with nothing waiting", method: "POST", path: "/api/v1/me/email/resend", who: "resident", status: 400, code: esambat.EINVALID},
		{name: "web akun/email/kirim by a petugas", method: "POST", path: "/akun/email/kirim", who: "web-petugas", body: form(), status: 404, msg: "tidak ditemukan"},
		{name: "web admin/kategori script as agency", method: "POST", path: "/admin/kategori/air-bersih", who: "web-admin",
			body: form("agency", xssImg, "threshold", "0"), status: 400, msg: "tidak dikenal"},
		{name: "api default-agency SQL injection", method: "PUT", path: "/api/v1/categories/air-bersih/default-agency", who: "admin",
			body: jsonBody(map[string]string{"agency": `dinas-pupr' --`}), status: 400, code: esambat.EINVALID},
		{name: "api default-agency by a petugas", method: "PUT", path: "/api/v1/categories/air-bersih/default-agency", who: "petugas",
			body: jsonBody(map[string]string{"agency": "dinas-pupr"}), status: 403, code: esambat.EFORBIDDEN},
		{name: "api users create by a petugas", method: "POST", path: "/api/v1/users", who: "petugas",
			body: jsonBody(map[string]string{"role": "admin", "name": "Naik pangkat", "email": "naik@example.org"}), status: 403, code: esambat.EFORBIDDEN},
		{name: "api users create by a resident", method: "POST", path: "/api/v1/users", who: "resident",
			body: jsonBody(map[string]string{"role": "admin", "name": "Naik pangkat", "email": "naik@example.org"}), status: 403, code: esambat.EFORBIDDEN},
		{name: "api users SQL injection in search", method: "GET", path: "/api/v1/users?q=%25%27%20OR%201%3D1%20--", who: "admin", status: 200},
		{name: "api users search too long", method: "GET", path: "/api/v1/users?q=" + strings.Repeat("a", 500), who: "admin", status: 400, code: esambat.EINVALID},
		{name: "api users create with invalid UTF-8 name", method: "POST", path: "/api/v1/users", who: "admin",
			body: jsonRaw("{\"role\":\"admin\",\"name\":\"\xff\xfe\",\"email\":\"utf@example.org\"}"), status: 400, code: esambat.EINVALID},
		{name: "api report cross-site with a token", method: "POST", path: "/api/v1/reports", who: "resident",
			headers: []string{"Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site"}, body: reportJSON(nil), status: 403, code: esambat.EFORBIDDEN},

		// ---- Forged, revoked and expired credentials; wrong roles.
		{name: "api me forged bearer token", method: "GET", path: "/api/v1/me", who: "anon", headers: []string{"Authorization", "Bearer esb_" + strings.Repeat("A", 43)}, status: 401, code: esambat.EUNAUTHORIZED},
		{name: "api me overlong bearer token", method: "GET", path: "/api/v1/me", who: "anon", headers: []string{"Authorization", "Bearer " + strings.Repeat("x", 8000)}, status: 401, code: esambat.EUNAUTHORIZED},
		{name: "api me Basic authorization", method: "GET", path: "/api/v1/me", who: "anon", headers: []string{"Authorization", "Basic YWRtaW46YWRtaW4="}, status: 401, code: esambat.EUNAUTHORIZED},
		{name: "api me empty bearer", method: "GET", path: "/api/v1/me", who: "anon", headers: []string{"Authorization", "Bearer "}, status: 401, code: esambat.EUNAUTHORIZED},
		{name: "api me revoked token", method: "GET", path: "/api/v1/me", who: "revoked", status: 401, code: esambat.EUNAUTHORIZED},
		{name: "api me expired token", method: "GET", path: "/api/v1/me", who: "expired", status: 401, code: esambat.EUNAUTHORIZED},
		{name: "api me forged API key", method: "GET", path: "/api/v1/categories", who: "anon", headers: []string{"X-API-Key", "esk_palsu"}, status: 403, code: esambat.EFORBIDDEN},
		{name: "api me forged esk_ bearer", method: "GET", path: "/api/v1/categories", who: "anon", headers: []string{"Authorization", "Bearer esk_" + strings.Repeat("B", 40)}, status: 403, code: esambat.EFORBIDDEN},
		{name: "api me expired session cookie", method: "GET", path: "/api/v1/me", who: "expired-session", status: 401, code: esambat.EUNAUTHORIZED},
		{name: "api me forged session cookie", method: "GET", path: "/api/v1/me", who: "anon", headers: []string{"Cookie", esambathttp.SessionCookie + "=" + strings.Repeat("Z", 43)}, status: 401, code: esambat.EUNAUTHORIZED},
		{name: "api report anonymous", method: "POST", path: "/api/v1/reports", who: "anon", body: reportJSON(nil), status: 401, code: esambat.EUNAUTHORIZED},
		{name: "api verify as resident", method: "POST", path: "/api/v1/reports/{draft}/actions", who: "resident",
			body: jsonBody(map[string]string{"action": "verify", "agency": "dinas-pupr"}), status: 403, code: esambat.EFORBIDDEN},
		{name: "api answer as partner", method: "POST", path: "/api/v1/reports/{processing}/actions", who: "partner",
			body: jsonBody(map[string]string{"action": "answer", "text": "Palsu"}), status: 403, code: esambat.EFORBIDDEN},
		{name: "api threshold as petugas", method: "PUT", path: "/api/v1/categories/jalan-jembatan/auto-threshold", who: "petugas",
			body: jsonBody(map[string]float64{"threshold": 0.1}), status: 403, code: esambat.EFORBIDDEN},
		{name: "web lapor expired session", method: "GET", path: "/lapor", who: "expired-session", status: 303, location: "/masuk?kembali=%2Flapor",
			check: func(t *testing.T, h *hostile, r page) {
				if sc := r.Header.Get("Set-Cookie"); !strings.Contains(sc, esambathttp.SessionCookie+"=;") {
					t.Errorf("the expired cookie is not cleared: %q", sc)
				}
			}},
		{name: "web lapor post with an expired session", method: "POST", path: "/lapor", who: "expired-session", body: reportForm(nil), status: 303, location: "/masuk"},
		{name: "web kelola with a forged session cookie", method: "GET", path: "/kelola/{processing}", who: "anon",
			headers: []string{"Cookie", esambathttp.SessionCookie + "=" + strings.Repeat("Z", 43)}, status: 303, location: "/masuk"},
		{name: "web kelola as resident", method: "GET", path: "/kelola/{processing}", who: "web", status: 404, msg: "tidak ditemukan"},
		{name: "web admin as petugas", method: "GET", path: "/admin", who: "web-petugas", status: 404, msg: "tidak ditemukan"},
		{name: "web kelola unknown ticket", method: "GET", path: "/kelola/ES-26-999999", who: "web-admin", status: 404, msg: "tidak ditemukan"},
		{name: "web kelola system-only action", method: "POST", path: "/kelola/{processing}", who: "web-admin", body: form("action", "escalate"), status: 400, msg: "Tindakan tidak dikenal"},
		{name: "web laporan unknown resident action", method: "POST", path: "/laporan/{published}/hapus", who: "web", body: form(), status: 404, msg: "tidak ditemukan"},
		{name: "web admin bulk verify as resident", method: "POST", path: "/admin/verifikasi-massal", who: "web", body: form("ticket", "x"), status: 404, msg: "tidak ditemukan"},

		// ---- Floods past the rate limits.
		{name: "api flood per address", method: "GET", path: "/api/v1/categories", who: "anon", limits: esambathttp.RateLimits{PerIP: 3}, before: 3,
			status: 429, code: esambat.ERATELIMIT, check: retryAfter},
		{name: "api flood per user", method: "GET", path: "/api/v1/me", who: "resident", limits: esambathttp.RateLimits{PerUser: 4}, before: 4,
			status: 429, code: esambat.ERATELIMIT, check: retryAfter},
		{name: "api flood per partner key", method: "GET", path: "/api/v1/reports", who: "partner", limits: esambathttp.RateLimits{PerKey: 5}, before: 5,
			status: 429, code: esambat.ERATELIMIT, check: retryAfter},
		{name: "api flood of wrong passwords", method: "POST", path: "/api/v1/auth/token", who: "anon", before: 10,
			body: jsonBody(map[string]string{"login": "admin@example.org", "password": "tebak-tebakan"}), status: 429, code: esambat.ERATELIMIT, check: retryAfter},
		{name: "api flood of sign-ups", method: "POST", path: "/api/v1/auth/register", who: "anon", before: 20,
			body: jsonBody(map[string]string{"nik": "123", "name": "Spam", "phone": "0812", "password": "x"}), status: 429, code: esambat.ERATELIMIT, check: retryAfter},
		{name: "api flood of code resends", method: "POST", path: "/api/v1/auth/resend-code", who: "resident", before: 5, body: jsonRaw(`{}`),
			status: 429, code: esambat.ERATELIMIT, check: retryAfter},
		{name: "web flood of wrong passwords", method: "POST", path: "/masuk", who: "anon", before: 10,
			body: form("login", "pupr@example.org", "password", "tebak-tebakan"), status: 429, msg: "Terlalu banyak percobaan", check: retryAfter},
		{name: "web flood of sign-ups", method: "POST", path: "/daftar", who: "anon", before: 20,
			body: form("nik", "123", "name", "Spam", "phone", "0812", "password", "x"), status: 429, msg: "Terlalu banyak percobaan", check: retryAfter},
		{name: "web flood of code resends", method: "POST", path: "/verifikasi-hp/kirim-ulang", who: "web", before: 5, body: form(),
			status: 429, msg: "Terlalu banyak permintaan kode"},
	}
}

// Payloads: each sets window.__xss when it runs.
const (
	xssScript   = `<script>window.__xss=1</script>`
	xssImg      = `<img src=x onerror=window.__xss=1>`
	xssSVG      = `"><svg onload=window.__xss=1>`
	xssLink     = `<a href="javascript:window.__xss=1">klik</a>`
	svgPayload  = `<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(document.cookie)</script></svg>`
	htmlPayload = `<!DOCTYPE html><html><body><script>fetch('/api/v1/me').then(r=>r.text()).then(alert)</script></body></html>`
)

// rawPayloadRe finds a payload that reached a page as markup.
var rawPayloadRe = regexp.MustCompile(`<script>window\.__xss|<img src=x onerror|<svg onload|href="javascript:`)

func noRawPayload(t *testing.T, body string) {
	t.Helper()
	if m := rawPayloadRe.FindString(body); m != "" {
		i := strings.Index(body, m)
		t.Errorf("payload %q reached the page as markup: …%s…", m, body[max(0, i-200):min(len(body), i+200)])
	}
}

func noReports(t *testing.T, h *hostile, r page) {
	t.Helper()
	var out struct{ Reports []json.RawMessage }
	if err := json.Unmarshal([]byte(r.Body), &out); err != nil {
		t.Fatalf("list: %v", err)
	}
	if len(out.Reports) != 0 {
		t.Errorf("the injection matched %d reports: %s", len(out.Reports), r.Body)
	}
}

func retryAfter(t *testing.T, h *hostile, r page) {
	t.Helper()
	if r.Header.Get("Retry-After") == "" {
		t.Errorf("no Retry-After on 429")
	}
}

// ---- Body builders.

type bodyFunc = func(h *hostile, csrf string) (string, io.Reader)

func jsonRaw(s string) bodyFunc {
	return func(*hostile, string) (string, io.Reader) { return "application/json", strings.NewReader(s) }
}

func jsonBody(v any) bodyFunc {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return jsonRaw(string(b))
}

// reportJSON is a valid report body changed by mod.
func reportJSON(mod func(map[string]any)) bodyFunc {
	m := map[string]any{"type": "pengaduan", "category": "jalan-jembatan", "title": "Jalan berlubang di depan SD",
		"description":    "Lubang besar di tengah jalan, sudah ada pengendara motor yang jatuh.",
		"kelurahan_code": "35.75.02.1001", "address": "Jl. Pohjentrek", "visibility": "publik"}
	if mod != nil {
		mod(m)
	}
	return func(*hostile, string) (string, io.Reader) {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(m); err != nil {
			panic(err)
		}
		// encoding/json writes invalid UTF-8 as U+FFFD; put the raw bytes
		// back so the server sees what a broken client sends.
		return "application/json", bytes.NewReader(bytes.ReplaceAll(buf.Bytes(), []byte(`\ufffd`), []byte{0xc3}))
	}
}

// form is a urlencoded form with the sender's CSRF token; "{draft}" in a
// value is the draft's ticket.
func form(kv ...string) bodyFunc {
	return func(h *hostile, csrf string) (string, io.Reader) {
		v := url.Values{}
		if csrf != "" {
			v.Set("csrf", csrf)
		}
		for i := 0; i+1 < len(kv); i += 2 {
			v.Add(kv[i], strings.ReplaceAll(kv[i+1], "{draft}", h.draft))
		}
		return "application/x-www-form-urlencoded", strings.NewReader(v.Encode())
	}
}

func formRaw(s string) bodyFunc {
	return func(*hostile, string) (string, io.Reader) {
		return "application/x-www-form-urlencoded", strings.NewReader(s)
	}
}

func constBytes(s string) func(*hostile) []byte { return func(*hostile) []byte { return []byte(s) } }

// filePart is one file of a multipart body; nil data is a real JPEG, bomb
// the PNG bomb.
type filePart struct {
	field, filename, contentType string
	data                         []byte
	bomb                         bool
}

func multipartBody(fields [][2]string, files ...filePart) (string, io.Reader) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, f := range fields {
		mw.WriteField(f[0], f[1])
	}
	for _, f := range files {
		hd := textproto.MIMEHeader{}
		hd.Set("Content-Disposition", fmt.Sprintf(`form-data; name=%q; filename=%q`, f.field, f.filename))
		hd.Set("Content-Type", f.contentType)
		w, _ := mw.CreatePart(hd)
		w.Write(f.data)
	}
	mw.Close()
	return mw.FormDataContentType(), &buf
}

func (h *hostile) fileData(f filePart) filePart {
	switch {
	case f.bomb:
		f.data = h.bomb
	case f.data == nil:
		f.data = validJPEG
	}
	return f
}

// photoUpload is the API's photo upload with one file.
func photoUpload(field, filename, contentType string, data func(*hostile) []byte) bodyFunc {
	return func(h *hostile, _ string) (string, io.Reader) {
		f := filePart{field: field, filename: filename, contentType: contentType}
		if data != nil {
			f.data = data(h)
		}
		return multipartBody(nil, h.fileData(f))
	}
}

// reportForm is the /lapor form, valid unless over changes it.
func reportForm(over map[string]string, files ...filePart) bodyFunc {
	return func(h *hostile, csrf string) (string, io.Reader) {
		f := map[string]string{"type": "pengaduan", "category": "jalan-jembatan", "title": "Jalan berlubang di Jl. Veteran",
			"description": "Lubang besar sudah dua minggu, membahayakan pengendara.", "kelurahan_code": "35.75.04.1006",
			"address": "Jl. Veteran depan toko roti", "visibility": "publik", "idem": fmt.Sprint(time.Now().UnixNano())}
		if csrf != "" {
			f["csrf"] = csrf
		}
		for k, v := range over {
			f[k] = v
		}
		var fields [][2]string
		for k, v := range f {
			fields = append(fields, [2]string{k, v})
		}
		var parts []filePart
		for _, p := range files {
			parts = append(parts, h.fileData(p))
		}
		return multipartBody(fields, parts...)
	}
}

func jpegParts(n int) []filePart {
	var out []filePart
	for i := 0; i < n; i++ {
		out = append(out, filePart{"photos", fmt.Sprintf("foto%d.jpg", i), "image/jpeg", nil, false})
	}
	return out
}

// endlessUpload streams a multipart file of 60 MB, past every upload
// limit, without holding it in memory.
func endlessUpload(field string) bodyFunc {
	return func(h *hostile, csrf string) (string, io.Reader) {
		const boundary = "hostileboundary"
		head := "--" + boundary + "\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n" + csrf + "\r\n" +
			"--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + field + "\"; filename=\"besar.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n\xff\xd8\xff"
		tail := "\r\n--" + boundary + "--\r\n"
		return "multipart/form-data; boundary=" + boundary,
			io.MultiReader(strings.NewReader(head), io.LimitReader(zeros{}, 60<<20), strings.NewReader(tail))
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// gzipBomb is 10 MB of zeros gzipped to about 10 KB, sent with
// Content-Encoding: gzip: the server must not inflate request bodies.
func gzipBomb(*hostile, string) (string, io.Reader) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	io.Copy(zw, io.LimitReader(zeros{}, 10<<20))
	zw.Close()
	return "application/json", &buf
}

var validJPEG = func() []byte { return testJPEG(nil) }()

// pngBomb is a PNG whose header declares w×h pixels (with a valid CRC),
// followed by a zlib stream of zeros that would inflate to gigabytes.
func pngBomb(w, h uint32) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(typ string, data []byte) {
		binary.Write(&b, binary.BigEndian, uint32(len(data)))
		crc := crc32.NewIEEE()
		b.WriteString(typ)
		crc.Write([]byte(typ))
		b.Write(data)
		crc.Write(data)
		binary.Write(&b, binary.BigEndian, crc.Sum32())
	}
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 2 // 8-bit RGB
	chunk("IHDR", ihdr)
	var z bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&z, zlib.BestCompression)
	io.Copy(zw, io.LimitReader(zeros{}, 32<<20))
	zw.Close()
	chunk("IDAT", z.Bytes())
	chunk("IEND", nil)
	return b.Bytes()
}

// jpegDeclaring patches the frame header of a real JPEG to claim w×h.
func jpegDeclaring(w, h uint16) []byte {
	j := bytes.Clone(validJPEG)
	i := bytes.Index(j, []byte{0xff, 0xc0})
	if i < 0 {
		panic("no SOF0 in test JPEG")
	}
	binary.BigEndian.PutUint16(j[i+5:], h)
	binary.BigEndian.PutUint16(j[i+7:], w)
	return j
}

// ---- Fixture.

func newHostile(t *testing.T) *hostile {
	t.Helper()
	e := newEnv(t)
	ctx := t.Context()
	h := &hostile{e: e, mediaDir: filepath.Join(t.TempDir(), "media", "photos")}
	e.server.Media = media.DirStore{Dir: h.mediaDir}
	e.srv.Config.Handler = e.server.Handler()
	h.bomb = pngBomb(100000, 100000)
	h.hugeJPEG = jpegDeclaring(60000, 60000)

	// The resident signs up on the web and also holds a bearer token.
	h.web = e.browser()
	h.web.signUp(nikKota, "081234567801")
	r := e.do("POST", "/api/v1/auth/token", "", map[string]string{"login": "081234567801", "password": "kata-sandi-rahasia"})
	var tok struct{ Token string }
	r.json(t, &tok)
	h.resident = tok.Token
	if u, err := e.db.FindUserByLogin(ctx, "+6281234567801"); err != nil {
		t.Fatal(err)
	} else {
		h.residentID = strconv.FormatInt(u.ID, 10)
	}
	h.webCSRF = find(t, csrfRe, h.web.get("/lapor").Body)

	h.admin = e.staff(esambat.RoleAdmin, "admin@example.org", "")
	h.petugas = e.staff(esambat.RolePetugas, "pupr@example.org", "dinas-pupr")
	key, _, err := e.svc.IssueAPIKey(ctx, "Mitra", nil)
	if err != nil {
		t.Fatal(err)
	}
	h.partnerKey = key
	h.adminWeb, h.adminCSRF = h.staffLogin("admin@example.org", "/admin")
	h.petugasWeb, h.petCSRF = h.staffLogin("pupr@example.org", "/petugas")

	// Reports: the resident's draft, one forwarded (published), one being
	// handled by Dinas PUPR.
	newReport := func() string {
		in, _ := e.points()
		r := e.do("POST", "/api/v1/reports", h.resident, report(in[0], in[1]))
		var c struct{ Ticket string }
		r.json(t, &c)
		if r.Status != 201 {
			t.Fatalf("setup report = %d %s", r.Status, r.Body)
		}
		return c.Ticket
	}
	act := func(ticket, token string, body map[string]any) {
		if r := e.do("POST", "/api/v1/reports/"+ticket+"/actions", token, body); r.Status != 200 {
			t.Fatalf("setup %v = %d %s", body, r.Status, r.Body)
		}
	}
	h.draft = newReport()
	h.published = newReport()
	act(h.published, h.admin, map[string]any{"action": "verify", "agency": "dinas-pupr"})
	h.processing = newReport()
	act(h.processing, h.admin, map[string]any{"action": "verify", "agency": "dinas-pupr"})
	act(h.processing, h.petugas, map[string]any{"action": "accept", "plan": "Tambal sulam minggu ini."})

	// Credentials that no longer work: a revoked token, a bearer token and
	// a session that ran out.
	u, err := e.db.FindUserByLogin(ctx, "+6281234567801")
	if err != nil {
		t.Fatal(err)
	}
	revoked, rt, err := e.svc.IssueToken(ctx, u, esambat.TokenBearer, "dicabut", 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.db.RevokeToken(ctx, u.ID, rt.ID); err != nil {
		t.Fatal(err)
	}
	h.revoked = revoked
	if h.expired, _, err = e.svc.IssueToken(ctx, u, esambat.TokenBearer, "singkat", time.Minute); err != nil {
		t.Fatal(err)
	}
	if h.expiredSession, _, err = e.svc.IssueToken(ctx, u, esambat.TokenSession, "sesi singkat", time.Minute); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(2 * time.Minute)
	return h
}

// staffLogin signs a staff member in on /masuk and returns the browser and
// its CSRF token.
func (h *hostile) staffLogin(email, home string) (*browser, string) {
	h.e.t.Helper()
	b := h.e.browser()
	if p := b.post("/masuk", url.Values{"login": {email}, "password": {"kata-sandi-staf"}}); p.Status != 303 || p.Location != home {
		h.e.t.Fatalf("login %s = %d %s", email, p.Status, p.Location)
	}
	return b, find(h.e.t, csrfRe, b.get(home).Body)
}

// errorLog collects what the server logs at level Error: internal errors
// and panics, which no hostile request may cause.
type errorLog struct {
	mu    sync.Mutex
	lines []string
}

func (l *errorLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	l.lines = append(l.lines, strings.TrimSpace(string(p)))
	l.mu.Unlock()
	return len(p), nil
}

func (l *errorLog) take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.lines
	l.lines = nil
	return out
}

// run sends c (after its c.before warm-up copies) to a fresh server with
// the case's limits, so that no case spends another's allowance.
func (h *hostile) run(t *testing.T, c hostileCase) page {
	t.Helper()
	logs := &errorLog{}
	srv := &esambathttp.Server{Service: h.e.svc, DB: h.e.db, Outbox: h.e.db, Version: "test",
		Media: media.DirStore{Dir: h.mediaDir}, RateLimits: c.limits, MaxBody: c.maxBody, Later: func(work func()) { work() },
		Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelError}))}
	h.e.srv.Config.Handler = srv.Handler()
	t.Cleanup(func() { h.e.srv.Config.Handler = h.e.server.Handler() })

	path := strings.NewReplacer("{draft}", h.draft, "{published}", h.published, "{processing}", h.processing, "{resident-id}", h.residentID).Replace(c.path)
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }, Timeout: time.Minute}
	var headers []string
	csrf := ""
	switch c.who {
	case "anon":
	case "resident":
		headers = []string{"Authorization", "Bearer " + h.resident}
	case "admin":
		headers = []string{"Authorization", "Bearer " + h.admin}
	case "petugas":
		headers = []string{"Authorization", "Bearer " + h.petugas}
	case "partner":
		headers = []string{"X-API-Key", h.partnerKey}
	case "revoked":
		headers = []string{"Authorization", "Bearer " + h.revoked}
	case "expired":
		headers = []string{"Authorization", "Bearer " + h.expired}
	case "expired-session":
		headers = []string{"Cookie", esambathttp.SessionCookie + "=" + h.expiredSession}
	case "web":
		client, csrf = h.web.client, h.webCSRF
	case "web-admin":
		client, csrf = h.adminWeb.client, h.adminCSRF
	case "web-petugas":
		client, csrf = h.petugasWeb.client, h.petCSRF
	default:
		t.Fatalf("unknown sender %q", c.who)
	}
	headers = append(headers, c.headers...)
	send := func() page {
		var ctype string
		var body io.Reader
		if c.body != nil {
			ctype, body = c.body(h, csrf)
		}
		req, err := http.NewRequestWithContext(t.Context(), c.method, h.e.srv.URL+path, body)
		if err != nil {
			t.Fatal(err)
		}
		if ctype != "" {
			req.Header.Set("Content-Type", ctype)
		}
		for i := 0; i+1 < len(headers); i += 2 {
			req.Header.Set(headers[i], headers[i+1])
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", c.method, path, err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return page{resp.StatusCode, resp.Header.Get("Location"), string(b), resp.Header}
	}
	for i := 0; i < c.before; i++ {
		if p := send(); p.Status >= 500 {
			t.Fatalf("warm-up request %d = %d\n%s", i+1, p.Status, p.Body)
		}
	}
	p := send()
	for _, l := range logs.take() {
		t.Errorf("server logged an error: %s", l)
	}
	return p
}

// apiShaped reports whether path refuses in the API's JSON error shape:
// the API, and the open-data downloads that machines fetch.
func apiShaped(path string) bool {
	return strings.HasPrefix(path, "/api/") || strings.HasPrefix(path, "/open-data/")
}

// checkShape holds the answer to its documented form: the JSON error shape
// on /api/ and /open-data/, a page that names the problem elsewhere.
func (h *hostile) checkShape(t *testing.T, c hostileCase, r page) {
	t.Helper()
	switch {
	case r.Status >= 300 && r.Status < 400:
		if c.location != "" && !strings.HasPrefix(r.Location, c.location) {
			t.Errorf("redirect to %q, want %q…", r.Location, c.location)
		}
	case c.asset:
	case apiShaped(c.path) && r.Status >= 400:
		if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			t.Errorf("Content-Type = %q, want JSON", ct)
		}
		var e struct {
			Error *struct {
				Code    string            `json:"code"`
				Message string            `json:"message"`
				Fields  map[string]string `json:"fields"`
			} `json:"error"`
		}
		dec := json.NewDecoder(strings.NewReader(r.Body))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&e); err != nil || e.Error == nil {
			t.Fatalf("not the API error shape (%v): %s", err, r.Body)
		}
		if e.Error.Code != c.code {
			t.Errorf("code = %s, want %s (%s)", e.Error.Code, c.code, e.Error.Message)
		}
		if e.Error.Message == "" {
			t.Errorf("empty error message")
		}
		if c.msg != "" && !strings.Contains(e.Error.Message, c.msg) && !strings.Contains(fmt.Sprint(e.Error.Fields), c.msg) {
			t.Errorf("message %q (fields %v) does not say %q", e.Error.Message, e.Error.Fields, c.msg)
		}
	case r.Status >= 400:
		if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
			t.Errorf("Content-Type = %q, want a page", ct)
		}
		if !strings.Contains(r.Body, `class="error-summary"`) && !strings.Contains(r.Body, "<h1>") {
			t.Errorf("page shows no error:\n%.1500s", r.Body)
		}
		if c.msg == "" {
			t.Errorf("web case without an expected message")
		} else if !strings.Contains(r.Body, c.msg) {
			t.Errorf("page does not say %q:\n%.3000s", c.msg, r.Body)
		}
	}
}

// checkMediaDir checks that every stored file is a content-addressed
// rendition (ab/cd/<sha256>.jpg) and that no upload left a file elsewhere
// under the test's temporary directory.
func (h *hostile) checkMediaDir(t *testing.T) {
	t.Helper()
	keyRe := regexp.MustCompile(`^[0-9a-f]{2}/[0-9a-f]{2}/[0-9a-f]{64}\.jpg$`)
	n := 0
	root := filepath.Dir(filepath.Dir(h.mediaDir))
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(h.mediaDir, p)
		if strings.HasPrefix(rel, "..") || !keyRe.MatchString(filepath.ToSlash(rel)) {
			t.Errorf("unexpected file from an upload: %s", p)
		}
		n++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Errorf("no photo was stored: the traversal cases did not upload")
	}
	for _, p := range []string{filepath.Join(h.mediaDir, "../../etc/passwd.jpg"), filepath.Join(h.mediaDir, "passwd.jpg")} {
		if _, err := os.Stat(p); err == nil {
			t.Errorf("%s exists", p)
		}
	}
}
