package http_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/esambat/esambat"
	"github.com/esambat/esambat/notify"
)

// TestPermissionMatrix tries every back-office and resident action as
// every role, on a report in the state where the action is legal for its
// rightful actor, and checks who gets through. The rules live in the
// domain (Service.Act, Transition, Authorize); this test holds the HTTP
// layer to them.
func TestPermissionMatrix(t *testing.T) {
	e := newEnv(t)
	reporter := e.resident(nikKota, "081234567801")
	tokens := map[string]string{
		"anonymous": "",
		"reporter":  reporter,
		"other":     e.resident(nikKota2, "081234567802"),
		"admin":     e.staff(esambat.RoleAdmin, "admin@example.org", ""),
		"pimpinan":  e.staff(esambat.RolePimpinan, "walikota@example.org", ""),
		"petugasA":  e.staff(esambat.RolePetugas, "pupr@example.org", "dinas-pupr"),
		"petugasB":  e.staff(esambat.RolePetugas, "dishub@example.org", "dishub"),
	}
	roles := []string{"anonymous", "reporter", "other", "admin", "pimpinan", "petugasA", "petugasB"}
	in, _ := e.points()
	act := func(ticket, who string, body map[string]any) response {
		return e.do("POST", "/api/v1/reports/"+ticket+"/actions", tokens[who], body)
	}
	must := func(r response) {
		t.Helper()
		if r.Status != 200 {
			t.Fatalf("setup step = %d %s", r.Status, r.Body)
		}
	}
	// fresh returns a new report brought to status.
	fresh := func(status esambat.Status) string {
		t.Helper()
		r := e.do("POST", "/api/v1/reports", reporter, report(in[0], in[1]))
		var c struct{ Ticket string }
		r.json(t, &c)
		steps := map[esambat.Status][]struct {
			who  string
			body map[string]any
		}{
			esambat.StatusDidisposisi: {{"admin", map[string]any{"action": "verify", "agency": "dinas-pupr"}}},
			esambat.StatusDiproses:    {{"admin", map[string]any{"action": "verify", "agency": "dinas-pupr"}}, {"petugasA", map[string]any{"action": "accept", "plan": "Tambal"}}},
			esambat.StatusSelesai: {{"admin", map[string]any{"action": "verify", "agency": "dinas-pupr"}}, {"petugasA", map[string]any{"action": "accept", "plan": "Tambal"}},
				{"petugasA", map[string]any{"action": "finish", "text": "Sudah"}}},
		}
		for _, s := range steps[status] {
			must(act(c.Ticket, s.who, s.body))
		}
		return c.Ticket
	}
	original := fresh(esambat.StatusDidisposisi)
	cases := []struct {
		body    map[string]any
		state   esambat.Status
		allowed []string
	}{
		{map[string]any{"action": "verify", "agency": "dinas-pupr"}, esambat.StatusDiajukan, []string{"admin"}},
		{map[string]any{"action": "return", "text": "Lengkapi alamat."}, esambat.StatusDiajukan, []string{"admin"}},
		{map[string]any{"action": "reject", "reason": "urusan_pribadi"}, esambat.StatusDiajukan, []string{"admin"}},
		{map[string]any{"action": "duplicate", "of": original}, esambat.StatusDiajukan, []string{"admin"}},
		{map[string]any{"action": "recategorize", "category": "drainase-banjir"}, esambat.StatusDiajukan, []string{"admin"}},
		{map[string]any{"action": "set_visibility", "visibility": "rahasia"}, esambat.StatusDiajukan, []string{"admin"}},
		{map[string]any{"action": "dispose", "agency": "dishub"}, esambat.StatusDidisposisi, []string{"admin"}},
		{map[string]any{"action": "accept", "plan": "Tambal minggu ini"}, esambat.StatusDidisposisi, []string{"petugasA"}},
		{map[string]any{"action": "answer", "text": "Sedang dijadwalkan."}, esambat.StatusDidisposisi, []string{"admin", "petugasA"}},
		{map[string]any{"action": "note", "note": "Catatan"}, esambat.StatusDidisposisi, []string{"admin", "pimpinan", "petugasA"}},
		{map[string]any{"action": "handback", "reason": "Jalan provinsi"}, esambat.StatusDidisposisi, []string{"petugasA"}},
		{map[string]any{"action": "support"}, esambat.StatusDidisposisi, []string{"other"}},
		{map[string]any{"action": "finish", "text": "Selesai ditambal."}, esambat.StatusDiproses, []string{"petugasA"}},
		{map[string]any{"action": "confirm", "rating": 4}, esambat.StatusSelesai, []string{"reporter"}},
		{map[string]any{"action": "dispute", "text": "Belum beres."}, esambat.StatusSelesai, []string{"reporter"}},
	}
	for _, c := range cases {
		for _, who := range roles {
			name := fmt.Sprintf("%s/%s", c.body["action"], who)
			ticket := fresh(c.state)
			r := act(ticket, who, c.body)
			want := false
			for _, a := range c.allowed {
				want = want || a == who
			}
			switch {
			case want && r.Status != 200:
				t.Errorf("%s: refused (%d %s), want allowed", name, r.Status, r.Body)
			case !want && r.Status == 200:
				t.Errorf("%s: allowed, want refused", name)
			case !want && r.Status != 401 && r.Status != 403 && r.Status != 404:
				t.Errorf("%s: %d %s, want 401, 403 or 404", name, r.Status, r.Body)
			case !want && who == "anonymous" && r.Status != 401:
				t.Errorf("%s: %d, want 401", name, r.Status)
			}
		}
	}
}

