package http_test

import (
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/esambat/esambat"
)

var overdueRowRe = regexp.MustCompile(`<th scope="row"><a href="/admin/terlambat\?agency=([^"]+)"[^>]*>([^<]+)</a></th>\s*<td data-label="Verifikasi" class="num">(\d+)</td>\s*<td data-label="Belum diterima" class="num">(\d+)</td>\s*<td data-label="Ditangani" class="num">(\d+)</td>\s*<td data-label="Jumlah" class="num"><span class="badge badge-overdue">(\d+)</span></td>`)

// TestOverduePage: once the city's clocks run out, pimpinan and admins
// see the overdue reports counted by agency (the most first) and listed
// the longest overdue first, per agency on a click; reports still in time, or waiting
// for the reporter, are not among them; officers and residents cannot
// open the page.
func TestOverduePage(t *testing.T) {
	e := newEnv(t)
	admin := e.staff(esambat.RoleAdmin, "admin@example.org", "")
	e.staff(esambat.RolePimpinan, "walikota@example.org", "")
	pupr := e.staff(esambat.RolePetugas, "pupr@example.org", "dinas-pupr")
	warga := e.resident(nikKota, "081234567851")
	in, _ := e.points()
	forwarded := e.submit(warga, report(in[0], in[1], func(m map[string]any) { m["title"] = "Diteruskan tapi belum diterima" }))
	working := e.submit(warga, report(in[0], in[1], func(m map[string]any) { m["title"] = "Sedang dikerjakan" }))
	done := e.submit(warga, report(in[0], in[1], func(m map[string]any) { m["title"] = "Sudah selesai" }))
	// Sent last, due first (3 working days to verify, against 5 to accept).
	waiting := e.submit(warga, report(in[0], in[1], func(m map[string]any) { m["title"] = "Menunggu verifikasi lama" }))
	for _, tk := range []string{forwarded, working, done} {
		e.verify(admin, tk, "dinas-pupr")
	}
	for _, tk := range []string{working, done} {
		if r := e.do("POST", "/api/v1/reports/"+tk+"/actions", pupr, map[string]any{"action": "accept", "plan": "Tambal sulam"}); r.Status != 200 {
			t.Fatalf("accept %s = %d %s", tk, r.Status, r.Body)
		}
	}
	if r := e.do("POST", "/api/v1/reports/"+done+"/actions", pupr, map[string]any{"action": "finish", "text": "Sudah ditambal."}); r.Status != 200 {
		t.Fatalf("finish = %d %s", r.Status, r.Body)
	}
	if p := e.browser().post("/masuk", url.Values{"login": {"walikota@example.org"}, "password": {"kata-sandi-staf"}}); p.Status != 303 || p.Location != "/admin/terlambat" {
		t.Errorf("pimpinan signed in = %d %s, want the overdue page", p.Status, p.Location)
	}
	pim := e.signIn("walikota@example.org", "kata-sandi-staf")
	if p := pim.get("/admin/terlambat"); p.Status != 200 || !strings.Contains(p.Body, "Tidak ada laporan terlambat") {
		t.Fatalf("in time = %d: want no overdue report", p.Status)
	}

	e.clock.Advance(40 * 24 * time.Hour)                      // past every clock but selesai's auto-close
	pim = e.signIn("walikota@example.org", "kata-sandi-staf") // the session of before ran out
	p := pim.get("/admin/terlambat")
	var rows []string
	for _, m := range overdueRowRe.FindAllStringSubmatch(p.Body, -1) {
		rows = append(rows, strings.Join(m[1:], " | "))
	}
	want := []string{
		"dinas-pupr | Dinas Pekerjaan Umum dan Penataan Ruang | 0 | 1 | 1 | 2",
		"verifikasi | Verifikasi oleh admin | 1 | 0 | 0 | 1",
	}
	if strings.Join(rows, "\n") != strings.Join(want, "\n") {
		t.Errorf("counts:\n%s\nwant:\n%s", strings.Join(rows, "\n"), strings.Join(want, "\n"))
	}
	for _, tk := range []string{waiting, forwarded, working} {
		if !strings.Contains(p.Body, `href="/kelola/`+tk+`"`) {
			t.Errorf("the list lacks %s", tk)
		}
	}
	if strings.Index(p.Body, `href="/kelola/`+waiting+`"`) > strings.Index(p.Body, `href="/kelola/`+forwarded+`"`) {
		t.Error("the list is not the longest overdue first: the report sent last, due first, comes after one due later")
	}
	if strings.Contains(p.Body, done) {
		t.Errorf("the finished report %s, waiting for its reporter, is listed as overdue", done)
	}
	if p := pim.get("/admin/terlambat?agency=dinas-pupr"); !strings.Contains(p.Body, forwarded) || !strings.Contains(p.Body, working) || strings.Contains(p.Body, `href="/kelola/`+waiting+`"`) {
		t.Error("the agency's list is not its two reports alone")
	}
	if p := pim.get("/admin/terlambat?agency=verifikasi"); !strings.Contains(p.Body, `href="/kelola/`+waiting+`"`) || strings.Contains(p.Body, `href="/kelola/`+working+`"`) {
		t.Error("the verification's list is not the waiting report alone")
	}
	if p := pim.get("/admin/terlambat?agency=%3Cscript%3E"); p.Status != 404 {
		t.Errorf("an unknown agency = %d, want 404", p.Status)
	}
	var api []struct {
		Agency *struct{ Code string }
		Status string
		Count  int
	}
	pimTok := e.do("POST", "/api/v1/auth/token", "", map[string]string{"login": "walikota@example.org", "password": "kata-sandi-staf"})
	var tk struct{ Token string }
	pimTok.json(t, &tk)
	r := e.do("GET", "/api/v1/overdue", tk.Token, nil)
	r.json(t, &api)
	if r.Status != 200 || len(api) != 3 || api[0].Agency != nil || api[0].Status != "diajukan" || api[0].Count != 1 ||
		api[1].Agency == nil || api[1].Agency.Code != "dinas-pupr" || api[1].Status != "didisposisi" || api[2].Status != "diproses" {
		t.Errorf("GET /api/v1/overdue = %d %s", r.Status, r.Body)
	}
	if r := e.do("GET", "/api/v1/overdue", pupr, nil); r.Status != 403 {
		t.Errorf("an officer's GET /api/v1/overdue = %d, want 403", r.Status)
	}
	if p := e.signIn("admin@example.org", "kata-sandi-staf").get("/admin"); !strings.Contains(p.Body, `href="/admin/terlambat"`) {
		t.Error("the admin queue does not link to the overdue page")
	}
	if p := e.signIn("pupr@example.org", "kata-sandi-staf").get("/admin/terlambat"); p.Status != 404 {
		t.Errorf("an officer opens the overdue page: %d", p.Status)
	}
	if p := e.signIn("081234567851", "kata-sandi-rahasia").get("/admin/terlambat"); p.Status != 404 {
		t.Errorf("a resident opens the overdue page: %d", p.Status)
	}
}
