package http_test

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/esambat/esambat"
	"github.com/esambat/esambat/media"
)

// TestAdminQueueFilters: the admin's verification queue narrows to reports
// matching words, a category and a kelurahan, within the status chosen,
// oldest first; the filters stay in the form and in the link to the next
// page; a bad filter is named on the page rather than failing it.
func TestAdminQueueFilters(t *testing.T) {
	e := newEnv(t)
	warga := e.resident(nikKota, "081234567801")
	in, _ := e.points()
	submit := func(title, category string) string {
		t.Helper()
		return e.submit(warga, report(in[0], in[1], func(m map[string]any) { m["title"], m["category"] = title, category }))
	}
	oldFlood := submit("Banjir setinggi lutut", "drainase-banjir")
	road := submit("Jalan rusak parah", "jalan-jembatan")
	flood := make([]string, 0, 101)
	for i := range 101 {
		flood = append(flood, submit(fmt.Sprintf("Banjir di gang %d", i), "drainase-banjir"))
	}
	e.staff(esambat.RoleAdmin, "admin@example.org", "")
	admin := e.browser()
	if p := admin.post("/masuk", url.Values{"login": {"admin@example.org"}, "password": {"kata-sandi-staf"}}); p.Location != "/admin" {
		t.Fatalf("admin login goes to %q", p.Location)
	}
	// Decided reports leave the queue of those waiting.
	if p := admin.post("/admin/verifikasi-massal", url.Values{"csrf": {find(t, csrfRe, admin.get("/admin").Body)}, "ticket": {oldFlood}}); p.Status != 303 {
		t.Fatalf("bulk verify = %d", p.Status)
	}

	p1 := admin.get("/admin?q=banjir")
	if p1.Status != 200 || strings.Contains(p1.Body, road) || strings.Contains(p1.Body, oldFlood) ||
		!strings.Contains(p1.Body, flood[0]) || !strings.Contains(p1.Body, flood[99]) || strings.Contains(p1.Body, flood[100]) {
		t.Fatalf("queue searched for banjir = %d: want the first 100 waiting floods only\n%s", p1.Status, p1.Body)
	}
	if !strings.Contains(p1.Body, `value="banjir"`) {
		t.Error("the search is not kept in the queue's form")
	}
	// Flags read as words, not codes (the resident's phone is unconfirmed).
	if !strings.Contains(p1.Body, ">nomor belum terkonfirmasi<") || strings.Contains(p1.Body, "nomor_belum_terkonfirmasi") {
		t.Error("the queue shows the flag's code, or not the flag")
	}
	if p := admin.get("/admin?q=banjir&lang=en"); !strings.Contains(p.Body, ">phone unconfirmed<") {
		t.Error("the English queue does not name the flag in English")
	}
	admin.get("/admin?lang=id")
	p2 := admin.get("/admin" + nextPage(t, p1))
	if !strings.Contains(p2.Body, flood[100]) || strings.Contains(p2.Body, road) || strings.Contains(p2.Body, flood[99]) {
		t.Errorf("the queue's second page lost its search or its place:\n%s", p2.Body)
	}
	if p := admin.get("/admin?category=jalan-jembatan"); !strings.Contains(p.Body, road) || strings.Contains(p.Body, flood[0]) {
		t.Errorf("queue of one category:\n%s", p.Body)
	}
	if p := admin.get("/admin?status=didisposisi&q=banjir"); !strings.Contains(p.Body, oldFlood) || strings.Contains(p.Body, flood[0]) {
		t.Errorf("queue of disposed reports searched for banjir:\n%s", p.Body)
	}
	// The status shown is the one marked among the queue's statuses; with
	// none asked for, that is the reports waiting for verification.
	for path, current := range map[string]string{"/admin?status=didisposisi": "didisposisi", "/admin": "diajukan"} {
		p := admin.get(path)
		title := "<h1>Antrean verifikasi</h1>"
		if current != "diajukan" {
			title = "<h1>Laporan: Diteruskan ke perangkat daerah</h1>"
		}
		if !strings.Contains(p.Body, title) {
			t.Errorf("%s lacks its title %s", path, title)
		}
		if !strings.Contains(p.Body, `href="/admin?status=`+current+`" aria-current="page"`) || strings.Count(p.Body, `aria-current="page"`) != 2 { // and the site menu's "Antrean"
			t.Errorf("%s does not mark %s alone as the status shown", path, current)
		}
	}
	if p := admin.get("/admin?q=banjir&kelurahan=35.75.01.1001"); p.Status != 200 || strings.Contains(p.Body, flood[0]) || !strings.Contains(p.Body, "cocok dengan saringan") {
		t.Errorf("queue filtered to another kelurahan = %d:\n%s", p.Status, p.Body)
	}
	if p := admin.get("/admin?q=banjir&cursor=bukan-penanda"); p.Status != 200 || !strings.Contains(p.Body, "cursor") || !strings.Contains(p.Body, flood[0]) {
		t.Errorf("queue with a forged cursor = %d: want the first page and the error named\n%s", p.Status, p.Body)
	}
}