// TestAgencyIsolation: a petugas of another agency cannot read a rahasia
// report or the internal notes of agency A, and no petugas ever sees who
// sent an anonim or rahasia report.
func TestAgencyIsolation(t *testing.T) {
	e := newEnv(t)
	warga := e.resident(nikKota, "081234567801")
	admin := e.staff(esambat.RoleAdmin, "admin@example.org", "")
	in, _ := e.points()
	submit := func(vis string) string {
		r := e.do("POST", "/api/v1/reports", warga, report(in[0], in[1], func(m map[string]any) { m["visibility"] = vis }))
		var c struct{ Ticket string }
		r.json(t, &c)
		e.do("POST", "/api/v1/reports/"+c.Ticket+"/actions", admin, map[string]any{"action": "verify", "agency": "dinas-pupr"})
		e.do("POST", "/api/v1/reports/"+c.Ticket+"/actions", admin, map[string]any{"action": "note", "note": "RAHASIA-INTERNAL-123"})
		return c.Ticket
	}
	secret, anon := submit("rahasia"), submit("anonim")
	// Staff browsers: petugas of Dinas PUPR (A) and Dishub (B).
	login := func(email string, role esambat.Role, agency string) *browser {
		e.staff(role, email, agency)
		b := e.browser()
		if p := b.post("/masuk", url.Values{"login": {email}, "password": {"kata-sandi-staf"}}); p.Status != 303 {
			t.Fatalf("staff login %s = %d %s", email, p.Status, p.Body)
		}
		return b
	}
	a := login("pupr@example.org", esambat.RolePetugas, "dinas-pupr")
	b := login("dishub@example.org", esambat.RolePetugas, "dishub")
	for _, ticket := range []string{secret, anon} {
		if p := b.get("/kelola/" + ticket); p.Status != 404 || strings.Contains(p.Body, "RAHASIA-INTERNAL-123") {
			t.Errorf("agency B staff page for %s = %d", ticket, p.Status)
		}
		if p := b.get("/laporan/" + ticket); strings.Contains(p.Body, "RAHASIA-INTERNAL-123") {
			t.Errorf("agency B sees internal notes of %s", ticket)
		}
		pa := a.get("/kelola/" + ticket)
		if pa.Status != 200 || !strings.Contains(pa.Body, "RAHASIA-INTERNAL-123") {
			t.Errorf("agency A staff page for %s = %d", ticket, pa.Status)
		}
		if strings.Contains(pa.Body, "Warga 0001") || strings.Contains(pa.Body, "3575**********01") || strings.Contains(pa.Body, "081234567801") {
			t.Errorf("agency A sees the reporter of %s:\n%s", ticket, pa.Body)
		}
	}
	if p := b.get("/laporan/" + secret); p.Status != 404 {
		t.Errorf("agency B public page of rahasia = %d", p.Status)
	}
	// API as agency B: 404 on the rahasia report, no reporter on anything.
	tokB := e.staff(esambat.RolePetugas, "dishub2@example.org", "dishub")
	if r := e.do("GET", "/api/v1/reports/"+secret, tokB, nil); r.Status != 404 {
		t.Errorf("agency B API read of rahasia = %d", r.Status)
	}
	tokA := e.staff(esambat.RolePetugas, "pupr2@example.org", "dinas-pupr")
	for _, ticket := range []string{secret, anon} {
		r := e.do("GET", "/api/v1/reports/"+ticket, tokA, nil)
		if r.Status != 200 || strings.Contains(string(r.Body), "Warga") || strings.Contains(string(r.Body), `"reporter"`) || strings.Contains(string(r.Body), "RAHASIA-INTERNAL") {
			t.Errorf("agency A API read of %s = %d %s", ticket, r.Status, r.Body)
		}
	}
	list := e.do("GET", "/api/v1/reports", tokA, nil)
	if strings.Contains(string(list.Body), "Warga") || strings.Contains(string(list.Body), `"reporter"`) {
		t.Errorf("agency A list reveals a reporter: %s", list.Body)
	}
	// Every staff view of the rahasia report is in its audit trail.
	rep, _ := e.db.FindReportByTicket(t.Context(), secret)
	events, _ := e.db.ListEvents(t.Context(), rep.ID)
	views := 0
	for _, ev := range events {
		if ev.Action == "view" {
			views++
		}
	}
	if views < 2 {
		t.Errorf("%d view events on the rahasia report, want one per staff view", views)
	}
	_ = http.StatusOK
}

