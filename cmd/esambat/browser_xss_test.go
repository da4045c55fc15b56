package main

// Stored cross-site scripting in a real browser: payloads in a resident's
// name, report titles and descriptions, an internal note and the staff's
// answers must never run on any page that shows them, and must read as
// the text that was typed.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/esambat/esambat"
	"github.com/esambat/esambat/geo"
	"github.com/esambat/esambat/sqldb/sqlite"
)

// Each payload sets window.__xss if it ever runs.
const (
	xssName   = `<img src=x onerror=window.__xss=1>`
	xssTitle  = `<script>window.__xss=1</script> "><svg onload=window.__xss=1> Jalan rusak`
	xssDesc   = `Lubang besar <img src=x onerror=window.__xss=1> <a href="javascript:window.__xss=1">klik</a> javascript:window.__xss=1 <script>window.__xss=1</script>`
	xssNote   = `Catatan <script>window.__xss=1</script><iframe src="javascript:window.parent.__xss=1"></iframe>`
	xssVerify = `Diteruskan "><img src=x onerror=window.__xss=1>`
	xssPlan   = `Rencana <svg><script>window.__xss=1</script></svg>`
	xssAnswer = `Jawaban <a href="javascript:window.__xss=1">lihat</a> <body onload=window.__xss=1>`
)