// TestAgencyInboxFilters: an agency officer's inbox narrows to one of its
// statuses, to words, a category and a kelurahan, and never shows another
// agency's reports or reports not yet disposed.
func TestAgencyInboxFilters(t *testing.T) {
	e := newEnv(t)
	warga := e.resident(nikKota, "081234567801")
	admin := e.staff(esambat.RoleAdmin, "admin@example.org", "")
	pupr := e.staff(esambat.RolePetugas, "pupr@example.org", "dinas-pupr")
	in, _ := e.points()
	lat, lng, ok := e.loc.InteriorPoint("35.75.04.1001")
	if !ok {
		t.Fatal("no interior point in Karanganyar")
	}
	submit := func(title, category string, at [2]float64, agency string) string {
		t.Helper()
		ticket := e.submit(warga, report(at[0], at[1], func(m map[string]any) { m["title"], m["category"] = title, category }))
		if agency != "" {
			e.verify(admin, ticket, agency)
		}
		return ticket
	}
	road := submit("Jalan berlubang di Pohjentrek", "jalan-jembatan", in, "dinas-pupr")
	drain := submit("Saluran tersumbat di Karanganyar", "drainase-banjir", [2]float64{lat, lng}, "dinas-pupr")
	accepted := submit("Jembatan retak di Karanganyar", "jalan-jembatan", [2]float64{lat, lng}, "dinas-pupr")
	waiting := submit("Jalan berlubang belum diverifikasi", "jalan-jembatan", in, "")
	other := submit("Lampu lalu lintas mati", "lalu-lintas-parkir", in, "dishub")
	if v := e.do("POST", "/api/v1/reports/"+accepted+"/actions", pupr, map[string]any{"action": "accept", "plan": "Perbaikan minggu ini", "target_date": "2026-03-06"}); v.Status != 200 {
		t.Fatalf("accept = %d %s", v.Status, v.Body)
	}
	officer := e.browser()
	if p := officer.post("/masuk", url.Values{"login": {"pupr@example.org"}, "password": {"kata-sandi-staf"}}); p.Status != 303 {
		t.Fatalf("officer login = %d", p.Status)
	}
	shows := func(path string, want ...string) {
		t.Helper()
		p := officer.get(path)
		if p.Status != 200 {
			t.Fatalf("%s = %d", path, p.Status)
		}
		for _, ticket := range []string{road, drain, accepted, waiting, other} {
			if strings.Contains(p.Body, ticket) != slices.Contains(want, ticket) {
				t.Errorf("%s: showing %s is %v, want %v", path, ticket, strings.Contains(p.Body, ticket), slices.Contains(want, ticket))
			}
		}
	}
	shows("/petugas", road, drain, accepted)
	shows("/petugas?status=diproses", accepted)
	shows("/petugas?status=didisposisi&kelurahan=35.75.04.1001", drain)
	shows("/petugas?q=berlubang", road)
	shows("/petugas?q=karanganyar", drain, accepted)
	shows("/petugas?category=jalan-jembatan", road, accepted)
	shows("/petugas?status=diajukan", road, drain, accepted) // not an inbox status: the whole inbox
	// The filters fold away until one is in use, so that on a phone the
	// reports come first.
	if p := officer.get("/petugas"); !strings.Contains(p.Body, `<details class="boxed filter-box">`) {
		t.Error("the inbox's filters are not folded away when none is in use")
	}
	if p := officer.get("/petugas?q=berlubang"); !strings.Contains(p.Body, `<details class="boxed filter-box" open>`) {
		t.Error("the inbox's filters are folded away while one is in use")
	}
	if p := officer.get("/petugas?kelurahan=35.75.01.1001"); !strings.Contains(p.Body, "cocok dengan saringan") {
		t.Errorf("an inbox filtered to nothing does not say so:\n%s", p.Body)
	}
	// The report's timeline names its steps and who took them in words.
	p := officer.get("/kelola/" + accepted)
	for _, want := range []string{"Laporan dikirim · Menunggu verifikasi", "Diverifikasi dan diteruskan · ", "Diterima dengan rencana · ", " · petugas<", " · admin<", " · warga<"} {
		if !strings.Contains(p.Body, want) {
			t.Errorf("the staff timeline lacks %q", want)
		}
	}
	if strings.Contains(p.Body, ">verify ·") || strings.Contains(p.Body, ">accept ·") {
		t.Error("the staff timeline shows the actions' codes")
	}
}

// countingReads counts the per-report reads a list must not make.
type countingReads struct {
	esambat.ReportStore
	one, many *atomic.Int32
}

func (c countingReads) ListPhotos(ctx context.Context, id int64) ([]esambat.Photo, error) {
	c.one.Add(1)
	return c.ReportStore.ListPhotos(ctx, id)
}

func (c countingReads) ListPhotosOf(ctx context.Context, ids []int64) (map[int64][]esambat.Photo, error) {
	c.many.Add(1)
	return c.ReportStore.ListPhotosOf(ctx, ids)
}

