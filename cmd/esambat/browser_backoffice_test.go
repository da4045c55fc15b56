package main

// The back office in a real browser: an admin verifies and disposes a
// resident's report, the agency's petugas accepts it and finishes it with
// an evidence photo, the resident rates it and it closes; the public page
// then shows the handling but never the internal note.

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// newSession opens a tab in a new, isolated browser context of b's
// browser: its own cookies, so sessions of different users do not mix,
// without the cost of another Chromium.
func (b *browserTab) newSession() *browserTab {
	b.t.Helper()
	ctx, cancel := chromedp.NewContext(b.ctx, chromedp.WithNewBrowserContext())
	// Registered after the browser's own cleanup, so it runs before it.
	b.t.Cleanup(func() {
		done := make(chan struct{})
		go func() { cancel(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
		}
	})
	// The first Run on a context creates its tab, which lives as long as
	// that context: give it ctx itself, not a step's child (the browser's
	// budget bounds it).
	if err := chromedp.Do(ctx); err != nil {
		b.t.Fatalf("open a tab in a new browser context: %v", err)
	}
	return &browserTab{t: b.t, ctx: ctx, base: b.base}
}

// logIn signs a staff member in through /masuk and checks where they land.
func (b *browserTab) logIn(login, password, wantPath string) {
	b.t.Helper()
	b.open("/masuk")
	b.fill([][2]string{{"#f-login", login}, {"#f-password", password}})
	if code := b.clickNav(`main form[action="/masuk"] button[type=submit]`); code != http.StatusOK {
		b.fatalf("logging in as %s answered %d", login, code)
	}
	if p := b.location().Path; p != wantPath {
		b.fatalf("after logging in as %s the browser is at %s, want %s", login, p, wantPath)
	}
	if !strings.Contains(b.text(".site-header"), "Keluar") {
		b.fatalf("not signed in as %s: no Keluar button in the header", login)
	}
}

// actionButton is the submit button of the staff form with the hidden
// action field act.
func actionButton(act string) string {
	return fmt.Sprintf(`main form:has(input[type=hidden][name=action][value=%q]) button[type=submit]`, act)
}

// TestBrowserBackOffice: a resident reports; an admin adds an internal
// note, verifies and forwards to the suggested agency; the petugas of that
// agency accepts with a plan and finishes with an evidence photo; the
// resident sees the evidence, rates 5 and the report closes; an anonymous
// visitor sees the plan and the result in the timeline but not the note.
func TestBrowserBackOffice(t *testing.T) {
	requireChromium(t)
	start := time.Now()
	last := start
	lap := func(phase string) {
		now := time.Now()
		t.Logf("%s: %v", phase, now.Sub(last).Round(time.Millisecond))
		last = now
	}
	dir := t.TempDir()
	getenv := env("ESAMBAT_DATA_DIR", dir)
	// Staff accounts are created before the server starts: one SQLite
	// writer at a time.
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
	lap("staff accounts and server")

	// The resident reports.
	res := newBrowserTab(t, base)
	res.signUp(browserResident{NIK: "3575011203900001", Name: "Budi Santoso", Phone: "081234567801",
		Password: "kata-sandi-budi", Kelurahan: "35.75.02.1001"})
	res.open("/lapor")
	const title = "Jalan berlubang di Jl. Pohjentrek"
	res.fill([][2]string{
		{"#f-category", "jalan-jembatan"},
		{"#f-title", title},
		{"#f-description", "Lubang selebar satu meter di tengah jalan, sudah dua minggu. Pengendara motor sering terjatuh saat malam."},
		{"#f-kelurahan_code", "35.75.02.1001"},
		{"#f-address", "Jl. Pohjentrek, depan SDN Pohjentrek"},
	})
	res.clickNav("#submit-btn")
	ticket := res.text(".notice-success .ticket")
	if !ticketPattern().MatchString(ticket) {
		res.fatalf("ticket in the success notice = %q, want %v", ticket, ticketPattern())
	}
	lap("resident signed up and reported " + ticket)
	ticketLink := fmt.Sprintf(`main a[href="/kelola/%s"]`, ticket)

	// The admin: a note, then verify and forward to the suggested agency.
	const note = "Catatan internal: prioritas tinggi XYZ"
	adm := res.newSession()
	adm.logIn("admin@example.org", "kata-sandi-admin", "/admin")
	if q := adm.text("main table"); !strings.Contains(q, ticket) || !strings.Contains(q, title) {
		adm.fatalf("the verification queue does not list %s %q: %q", ticket, title, q)
	}
	// The queue's filters, as an admin uses them in a flood: words that
	// match nothing, then words that match the report. They are folded
	// away until opened.
	adm.do("open the filters", chromedp.Click(chromedp.CSS("details.filter-box summary")))
	adm.fill([][2]string{{"#f-q", "banjir bandang"}})
	adm.clickNav("form.filters button[type=submit]")
	if m := adm.text("main"); strings.Contains(m, ticket) || !strings.Contains(m, "cocok dengan saringan") {
		adm.fatalf("the queue searched for words of no report still lists %s or does not say so: %q", ticket, m)
	}
	adm.fill([][2]string{{"#f-q", "berlubang pohjentrek"}})
	adm.clickNav("form.filters button[type=submit]")
	if q, u := adm.text("main table"), adm.location(); !strings.Contains(q, ticket) || u.Query().Get("q") != "berlubang pohjentrek" || u.Query().Get("status") != "diajukan" {
		adm.fatalf("the queue searched for the report's words, at %s, lists %q", u, q)
	}
	adm.clickNav(ticketLink)
	if p := adm.location().Path; p != "/kelola/"+ticket {
		adm.fatalf("the queue's link led to %s, want /kelola/%s", p, ticket)
	}
	if v := adm.value("#f-agency"); v != "dinas-pupr" {
		adm.fatalf("the agency select defaults to %q, want the suggested dinas-pupr", v)
	}
	if o := adm.text("#f-agency option:checked"); !strings.Contains(o, "disarankan") {
		adm.fatalf("the chosen agency %q is not marked as suggested", o)
	}
	adm.fill([][2]string{{"#f-note", note}})
	adm.clickNav(actionButton("note"))
	if p := adm.location().Path; p != "/kelola/"+ticket {
		adm.fatalf("after saving the note the admin is at %s, want /kelola/%s", p, ticket)
	}
	if e := adm.text(".error-summary"); e != "" {
		adm.fatalf("saving the note failed: %q", e)
	}
	adm.waitText("ol.timeline", "prioritas tinggi XYZ")
	if v := adm.value("#f-agency"); v != "dinas-pupr" {
		adm.fatalf("after the note the agency select is %q, want dinas-pupr", v)
	}
	adm.clickNav(actionButton("verify"))
	if p := adm.location().Path; p != "/admin" {
		adm.fatalf("after verifying the admin is at %s, want /admin", p)
	}
	if e := adm.text(".error-summary"); e != "" {
		adm.fatalf("verifying failed: %q", e)
	}
	if q := adm.text("main"); strings.Contains(q, ticket) {
		adm.fatalf("%s is still in the \"Menunggu verifikasi\" queue after verifying: %q", ticket, q)
	}
	lap("admin noted, verified and forwarded")

	// The petugas of Dinas PUPR: accept with a plan, finish with evidence.
	const plan = "Tambal sulam hari Kamis"
	const result = "Lubang sudah ditambal."
	pet := res.newSession()
	pet.logIn("pupr@example.org", "kata-sandi-petugas", "/petugas")
	if q := pet.text("main table"); !strings.Contains(q, ticket) || !strings.Contains(q, title) {
		pet.fatalf("the agency inbox does not list %s %q: %q", ticket, title, q)
	}
	pet.clickNav(ticketLink)
	if p := pet.location().Path; p != "/kelola/"+ticket {
		pet.fatalf("the inbox's link led to %s, want /kelola/%s", p, ticket)
	}
	if tl := pet.text("ol.timeline"); !strings.Contains(tl, "prioritas tinggi XYZ") {
		pet.fatalf("the handling agency does not see the admin's internal note: %q", tl)
	}
	pet.fill([][2]string{{"#f-plan", plan}})
	pet.clickNav(actionButton("accept"))
	if e := pet.text(".error-summary"); e != "" {
		pet.fatalf("accepting failed: %q", e)
	}
	if p := pet.location().Path; p != "/kelola/"+ticket {
		pet.fatalf("after accepting the petugas is at %s, want /kelola/%s", p, ticket)
	}
	pet.fill([][2]string{{"#f-result", result}})
	evidence := writeTestJPEG(t, 400, 300)
	pet.do("attach the evidence photo", chromedp.SetUploadFiles(chromedp.CSS("#f-evidence"), []string{evidence}))
	if n := evalJS[int](pet, "evidence count", `document.getElementById('f-evidence').files.length`); n != 1 {
		pet.fatalf("%d files on #f-evidence, want 1", n)
	}
	pet.clickNav(actionButton("finish"))
	if e := pet.text(".error-summary"); e != "" {
		pet.fatalf("finishing failed: %q", e)
	}
	if p := pet.location().Path; p != "/kelola/"+ticket {
		pet.fatalf("after finishing the petugas is at %s, want /kelola/%s", p, ticket)
	}
	if n := evalJS[int](pet, "evidence thumbnails", `document.querySelectorAll('main img[alt="Foto bukti penanganan"]').length`); n != 1 {
		pet.fatalf("the staff page shows %d evidence photos after finishing, want 1", n)
	}
	lap("petugas accepted and finished")

	// The resident sees the evidence, rates and confirms.
	res.open("/laporan/" + ticket)
	if !strings.Contains(res.text("main"), "Bukti penanganan") {
		res.fatalf("no \"Bukti penanganan\" section on the reporter's page")
	}
	imgSel := fmt.Sprintf(`main img[alt="Foto bukti penanganan"][src^="/laporan/%s/foto/"]`, ticket)
	res.do("scroll to the evidence photo", chromedp.ScrollIntoView(chromedp.CSS(imgSel)))
	res.waitUntil("the evidence photo to load", fmt.Sprintf(`(() => { const i = document.querySelector(%s); return i && i.complete && i.naturalWidth > 0; })()`, jsQuote(imgSel)))
	t.Logf("evidence photo loaded, %d px wide", evalJS[int](res, "evidence width", fmt.Sprintf(`document.querySelector(%s).naturalWidth`, jsQuote(imgSel))))
	confirm := fmt.Sprintf(`main form[action="/laporan/%s/konfirmasi"]`, ticket)
	res.do("choose rating 5", chromedp.Click(chromedp.CSS(confirm+` input[name=rating][value="5"]`)))
	if !evalJS[bool](res, "rating 5", fmt.Sprintf(`document.querySelector(%s).checked`, jsQuote(confirm+` input[name=rating][value="5"]`))) {
		res.fatalf("rating 5 is not chosen")
	}
	if b := res.text(confirm + " button[type=submit]"); b != "Ya, sudah beres" {
		res.fatalf("the confirm button says %q, want \"Ya, sudah beres\"", b)
	}
	res.clickNav(confirm + " button[type=submit]")
	if p := res.location().Path; p != "/laporan/"+ticket {
		res.fatalf("after confirming the resident is at %s, want /laporan/%s", p, ticket)
	}
	if badge := res.text("main .badge"); badge != "Ditutup" {
		res.fatalf("status after confirming = %q, want \"Ditutup\"", badge)
	}
	if d := res.text("main .details"); !strings.Contains(d, "5/5") {
		res.fatalf("the rating 5/5 is not shown: %q", d)
	}
	lap("resident rated and closed")

	// Anyone: the handling is public, the internal note is not.
	anon := res.newSession()
	anon.open("/laporan/" + ticket)
	if h := anon.text("main h1"); h != title {
		anon.fatalf("public report heading = %q, want %q", h, title)
	}
	if badge := anon.text("main .badge"); badge != "Ditutup" {
		anon.fatalf("public status = %q, want \"Ditutup\"", badge)
	}
	tl := anon.waitText("ol.timeline", plan, result)
	t.Logf("public timeline:\n%s", indentLines(tl))
	if body := evalJS[string](anon, "page text", `document.body.innerText`); strings.Contains(body, "prioritas tinggi XYZ") {
		anon.fatalf("the public page shows the internal note")
	}
	if html := evalJS[string](anon, "page source", `document.documentElement.outerHTML`); strings.Contains(html, "prioritas tinggi XYZ") {
		anon.fatalf("the public page's HTML contains the internal note")
	}
	anonImg := fmt.Sprintf(`main img[alt="Foto bukti penanganan"][src^="/laporan/%s/foto/"]`, ticket)
	anon.do("scroll to the evidence photo", chromedp.ScrollIntoView(chromedp.CSS(anonImg)))
	anon.waitUntil("the public evidence photo to load", fmt.Sprintf(`(() => { const i = document.querySelector(%s); return i && i.complete && i.naturalWidth > 0; })()`, jsQuote(anonImg)))
	anon.do("scroll to the top", chromedp.Evaluate[chromedp.Void](`window.scrollTo(0, 0)`))
	anon.screenshot("backoffice-public.png")
	lap("anonymous checks")
	t.Logf("back-office journey took %v", time.Since(start).Round(time.Millisecond))
}