// TestBrowserNoScriptInjection sets up reports full of script payloads
// through the API, then opens every page that shows them as an anonymous
// visitor, the resident, an admin and a petugas, with the pages' Content
// Security Policy bypassed (so an escaping mistake would really run), and
// checks that no payload ran or became markup, and that the payloads read
// as text.
func TestBrowserNoScriptInjection(t *testing.T) {
	requireChromium(t)
	start := time.Now()
	pageChecks = 0
	dir := t.TempDir()
	getenv := env("ESAMBAT_DATA_DIR", dir)
	for _, args := range [][]string{
		{"user", "add", "--role", "admin", "--email", "admin@example.org", "--name", "Admin PIKP"},
		{"user", "add", "--role", "petugas", "--agency", "dinas-pupr", "--email", "pupr@example.org", "--name", "Petugas PUPR"},
	} {
		var out, errb strings.Builder
		if code := run(context.Background(), args, strings.NewReader("kata-sandi-"+args[3]+"\n"), &out, &errb, getenv); code != 0 {
			t.Fatalf("%s = %d\n%s\n%s", strings.Join(args, " "), code, out.String(), errb.String())
		}
	}
	base := bootForBrowser(t, dir)

	// A resident cannot sign up with markup in the name; one stored before
	// that rule (or by another channel) must still be shown as text, so
	// the name is put into the database directly.
	api := func(method, path, bearer string, body any, want int) []byte {
		t.Helper()
		return xssAPI(t, method, base+path, bearer, body, want)
	}
	resident := map[string]string{"nik": "3575011203900001", "name": xssName, "phone": "081234567801",
		"password": "kata-sandi-budi", "kelurahan_code": "35.75.02.1001"}
	api("POST", "/api/v1/auth/register", "", resident, http.StatusBadRequest)
	resident["name"] = "Budi Santoso"
	var reg struct{ Token string }
	json.Unmarshal(api("POST", "/api/v1/auth/register", "", resident, http.StatusCreated), &reg)
	// Staff names are refused with markup too (esambat.CreateStaff).
	setUserName(t, filepath.Join(dir, "esambat.db"), "+6281234567801", xssName)
	setUserName(t, filepath.Join(dir, "esambat.db"), "admin@example.org", xssName)
	setUserName(t, filepath.Join(dir, "esambat.db"), "pupr@example.org", `"><svg onload=window.__xss=1>`)
	officerID := changeUser(t, filepath.Join(dir, "esambat.db"), "pupr@example.org", nil, "admin@example.org", "nama: "+xssName+" → Petugas PUPR")
	residentID := changeUser(t, filepath.Join(dir, "esambat.db"), "+6281234567801", nil, "admin@example.org", "nama: Budi → "+xssName)

	loc, err := geo.NewDefaultLocator()
	if err != nil {
		t.Fatal(err)
	}
	lat, lng, ok := loc.InteriorPoint("35.75.02.1001")
	if !ok {
		t.Fatal("no interior point")
	}
	var handled, queued struct{ Ticket string }
	json.Unmarshal(api("POST", "/api/v1/reports", reg.Token, map[string]any{
		"category": "jalan-jembatan", "title": xssTitle, "description": xssDesc,
		"location": map[string]float64{"lat": lat, "lng": lng}, "address": xssName, "visibility": "publik",
	}, http.StatusCreated), &handled)
	json.Unmarshal(api("POST", "/api/v1/reports", reg.Token, map[string]any{
		"category": "jalan-jembatan", "title": "Antre: " + xssTitle, "description": xssDesc,
		"kelurahan_code": "35.75.02.1001", "address": "Jl. Pohjentrek", "visibility": "publik",
		"on_behalf": map[string]string{"name": xssName, "relationship": `ibu"><svg onload=window.__xss=1>`},
	}, http.StatusCreated), &queued)

	token := func(login, password string) string {
		var out struct{ Token string }
		json.Unmarshal(api("POST", "/api/v1/auth/token", "", map[string]string{"login": login, "password": password}, http.StatusOK), &out)
		return out.Token
	}
	admin := token("admin@example.org", "kata-sandi-admin")
	petugas := token("pupr@example.org", "kata-sandi-petugas")
	act := func(bearer string, body map[string]string) {
		api("POST", "/api/v1/reports/"+handled.Ticket+"/actions", bearer, body, http.StatusOK)
	}
	act(admin, map[string]string{"action": "note", "note": xssNote})
	act(admin, map[string]string{"action": "verify", "agency": "dinas-pupr", "text": xssVerify})
	act(petugas, map[string]string{"action": "accept", "plan": xssPlan})
	act(petugas, map[string]string{"action": "answer", "text": xssAnswer})
	t.Logf("data set up in %v: %s handled, %s queued", time.Since(start).Round(time.Millisecond), handled.Ticket, queued.Ticket)

	h := handled.Ticket
	anon := newBrowserTab(t, base)
	anon.bypassCSP()
	anon.checkPage("/", "<script>window.__xss=1</script>")
	anon.checkPage("/laporan", "<script>window.__xss=1</script>")
	anon.checkPage("/laporan/"+h, xssTitle, "<a href=\"javascript:window.__xss=1\">klik</a>", xssName, `"><img src=x onerror=window.__xss=1>`,
		"<svg><script>window.__xss=1</script></svg>", "<body onload=window.__xss=1>")
	if body := evalJS[string](anon, "public page text", `document.body.innerText`); strings.Contains(body, "Catatan <script>") {
		anon.fatalf("the internal note is on the public page")
	}
	anon.checkPage("/api/docs")
	anon.checkPage("/statistik")
	// The list's filters go into its open-data links.
	anon.checkPage("/laporan?q=" + url.QueryEscape(`"><script>window.__xss=1</script>`) + "&category=" + url.QueryEscape(`x" onmouseover="window.__xss=1`))
	anon.checkPage("/lacak?tiket="+strings.ReplaceAll(xssName, " ", "%20"), "tidak ditemukan")
	anon.checkMap(h)

	res := anon.newSession()
	res.bypassCSP()
	res.logIn("081234567801", "kata-sandi-budi", "/")
	res.checkPage("/", "<script>window.__xss=1</script>")
	res.checkPage("/laporan-saya", xssTitle, "Antre: <script>")
	res.checkPage("/laporan/"+h, xssTitle, xssName)
	res.checkPage("/laporan/"+queued.Ticket, "Antre: <script>window.__xss=1</script>")

	adm := anon.newSession()
	adm.bypassCSP()
	adm.logIn("admin@example.org", "kata-sandi-admin", "/admin")
	adm.checkPage("/admin", "Antre: <script>window.__xss=1</script>")
	adm.checkPage("/admin?status=diproses", xssTitle)
	adm.checkPage("/kelola/"+h, xssTitle, "Catatan <script>window.__xss=1</script>", xssName, "<body onload=window.__xss=1>")
	adm.checkPage("/kelola/"+queued.Ticket, `ibu"><svg onload=window.__xss=1>`, xssName)
	// The accounts pages show staff and residents' names, searches and
	// the history's details.
	adm.checkPage("/admin/pengguna", `"><svg onload=window.__xss=1>`, "nama: "+xssName)
	adm.checkPage("/admin/pengguna?tab=warga", xssName)
	adm.checkPage("/admin/pengguna?q=" + url.QueryEscape(`"><script>window.__xss=1</script>`))
	adm.checkPage("/admin/pengguna/"+officerID, `"><svg onload=window.__xss=1>`, "nama: "+xssName)
	adm.checkPage("/admin/pengguna/"+residentID, xssName, "nama: Budi → "+xssName)
	adm.checkPage("/admin/kategori")

	pet := anon.newSession()
	pet.bypassCSP()
	pet.logIn("pupr@example.org", "kata-sandi-petugas", "/petugas")
	pet.checkPage("/petugas", xssTitle)
	pet.checkPage("/kelola/"+h, xssTitle, "Catatan <script>window.__xss=1</script>", "Rencana <svg><script>")
	pet.checkPage("/akun", xssName, "nama: "+xssName)

	// The check above is only worth something if a payload that did reach
	// the page as markup would run: with the CSP bypassed it does.
	pet.do("inject a canary", chromedp.Evaluate[chromedp.Void](`document.body.insertAdjacentHTML('beforeend', '<img src=x onerror="window.__canary=1">')`))
	pet.waitUntil("the canary's onerror to run", `window.__canary === 1`)
	t.Logf("no payload ran on %d page views (%v)", pageChecks, time.Since(start).Round(time.Millisecond))
}

// pageChecks counts the pages checkPage looked at.
var pageChecks int

// bypassCSP turns the pages' Content Security Policy off for this tab, so
// that injected inline script would run and the checks test escaping
// itself, not only the CSP.
func (b *browserTab) bypassCSP() {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	if _, err := chromedp.Call(ctx, page.SetBypassCSP, page.SetBypassCSPParams{Enabled: true}); err != nil {
		b.fatalf("bypass CSP: %v", err)
	}
}

