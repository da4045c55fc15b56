package http_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"html"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/esambat/esambat"
	esambathttp "github.com/esambat/esambat/http"
	"github.com/esambat/esambat/media"
)

// browser is a cookie-keeping client that does not follow redirects, so
// tests see each 303.
type browser struct {
	t      *testing.T
	e      *env
	client *http.Client
}

func (e *env) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: e.t, e: e, client: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

type page struct {
	Status   int
	Location string
	Body     string
	Header   http.Header
}

func (b *browser) send(req *http.Request) page {
	b.t.Helper()
	resp, err := b.client.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return page{resp.StatusCode, resp.Header.Get("Location"), string(body), resp.Header}
}

func (b *browser) get(path string) page {
	req, _ := http.NewRequest("GET", b.e.srv.URL+path, nil)
	return b.send(req)
}

func (b *browser) post(path string, form url.Values, headers ...string) page {
	req, _ := http.NewRequest("POST", b.e.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return b.send(req)
}

var csrfRe = regexp.MustCompile(`name="csrf" value="([^"]*)"`)
var idemRe = regexp.MustCompile(`name="idem" value="([^"]*)"`)

func find(t *testing.T, re *regexp.Regexp, body string) string {
	t.Helper()
	m := re.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("%s not found in page", re)
	}
	return m[1]
}

// signUp registers through the sign-up page and returns the session cookie.
func (b *browser) signUp(nik, phone string) {
	b.t.Helper()
	p := b.post("/daftar", url.Values{"nik": {nik}, "name": {"Warga Uji"}, "phone": {phone}, "password": {"kata-sandi-rahasia"}, "kelurahan_code": {"35.75.02.1001"}})
	if p.Status != 303 || p.Location != "/verifikasi-hp" {
		b.t.Fatalf("sign-up = %d %s\n%s", p.Status, p.Location, p.Body)
	}
}

func testJPEG(t *testing.T) []byte { return testJPEGn(t, 0) }