// TestStaffPages walks the back office in HTML: the admin queue, bulk
// verification, the agency inbox, accept and finish with evidence.
func TestStaffPages(t *testing.T) {
	e := newEnv(t)
	e.server.Media = mediaStore(t)
	warga := e.resident(nikKota, "081234567801")
	in, _ := e.points()
	var tickets []string
	for i := 0; i < 3; i++ {
		r := e.do("POST", "/api/v1/reports", warga, report(in[0], in[1], func(m map[string]any) { m["title"] = fmt.Sprintf("Jalan rusak nomor %d", i) }))
		var c struct{ Ticket string }
		r.json(t, &c)
		tickets = append(tickets, c.Ticket)
	}
	e.staff(esambat.RoleAdmin, "admin@example.org", "")
	admin := e.browser()
	if p := admin.post("/masuk", url.Values{"login": {"admin@example.org"}, "password": {"kata-sandi-staf"}}); p.Location != "/admin" {
		t.Fatalf("admin login goes to %q", p.Location)
	}
	q := admin.get("/admin")
	if q.Status != 200 || strings.Index(q.Body, tickets[0]) > strings.Index(q.Body, tickets[2]) {
		t.Fatalf("queue = %d, oldest first?\n%s", q.Status, q.Body)
	}
	// Residents do not see staff pages at all.
	res := e.browser()
	res.signUp(nikLuar, "081234567809")
	if p := res.get("/admin"); p.Status != 404 {
		t.Errorf("resident sees /admin: %d", p.Status)
	}
	// Bulk verify two of them to their suggested agency.
	p := admin.post("/admin/verifikasi-massal", url.Values{"csrf": {find(t, csrfRe, q.Body)}, "ticket": {tickets[0], tickets[1]}})
	if p.Status != 303 {
		t.Fatalf("bulk = %d %s", p.Status, p.Body)
	}
	for i, want := range []esambat.Status{esambat.StatusDidisposisi, esambat.StatusDidisposisi, esambat.StatusDiajukan} {
		rep, _ := e.db.FindReportByTicket(t.Context(), tickets[i])
		if rep.Status != want || (want == esambat.StatusDidisposisi && rep.AgencyCode != "dinas-pupr") {
			t.Errorf("after bulk, %s is %s at %q", tickets[i], rep.Status, rep.AgencyCode)
		}
	}
	// Reject the third with a reason from the fixed list.
	sp := admin.get("/kelola/" + tickets[2])
	p = admin.post("/kelola/"+tickets[2], url.Values{"csrf": {find(t, csrfRe, sp.Body)}, "action": {"reject"}, "reason": {"luar_wilayah"}})
	if p.Status != 303 {
		t.Fatalf("reject = %d %s", p.Status, p.Body)
	}
	if rep, _ := e.db.FindReportByTicket(t.Context(), tickets[2]); rep.Status != esambat.StatusDitolak {
		t.Errorf("after reject: %s", rep.Status)
	}
	// A reject without reason comes back with the field named.
	p = admin.post("/kelola/"+tickets[0], url.Values{"csrf": {find(t, csrfRe, sp.Body)}, "action": {"return"}})
	if p.Status != 409 && p.Status != 400 {
		t.Errorf("return from didisposisi = %d", p.Status)
	}

	// The agency inbox shows the two, accept and finish with evidence.
	e.staff(esambat.RolePetugas, "pupr@example.org", "dinas-pupr")
	pet := e.browser()
	if p := pet.post("/masuk", url.Values{"login": {"pupr@example.org"}, "password": {"kata-sandi-staf"}}); p.Location != "/petugas" {
		t.Fatalf("petugas login goes to %q", p.Location)
	}
	inbox := pet.get("/petugas")
	if !strings.Contains(inbox.Body, tickets[0]) || !strings.Contains(inbox.Body, tickets[1]) || strings.Contains(inbox.Body, tickets[2]) {
		t.Fatalf("inbox:\n%s", inbox.Body)
	}
	csrf := find(t, csrfRe, inbox.Body)
	if p := pet.post("/kelola/"+tickets[0], url.Values{"csrf": {csrf}, "action": {"accept"}, "plan": {"Tambal sulam hari Kamis"}}); p.Status != 303 {
		t.Fatalf("accept = %d %s", p.Status, p.Body)
	}
	p = pet.postMultipart("/kelola/"+tickets[0], map[string]string{"csrf": csrf, "action": "finish", "text": "Sudah ditambal."}, "photos", testJPEG(t))
	if p.Status != 303 {
		t.Fatalf("finish = %d %s", p.Status, p.Body)
	}
	rep, _ := e.db.FindReportByTicket(t.Context(), tickets[0])
	photos, _ := e.db.ListPhotos(t.Context(), rep.ID)
	if rep.Status != esambat.StatusSelesai || len(photos) != 1 || photos[0].Kind != esambat.PhotoEvidence {
		t.Errorf("after finish: %s, photos %+v", rep.Status, photos)
	}
	// The public page shows the evidence and the timeline without internal notes.
	pub := e.browser().get("/laporan/" + tickets[0])
	if !strings.Contains(pub.Body, "Bukti penanganan") || !strings.Contains(pub.Body, "Sudah ditambal.") {
		t.Errorf("public page after finish:\n%s", pub.Body)
	}
}

