package main

// Browser tests: the real server and a real headless Chromium, driven as a
// resident would. They need Chromium at /usr/bin/chromium (or
// $ESAMBAT_CHROMIUM); without it they skip with "browser suite skipped",
// which CI treats as a failure. Map tiles point at a port where nothing
// listens: nothing here may depend on them.

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/esambat/esambat"
	"github.com/esambat/esambat/geo"
)

// ticketPattern is this year's ticket number, as the report page shows it.
func ticketPattern() *regexp.Regexp {
	return regexp.MustCompile(fmt.Sprintf(`^ES-%02d-\d{6}$`, time.Now().In(esambat.WIB).Year()%100))
}

// TestBrowserResidentJourney: sign up, report with a photo, find the report
// in "Laporan saya", log out, track it by ticket while it waits for
// verification (status only), and after an admin verifies it through the
// API see it published with its photo.
func TestBrowserResidentJourney(t *testing.T) {
	requireChromium(t)
	start := time.Now()
	dir := t.TempDir()
	getenv := env("ESAMBAT_DATA_DIR", dir)
	// The admin is created before the server starts: one SQLite writer at
	// a time.
	var out, errb strings.Builder
	if code := run(context.Background(), []string{"user", "add", "--role", "admin", "--email", "admin@example.org", "--name", "Admin"},
		strings.NewReader("kata-sandi-admin\n"), &out, &errb, getenv); code != 0 {
		t.Fatalf("user add admin = %d\n%s\n%s", code, out.String(), errb.String())
	}
	base := bootForBrowser(t, dir)
	b := newBrowserTab(t, base)

	b.signUp(browserResident{NIK: "3575011203900001", Name: "Budi Santoso", Phone: "081234567801",
		Password: "kata-sandi-budi", Kelurahan: "35.75.02.1001"})

	// Skip the phone code for now.
	b.clickNav(`main a[href="/lapor"]`)
	if p := b.location().Path; p != "/lapor" {
		b.fatalf("\"Lewati dulu\" led to %s, want /lapor", p)
	}
	if !evalJS[bool](b, "type radio", `document.querySelector('input[name=type][value=pengaduan]').checked`) {
		b.fatalf("the report type pengaduan is not chosen by default")
	}
	const title = "Jalan berlubang di depan SDN Pohjentrek"
	b.fill([][2]string{
		{"#f-category", "jalan-jembatan"},
		{"#f-title", title},
		{"#f-description", "Lubang selebar satu meter di tengah jalan, sudah dua minggu. Pengendara motor sering terjatuh saat malam."},
		{"#f-kelurahan_code", "35.75.02.1001"},
		{"#f-address", "Jl. Pohjentrek, depan SDN Pohjentrek"},
	})
	photo := writeTestJPEG(t, 320, 240)
	b.do("attach the photo", chromedp.SetUploadFiles(chromedp.CSS("#f-photos"), []string{photo}))
	if n := evalJS[int](b, "photo count", `document.getElementById('f-photos').files.length`); n != 1 {
		b.fatalf("%d files on #f-photos, want 1", n)
	}
	b.clickNav("#submit-btn")

	loc := b.location()
	ticket := b.text(".notice-success .ticket")
	if !ticketPattern().MatchString(ticket) {
		b.fatalf("ticket in the success notice = %q, want %v", ticket, ticketPattern())
	}
	if loc.Path != "/laporan/"+ticket {
		b.fatalf("after submitting the browser is at %s, want /laporan/%s", loc.Path, ticket)
	}
	if n := b.text(".notice-success"); !strings.Contains(n, "Laporan Anda sudah kami terima") {
		b.fatalf("success notice = %q", n)
	}
	if h := b.text("main h1"); h != title {
		b.fatalf("the reporter's own report page has heading %q, want the title %q", h, title)
	}
	t.Logf("submitted %s", ticket)

	b.open("/laporan-saya")
	if mine := b.text("main .report-list"); !strings.Contains(mine, ticket) || !strings.Contains(mine, title) {
		b.fatalf("/laporan-saya does not list %s %q: %q", ticket, title, mine)
	}

	// Log out with the header button.
	b.clickNav(`.site-header form[action="/keluar"] button[type=submit]`)
	if h := b.text(".site-header"); strings.Contains(h, "Keluar") || !strings.Contains(h, "Masuk") {
		b.fatalf("still signed in after Keluar: header %q", h)
	}

	// Track by ticket, signed out: status only until verified.
	b.open("/lacak")
	b.fill([][2]string{{"#f-tiket", ticket}})
	b.clickNav(`main form[action="/lacak"] button[type=submit]`)
	if p := b.location().Path; p != "/laporan/"+ticket {
		b.fatalf("/lacak led to %s, want /laporan/%s", p, ticket)
	}
	if badge := b.text("main .badge"); badge != "Menunggu verifikasi" {
		b.fatalf("status badge = %q, want \"Menunggu verifikasi\"", badge)
	}
	if body := b.text("main"); strings.Contains(body, title) || strings.Contains(body, "Lubang selebar") {
		b.fatalf("an unverified report shows its content to the public: %q", body)
	}
	if n := evalJS[int](b, "photos", `document.querySelectorAll('main img').length`); n != 0 {
		b.fatalf("an unverified report shows %d photos to the public", n)
	}

	// An admin verifies it through the API.
	var tok struct{ Token string }
	browserAPI(t, "POST", base+"/api/v1/auth/token", "", map[string]string{"login": "admin@example.org", "password": "kata-sandi-admin"}, &tok)
	if tok.Token == "" {
		t.Fatal("no token")
	}
	browserAPI(t, "POST", base+"/api/v1/reports/"+ticket+"/actions", tok.Token, map[string]string{"action": "verify", "agency": "dinas-pupr"}, nil)

	b.open("/laporan")
	if list := b.text("main .report-list"); !strings.Contains(list, title) || !strings.Contains(list, ticket) {
		b.fatalf("the public list does not show the verified report %s %q: %q", ticket, title, list)
	}
	b.clickNav(fmt.Sprintf(`main a.report-card-title[href="/laporan/%s"]`, ticket))
	if h := b.text("main h1"); h != title {
		b.fatalf("published report heading = %q, want %q", h, title)
	}
	if badge := b.text("main .badge"); badge == "Menunggu verifikasi" || badge == "" {
		b.fatalf("status badge after verification = %q", badge)
	}
	imgSel := fmt.Sprintf(`main img[src^="/laporan/%s/foto/"]`, ticket)
	b.do("scroll to the photo", chromedp.ScrollIntoView(chromedp.CSS(imgSel)))
	b.waitUntil("the photo to load", fmt.Sprintf(`(() => { const i = document.querySelector(%s); return i && i.complete && i.naturalWidth > 0; })()`, jsQuote(imgSel)))
	w := evalJS[int](b, "photo width", fmt.Sprintf(`document.querySelector(%s).naturalWidth`, jsQuote(imgSel)))
	t.Logf("photo thumbnail loaded, %d px wide", w)
	b.screenshot("resident-journey.png")
	t.Logf("resident journey took %v", time.Since(start).Round(time.Millisecond))
}