// testJPEGn is testJPEG in another colour for each n: another photo.
func testJPEGn(t *testing.T, n int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for y := 0; y < 48; y++ {
		for x := 0; x < 64; x++ {
			img.Set(x, y, color.RGBA{uint8(x * 4), uint8(y * 5), uint8(90 + 16*n), 255})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, nil); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// submitForm posts the report form as multipart, like a browser without
// JavaScript does.
func (b *browser) submitForm(fields map[string]string, photos ...[]byte) page {
	b.t.Helper()
	form := b.get("/lapor")
	if form.Status != 200 {
		b.t.Fatalf("GET /lapor = %d", form.Status)
	}
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if _, ok := fields["csrf"]; !ok {
		mw.WriteField("csrf", find(b.t, csrfRe, form.Body))
	}
	if _, ok := fields["idem"]; !ok {
		mw.WriteField("idem", find(b.t, idemRe, form.Body))
	}
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	for i, ph := range photos {
		w, _ := mw.CreateFormFile("photos", fmt.Sprintf("foto%d.jpg", i))
		w.Write(ph)
	}
	mw.Close()
	req, _ := http.NewRequest("POST", b.e.srv.URL+"/lapor", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return b.send(req)
}

func formFields(mods ...func(map[string]string)) map[string]string {
	f := map[string]string{"type": "pengaduan", "category": "jalan-jembatan", "title": "Jalan berlubang di Jl. Veteran",
		"description": "Lubang besar sudah dua minggu, membahayakan pengendara.", "kelurahan_code": "35.75.04.1006",
		"address": "Jl. Veteran depan toko roti", "visibility": "publik"}
	for _, m := range mods {
		m(f)
	}
	return f
}

func TestWebSignUpAndReport(t *testing.T) {
	e := newEnv(t)
	e.svc.Reports = e.db
	e.server.Media = media.DirStore{Dir: t.TempDir()}
	b := e.browser()

	// The form needs a login.
	if p := b.get("/lapor"); p.Status != 303 || p.Location != "/masuk?kembali=%2Flapor" {
		t.Fatalf("GET /lapor anonymous = %d %s", p.Status, p.Location)
	}
	// Bad sign-up: 400 with an error summary linking to the fields, values kept, password not echoed.
	p := b.post("/daftar", url.Values{"nik": {"123"}, "name": {"Budi"}, "phone": {"08123"}, "password": {"rahasia-sekali"}, "kelurahan_code": {""}})
	if p.Status != 400 || !strings.Contains(p.Body, `class="error-summary"`) || !strings.Contains(p.Body, `href="#f-nik"`) ||
		!strings.Contains(p.Body, `href="#f-phone"`) || !strings.Contains(p.Body, `value="Budi"`) || strings.Contains(p.Body, "rahasia-sekali") ||
		!strings.Contains(p.Body, `aria-invalid="true"`) {
		t.Fatalf("bad sign-up = %d\n%s", p.Status, p.Body)
	}
	b.signUp("3575011203900001", "081234567801")
	var session *http.Cookie
	u, _ := url.Parse(e.srv.URL)
	for _, c := range b.client.Jar.Cookies(u) {
		if c.Name == "esambat_session" {
			session = c
		}
	}
	if session == nil {
		t.Fatal("no session cookie")
	}
	// Cookie flags are not visible through the jar: check the raw header.
	raw := e.browser().post("/daftar", url.Values{"nik": {"3575024506920003"}, "name": {"Dua"}, "phone": {"081234567802"}, "password": {"kata-sandi-rahasia"}, "kelurahan_code": {"35.75.02.1001"}})
	if sc := raw.Header.Get("Set-Cookie"); !strings.Contains(sc, "HttpOnly") || !strings.Contains(sc, "SameSite=Lax") {
		t.Errorf("session cookie flags: %s", sc)
	}

	// Confirm the phone through the page.
	code := e.lastCode("+6281234567801")
	vp := b.get("/verifikasi-hp")
	if p := b.post("/verifikasi-hp", url.Values{"csrf": {find(t, csrfRe, vp.Body)}, "code": {code}}); p.Status != 303 {
		t.Fatalf("verify phone = %d\n%s", p.Status, p.Body)
	}

	// Report with a photo, without JavaScript.
	p = b.submitForm(formFields(), testJPEG(t))
	if p.Status != 303 || !strings.HasPrefix(p.Location, "/laporan/ES-26-") {
		t.Fatalf("submit = %d %s\n%s", p.Status, p.Location, p.Body)
	}
	ticket := strings.TrimSuffix(strings.TrimPrefix(p.Location, "/laporan/"), "?baru=1")
	page := b.get(p.Location)
	if page.Status != 200 || !strings.Contains(page.Body, ticket) || !strings.Contains(page.Body, "Laporan Anda sudah kami terima") {
		t.Fatalf("report page = %d\n%s", page.Status, page.Body)
	}
	rep, _ := e.db.FindReportByTicket(t.Context(), ticket)
	photos, _ := e.db.ListPhotos(t.Context(), rep.ID)
	if len(photos) != 1 || rep.HasFlag(esambat.FlagPhoneUnconfirmed) {
		t.Fatalf("stored report: %d photos, flags %v", len(photos), rep.Flags)
	}
	if ph := b.get("/laporan/" + ticket + "/foto/" + photos[0].ThumbKey + ".jpg"); ph.Status != 200 || ph.Header.Get("Content-Type") != "image/jpeg" {
		t.Errorf("reporter's photo = %d", ph.Status)
	}
	// Not published yet: others cannot fetch the photo.
	if ph := e.browser().get("/laporan/" + ticket + "/foto/" + photos[0].Key + ".jpg"); ph.Status != 404 {
		t.Errorf("unpublished photo for anonymous = %d", ph.Status)
	}
	// The same form posted twice (double click, retry) gives one report.
	form := b.get("/lapor")
	fields := formFields(func(f map[string]string) {
		f["idem"] = find(t, idemRe, form.Body)
		f["csrf"] = find(t, csrfRe, form.Body)
	})
	first := b.submitForm(fields)
	second := b.submitForm(fields)
	if first.Location == "" || first.Location != second.Location {
		t.Errorf("double submit: %q then %q", first.Location, second.Location)
	}
	// Laporan saya lists both reports.
	mine := b.get("/laporan-saya")
	if mine.Status != 200 || !strings.Contains(mine.Body, ticket) || strings.Count(mine.Body, `class="report-card"`) != 2 {
		t.Errorf("laporan saya:\n%s", mine.Body)
	}

	// Tracking without login: status only before publication.
	anon := e.browser()
	tr := anon.get("/lacak?tiket=" + strings.ToLower(ticket))
	if tr.Status != 303 || tr.Location != "/laporan/"+ticket {
		t.Fatalf("track = %d %s", tr.Status, tr.Location)
	}
	if p := anon.get(tr.Location); p.Status != 200 || strings.Contains(p.Body, "Jl. Veteran depan toko roti") || !strings.Contains(p.Body, "Menunggu verifikasi") {
		t.Errorf("tracked page before publication:\n%s", p.Body)
	}
	if p := anon.get("/lacak?tiket=ES-26-999999"); p.Status != 404 || !strings.Contains(p.Body, "tidak ditemukan") {
		t.Errorf("unknown ticket = %d", p.Status)
	}

	// After verification it is public, with its photo.
	admin := e.staff(esambat.RoleAdmin, "admin@example.org", "")
	if r := e.do("POST", "/api/v1/reports/"+ticket+"/actions", admin, map[string]any{"action": "verify", "agency": "dinas-pupr"}); r.Status != 200 {
		t.Fatalf("verify = %d %s", r.Status, r.Body)
	}
	list := anon.get("/laporan")
	if !strings.Contains(list.Body, "Jalan berlubang di Jl. Veteran") {
		t.Errorf("public list lacks the verified report:\n%s", list.Body)
	}
	if ph := anon.get("/laporan/" + ticket + "/foto/" + photos[0].Key + ".jpg"); ph.Status != 200 {
		t.Errorf("published photo = %d", ph.Status)
	}
	if p := anon.get("/laporan?lang=en"); !strings.Contains(p.Body, "Residents&#39; reports") && !strings.Contains(p.Body, "Residents' reports") {
		t.Errorf("English list page not in English")
	}
}

func TestWebRefusals(t *testing.T) {
	e := newEnv(t)
	e.server.Media = media.DirStore{Dir: t.TempDir()}
	b := e.browser()
	b.signUp("3575011203900001", "081234567801")
	_, bangil := e.points()

	// Outside the city: the form comes back with the referral.
	p := b.submitForm(formFields(func(f map[string]string) {
		f["lat"], f["lng"] = fmt.Sprint(bangil[0]), fmt.Sprint(bangil[1])
	}))
	if p.Status != 422 || !strings.Contains(p.Body, "Bangil") || !strings.Contains(p.Body, "https://www.lapor.go.id") {
		t.Errorf("out of area = %d\n%s", p.Status, p.Body)
	}
	// Missing title: error summary, other values kept.
	p = b.submitForm(formFields(func(f map[string]string) { f["title"] = "" }))
	if p.Status != 400 || !strings.Contains(p.Body, `href="#f-title"`) || !strings.Contains(p.Body, "Jl. Veteran depan toko roti") {
		t.Errorf("missing title = %d\n%s", p.Status, p.Body)
	}
	// A file that is not a photo.
	p = b.submitForm(formFields(), []byte("<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>"))
	if p.Status != 400 || !strings.Contains(p.Body, "bukan foto") {
		t.Errorf("svg upload = %d\n%s", p.Status, p.Body)
	}
	// Six photos.
	ph := testJPEG(t)
	p = b.submitForm(formFields(), ph, ph, ph, ph, ph, ph)
	if p.Status != 400 || !strings.Contains(p.Body, "Maksimal 5 foto") {
		t.Errorf("six photos = %d", p.Status)
	}
	// Forged CSRF token.
	p = b.submitForm(formFields(func(f map[string]string) { f["csrf"] = "palsu" }))
	if p.Status != 403 {
		t.Errorf("forged csrf = %d", p.Status)
	}
	// Cross-origin form post from another site.
	p = b.post("/keluar", url.Values{}, "Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site")
	if p.Status != 403 {
		t.Errorf("cross-origin post = %d", p.Status)
	}
	// Nothing was stored by any refusal.
	if n, _ := e.db.CountReports(t.Context(), esambat.ReportFilter{}); n != 0 {
		t.Errorf("%d reports stored by refused submissions", n)
	}
	// Redirects after login stay on this site.
	if p := b.post("/masuk", url.Values{"login": {"081234567801"}, "password": {"kata-sandi-rahasia"}, "kembali": {"//evil.example/x"}}); p.Location != "/" {
		t.Errorf("open redirect: %q", p.Location)
	}
	// Wrong password on the page: 401 with a message, no session.
	if p := e.browser().post("/masuk", url.Values{"login": {"081234567801"}, "password": {"salah"}}); p.Status != 401 || !strings.Contains(p.Body, "salah") {
		t.Errorf("wrong password page = %d", p.Status)
	}
	if p := b.get("/tidak-ada"); p.Status != 404 || !strings.Contains(p.Body, "tidak ditemukan") {
		t.Errorf("404 page = %d", p.Status)
	}
}

// TestReportFormWeight checks the budget for weak connections: the report
// form page with its CSS and scripts (no tiles, no photos), as transferred
// with gzip, stays under 150 KB.
func TestReportFormWeight(t *testing.T) {
	e := newEnv(t)
	e.server.TileURL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
	b := e.browser()
	b.signUp("3575011203900001", "081234567801")
	total := 0
	fetch := func(path string) string {
		req, _ := http.NewRequest("GET", e.srv.URL+path, nil)
		req.Header.Set("Accept-Encoding", "gzip")
		resp, err := b.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 || resp.Header.Get("Content-Encoding") != "gzip" {
			t.Fatalf("%s = %d, encoding %q", path, resp.StatusCode, resp.Header.Get("Content-Encoding"))
		}
		total += len(raw)
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		plain, _ := io.ReadAll(zr)
		return string(plain)
	}
	html := fetch("/lapor")
	assets := regexp.MustCompile(`(?:href|src)="(/static/[^"]+\.(?:css|js))"`).FindAllStringSubmatch(html, -1)
	if len(assets) < 3 {
		t.Fatalf("expected CSS, Leaflet and the form script on /lapor, found %v", assets)
	}
	for _, a := range assets {
		fetch(a[1])
	}
	t.Logf("report form: %d bytes transferred (HTML + %d assets, gzip)", total, len(assets))
	if total > 150*1024 {
		t.Errorf("report form transfers %d bytes, budget 150 KB", total)
	}
}

func TestAPIPhotosAndNearby(t *testing.T) {
	e := newEnv(t)
	e.server.Media = media.DirStore{Dir: t.TempDir()}
	warga := e.resident("3575011203900001", "081234567801")
	other := e.resident("3575024506920003", "081234567802")
	admin := e.staff(esambat.RoleAdmin, "admin@example.org", "")
	in, _ := e.points()
	r := e.do("POST", "/api/v1/reports", warga, report(in[0], in[1]))
	var c struct{ Ticket string }
	r.json(t, &c)

	upload := func(token string, files ...[]byte) response {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		for i, f := range files {
			w, _ := mw.CreateFormFile("photo", fmt.Sprintf("p%d.jpg", i))
			w.Write(f)
		}
		mw.Close()
		return e.do("POST", "/api/v1/reports/"+c.Ticket+"/photos", token, buf.String(), "Content-Type", mw.FormDataContentType())
	}
	first := upload(warga, testJPEG(t))
	if first.Status != 201 || !strings.Contains(string(first.Body), "/foto/") {
		t.Fatalf("upload = %d %s", first.Status, first.Body)
	}
	var rid struct{ ID int64 }
	events := func() int {
		if rid.ID == 0 {
			rep, err := e.server.Service.Reports.FindReportByTicket(context.Background(), c.Ticket)
			if err != nil {
				t.Fatal(err)
			}
			rid.ID = rep.ID
		}
		evs, err := e.server.Service.Reports.ListEvents(context.Background(), rid.ID)
		if err != nil {
			t.Fatal(err)
		}
		return len(evs)
	}
	// The answer lost on the way, the app sends the same photo again:
	// the same answer, nothing attached twice, no second event.
	before := events()
	if before < 2 {
		t.Fatalf("the report shows %d events, want its submission and its photo", before)
	}
	if r := upload(warga, testJPEG(t)); r.Status != 200 || string(r.Body) != string(first.Body) {
		t.Errorf("retried upload = %d %s, want 200 and the first answer %s", r.Status, r.Body, first.Body)
	}
	if n := events(); n != before {
		t.Errorf("retried upload: %d events, want %d", n, before)
	}
	if r := upload(other, testJPEG(t)); r.Status != 404 {
		t.Errorf("upload to someone else's report = %d %s", r.Status, r.Body)
	}
	if r := upload(warga, []byte("GIF89a not really")); r.Status != 400 || r.errCode() != esambat.EINVALID {
		t.Errorf("bad photo = %d %s", r.Status, r.Body)
	}
	if r := upload(warga); r.Status != 400 {
		t.Errorf("no file = %d %s", r.Status, r.Body)
	}
	if r := upload(warga, testJPEGn(t, 1), testJPEGn(t, 2), testJPEGn(t, 3), testJPEGn(t, 4), testJPEGn(t, 5)); r.Status != 400 || !strings.Contains(string(r.Body), "Maksimal 5") {
		t.Errorf("sixth photo = %d %s", r.Status, r.Body)
	}
	var got struct{ Photos []string }
	e.do("GET", "/api/v1/reports/"+c.Ticket, warga, nil).json(t, &got)
	if len(got.Photos) != 1 {
		t.Errorf("report photos = %v", got.Photos)
	}
	// The photo already attached does not count twice toward the five.
	if r := upload(warga, testJPEG(t), testJPEGn(t, 1), testJPEGn(t, 2), testJPEGn(t, 3), testJPEGn(t, 4)); r.Status != 201 {
		t.Errorf("four new photos beside the first again = %d %s", r.Status, r.Body)
	}
	e.do("GET", "/api/v1/reports/"+c.Ticket, warga, nil).json(t, &got)
	if len(got.Photos) != 5 {
		t.Errorf("report photos = %d, want 5", len(got.Photos))
	}

	// Nearby: after verification the report is offered to a neighbour
	// reporting the same thing 50 m away, not for another category or far away.
	e.do("POST", "/api/v1/reports/"+c.Ticket+"/actions", admin, map[string]any{"action": "verify", "agency": "dinas-pupr"})
	near := func(lat, lng float64, cat string) string {
		r := e.do("GET", fmt.Sprintf("/api/v1/reports/nearby?lat=%f&lng=%f&category=%s", lat, lng, cat), "", nil)
		if r.Status != 200 {
			t.Fatalf("nearby = %d %s", r.Status, r.Body)
		}
		return string(r.Body)
	}
	if body := near(in[0]+0.0004, in[1], "jalan-jembatan"); !strings.Contains(body, c.Ticket) || !strings.Contains(body, `"distance_m":4`) {
		t.Errorf("nearby 45 m = %s", body)
	}
	if body := near(in[0], in[1], "sampah-kebersihan"); strings.Contains(body, c.Ticket) {
		t.Errorf("other category offered: %s", body)
	}
	if body := near(in[0]+0.01, in[1], "jalan-jembatan"); strings.Contains(body, c.Ticket) {
		t.Errorf("1 km away offered: %s", body)
	}
	if r := e.do("GET", "/api/v1/reports/nearby?lat=NaN&lng=1", "", nil); r.Status != 400 {
		t.Errorf("nearby NaN = %d", r.Status)
	}
}

func TestWebReturnedReportCompleted(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	b.signUp("3575011203900001", "081234567801")
	p := b.submitForm(formFields())
	ticket := strings.TrimSuffix(strings.TrimPrefix(p.Location, "/laporan/"), "?baru=1")
	admin := e.staff(esambat.RoleAdmin, "admin@example.org", "")
	if r := e.do("POST", "/api/v1/reports/"+ticket+"/actions", admin, map[string]any{"action": "return", "text": "Sebutkan nomor rumah terdekat."}); r.Status != 200 {
		t.Fatalf("return = %d %s", r.Status, r.Body)
	}
	page := b.get("/laporan/" + ticket)
	if !strings.Contains(page.Body, "Sebutkan nomor rumah terdekat.") || !strings.Contains(page.Body, `action="/laporan/`+ticket+`/lengkapi"`) {
		t.Fatalf("returned report page lacks the request and the form:\n%s", page.Body)
	}
	r := b.post("/laporan/"+ticket+"/lengkapi", url.Values{"csrf": {find(t, csrfRe, page.Body)}, "title": {"Jalan berlubang depan rumah no. 12"},
		"description": {"Lubang di depan rumah nomor 12, Jl. Veteran, sudah dua minggu."}})
	if r.Status != 303 {
		t.Fatalf("resubmit = %d %s", r.Status, r.Body)
	}
	rep, _ := e.db.FindReportByTicket(t.Context(), ticket)
	if rep.Status != esambat.StatusDiajukan || rep.Title != "Jalan berlubang depan rumah no. 12" || rep.DueAt.IsZero() {
		t.Errorf("after resubmit: status %s title %q due %v", rep.Status, rep.Title, rep.DueAt)
	}
}

func mediaStore(t *testing.T) media.DirStore { return media.DirStore{Dir: t.TempDir()} }

// postMultipart posts fields and files as multipart/form-data.
func (b *browser) postMultipart(path string, fields map[string]string, fileField string, files ...[]byte) page {
	b.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	for i, f := range files {
		w, _ := mw.CreateFormFile(fileField, fmt.Sprintf("f%d.jpg", i))
		w.Write(f)
	}
	mw.Close()
	req, _ := http.NewRequest("POST", b.e.srv.URL+path, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return b.send(req)
}

// TestListPaging: the link to a list's next page, followed as a browser
// follows it, shows the next reports with the list's filters kept: on the
// public list and on a resident's own.
func TestListPaging(t *testing.T) {
	e := newEnv(t)
	warga := e.resident(nikKota, "081234567801")
	admin := e.staff(esambat.RoleAdmin, "admin@example.org", "")
	in, _ := e.points()
	var tickets []string
	for _, title := range []string{"Jalan berlubang pertama", "Lampu jalan mati", "Jalan berlubang kedua"} {
		ticket := e.submit(warga, report(in[0], in[1], func(m map[string]any) { m["title"] = title }))
		e.verify(admin, ticket, "dinas-pupr")
		tickets = append(tickets, ticket)
	}
	anon := e.browser()
	p1 := anon.get("/laporan?q=berlubang&limit=1")
	p2 := anon.get("/laporan" + nextPage(t, p1))
	if !strings.Contains(p1.Body, tickets[2]) || !strings.Contains(p2.Body, tickets[0]) || strings.Contains(p2.Body, tickets[2]) || strings.Contains(p2.Body, tickets[1]) {
		t.Errorf("paging a search: page 1 should show %s, page 2 %s only:\n%s\n%s", tickets[2], tickets[0], p1.Body, p2.Body)
	}
	if nextLink.MatchString(p2.Body) {
		t.Error("the last page links to a next one")
	}
	mine := e.browser()
	if p := mine.post("/masuk", url.Values{"login": {"081234567801"}, "password": {"kata-sandi-rahasia"}}); p.Status != 303 {
		t.Fatalf("sign-in = %d", p.Status)
	}
	// Twenty a page there: 18 more, and the first is on page 2.
	for range 18 {
		if r := e.do("POST", "/api/v1/reports", warga, report(in[0], in[1])); r.Status != 201 {
			t.Fatalf("submit = %d %s", r.Status, r.Body)
		}
	}
	m2 := mine.get("/laporan-saya" + nextPage(t, mine.get("/laporan-saya")))
	if !strings.Contains(m2.Body, tickets[0]) || strings.Contains(m2.Body, tickets[2]) {
		t.Errorf("paging my reports: page 2 should show %s only:\n%s", tickets[0], m2.Body)
	}
}

var nextLink = regexp.MustCompile(`<a href="([^"]*)">Berikutnya</a>`)

// nextPage returns the query of a list page's link to its next page, as
// a browser would follow it.
func nextPage(t *testing.T, p page) string {
	t.Helper()
	m := nextLink.FindStringSubmatch(p.Body)
	if m == nil {
		t.Fatalf("the page has no link to the next:\n%s", p.Body)
	}
	return html.UnescapeString(m[1])
}

var langLink = regexp.MustCompile(`<a href="([^"]*)" lang="(en|id)">`)

// TestLanguageSwitchKeepsPage: the language switch opens the same page in
// the other language, with its search and filters, not the page's bare
// path.
func TestLanguageSwitchKeepsPage(t *testing.T) {
	e := newEnv(t)
	anon := e.browser()
	follow := func(p page) page {
		t.Helper()
		m := langLink.FindStringSubmatch(p.Body)
		if m == nil {
			t.Fatalf("the page has no language switch:\n%s", p.Body)
		}
		return anon.get("/laporan" + html.UnescapeString(m[1]))
	}
	en := follow(anon.get("/laporan?q=lampu+mati&category=jalan-jembatan"))
	if !strings.Contains(en.Body, `lang="en"`) || !strings.Contains(en.Body, `value="lampu mati"`) || !strings.Contains(en.Body, `value="jalan-jembatan" selected`) {
		t.Errorf("the switch to English lost the page's search or filter:\n%s", en.Body)
	}
	id := follow(en)
	if !strings.Contains(id.Body, `lang="id"`) || !strings.Contains(id.Body, `value="lampu mati"`) {
		t.Errorf("the switch back to Indonesian lost the page's search:\n%s", id.Body)
	}
}

// TestLoginSaysWhy: a page that needs a login sends a visitor to the
// sign-in page, which says why (the report form in its own words) and
// returns there afterwards; the sign-in page opened by itself says
// nothing of the kind.
func TestLoginSaysWhy(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	for _, c := range []struct{ from, want string }{
		{"/lapor", "Masuk dulu untuk membuat laporan."},
		{"/laporan-saya", "Halaman itu hanya untuk pengguna yang sudah masuk."},
	} {
		p := b.get(c.from)
		if p.Status != 303 || !strings.HasPrefix(p.Location, "/masuk?kembali=") {
			t.Fatalf("GET %s anonymous = %d %s", c.from, p.Status, p.Location)
		}
		login := b.get(p.Location)
		if login.Status != 200 || !strings.Contains(login.Body, c.want) ||
			!strings.Contains(login.Body, `name="kembali" value="`+c.from+`"`) {
			t.Errorf("sign-in page from %s = %d, want %q and the way back\n%s", c.from, login.Status, c.want, login.Body)
		}
	}
	plain := b.get("/masuk")
	if plain.Status != 200 || strings.Contains(plain.Body, "Masuk dulu") || strings.Contains(plain.Body, "Halaman itu hanya") {
		t.Errorf("plain sign-in page = %d, explains a redirect that did not happen\n%s", plain.Status, plain.Body)
	}
}

// TestResidentSeesLateStep: once the city lets a report's step pass its
// due date, the report's page and "Laporan saya" say so beside the date;
// a step the reporter owes (the answer to a finished report) is never the
// city's delay.
func TestResidentSeesLateStep(t *testing.T) {
	e := newEnv(t)
	e.svc.Reports = e.db
	e.server.Media = media.DirStore{Dir: t.TempDir()}
	b := e.browser()
	b.signUp("3575011203900001", "081234567801")
	p := b.submitForm(formFields())
	if p.Status != 303 {
		t.Fatalf("submit = %d\n%s", p.Status, p.Body)
	}
	ticket := strings.TrimSuffix(strings.TrimPrefix(p.Location, "/laporan/"), "?baru=1")
	const late = "lewat batas waktu"
	check := func(when string, want bool) {
		t.Helper()
		for _, path := range []string{"/laporan/" + ticket, "/laporan-saya"} {
			pg := b.get(path)
			if pg.Status != 200 || strings.Contains(pg.Body, late) != want {
				t.Errorf("%s, %s = %d, shows %q: %v, want %v\n%s", when, path, pg.Status, late, !want, want, pg.Body)
			}
		}
	}
	check("on time", false)
	e.clock.Advance(10 * 24 * time.Hour) // past 3 working days
	check("verification overdue", true)

	admin := e.staff(esambat.RoleAdmin, "admin@example.org", "")
	e.verify(admin, ticket, "dinas-pupr")
	check("just forwarded", false)
	// Read in English, the sentence E-Sambat wrote is English too.
	if pg := e.browser().get("/laporan/" + ticket + "?lang=en"); !strings.Contains(pg.Body, "Report verified and forwarded to Dinas Pekerjaan Umum dan Penataan Ruang.") ||
		strings.Contains(pg.Body, "Laporan diverifikasi") || !strings.Contains(pg.Body, "<dd>Roads &amp; bridges</dd>") {
		t.Errorf("the English report page gives the verification in Indonesian:\n%s", pg.Body)
	}
	pupr := e.staff(esambat.RolePetugas, "pupr@example.org", "dinas-pupr")
	for _, body := range []map[string]any{{"action": "accept", "plan": "Tambal sulam minggu ini"}, {"action": "finish", "text": "Lubang sudah ditambal."}} {
		if r := e.do("POST", "/api/v1/reports/"+ticket+"/actions", pupr, body); r.Status != 200 {
			t.Fatalf("%s = %d %s", body["action"], r.Status, r.Body)
		}
	}
	// The API gives the stored text, and English beside it where E-Sambat
	// wrote it, never for the officer's own words.
	var got struct {
		Events []struct {
			Action, Text string
			TextEN       *string `json:"text_en"`
		}
	}
	e.do("GET", "/api/v1/reports/"+ticket, "", nil).json(t, &got)
	for _, ev := range got.Events {
		switch ev.Action {
		case "verify":
			if ev.TextEN == nil || *ev.TextEN != "Report verified and forwarded to Dinas Pekerjaan Umum dan Penataan Ruang." || !strings.HasPrefix(ev.Text, "Laporan diverifikasi") {
				t.Errorf("the API's verify event = %+v", ev)
			}
		case "finish":
			if ev.TextEN != nil || ev.Text != "Lubang sudah ditambal." {
				t.Errorf("the API's finish event = %+v", ev)
			}
		}
	}
	if len(got.Events) < 4 {
		t.Errorf("the API gives %d events", len(got.Events))
	}
	// Finished: the date shown is the auto-close, not a step of the city's.
	if pg := b.get("/laporan/" + ticket); !strings.Contains(pg.Body, "Ditutup otomatis pada") || strings.Contains(pg.Body, "Batas waktu langkah ini") {
		t.Errorf("a finished report's page does not name its date the auto-close:\n%s", pg.Body)
	}
	if pg := b.get("/laporan-saya"); !strings.Contains(pg.Body, "ditutup otomatis") {
		t.Errorf("\"Laporan saya\" does not name a finished report's date the auto-close:\n%s", pg.Body)
	}
	officer := e.browser()
	officer.post("/masuk", url.Values{"login": {"pupr@example.org"}, "password": {"kata-sandi-staf"}})
	if pg := officer.get("/kelola/" + ticket); pg.Status != 200 || !strings.Contains(pg.Body, "Ditutup otomatis pada") {
		t.Errorf("the agency's page of a finished report does not name its date the auto-close:\n%s", pg.Body)
	}
	if pg := officer.get("/petugas?status=selesai"); pg.Status != 200 || !strings.Contains(pg.Body, "ditutup otomatis") {
		t.Errorf("the agency's inbox does not name a finished report's date the auto-close:\n%s", pg.Body)
	}
	if pg := officer.get("/kelola/" + ticket + "?lang=en"); !strings.Contains(pg.Body, "Accepted by the agency. Plan: Tambal sulam minggu ini") {
		t.Errorf("the agency's English page gives the acceptance in Indonesian:\n%s", pg.Body)
	}
	// The reporter has 10 working days to answer; past them the report
	// waits for the reporter (or the auto-close), not the city.
	e.clock.Advance(30 * 24 * time.Hour)
	if p := b.post("/masuk", url.Values{"login": {"081234567801"}, "password": {"kata-sandi-rahasia"}}); p.Status != 303 {
		t.Fatalf("sign in again after the session ended = %d\n%s", p.Status, p.Body)
	}
	if rep, _ := e.db.FindReportByTicket(t.Context(), ticket); rep.Status != esambat.StatusSelesai || !e.clock.Now().After(rep.DueAt) {
		t.Fatalf("report %s due %v at %v, want selesai and past its due date", rep.Status, rep.DueAt, e.clock.Now())
	}
	check("finished, the reporter's answer overdue", false)
}

// TestAccountNamesDevices: the account page names each browser session by
// its browser and system, marks the one in use, and leaves out sessions
// that have expired and can no longer sign in.
func TestAccountNamesDevices(t *testing.T) {
	e := newEnv(t)
	const (
		phone   = "081234567821"
		android = "Mozilla/5.0 (Linux; Android 14; SM-A155F) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36"
		iphone  = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
		windows = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"
	)
	e.browser().signUp("3575024506920021", phone)
	login := func(ua string) *browser {
		b := e.browser()
		if p := b.post("/masuk", url.Values{"login": {phone}, "password": {"kata-sandi-rahasia"}}, "User-Agent", ua); p.Status != 303 {
			t.Fatalf("sign-in from %q = %d\n%s", ua, p.Status, p.Body)
		}
		return b
	}
	login(iphone)
	e.clock.Advance(20 * 24 * time.Hour)
	phoneTab := login(android)
	login(windows)
	e.clock.Advance(11 * 24 * time.Hour) // the sign-up's and the iPhone's sessions (30 days) have expired

	p := phoneTab.get("/akun")
	if p.Status != 200 {
		t.Fatalf("GET /akun = %d", p.Status)
	}
	for _, want := range []string{`Chrome di Android <span class="badge badge-current">perangkat ini</span>`, "Firefox di Windows", "Cabut (keluar)"} {
		if !strings.Contains(p.Body, want) {
			t.Errorf("account page lacks %q", want)
		}
	}
	for _, unwanted := range []string{"Safari di iPhone", "Peramban tidak dikenal", "Mozilla/5.0"} {
		if strings.Contains(p.Body, unwanted) {
			t.Errorf("account page shows %q (expired or raw)", unwanted)
		}
	}
	if n := strings.Count(p.Body, "badge-current"); n != 1 {
		t.Errorf("%d sessions marked as this device, want 1", n)
	}

	// "Keluar dari semua perangkat lain": the Windows browser is signed
	// out, this phone and the API token stay.
	r := e.do("POST", "/api/v1/auth/token", "", map[string]any{"login": phone, "password": "kata-sandi-rahasia", "name": "Aplikasi RT 04"})
	if r.Status != 200 && r.Status != 201 {
		t.Fatalf("POST /api/v1/auth/token = %d %s", r.Status, r.Body)
	}
	windowsTab := login(windows)
	if p := phoneTab.post("/akun/keluar-lainnya", url.Values{"csrf": {find(t, csrfRe, phoneTab.get("/akun").Body)}}); p.Status != 303 || p.Location != "/akun" {
		t.Fatalf("sign the other devices out = %d %s", p.Status, p.Location)
	}
	after := phoneTab.get("/akun")
	if after.Status != 200 || !strings.Contains(after.Body, "Perangkat lain sudah dikeluarkan") || strings.Contains(after.Body, "Firefox di Windows") ||
		!strings.Contains(after.Body, "Aplikasi RT 04") || !strings.Contains(after.Body, "badge-current") {
		t.Errorf("after signing the others out the account page = %d:\n%s", after.Status, after.Body)
	}
	if p := windowsTab.get("/akun"); p.Status != 303 || !strings.HasPrefix(p.Location, "/masuk") {
		t.Errorf("the signed-out Windows browser still opens /akun: %d %s", p.Status, p.Location)
	}
	if p := phoneTab.post("/akun/keluar-lainnya", url.Values{"csrf": {find(t, csrfRe, phoneTab.get("/akun").Body)}}); p.Status != 303 {
		t.Fatalf("sign the other devices out again = %d", p.Status)
	}
	if p := phoneTab.get("/akun"); !strings.Contains(p.Body, "Tidak ada perangkat lain") {
		t.Errorf("with no other device the account page does not say so:\n%s", p.Body)
	}
	if p := phoneTab.post("/akun/keluar-lainnya", url.Values{}); p.Status == 303 && p.Location == "/akun" {
		t.Error("signing the other devices out without the form's CSRF token was accepted")
	}
}

// TestForgotPassword: a resident who forgot the password gets a code on
// the confirmed phone and chooses a new one; the old password and every
// other session stop working, the new password signs in. The form answers
// alike for registered and unknown numbers, refuses a confirmation code, an
// unconfirmed phone, a weak password and wrong codes, and stops after five
// wrong guesses at one code.
func TestForgotPassword(t *testing.T) {
	e := newEnv(t)
	const phone, intl = "081234567841", "+6281234567841"
	old := e.browser()
	old.signUp("3575024506920041", phone)
	// Not yet confirmed: no code for a new password.
	if p := e.browser().post("/lupa-sandi", url.Values{"login": {phone}}); p.Status != 303 {
		t.Fatalf("forgot, unconfirmed phone = %d\n%s", p.Status, p.Body)
	}
	confirm := e.lastCode(intl)
	if msgs := e.sent.Messages(); strings.Contains(msgs[len(msgs)-1].Body, "kata sandi") {
		t.Fatal("a code for a new password was sent to an unconfirmed phone")
	}
	if p := old.post("/verifikasi-hp", url.Values{"csrf": {find(t, csrfRe, old.get("/verifikasi-hp").Body)}, "code": {confirm}}); p.Status != 303 {
		t.Fatalf("confirm phone = %d\n%s", p.Status, p.Body)
	}

	b := e.browser()
	if p := b.get("/masuk"); !strings.Contains(p.Body, `href="/lupa-sandi"`) {
		t.Error("the sign-in page has no link for a forgotten password")
	}
	if p := b.post("/lupa-sandi", url.Values{"login": {"bukan nomor"}}); p.Status != 400 || !strings.Contains(p.Body, "Masukkan nomor HP yang terdaftar") {
		t.Errorf("forgot with a non-number = %d", p.Status)
	}
	unknown := b.post("/lupa-sandi", url.Values{"login": {"081299990000"}})
	known := b.post("/lupa-sandi", url.Values{"login": {"+62 812-3456-7841"}})
	if unknown.Status != 303 || known.Status != 303 || known.Location != "/lupa-sandi/atur?login=%2B6281234567841" ||
		strings.Replace(unknown.Location, "6281299990000", "6281234567841", 1) != known.Location {
		t.Fatalf("forgot: unknown number %d %s, known %d %s: want the same answer", unknown.Status, unknown.Location, known.Status, known.Location)
	}
	code := e.lastCode(intl)
	if msgs := e.sent.Messages(); !strings.Contains(msgs[len(msgs)-1].Body, "mengganti kata sandi") {
		t.Fatalf("the code's SMS does not say what it is for: %q", msgs[len(msgs)-1].Body)
	}
	reset := func(login, code, pw string) page {
		return b.post("/lupa-sandi/atur", url.Values{"login": {login}, "code": {code}, "password": {pw}})
	}
	if p := reset(phone, code, "pendek"); p.Status != 400 || !strings.Contains(p.Body, `id="e-password"`) {
		t.Errorf("a weak new password = %d", p.Status)
	}
	const badCode = "Kode salah atau sudah tidak berlaku."
	if p := reset("081299990000", code, "kata-sandi-baru-sekali"); p.Status != 400 || !strings.Contains(p.Body, badCode) {
		t.Errorf("a code for an unknown number = %d", p.Status)
	}
	wrong := "000000"
	if wrong == code {
		wrong = "111111"
	}
	if p := reset(phone, wrong, "kata-sandi-baru-sekali"); p.Status != 400 || !strings.Contains(p.Body, badCode) {
		t.Errorf("a wrong code = %d", p.Status)
	}
	if p := reset(phone, code, "kata-sandi-baru-sekali"); p.Status != 303 || p.Location != "/" {
		t.Fatalf("reset = %d %s\n%s", p.Status, p.Location, p.Body)
	}
	if p := b.get("/akun"); p.Status != 200 {
		t.Errorf("not signed in after the reset: /akun = %d %s", p.Status, p.Location)
	}
	if p := old.get("/akun"); p.Status != 303 {
		t.Errorf("the session from before the reset still works: /akun = %d", p.Status)
	}
	if p := e.browser().post("/masuk", url.Values{"login": {phone}, "password": {"kata-sandi-rahasia"}}); p.Status == 303 {
		t.Error("the old password still signs in")
	}
	if p := e.browser().post("/masuk", url.Values{"login": {phone}, "password": {"kata-sandi-baru-sekali"}}); p.Status != 303 {
		t.Errorf("the new password does not sign in: %d", p.Status)
	}
	if p := reset(phone, code, "kata-sandi-lain-lagi"); p.Status != 400 || !strings.Contains(p.Body, badCode) {
		t.Errorf("a used code works again: %d", p.Status)
	}
	// A malformed code gets the same answer for a registered and an
	// unknown number.
	if a, b := reset(phone, "12ab", "kata-sandi-lain-lagi"), reset("081299990000", "12ab", "kata-sandi-lain-lagi"); a.Status != 400 || b.Status != 400 ||
		!strings.Contains(a.Body, "6 angka") || !strings.Contains(b.Body, "6 angka") {
		t.Errorf("a malformed code: registered %d, unknown %d; want the same refusal", a.Status, b.Status)
	}

	// A code sent to confirm a phone cannot set a password, and five wrong
	// guesses end a code.
	if p := b.post("/verifikasi-hp/kirim-ulang", url.Values{"csrf": {find(t, csrfRe, b.get("/akun").Body)}}); p.Status != 303 {
		t.Fatalf("resend confirmation code = %d", p.Status)
	}
	if p := reset(phone, e.lastCode(intl), "kata-sandi-lain-lagi"); p.Status != 400 || !strings.Contains(p.Body, badCode) {
		t.Errorf("a phone confirmation code set a password: %d", p.Status)
	}
	b.post("/lupa-sandi", url.Values{"login": {phone}})
	code = e.lastCode(intl)
	for range 5 {
		reset(phone, wrong, "kata-sandi-lain-lagi")
	}
	if p := reset(phone, code, "kata-sandi-lain-lagi"); p.Status != 400 || !strings.Contains(p.Body, badCode) {
		t.Errorf("the right code after five wrong guesses = %d", p.Status)
	}
}

// TestChangePassword: a signed-in resident changes the password by typing
// the current one; the other browsers are signed out, this one stays, the
// new password signs in and the old one does not. A wrong current
// password, a weak or unchanged new one and a missing CSRF token are
// refused with the page still whole.
func TestChangePassword(t *testing.T) {
	e := newEnv(t)
	const phone = "081234567861"
	b := e.browser()
	b.signUp("3575024506920061", phone)
	other := e.browser()
	if p := other.post("/masuk", url.Values{"login": {phone}, "password": {"kata-sandi-rahasia"}}); p.Status != 303 {
		t.Fatalf("second sign-in = %d", p.Status)
	}
	change := func(current, pw string) page {
		return b.post("/akun/sandi", url.Values{"csrf": {find(t, csrfRe, b.get("/akun").Body)}, "current": {current}, "password": {pw}})
	}
	for _, c := range []struct{ current, pw, field, msg string }{
		{"salah-sekali-ini", "kata-sandi-baru-sekali", "e-current", "Kata sandi sekarang salah."},
		{"kata-sandi-rahasia", "pendek", "e-password", ""},
		{"kata-sandi-rahasia", "kata-sandi-rahasia", "e-password", "harus berbeda"},
	} {
		p := change(c.current, c.pw)
		if p.Status != 400 || !strings.Contains(p.Body, `id="`+c.field+`"`) || !strings.Contains(p.Body, c.msg) || !strings.Contains(p.Body, "badge-current") {
			t.Errorf("change %q → %q = %d: want 400 naming %s %q on the whole account page", c.current, c.pw, p.Status, c.field, c.msg)
		}
	}
	if p := b.post("/akun/sandi", url.Values{"current": {"kata-sandi-rahasia"}, "password": {"kata-sandi-baru-sekali"}}); p.Status == 303 && p.Location == "/akun" {
		t.Fatal("a change without the form's CSRF token was accepted")
	}
	// Fumbling with the rules for a new password is not guessing the
	// current one: it never locks the account's form.
	for range 12 {
		change("kata-sandi-rahasia", "pendek")
	}
	if p := change("kata-sandi-rahasia", "kata-sandi-baru-sekali"); p.Status != 303 || p.Location != "/akun" {
		t.Fatalf("change = %d %s\n%s", p.Status, p.Location, p.Body)
	}
	if p := b.get("/akun"); p.Status != 200 || !strings.Contains(p.Body, "Kata sandi sudah diganti") {
		t.Errorf("after the change this browser's /akun = %d", p.Status)
	}
	if p := other.get("/akun"); p.Status != 303 {
		t.Errorf("the other browser is still signed in: /akun = %d", p.Status)
	}
	for pw, ok := range map[string]bool{"kata-sandi-rahasia": false, "kata-sandi-baru-sekali": true} {
		if p := e.browser().post("/masuk", url.Values{"login": {phone}, "password": {pw}}); (p.Status == 303) != ok {
			t.Errorf("sign-in with %q = %d, want success %v", pw, p.Status, ok)
		}
	}
	// Guessing the current password is throttled like signing in.
	for range 10 {
		change("tebakan-yang-salah", "kata-sandi-ketiga-kali")
	}
	if p := change("kata-sandi-baru-sekali", "kata-sandi-ketiga-kali"); p.Status != 429 || !strings.Contains(p.Body, "Terlalu banyak percobaan") {
		t.Errorf("the change after ten wrong current passwords = %d, want 429", p.Status)
	}
}

// blockingNotifier holds every message until release is closed.
type blockingNotifier struct {
	release chan struct{}
	sent    chan string
}

func (n *blockingNotifier) Notify(ctx context.Context, to, subject, body string) error {
	<-n.release
	n.sent <- to
	return nil
}

// TestResetAnswersBeforeSending: the answer to a forgotten-password form
// does not wait for the code's SMS (only a registered number gets one, so
// a slow gateway would otherwise tell registered numbers apart by time);
// the code still goes out after the answer.
func TestResetAnswersBeforeSending(t *testing.T) {
	e := newEnv(t)
	const phone, intl = "081234567851", "+6281234567851"
	b := e.browser()
	b.signUp("3575024506920051", phone)
	if p := b.post("/verifikasi-hp", url.Values{"csrf": {find(t, csrfRe, b.get("/verifikasi-hp").Body)}, "code": {e.lastCode(intl)}}); p.Status != 303 {
		t.Fatalf("confirm phone = %d", p.Status)
	}
	n := &blockingNotifier{release: make(chan struct{}), sent: make(chan string, 1)}
	svc := *e.svc
	svc.Auth.Notifier = n
	srv := &esambathttp.Server{Service: &svc, DB: e.db, Version: "test", Logger: testLogger(t)} // Later unset: a goroutine
	h := srv.Handler()
	for _, login := range []string{phone, "081299990001"} {
		req := httptest.NewRequest("POST", "/lupa-sandi", strings.NewReader(url.Values{"login": {login}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec := httptest.NewRecorder()
		done := make(chan struct{})
		go func() { h.ServeHTTP(rec, req); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			close(n.release)
			t.Fatalf("POST /lupa-sandi for %s waited for the SMS", login)
		}
		if rec.Code != 303 || !strings.HasPrefix(rec.Header().Get("Location"), "/lupa-sandi/atur") {
			t.Errorf("POST /lupa-sandi for %s = %d %s", login, rec.Code, rec.Header().Get("Location"))
		}
	}
	close(n.release)
	select {
	case to := <-n.sent:
		if to != intl {
			t.Errorf("code sent to %s, want %s", to, intl)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the code was never sent after the answer")
	}
}