func TestResponseTemplates(t *testing.T) {
	e := newEnv(t)
	warga := e.resident(nikKota, "081234567801")
	admin := e.staff(esambat.RoleAdmin, "admin@example.org", "")
	in, _ := e.points()
	r := e.do("POST", "/api/v1/reports", warga, report(in[0], in[1]))
	var c struct{ Ticket string }
	r.json(t, &c)
	e.do("POST", "/api/v1/reports/"+c.Ticket+"/actions", admin, map[string]any{"action": "verify", "agency": "dinas-pupr"})
	e.staff(esambat.RolePetugas, "pupr@example.org", "dinas-pupr")
	pet := e.browser()
	pet.post("/masuk", url.Values{"login": {"pupr@example.org"}, "password": {"kata-sandi-staf"}})
	page := pet.get("/petugas/templat")
	csrf := find(t, csrfRe, page.Body)
	if p := pet.post("/petugas/templat", url.Values{"csrf": {csrf}, "title": {"x"}, "body": {"pendek"}}); p.Status != 400 || !strings.Contains(p.Body, `href="#f-title"`) {
		t.Errorf("bad template = %d", p.Status)
	}
	if p := pet.post("/petugas/templat", url.Values{"csrf": {csrf}, "title": {"Tambal rutin"}, "category": {"jalan-jembatan"},
		"body": {"Lubang akan ditambal dalam jadwal pemeliharaan rutin minggu ini."}}); p.Status != 303 {
		t.Fatalf("create template = %d %s", p.Status, p.Body)
	}
	tpls, _ := e.db.ListTemplates(t.Context(), "dinas-pupr", "jalan-jembatan")
	if len(tpls) != 1 {
		t.Fatalf("templates = %+v", tpls)
	}
	sp := pet.get("/kelola/" + c.Ticket)
	if !strings.Contains(sp.Body, "Tambal rutin") {
		t.Fatalf("template not offered on the report page")
	}
	// Accept with the template as the plan, no text typed.
	if p := pet.post("/kelola/"+c.Ticket, url.Values{"csrf": {csrf}, "action": {"accept"}, "template": {fmt.Sprint(tpls[0].ID)}}); p.Status != 303 {
		t.Fatalf("accept with template = %d %s", p.Status, p.Body)
	}
	rep, _ := e.db.FindReportByTicket(t.Context(), c.Ticket)
	events, _ := e.db.ListEvents(t.Context(), rep.ID)
	if last := events[len(events)-1]; rep.Status != esambat.StatusDiproses || !strings.Contains(last.Public, "pemeliharaan rutin") {
		t.Errorf("after accept with template: %s %q", rep.Status, last.Public)
	}
}