// TestBrowserOutOfArea: "Gunakan lokasi saya" at a point in the Kabupaten
// (Bangil) names it and blocks the submit button; a point in the city
// unblocks it and picks the kelurahan.
func TestBrowserOutOfArea(t *testing.T) {
	requireChromium(t)
	loc, err := geo.NewDefaultLocator()
	if err != nil {
		t.Fatal(err)
	}
	inLat, inLng, ok := loc.InteriorPoint("35.75.02.1001")
	if !ok {
		t.Fatal("no interior point for Pohjentrek")
	}
	base := bootForBrowser(t, t.TempDir())
	b := newBrowserTab(t, base)
	b.signUp(browserResident{NIK: "3575024506920003", Name: "Siti Aminah", Phone: "081234567802",
		Password: "kata-sandi-siti", Kelurahan: "35.75.02.1001"})

	b.grantGeolocation()
	b.setGeolocation(-7.5800, 112.8260) // Kecamatan Bangil, Kabupaten Pasuruan
	b.open("/lapor")
	b.waitUntil("#locate-btn to be shown", `!document.getElementById('locate-btn').hidden`)
	if !evalJS[bool](b, "submit enabled", `!document.getElementById('submit-btn').disabled`) {
		b.fatalf("the submit button is disabled before any location was chosen")
	}
	b.do("click Gunakan lokasi saya", chromedp.Click(chromedp.CSS("#locate-btn")))
	j := b.waitText("#jurisdiction", "Bangil", "Kabupaten Pasuruan")
	t.Logf("outside: %q", j)
	b.waitUntil("#submit-btn to be disabled", `document.getElementById('submit-btn').disabled`)
	if got := b.value("#f-lat"); !strings.HasPrefix(got, "-7.58") {
		b.fatalf("lat field = %q after locating", got)
	}

	b.setGeolocation(inLat, inLng)
	b.waitUntil("#locate-btn to be enabled again", `!document.getElementById('locate-btn').disabled`)
	b.do("click Gunakan lokasi saya again", chromedp.Click(chromedp.CSS("#locate-btn")))
	j = b.waitText("#jurisdiction", "Pohjentrek")
	t.Logf("inside: %q", j)
	if strings.Contains(j, "Bangil") {
		b.fatalf("#jurisdiction still names Bangil: %q", j)
	}
	b.waitUntil("#submit-btn to be enabled", `!document.getElementById('submit-btn').disabled`)
	if v := b.value("#f-kelurahan_code"); v != "35.75.02.1001" {
		b.fatalf("kelurahan select = %q, want 35.75.02.1001", v)
	}
	if vis := evalJS[bool](b, "blocked message", `(() => { const m = document.getElementById('submit-blocked'); return !!m && !m.hidden; })()`); vis {
		b.fatalf("the \"cannot submit\" message is still shown inside the city")
	}
}