type countingUsers struct {
	esambat.UserStore
	one, many *atomic.Int32
}

func (c countingUsers) FindUserByID(ctx context.Context, id int64) (*esambat.User, error) {
	c.one.Add(1)
	return c.UserStore.FindUserByID(ctx, id)
}

func (c countingUsers) UserNames(ctx context.Context, ids []int64) (map[int64]string, error) {
	c.many.Add(1)
	return c.UserStore.UserNames(ctx, ids)
}

// TestAPIListReadsOnce: the API's list shows each report's photos and,
// where the public may see it, its reporter's name, read for the whole
// page with one query each rather than two per report (a map's 200
// reports were 400 round trips to PostgreSQL).
func TestAPIListReadsOnce(t *testing.T) {
	e := newEnv(t)
	e.server.Media = media.DirStore{Dir: t.TempDir()}
	warga := e.resident(nikKota, "081234567801")
	admin := e.staff(esambat.RoleAdmin, "admin@example.org", "")
	in, _ := e.points()
	var tickets []string
	for _, vis := range []string{"publik", "anonim", "publik"} {
		tickets = append(tickets, e.submit(warga, report(in[0], in[1], func(m map[string]any) { m["visibility"] = vis })))
	}
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	w, _ := mw.CreateFormFile("photo", "p.jpg")
	w.Write(testJPEG(t))
	mw.Close()
	if r := e.do("POST", "/api/v1/reports/"+tickets[0]+"/photos", warga, buf.String(), "Content-Type", mw.FormDataContentType()); r.Status != 201 {
		t.Fatalf("upload = %d %s", r.Status, r.Body)
	}
	for _, ticket := range tickets {
		e.verify(admin, ticket, "dinas-pupr")
	}
	var one, many, uone, umany atomic.Int32
	svc := *e.svc
	svc.Reports = countingReads{e.svc.Reports, &one, &many}
	svc.Users = countingUsers{e.svc.Users, &uone, &umany}
	list := e.instance(&svc)
	var got struct {
		Reports []struct {
			Ticket   string
			Photos   []string
			Reporter *struct{ Name string }
		}
	}
	if r := list.do("GET", "/api/v1/reports", "", nil); r.Status != 200 {
		t.Fatalf("list = %d %s", r.Status, r.Body)
	} else {
		r.json(t, &got)
	}
	if len(got.Reports) != 3 {
		t.Fatalf("list of %d reports, want 3", len(got.Reports))
	}
	for _, r := range got.Reports {
		wantPhotos, wantName := 0, r.Ticket != tickets[1]
		if r.Ticket == tickets[0] {
			wantPhotos = 1
		}
		if len(r.Photos) != wantPhotos || (r.Reporter != nil) != wantName || (wantName && !strings.HasPrefix(r.Reporter.Name, "Warga")) {
			t.Errorf("%s: %d photos, reporter %+v; want %d photos and a name %v", r.Ticket, len(r.Photos), r.Reporter, wantPhotos, wantName)
		}
	}
	if one.Load() != 0 || uone.Load() != 0 || many.Load() != 1 || umany.Load() != 1 {
		t.Errorf("the list read photos %d times one report at a time and %d for all, names %d and %d; want 0, 1, 0, 1",
			one.Load(), many.Load(), uone.Load(), umany.Load())
	}
}

// TestAdminQueueWarnsCalendar: from CalendarNoticeDays before the holiday
// table runs out (the embedded one ends with 2026), the admins' queue says
// until when due dates count the holidays and what to ask the operator for.
func TestAdminQueueWarnsCalendar(t *testing.T) {
	e := newEnv(t) // 3 March 2026
	e.staff(esambat.RoleAdmin, "admin@example.org", "")
	admin := e.browser()
	if p := admin.post("/masuk", url.Values{"login": {"admin@example.org"}, "password": {"kata-sandi-staf"}}); p.Location != "/admin" {
		t.Fatalf("admin login goes to %q", p.Location)
	}
	const warning = "Kalender hari libur hanya sampai"
	if p := admin.get("/admin"); p.Status != 200 || strings.Contains(p.Body, warning) {
		t.Fatalf("in March the queue = %d, warns about a calendar that covers the year", p.Status)
	}
	// 13 November 2026, 48 days before the table ends; the March
	// session has expired by then.
	e.clock.Advance(255 * 24 * time.Hour)
	admin.post("/masuk", url.Values{"login": {"admin@example.org"}, "password": {"kata-sandi-staf"}})
	p := admin.get("/admin")
	if !strings.Contains(p.Body, warning+" 31 Desember 2026.") || !strings.Contains(p.Body, "libur_nasional.csv") {
		t.Errorf("in mid-November the queue does not name the calendar's end and the fix:\n%s", p.Body)
	}
	if p := admin.get("/admin?lang=en"); !strings.Contains(p.Body, "The holiday calendar only runs until 31 December 2026.") {
		t.Errorf("the English queue does not warn in English:\n%s", p.Body)
	}
}