// pageState is what checkPage reads from a page.
type pageState struct {
	XSS      string   `json:"xss"`
	Injected []string `json:"injected"`
	Text     string   `json:"text"`
}

// injectedJS lists elements and attributes a payload would create if it
// became markup: inline scripts, event handler attributes (the SVG and
// img payloads), javascript: URLs and frames.
const injectedJS = `(() => {
  const out = [];
  for (const el of document.querySelectorAll('*')) {
    const tag = el.tagName.toLowerCase();
    if ((tag === 'script' && !el.src) || tag === 'iframe' || tag === 'object' || tag === 'embed') {
      out.push(el.outerHTML.slice(0, 120));
      continue;
    }
    for (const a of el.attributes) {
      if (/^on/i.test(a.name) || /^\s*javascript:/i.test(a.value)) out.push(el.outerHTML.slice(0, 120));
    }
  }
  return out;
})()`

// checkPage opens path, lets its images fail and its scripts run, and
// checks that window.__xss is unset, that no payload became markup and
// that every want string is in the page's text.
func (b *browserTab) checkPage(path string, want ...string) {
	b.t.Helper()
	b.open(path)
	// <img src=x> fails to load before the load event; a short pause
	// covers handlers that run later (SVG onload, timers).
	time.Sleep(150 * time.Millisecond)
	st := evalJS[pageState](b, "page state of "+path, `({xss: typeof window.__xss, injected: `+injectedJS+`, text: document.body ? document.body.innerText : ""})`)
	pageChecks++
	if st.XSS != "undefined" {
		b.fatalf("%s: a payload ran (window.__xss is %s)", path, st.XSS)
	}
	if len(st.Injected) > 0 {
		b.fatalf("%s: payload markup in the page:\n  %s", path, strings.Join(st.Injected, "\n  "))
	}
	for _, w := range want {
		if !strings.Contains(st.Text, w) {
			b.fatalf("%s: the page does not show %q as text", path, w)
		}
	}
}

// checkMap checks the map of /laporan: the point's title in data-points is
// the payload as a string, and its popup shows it as text.
func (b *browserTab) checkMap(ticket string) {
	b.t.Helper()
	b.open("/laporan")
	title := evalJS[string](b, "data-points", fmt.Sprintf(`(() => {
  const el = document.getElementById('report-map');
  if (!el) return "<no map>";
  const p = JSON.parse(el.getAttribute('data-points') || '[]').find((p) => p.ticket === %s);
  return p ? p.title : "<no point>";
})()`, jsQuote(ticket)))
	if title != xssTitle {
		b.fatalf("data-points title = %q, want the payload %q", title, xssTitle)
	}
	b.waitUntil("a map marker", `document.querySelector('#report-map .leaflet-marker-icon')`)
	b.do("open the marker's popup", chromedp.Evaluate[chromedp.Void](`document.querySelector('#report-map .leaflet-marker-icon').click()`))
	b.waitUntil("the popup", `document.querySelector('#report-map .leaflet-popup-content')`)
	time.Sleep(150 * time.Millisecond)
	st := evalJS[pageState](b, "page state of the map", `({xss: typeof window.__xss, injected: `+injectedJS+
		`, text: document.querySelector('#report-map .leaflet-popup-content').innerText})`)
	pageChecks++
	if st.XSS != "undefined" || len(st.Injected) > 0 {
		b.fatalf("map popup %q: window.__xss is %s, markup %q", st.Text, st.XSS, st.Injected)
	}
	if !strings.Contains(st.Text, "<script>window.__xss=1</script>") {
		b.fatalf("the map popup shows %q, not the title as text", st.Text)
	}
}

// xssAPI sends a JSON request and checks the status.
func xssAPI(t *testing.T, method, url, bearer string, body any, want int) []byte {
	t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), stepTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, url, bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		t.Fatalf("%s %s = %d, want %d: %s", method, url, resp.StatusCode, want, raw)
	}
	return raw
}

// setUserName renames a user in the server's SQLite database.
func setUserName(t *testing.T, path, login, name string) {
	t.Helper()
	changeUser(t, path, login, func(u *esambat.User) { u.Name = name }, "", "")
}

// changeUser applies change (nil: none) to account login in the server's
// SQLite database and, with an actor, records in the account's history
// that the admin actor made it, with detail, as the admins' page would.
// It returns the account's ID.
func changeUser(t *testing.T, path, login string, change func(*esambat.User), actor, detail string) string {
	t.Helper()
	db, err := sqlite.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	find := func(login string) *esambat.User {
		u, err := db.FindUserByLogin(t.Context(), login)
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	u := find(login)
	if change != nil {
		change(u)
	}
	var ev *esambat.AccountEvent
	if actor != "" {
		ev = &esambat.AccountEvent{ActorID: find(actor).ID, Action: esambat.AccountUpdated, Detail: detail}
	}
	if err := db.UpdateUserLogged(t.Context(), u, ev); err != nil {
		t.Fatal(err)
	}
	return strconv.FormatInt(u.ID, 10)
}