// TestBrowserNoJavaScript: with scripts off, sign-up and the report form
// still work (kelurahan and address, no map), and a validation error keeps
// what was typed.
func TestBrowserNoJavaScript(t *testing.T) {
	requireChromium(t)
	base := bootForBrowser(t, t.TempDir())
	b := newBrowserTab(t, base)
	b.disableJavaScript()

	// A Jakarta NIK: accepted, domicile unverified.
	b.signUp(browserResident{NIK: "3171014506850002", Name: "Rina Wulandari", Phone: "081234567803",
		Password: "kata-sandi-rina", Kelurahan: "35.75.02.1001"})
	b.open("/akun")
	if d := b.text("main .details"); !strings.Contains(d, "domisili belum terverifikasi") {
		b.fatalf("a Jakarta NIK should give an account with domicile unverified: %q", d)
	}
	b.open("/lapor")
	if evalJS[bool](b, "script ran", `!document.getElementById('locate-btn').hidden || document.getElementById('description-count').textContent !== ""`) {
		b.fatalf("report-form.js ran although JavaScript is disabled")
	}

	const desc = "Lampu PJU di ujung gang mati sejak seminggu, jalan gelap total pada malam hari."
	const addr = "Gang Mawar, dekat musala"
	b.fill([][2]string{
		{"#f-category", "jalan-jembatan"},
		{"#f-description", desc},
		{"#f-kelurahan_code", "35.75.02.1001"},
		{"#f-address", addr},
	})
	b.clickNav("#submit-btn")
	if p := b.location().Path; p != "/lapor" {
		b.fatalf("a report without a title went to %s", p)
	}
	sum := b.text(".error-summary")
	if sum == "" {
		b.fatalf("no error summary for a missing title")
	}
	if !evalJS[bool](b, "summary link", `!!document.querySelector('.error-summary a[href="#f-title"]')`) {
		b.fatalf("the error summary has no link to #f-title: %q", sum)
	}
	t.Logf("error summary: %q", sum)
	for sel, want := range map[string]string{
		"#f-description":    desc,
		"#f-address":        addr,
		"#f-category":       "jalan-jembatan",
		"#f-kelurahan_code": "35.75.02.1001",
		"#f-title":          "",
	} {
		if got := b.value(sel); got != want {
			b.fatalf("after the error %s = %q, want %q", sel, got, want)
		}
	}
	if v := evalJS[string](b, "type", `(document.querySelector('input[name=type]:checked') || {}).value || ""`); v != "pengaduan" {
		b.fatalf("after the error the report type is %q, want pengaduan", v)
	}

	const title = "Lampu jalan mati di Gang Mawar"
	b.fill([][2]string{{"#f-title", title}})
	b.clickNav("#submit-btn")
	ticket := b.text(".notice-success .ticket")
	if !ticketPattern().MatchString(ticket) {
		b.fatalf("ticket = %q, want %v", ticket, ticketPattern())
	}
	if p := b.location().Path; p != "/laporan/"+ticket {
		b.fatalf("after submitting the browser is at %s", p)
	}
	if h := b.text("main h1"); h != title {
		b.fatalf("report heading = %q, want %q", h, title)
	}
	t.Logf("submitted %s without JavaScript", ticket)
}