func TestCategoryThresholdPage(t *testing.T) {
	e := newEnv(t)
	e.staff(esambat.RoleAdmin, "admin@example.org", "")
	b := e.browser()
	b.post("/masuk", url.Values{"login": {"admin@example.org"}, "password": {"kata-sandi-staf"}})
	page := b.get("/admin/kategori")
	if page.Status != 200 || !strings.Contains(page.Body, "Air Bersih") {
		t.Fatalf("categories page = %d", page.Status)
	}
	// Each category's default agency by name, not by code.
	if !strings.Contains(page.Body, `<option value="pdam" selected>Perumdam Tirta Umbulan (BUMD air minum)</option>`) {
		t.Error("the categories page does not show the default agency by name, chosen")
	}
	csrf := find(t, csrfRe, page.Body)
	if p := b.post("/admin/kategori/air-bersih", url.Values{"csrf": {csrf}, "threshold": {"85"}}); p.Status != 303 {
		t.Fatalf("set threshold = %d %s", p.Status, p.Body)
	}
	if c, _ := e.db.FindCategory(t.Context(), "air-bersih"); c.AutoThreshold != 0.85 {
		t.Errorf("threshold stored %v", c.AutoThreshold)
	}
	if p := b.post("/admin/kategori/air-bersih", url.Values{"csrf": {csrf}, "threshold": {"150"}}); p.Status != 400 {
		t.Errorf("threshold 150 = %d", p.Status)
	}
	if p := b.post("/admin/kategori/tidak-ada", url.Values{"csrf": {csrf}, "threshold": {"50"}}); p.Status != 404 {
		t.Errorf("unknown category = %d", p.Status)
	}

	// The default agency: a refused form changes nothing, a good one
	// sends the category's next reports to the new agency.
	if p := b.post("/admin/kategori/air-bersih", url.Values{"csrf": {csrf}, "agency": {"dinas-pupr"}, "threshold": {"150"}}); p.Status != 400 {
		t.Errorf("new agency with a bad threshold = %d, want 400", p.Status)
	}
	if p := b.post("/admin/kategori/air-bersih", url.Values{"csrf": {csrf}, "agency": {"tidak-ada"}, "threshold": {"85"}}); p.Status != 400 || !strings.Contains(p.Body, "Perangkat daerah itu tidak dikenal") {
		t.Errorf("unknown agency = %d, want 400 saying so", p.Status)
	}
	if c, _ := e.db.FindCategory(t.Context(), "air-bersih"); c.AgencyCode != "pdam" {
		t.Fatalf("a refused form moved the category to %q", c.AgencyCode)
	}
	if p := b.post("/admin/kategori/air-bersih", url.Values{"agency": {"dinas-pupr"}, "threshold": {"85"}}); p.Status != 403 {
		t.Errorf("a form without CSRF = %d, want 403", p.Status)
	}
	if p := b.post("/admin/kategori/air-bersih", url.Values{"csrf": {csrf}, "agency": {"dinas-pupr"}, "threshold": {"85"}}); p.Status != 303 {
		t.Fatalf("new agency = %d %s", p.Status, p.Body)
	}
	warga := e.resident(nikKota, "081234567809")
	in, _ := e.points()
	ticket := e.submit(warga, report(in[0], in[1], func(m map[string]any) { m["category"] = "air-bersih" }))
	if r, _ := e.db.FindReportByTicket(t.Context(), ticket); r.SuggestedAgency != "dinas-pupr" {
		t.Errorf("a new air-bersih report suggests %q, want dinas-pupr", r.SuggestedAgency)
	}
	var cats []struct {
		Code          string
		DefaultAgency struct{ Code string } `json:"default_agency"`
	}
	e.do("GET", "/api/v1/categories", "", nil).json(t, &cats)
	for _, c := range cats {
		if c.Code == "air-bersih" && c.DefaultAgency.Code != "dinas-pupr" {
			t.Errorf("the API's default agency of air-bersih = %q", c.DefaultAgency.Code)
		}
	}
}