// TestBrowserPhoneWidth: on a phone's screen (360 px) no public page
// scrolls sideways, and the statistics tables show every cell of every row
// whole, each value with its column's name, instead of hiding columns
// behind a horizontal scroll.
func TestBrowserPhoneWidth(t *testing.T) {
	base, ticket := bootSeededForPhone(t)
	b := newBrowserTab(t, base)
	b.emulatePhone(360, 740)
	for _, p := range []string{"/", "/laporan", "/laporan/" + ticket, "/lacak", "/masuk", "/daftar", "/statistik"} {
		b.open(p)
		b.checkPhoneWidth(p)
	}
	// The statistics are computed in the background; reload until they are.
	b.waitUntil("statistics tables with rows", `(() => {
		if (document.querySelector('.table-stack tbody tr')) return true;
		if (!window.__reloading) { window.__reloading = true; setTimeout(() => location.reload(), 300); }
		return false; })()`)
	b.checkStackedCells("/statistik")
}

// TestBrowserPhoneWidthSignedIn: the same for the pages of seed-demo's
// accounts (password "demo"): a resident, an officer in the field, an
// admin on the go. An officer's inbox, the account's sessions and the
// admin's lists of accounts are checked cell by cell; the admin's queue
// may scroll inside its box.
func TestBrowserPhoneWidthSignedIn(t *testing.T) {
	base, ticket := bootSeededForPhone(t)
	b := newBrowserTab(t, base)
	for _, who := range []struct {
		login, home string
		pages       []string
		stacked     []string
	}{
		{"warga1@demo.esambat.test", "/", []string{"/lapor", "/laporan-saya", "/akun"}, []string{"/akun"}},
		{"petugas.dinas-pupr.1@demo.esambat.test", "/petugas", []string{"/petugas", "/akun"}, []string{"/petugas"}},
		{"admin1@demo.esambat.test", "/admin", []string{"/admin", "/kelola/" + ticket, "/admin/pengguna", "/admin/pengguna?tab=warga", "/admin/kategori", "/admin/terlambat"},
			[]string{"/admin", "/admin/pengguna", "/admin/pengguna?tab=warga", "/admin/kategori", "/admin/terlambat"}},
	} {
		s := b.newSession()
		s.emulatePhone(360, 740)
		s.logIn(who.login, "demo", who.home)
		for _, p := range who.pages {
			s.open(p)
			s.checkPhoneWidth(p)
			if p == "/admin/terlambat" && !evalJS[bool](s, "overdue rows", `!!document.querySelector('#overdue-counts')`) {
				// Whether the seed holds an overdue report depends on the
				// hour it ran; the page's tables are the others' markup.
				t.Logf("%s: no overdue report in this seed, its cells not checked", p)
				continue
			}
			if slices.Contains(who.stacked, p) {
				s.checkStackedCells(p)
			}
		}
	}
}