func TestDeadLetterPage(t *testing.T) {
	e := newEnv(t)
	e.db.Planner = &notify.Planner{}
	warga := e.resident(nikKota, "081234567801")
	in, _ := e.points()
	e.do("POST", "/api/v1/reports", warga, report(in[0], in[1]))
	msgs, err := e.db.ClaimMessages(t.Context(), "test", 10, e.clock.Now())
	if err != nil || len(msgs) == 0 {
		t.Fatalf("claim = %v, %v", msgs, err)
	}
	if err := e.db.MarkFailed(t.Context(), msgs[0].ID, "gateway 400: nomor tidak aktif", e.clock.Now(), true); err != nil {
		t.Fatal(err)
	}
	e.staff(esambat.RoleAdmin, "admin@example.org", "")
	b := e.browser()
	b.post("/masuk", url.Values{"login": {"admin@example.org"}, "password": {"kata-sandi-staf"}})
	page := b.get("/admin/notifikasi")
	if page.Status != 200 || !strings.Contains(page.Body, "nomor tidak aktif") {
		t.Fatalf("dead letters page = %d\n%s", page.Status, page.Body)
	}
	if p := b.post(fmt.Sprintf("/admin/notifikasi/%d/ulang", msgs[0].ID), url.Values{"csrf": {find(t, csrfRe, page.Body)}}); p.Status != 303 {
		t.Fatalf("retry = %d %s", p.Status, p.Body)
	}
	if dead, _ := e.db.ListDead(t.Context(), 10); len(dead) != 0 {
		t.Errorf("still dead after retry: %+v", dead)
	}
	if p := e.browser().get("/admin/notifikasi"); p.Status != 303 {
		t.Errorf("anonymous = %d", p.Status)
	}
}