// bootSeededForPhone serves 200 seeded reports and returns the address and
// the ticket of a published one. What the seed holds depends on the hour
// it runs (its history ends now), so two reports are added that every run
// has: one waiting for verification, one in the inbox of dinas-pupr.
func bootSeededForPhone(t *testing.T) (base, ticket string) {
	t.Helper()
	requireChromium(t)
	dir := t.TempDir()
	getenv := env("ESAMBAT_DATA_DIR", dir)
	if code := run(context.Background(), []string{"seed-demo", "--reports", "200", "--seed", "3"}, nil, io.Discard, io.Discard, getenv); code != 0 {
		t.Fatalf("seed-demo = %d", code)
	}
	base = bootForBrowser(t, dir)
	var list struct {
		Reports []struct {
			Ticket string `json:"ticket"`
		} `json:"reports"`
	}
	browserAPI(t, "GET", base+"/api/v1/reports", "", nil, &list)
	if len(list.Reports) == 0 {
		t.Fatal("no public report after seeding")
	}
	token := func(login string) string {
		var out struct{ Token string }
		browserAPI(t, "POST", base+"/api/v1/auth/token", "", map[string]string{"login": login, "password": "demo"}, &out)
		return out.Token
	}
	warga, admin := token("warga1@demo.esambat.test"), token("admin1@demo.esambat.test")
	var made [2]struct{ Ticket string }
	for i, title := range []string{"Lampu jalan padam di Jl. Pahlawan", "Jalan berlubang di Jl. Hayam Wuruk"} {
		json.Unmarshal(xssAPI(t, "POST", base+"/api/v1/reports", warga, map[string]any{"category": "jalan-jembatan", "title": title,
			"description": "Sudah seminggu, berbahaya bagi pengendara motor pada malam hari.", "kelurahan_code": "35.75.02.1001", "address": "Jl. Pohjentrek", "visibility": "publik"},
			http.StatusCreated), &made[i])
	}
	xssAPI(t, "POST", base+"/api/v1/reports/"+made[1].Ticket+"/actions", admin, map[string]string{"action": "verify", "agency": "dinas-pupr"}, http.StatusOK)
	return base, list.Reports[0].Ticket
}

// checkPhoneWidth fails when the page is wider than the screen.
func (b *browserTab) checkPhoneWidth(path string) {
	b.t.Helper()
	if w := evalJS[float64](b, "page width", `document.documentElement.scrollWidth - window.innerWidth`); w > 0 {
		b.screenshot("phone-overflow" + fileSafe(path) + ".png")
		b.fatalf("%s is %v px wider than the phone's screen", path, w)
	}
}

// checkStackedCells fails unless the page has a stacked table whose every
// cell, and everything in it, lies within the screen, each cell with its
// column's name shown before it.
func (b *browserTab) checkStackedCells(path string) {
	b.t.Helper()
	bad := evalJS[[]string](b, "stacked cells", `(() => {
		const bad = [];
		for (const td of document.querySelectorAll('.table-stack td')) {
			const label = getComputedStyle(td, '::before').content;
			const named = td.dataset.label === undefined || (label && label !== 'none' && label !== '""');
			for (const e of [td, ...td.querySelectorAll('*')]) {
				const r = e.getBoundingClientRect();
				const spills = e.clientWidth > 0 && e.scrollWidth > e.clientWidth + 1 && !e.classList.contains('sr-only'); // text running out of its box (not the 1 px box of text for screen readers)
				if ((e === td && r.width === 0) || r.right > window.innerWidth || r.left < 0 || spills || !named) {
					bad.push((td.dataset.label || '') + ' = ' + td.innerText + ' (' + Math.round(r.left) + '..' + Math.round(r.right) + ', label ' + label + ')');
					break;
				}
			}
		}
		return bad; })()`)
	cells := evalJS[int](b, "stacked cells", `document.querySelectorAll('.table-stack td').length`)
	if cells == 0 || len(bad) > 0 {
		b.fatalf("%s: %d cells, %d not shown whole with their column's name on a phone, among them: %v", path, cells, len(bad), bad[:min(len(bad), 5)])
	}
	b.t.Logf("%s: %d cells shown whole at the phone's width", path, cells)
}
