package http_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/esambat/esambat"
)

const (
	nikKota  = "3575011203900001" // Kota Pasuruan, Gadingrejo, male, 12-03-1990
	nikKota2 = "3575024506920003" // Kota Pasuruan, Purworejo, female, 05-06-1992
	nikLuar  = "3171014506850002" // Jakarta, female, 05-06-1985
)

// inside is a point in Kelurahan Pohjentrek (Kota); bangil is in Kecamatan
// Bangil of the Kabupaten.
func (e *env) points() (inside, bangil [2]float64) {
	lat, lng, ok := e.loc.InteriorPoint("35.75.02.1001")
	blat, blng, ok2 := e.loc.InteriorPoint("35.14.14")
	if !ok || !ok2 {
		e.t.Fatal("no interior points")
	}
	return [2]float64{lat, lng}, [2]float64{blat, blng}
}

func report(lat, lng float64, mods ...func(map[string]any)) map[string]any {
	m := map[string]any{
		"type": "pengaduan", "category": "jalan-jembatan", "title": "Jalan berlubang di depan SD",
		"description": "Lubang besar di tengah jalan, sudah ada pengendara motor yang jatuh.",
		"location":    map[string]float64{"lat": lat, "lng": lng}, "visibility": "publik",
	}
	for _, f := range mods {
		f(m)
	}
	return m
}

func TestRegister(t *testing.T) {
	e := newEnv(t)
	r := e.do("POST", "/api/v1/auth/register", "", map[string]string{
		"nik": nikKota, "name": "  Siti   Aminah ", "phone": "0812-3456-7801", "email": "Siti@Example.org",
		"password": "kata-sandi-rahasia", "kelurahan_code": "35.75.02.1001",
	})
	if r.Status != 201 {
		t.Fatalf("register = %d %s", r.Status, r.Body)
	}
	var u struct {
		Name             string
		NIK              string
		DomicileVerified bool `json:"domicile_verified"`
		PhoneConfirmed   bool `json:"phone_confirmed"`
		Token            string
	}
	r.json(t, &u)
	if u.Name != "Siti Aminah" || u.NIK != "3575**********01" || !u.DomicileVerified || u.PhoneConfirmed || u.Token == "" {
		t.Errorf("registered = %+v", u)
	}
	if strings.Contains(string(r.Body), nikKota) {
		t.Error("response contains the full NIK")
	}
	code := e.lastCode("+6281234567801")

	// A NIK from elsewhere is accepted with the domicile unverified.
	r = e.do("POST", "/api/v1/auth/register", "", map[string]string{
		"nik": nikLuar, "name": "Dewi", "phone": "081234567802", "password": "kata-sandi-rahasia", "kelurahan_code": "35.75.04.1006",
	})
	var u2 struct {
		DomicileVerified bool `json:"domicile_verified"`
	}
	r.json(t, &u2)
	if r.Status != 201 || u2.DomicileVerified {
		t.Errorf("other NIK = %d %s", r.Status, r.Body)
	}

	tests := []struct {
		name   string
		body   any
		status int
		code   string
		fields []string
	}{
		{"same NIK again", map[string]string{"nik": nikKota, "name": "Orang Lain", "phone": "081234567899", "password": "kata-sandi-rahasia", "kelurahan_code": "35.75.02.1001"}, 409, esambat.ECONFLICT, nil},
		{"same phone again", map[string]string{"nik": nikKota2, "name": "Orang Lain", "phone": "+62 812 3456 7801", "password": "kata-sandi-rahasia", "kelurahan_code": "35.75.02.1001"}, 409, esambat.ECONFLICT, nil},
		{"everything wrong", map[string]string{"nik": "1234", "name": "", "phone": "0343-123456", "email": "bukan", "password": "pendek", "kelurahan_code": "35.14.14.2001"}, 400, esambat.EINVALID,
			[]string{"nik", "name", "phone", "email", "password", "kelurahan_code"}},
		{"unknown kecamatan in NIK", map[string]string{"nik": "3575091203900001", "name": "A B", "phone": "081234567890", "password": "kata-sandi-rahasia", "kelurahan_code": "35.75.02.1001"}, 400, esambat.EINVALID, []string{"nik"}},
		{"unknown field", `{"nik":"x","admin":true}`, 400, esambat.EINVALID, []string{"admin"}},
		{"not JSON", `nik=1`, 400, esambat.EINVALID, []string{"body"}},
		{"empty body", ``, 400, esambat.EINVALID, []string{"body"}},
		{"oversized", `{"name":"` + strings.Repeat("a", 2<<20) + `"}`, 413, esambat.ETOOLARGE, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.do("POST", "/api/v1/auth/register", "", tt.body)
			if r.Status != tt.status || r.errCode() != tt.code {
				t.Fatalf("= %d %s, want %d %s", r.Status, r.Body, tt.status, tt.code)
			}
			var body struct {
				Error struct {
					Message string
					Fields  map[string]string
				}
			}
			r.json(t, &body)
			for _, f := range tt.fields {
				if body.Error.Fields[f] == "" {
					t.Errorf("field %s not named: %s", f, r.Body)
				}
			}
			if strings.Contains(body.Error.Message, "Siti") || strings.Contains(string(r.Body), nikKota) {
				t.Errorf("error reveals the other account: %s", r.Body)
			}
		})
	}

	// Phone confirmation.
	if r := e.do("POST", "/api/v1/auth/verify-phone", u.Token, map[string]string{"code": "000000"}); r.Status != 400 || r.errCode() != esambat.EINVALID {
		t.Errorf("wrong code = %d %s", r.Status, r.Body)
	}
	if r := e.do("POST", "/api/v1/auth/verify-phone", "", map[string]string{"code": code}); r.Status != 401 {
		t.Errorf("verify without token = %d", r.Status)
	}
	if r := e.do("POST", "/api/v1/auth/verify-phone", u.Token, map[string]string{"code": code}); r.Status != 200 {
		t.Errorf("right code = %d %s", r.Status, r.Body)
	}
	var me struct {
		PhoneConfirmed bool `json:"phone_confirmed"`
		Role           string
	}
	e.do("GET", "/api/v1/me", u.Token, nil).json(t, &me)
	if !me.PhoneConfirmed || me.Role != "warga" {
		t.Errorf("me = %+v", me)
	}
}

func TestTokenLogin(t *testing.T) {
	e := newEnv(t)
	e.resident(nikKota, "081234567801")
	ok := func(login string) {
		t.Helper()
		r := e.do("POST", "/api/v1/auth/token", "", map[string]string{"login": login, "password": "kata-sandi-rahasia"})
		var out struct{ Token string }
		r.json(t, &out)
		if r.Status != 200 || !strings.HasPrefix(out.Token, "esb_") {
			t.Fatalf("login %q = %d %s", login, r.Status, r.Body)
		}
		if me := e.do("GET", "/api/v1/me", out.Token, nil); me.Status != 200 {
			t.Errorf("token does not authenticate: %d", me.Status)
		}
	}
	ok("081234567801")
	ok("+62 812-3456-7801")

	wrong := e.do("POST", "/api/v1/auth/token", "", map[string]string{"login": "081234567801", "password": "salah-sekali"})
	unknown := e.do("POST", "/api/v1/auth/token", "", map[string]string{"login": "089999999999", "password": "salah-sekali"})
	if wrong.Status != 401 || unknown.Status != 401 || string(wrong.Body) != string(unknown.Body) {
		t.Errorf("wrong password %d %s vs unknown account %d %s: must look the same", wrong.Status, wrong.Body, unknown.Status, unknown.Body)
	}
	// Throttling: after 10 failures for one login, even the right password waits.
	for i := 0; i < 10; i++ {
		e.do("POST", "/api/v1/auth/token", "", map[string]string{"login": "081234567801", "password": fmt.Sprint("salah-", i)})
	}
	r := e.do("POST", "/api/v1/auth/token", "", map[string]string{"login": "081234567801", "password": "kata-sandi-rahasia"})
	if r.Status != 429 || r.errCode() != esambat.ERATELIMIT || r.Header.Get("Retry-After") == "" {
		t.Errorf("after 10 failures = %d %s (Retry-After %q)", r.Status, r.Body, r.Header.Get("Retry-After"))
	}

	// Bad and revoked tokens.
	if r := e.do("GET", "/api/v1/me", "esb_nonsense", nil); r.Status != 401 || r.errCode() != esambat.EUNAUTHORIZED {
		t.Errorf("bad token = %d %s", r.Status, r.Body)
	}
	tok := e.resident(nikKota2, "081234567802")
	var list []struct{ ID int64 }
	e.do("GET", "/api/v1/me/tokens", tok, nil).json(t, &list)
	if len(list) != 1 {
		t.Fatalf("tokens = %+v", list)
	}
	if r := e.do("DELETE", fmt.Sprintf("/api/v1/me/tokens/%d", list[0].ID), tok, nil); r.Status != 204 {
		t.Fatalf("revoke = %d %s", r.Status, r.Body)
	}
	if r := e.do("GET", "/api/v1/me", tok, nil); r.Status != 401 {
		t.Errorf("revoked token still works: %d", r.Status)
	}
}

func TestSubmitReport(t *testing.T) {
	e := newEnv(t)
	tok := e.resident(nikKota, "081234567801")
	in, bangil := e.points()

	r := e.do("POST", "/api/v1/reports", tok, report(in[0], in[1]), "Idempotency-Key", "abc-1")
	var created struct {
		ID     int64
		Ticket string
		Status string
	}
	r.json(t, &created)
	if r.Status != 201 || created.Ticket != "ES-26-000001" || created.Status != "diajukan" {
		t.Fatalf("submit = %d %s", r.Status, r.Body)
	}
	// A retry with the same key returns the same report.
	r = e.do("POST", "/api/v1/reports", tok, report(in[0], in[1]), "Idempotency-Key", "abc-1")
	var again struct{ Ticket string }
	r.json(t, &again)
	if r.Status != 200 || again.Ticket != created.Ticket {
		t.Errorf("retry = %d %s", r.Status, r.Body)
	}
	// Stored with the kelurahan from the point and the suggested agency.
	rep, err := e.db.FindReportByTicket(t.Context(), created.Ticket)
	if err != nil || rep.KelurahanCode != "35.75.02.1001" || rep.Location.Kecamatan != "35.75.02" || rep.SuggestedAgency != "dinas-pupr" ||
		!rep.HasFlag(esambat.FlagPhoneUnconfirmed) || rep.DueAt.IsZero() {
		t.Errorf("stored = %+v, %v", rep, err)
	}

	tests := []struct {
		name   string
		token  string
		body   any
		status int
		code   string
		field  string
	}{
		{"not logged in", "", report(in[0], in[1]), 401, esambat.EUNAUTHORIZED, ""},
		{"outside the city", tok, report(bangil[0], bangil[1]), 422, esambat.EOUTOFAREA, "location"},
		{"far away", tok, report(-6.2, 106.8), 422, esambat.EOUTOFAREA, "location"},
		{"latitude out of range", tok, report(95, 112.9), 400, esambat.EINVALID, "lat"},
		{"longitude out of range", tok, report(-7.6, 200), 400, esambat.EINVALID, "lng"},
		{"NaN as string", tok, `{"category":"jalan-jembatan","title":"Judul laporan","description":"Uraian yang cukup panjang","location":{"lat":"NaN","lng":1}}`, 400, esambat.EINVALID, "location.lat"},
		{"lat without lng", tok, `{"category":"jalan-jembatan","title":"Judul laporan","description":"Uraian yang cukup panjang","location":{"lat":-7.6}}`, 400, esambat.EINVALID, "lat"},
		{"no title", tok, report(in[0], in[1], func(m map[string]any) { m["title"] = "  " }), 400, esambat.EINVALID, "title"},
		{"description too long", tok, report(in[0], in[1], func(m map[string]any) { m["description"] = strings.Repeat("x", 4001) }), 400, esambat.EINVALID, "description"},
		{"unknown category", tok, report(in[0], in[1], func(m map[string]any) { m["category"] = "ufo" }), 400, esambat.EINVALID, "category"},
		{"unknown type", tok, report(in[0], in[1], func(m map[string]any) { m["type"] = "pujian" }), 400, esambat.EINVALID, "type"},
		{"unknown visibility", tok, report(in[0], in[1], func(m map[string]any) { m["visibility"] = "semua" }), 400, esambat.EINVALID, "visibility"},
		{"place-bound without place", tok, report(0, 0, func(m map[string]any) { delete(m, "location") }), 400, esambat.EINVALID, "location"},
		{"kelurahan of the Kabupaten", tok, report(0, 0, func(m map[string]any) {
			delete(m, "location")
			m["kelurahan_code"], m["address"] = "35.14.17.2001", "Jl. Raya"
		}), 400, esambat.EINVALID, "kelurahan_code"},
		{"resident posing as walk-in", tok, report(in[0], in[1], func(m map[string]any) { m["channel"] = "walkin" }), 400, esambat.EINVALID, "channel"},
		{"bad on-behalf phone", tok, report(in[0], in[1], func(m map[string]any) {
			m["on_behalf"] = map[string]string{"name": "Pak Slamet", "relationship": "ayah", "phone": "12"}
		}), 400, esambat.EINVALID, "on_behalf.phone"},
		{"invalid UTF-8 title", tok, "{\"category\":\"jalan-jembatan\",\"title\":\"Judul \xff\xfe\",\"description\":\"Uraian yang cukup panjang\"}", 400, esambat.EINVALID, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.do("POST", "/api/v1/reports", tt.token, tt.body)
			if r.Status != tt.status || r.errCode() != tt.code {
				t.Fatalf("= %d %s, want %d %s", r.Status, r.Body, tt.status, tt.code)
			}
			var body struct {
				Error struct {
					Fields   map[string]string
					Referral *esambat.Referral
				}
			}
			r.json(t, &body)
			if tt.field != "" && body.Error.Fields[tt.field] == "" {
				t.Errorf("field %q not named: %s", tt.field, r.Body)
			}
			if tt.code == esambat.EOUTOFAREA && (body.Error.Referral == nil || body.Error.Referral.URL == "") {
				t.Errorf("no referral: %s", r.Body)
			}
		})
	}
	// Bangil's referral names the kecamatan of the Kabupaten.
	r = e.do("POST", "/api/v1/reports", tok, report(bangil[0], bangil[1]))
	if !strings.Contains(string(r.Body), "Bangil") || !strings.Contains(string(r.Body), "Kabupaten Pasuruan") {
		t.Errorf("referral does not name Bangil: %s", r.Body)
	}

	// Without a map: kelurahan and address; on behalf of a parent.
	r = e.do("POST", "/api/v1/reports", tok, report(0, 0, func(m map[string]any) {
		delete(m, "location")
		m["kelurahan_code"], m["address"] = "35.75.04.1006", "Gang Mawar 3, dekat musala"
		m["on_behalf"] = map[string]string{"name": "Pak Slamet", "relationship": "ayah", "phone": "0813 1111 2222"}
	}))
	if r.Status != 201 {
		t.Fatalf("no-map report = %d %s", r.Status, r.Body)
	}
	var nm struct{ Ticket string }
	r.json(t, &nm)
	rep, _ = e.db.FindReportByTicket(t.Context(), nm.Ticket)
	if rep.Location != nil || rep.KelurahanCode != "35.75.04.1006" || rep.OnBehalf == nil || rep.OnBehalf.Phone != "+6281311112222" || !rep.HasFlag(esambat.FlagOnBehalf) {
		t.Errorf("no-map report stored as %+v", rep)
	}
	// A category that is not place-bound needs no place at all.
	r = e.do("POST", "/api/v1/reports", tok, report(0, 0, func(m map[string]any) {
		delete(m, "location")
		m["category"], m["type"] = "pendidikan", "aspirasi"
	}))
	if r.Status != 201 {
		t.Errorf("aspiration without place = %d %s", r.Status, r.Body)
	}
}

// TestVisibilityAndLifecycle walks a report from submission to closing,
// checking who sees what at each step.
func TestVisibilityAndLifecycle(t *testing.T) {
	e := newEnv(t)
	warga := e.resident(nikKota, "081234567801")
	other := e.resident(nikKota2, "081234567802")
	admin := e.staff(esambat.RoleAdmin, "admin@example.org", "")
	pupr := e.staff(esambat.RolePetugas, "pupr@example.org", "dinas-pupr")
	dishub := e.staff(esambat.RolePetugas, "dishub@example.org", "dishub")
	in, _ := e.points()

	submit := func(vis string) string {
		r := e.do("POST", "/api/v1/reports", warga, report(in[0], in[1], func(m map[string]any) { m["visibility"] = vis }))
		var c struct{ Ticket string }
		r.json(t, &c)
		if r.Status != 201 {
			t.Fatalf("submit %s = %d %s", vis, r.Status, r.Body)
		}
		return c.Ticket
	}
	view := func(ticket, token string) (int, map[string]any) {
		r := e.do("GET", "/api/v1/reports/"+ticket, token, nil)
		var m map[string]any
		if r.Status == 200 {
			r.json(t, &m)
		}
		return r.Status, m
	}
	act := func(ticket, token string, body map[string]any) response {
		return e.do("POST", "/api/v1/reports/"+ticket+"/actions", token, body)
	}

	pub := submit("publik")
	// Before verification: anyone can track the status, only the reporter reads it.
	if st, m := view(pub, ""); st != 200 || m["title"] != nil || m["status"] != "diajukan" {
		t.Errorf("anonymous before verification = %d %v", st, m)
	}
	if st, m := view(pub, warga); st != 200 || m["title"] == nil || m["flags"] == nil {
		t.Errorf("reporter before verification = %d %v", st, m)
	}
	if st, m := view(pub, other); st != 200 || m["title"] != nil {
		t.Errorf("other resident before verification = %d %v", st, m)
	}
	// Not in the public list yet.
	if r := e.do("GET", "/api/v1/reports", "", nil); strings.Contains(string(r.Body), pub) {
		t.Error("unverified report listed publicly")
	}

	steps := []struct {
		name   string
		token  string
		body   map[string]any
		status int
		code   string
		want   string
	}{
		{"resident cannot verify", warga, map[string]any{"action": "verify", "agency": "dinas-pupr"}, 403, esambat.EFORBIDDEN, ""},
		{"petugas cannot verify", pupr, map[string]any{"action": "verify"}, 404, esambat.ENOTFOUND, ""},
		{"verify to unknown agency", admin, map[string]any{"action": "verify", "agency": "nasa"}, 400, esambat.EINVALID, ""},
		{"unknown action", admin, map[string]any{"action": "approve"}, 400, esambat.EINVALID, ""},
		{"scheduler action refused", admin, map[string]any{"action": "autoclose"}, 400, esambat.EINVALID, ""},
		{"admin verifies", admin, map[string]any{"action": "verify", "agency": "dinas-pupr"}, 200, "", "didisposisi"},
		{"verify twice", admin, map[string]any{"action": "verify", "agency": "dinas-pupr"}, 409, esambat.ECONFLICT, ""},
		{"other agency cannot accept", dishub, map[string]any{"action": "accept", "plan": "x"}, 404, esambat.ENOTFOUND, ""},
		{"accept needs a plan", pupr, map[string]any{"action": "accept"}, 400, esambat.EINVALID, ""},
		{"target past 60 working days", pupr, map[string]any{"action": "accept", "plan": "Tambal", "target_date": "2026-12-30"}, 400, esambat.EINVALID, ""},
		{"late target needs a reason", pupr, map[string]any{"action": "accept", "plan": "Tambal", "target_date": "2026-04-30"}, 400, esambat.EINVALID, ""},
		{"petugas accepts", pupr, map[string]any{"action": "accept", "plan": "Tambal sulam minggu ini", "target_date": "2026-03-06"}, 200, "", "diproses"},
		{"confirm before finished", warga, map[string]any{"action": "confirm", "rating": 5}, 409, esambat.ECONFLICT, ""},
		{"internal note", pupr, map[string]any{"action": "note", "note": "Material aspal tersedia di gudang"}, 200, "", "diproses"},
		{"petugas finishes", pupr, map[string]any{"action": "finish", "text": "Lubang sudah ditambal."}, 200, "", "selesai"},
		{"other resident cannot confirm", other, map[string]any{"action": "confirm", "rating": 5}, 404, esambat.ENOTFOUND, ""},
		{"rating out of range", warga, map[string]any{"action": "confirm", "rating": 9}, 400, esambat.EINVALID, ""},
		{"resident disputes", warga, map[string]any{"action": "dispute", "text": "Lubang masih ada di sisi kiri."}, 200, "", "diproses"},
		{"petugas finishes again", pupr, map[string]any{"action": "finish", "text": "Sisi kiri sudah ditambal."}, 200, "", "selesai"},
		{"resident confirms", warga, map[string]any{"action": "confirm", "rating": 5}, 200, "", "ditutup"},
	}
	for _, s := range steps {
		r := act(pub, s.token, s.body)
		if r.Status != s.status || r.errCode() != s.code {
			t.Fatalf("%s: %d %s, want %d %s", s.name, r.Status, r.Body, s.status, s.code)
		}
		if s.want != "" && !strings.Contains(string(r.Body), `"status":"`+s.want+`"`) {
			t.Fatalf("%s: status not %s: %s", s.name, s.want, r.Body)
		}
	}
	// Published: anyone reads it, with the public timeline but no internal note.
	st, m := view(pub, "")
	body := fmt.Sprint(m)
	if st != 200 || m["title"] == nil || m["reporter"] == nil || strings.Contains(body, "gudang") || !strings.Contains(body, "ditambal") {
		t.Errorf("public view after closing = %d %v", st, m)
	}
	if st, m := view(pub, ""); st != 200 || m["flags"] != nil {
		t.Errorf("flags shown publicly: %v", m)
	}

	// Anonim: published without the reporter.
	anon := submit("anonim")
	act(anon, admin, map[string]any{"action": "verify", "agency": "dinas-pupr"})
	if _, m := view(anon, ""); m["title"] == nil || m["reporter"] != nil {
		t.Errorf("anonim public view = %v", m)
	}
	if _, m := view(anon, pupr); m["reporter"] != nil {
		t.Errorf("agency sees the anonim reporter: %v", m)
	}

	// Rahasia: 404 for everyone but the reporter, admins and its agency.
	secret := submit("rahasia")
	act(secret, admin, map[string]any{"action": "verify", "agency": "dinas-pupr"})
	for name, tok := range map[string]string{"anonymous": "", "other resident": other, "other agency": dishub} {
		if st, _ := view(secret, tok); st != 404 {
			t.Errorf("rahasia seen by %s: %d", name, st)
		}
	}
	if st, m := view(secret, pupr); st != 200 || m["reporter"] != nil || m["title"] == nil {
		t.Errorf("rahasia for its agency = %d %v", st, m)
	}
	for _, tok := range []string{warga, admin} {
		if st, _ := view(secret, tok); st != 200 {
			t.Errorf("rahasia for reporter/admin = %d", st)
		}
	}
	r := e.do("GET", "/api/v1/reports", "", nil)
	if strings.Contains(string(r.Body), secret) || !strings.Contains(string(r.Body), anon) {
		t.Errorf("public list: %s", r.Body)
	}

	// Support: others may, once; the reporter may not.
	if r := act(anon, other, map[string]any{"action": "support"}); r.Status != 200 || !strings.Contains(string(r.Body), `"supports":1`) {
		t.Errorf("support = %d %s", r.Status, r.Body)
	}
	if r := act(anon, other, map[string]any{"action": "support"}); r.Status != 409 {
		t.Errorf("support twice = %d %s", r.Status, r.Body)
	}
	if r := act(anon, warga, map[string]any{"action": "support"}); r.Status != 403 {
		t.Errorf("support own = %d %s", r.Status, r.Body)
	}
	if r := act(secret, other, map[string]any{"action": "support"}); r.Status != 404 {
		t.Errorf("support rahasia = %d %s", r.Status, r.Body)
	}
	if r := e.do("GET", "/api/v1/reports/ES-26-999999", "", nil); r.Status != 404 || r.errCode() != esambat.ENOTFOUND {
		t.Errorf("unknown ticket = %d %s", r.Status, r.Body)
	}
}

func TestReadEndpoints(t *testing.T) {
	e := newEnv(t)
	in, bangil := e.points()
	tests := []struct {
		path   string
		status int
		want   string
	}{
		{fmt.Sprintf("/api/v1/jurisdiction?lat=%f&lng=%f", in[0], in[1]), 200, `"inside":true`},
		{fmt.Sprintf("/api/v1/jurisdiction?lat=%f&lng=%f", bangil[0], bangil[1]), 200, `"Bangil"`},
		{"/api/v1/jurisdiction?lat=abc&lng=1", 400, `"lat"`},
		{"/api/v1/jurisdiction?lat=NaN&lng=112.9", 400, `"lat"`},
		{"/api/v1/jurisdiction?lat=-7.6&lng=Inf", 400, `"lng"`},
		{"/api/v1/jurisdiction", 400, `"lng"`},
		{"/api/v1/categories", 200, `"default_agency":{"code":"pdam"`},
		{"/api/v1/agencies", 200, `"short_name":"Dinas PUPR"`},
		{"/api/v1/kelurahan", 200, `"Pohjentrek"`},
		{"/api/v1/reports?status=nonsense", 400, `"status"`},
		{"/api/v1/reports?bbox=1,2,3", 400, `"bbox"`},
		{"/api/v1/reports?limit=0", 400, `"limit"`},
		{"/api/v1/reports?from=kemarin", 400, `"from"`},
		{"/api/v1/reports?cursor=!!", 400, `"cursor"`},
		{"/api/v1/reports?q=lubang&bbox=112.8,-7.7,113.0,-7.6&status=diproses,selesai", 200, `"reports":[]`},
		{"/api/v1/does-not-exist", 404, `ENOTFOUND`},
		{"/healthz", 200, `"holidays_until":"2026-12-31"`},
		{"/readyz", 200, `"ready"`},
		{"/metrics", 200, `esambat_http_requests_total`},
	}
	for _, tt := range tests {
		r := e.do("GET", tt.path, "", nil)
		if r.Status != tt.status || !strings.Contains(string(r.Body), tt.want) {
			t.Errorf("GET %s = %d %s; want %d containing %s", tt.path, r.Status, r.Body, tt.status, tt.want)
		}
	}
}

func TestNearDuplicateAndMerge(t *testing.T) {
	e := newEnv(t)
	a := e.resident(nikKota, "081234567801")
	b := e.resident(nikKota2, "081234567802")
	admin := e.staff(esambat.RoleAdmin, "admin@example.org", "")
	in, _ := e.points()
	submit := func(tok string, lat float64) string {
		r := e.do("POST", "/api/v1/reports", tok, report(lat, in[1]))
		var c struct{ Ticket string }
		r.json(t, &c)
		return c.Ticket
	}
	first := submit(a, in[0])
	second := submit(b, in[0]+0.0005) // about 55 m north
	r1, _ := e.db.FindReportByTicket(t.Context(), first)
	r2, _ := e.db.FindReportByTicket(t.Context(), second)
	if r1.HasFlag(esambat.FlagNearDuplicate) || !r2.HasFlag(esambat.FlagNearDuplicate) {
		t.Errorf("flags: first %v, second %v", r1.Flags, r2.Flags)
	}
	// Merged into the original: the second reporter now backs the original.
	if r := e.do("POST", "/api/v1/reports/"+second+"/actions", admin, map[string]any{"action": "duplicate", "of": first}); r.Status != 200 {
		t.Fatalf("duplicate = %d %s", r.Status, r.Body)
	}
	if r1, _ = e.db.FindReportByTicket(t.Context(), first); r1.Supports != 1 {
		t.Errorf("original supports = %d, want 1", r1.Supports)
	}
	if r := e.do("POST", "/api/v1/reports/"+second+"/actions", admin, map[string]any{"action": "duplicate", "of": second}); r.Status != 409 && r.Status != 400 {
		t.Errorf("duplicate of itself = %d", r.Status)
	}
}

// TestPasswordResetAPI: the forgotten-password flow for apps. The request
// answers 202 alike for a registered and an unknown number; the code sets
// the new password once, the old one stops working; a wrong code is
// EINVALID on "code".
func TestPasswordResetAPI(t *testing.T) {
	e := newEnv(t)
	tok := e.resident("3575024506920051", "081234567851")
	if r := e.do("POST", "/api/v1/auth/verify-phone", tok, map[string]string{"code": e.lastCode("+6281234567851")}); r.Status != 200 {
		t.Fatalf("verify phone = %d %s", r.Status, r.Body)
	}
	if r := e.do("POST", "/api/v1/auth/password-reset", "", map[string]string{"login": "bukan nomor"}); r.Status != 400 || !strings.Contains(string(r.Body), `"login"`) {
		t.Errorf("reset for a non-number = %d %s", r.Status, r.Body)
	}
	unknown := e.do("POST", "/api/v1/auth/password-reset", "", map[string]string{"login": "081299990051"})
	known := e.do("POST", "/api/v1/auth/password-reset", "", map[string]string{"login": "0812-3456-7851"})
	if unknown.Status != 202 || known.Status != 202 || string(unknown.Body) != string(known.Body) {
		t.Fatalf("reset: unknown %d %s, known %d %s; want the same 202", unknown.Status, unknown.Body, known.Status, known.Body)
	}
	code := e.lastCode("+6281234567851")
	confirm := func(code, pw string) response {
		return e.do("POST", "/api/v1/auth/password-reset/confirm", "", map[string]string{"login": "081234567851", "code": code, "password": pw})
	}
	wrong := "000000"
	if wrong == code {
		wrong = "111111"
	}
	// A wrong code for a registered number and any code for an unknown
	// one get the same answer, no sooner than the floor: the registered
	// number's answer waits for counting the attempt, the unknown one's
	// would otherwise come back at once.
	var answers []string
	for _, login := range []string{"081299990051", "081234567851"} {
		start := time.Now()
		r := e.do("POST", "/api/v1/auth/password-reset/confirm", "", map[string]string{"login": login, "code": wrong, "password": "kata-sandi-baru-sekali"})
		if took := time.Since(start); took < testResetFloor {
			t.Errorf("a refused reset for %s answered after %v, before the floor %v", login, took, testResetFloor)
		}
		if r.Status != 400 || !strings.Contains(string(r.Body), `"code"`) || !strings.Contains(string(r.Body), esambat.EINVALID) {
			t.Errorf("confirm for %s with a wrong code = %d %s", login, r.Status, r.Body)
		}
		answers = append(answers, string(r.Body))
	}
	if answers[0] != answers[1] {
		t.Errorf("a refused reset tells the numbers apart:\nunknown    %s\nregistered %s", answers[0], answers[1])
	}
	if r := confirm(code, "kata-sandi-baru-sekali"); r.Status != 200 || !strings.Contains(string(r.Body), "changed") {
		t.Fatalf("confirm = %d %s", r.Status, r.Body)
	}
	if r := confirm(code, "kata-sandi-ketiga-kali"); r.Status != 400 {
		t.Errorf("the code worked twice: %d", r.Status)
	}
	for pw, want := range map[string]int{"kata-sandi-rahasia": 401, "kata-sandi-baru-sekali": 201} {
		r := e.do("POST", "/api/v1/auth/token", "", map[string]string{"login": "081234567851", "password": pw})
		if r.Status != want && !(want == 201 && r.Status == 200) {
			t.Errorf("token with %q = %d, want %d", pw, r.Status, want)
		}
	}
}

// TestPasswordChangeAPI: an app changes the caller's password with the
// current one; a wrong current password is EINVALID on "current", and
// afterwards only the new password signs in.
func TestPasswordChangeAPI(t *testing.T) {
	e := newEnv(t)
	tok := e.resident("3575024506920071", "081234567871")
	if r := e.do("POST", "/api/v1/me/password", "", map[string]string{"current": "kata-sandi-rahasia", "password": "kata-sandi-baru-sekali"}); r.Status != 401 {
		t.Errorf("change without a token = %d", r.Status)
	}
	if r := e.do("POST", "/api/v1/me/password", tok, map[string]string{"current": "salah-sekali-ini", "password": "kata-sandi-baru-sekali"}); r.Status != 400 || !strings.Contains(string(r.Body), `"current"`) {
		t.Errorf("change with a wrong current password = %d %s", r.Status, r.Body)
	}
	if r := e.do("POST", "/api/v1/me/password", tok, map[string]string{"current": "kata-sandi-rahasia", "password": "kata-sandi-baru-sekali"}); r.Status != 200 {
		t.Fatalf("change = %d %s", r.Status, r.Body)
	}
	for pw, want := range map[string]bool{"kata-sandi-rahasia": false, "kata-sandi-baru-sekali": true} {
		r := e.do("POST", "/api/v1/auth/token", "", map[string]string{"login": "081234567871", "password": pw})
		if (r.Status < 300) != want {
			t.Errorf("token with %q = %d, want success %v", pw, r.Status, want)
		}
	}
	if r := e.do("GET", "/api/v1/me", tok, nil); r.Status != 200 {
		t.Errorf("the bearer token used for the change stopped working: %d", r.Status)
	}
}

// TestStaffResetByEmail: staff reset a forgotten password with a code
// sent to the work email an admin typed for them; a resident's email
// still waiting for its link gets no code (TestResidentEmailReset: a
// confirmed one does), nor does a turned-off account, and the answers
// are the same for all.
func TestStaffResetByEmail(t *testing.T) {
	e := newEnv(t)
	admin := e.staff(esambat.RoleAdmin, "admin@example.org", "")
	e.staff(esambat.RolePetugas, "pupr@example.org", "dinas-pupr")
	e.staff(esambat.RolePetugas, "lama@example.org", "dinas-pupr")
	if r := e.do("POST", "/api/v1/auth/register", "", map[string]string{"nik": nikKota, "name": "Warga Kota", "phone": "081234567861",
		"email": "warga@example.org", "password": "kata-sandi-rahasia", "kelurahan_code": "35.75.02.1001"}); r.Status != 201 {
		t.Fatalf("register = %d %s", r.Status, r.Body)
	}
	lama, err := e.db.FindUserByLogin(context.Background(), "lama@example.org")
	if err != nil {
		t.Fatal(err)
	}
	if r := e.do("POST", "/api/v1/users/"+fmt.Sprint(lama.ID)+"/disable", admin, nil); r.Status != 200 {
		t.Fatalf("disable = %d", r.Status)
	}
	var answers []string
	for _, login := range []string{" PUPR@example.org ", "warga@example.org", "lama@example.org", "tidak.ada@example.org"} {
		r := e.do("POST", "/api/v1/auth/password-reset", "", map[string]string{"login": login})
		if r.Status != 202 {
			t.Errorf("reset for %q = %d %s", login, r.Status, r.Body)
		}
		answers = append(answers, strings.ReplaceAll(string(r.Body), strings.ToLower(strings.TrimSpace(login)), "LOGIN"))
	}
	for _, a := range answers[1:] {
		if a != answers[0] {
			t.Errorf("the answers differ: %q and %q", answers[0], a)
		}
	}
	to := map[string]int{}
	for _, m := range e.sent.Messages() {
		if strings.Contains(m.Body, "mengganti kata sandi") {
			to[m.To]++
		}
	}
	if to["pupr@example.org"] != 1 || len(to) != 1 {
		t.Fatalf("codes sent to %v: want one to the officer's email alone", to)
	}
	code := e.lastCode("pupr@example.org")
	if r := e.do("POST", "/api/v1/auth/password-reset/confirm", "", map[string]string{"login": "pupr@example.org", "code": code, "password": "kata-sandi-petugas-baru"}); r.Status != 200 {
		t.Fatalf("confirm = %d %s", r.Status, r.Body)
	}
	if r := e.do("POST", "/api/v1/auth/token", "", map[string]string{"login": "pupr@example.org", "password": "kata-sandi-petugas-baru"}); r.Status != 200 {
		t.Errorf("the new password does not sign in: %d", r.Status)
	}
	// On the page: the same form, the answer names email.
	b := e.browser()
	p := b.post("/lupa-sandi", url.Values{"login": {"pupr@example.org"}})
	if p.Status != 303 || p.Location != "/lupa-sandi/atur?login=pupr%40example.org" {
		t.Errorf("the page's reset by email = %d %s", p.Status, p.Location)
	}
	if p := b.get(p.Location); !strings.Contains(p.Body, "kode sudah dikirim ke email itu") || !strings.Contains(p.Body, `value="pupr@example.org"`) {
		t.Error("the code page does not say the code went by email, or lost the email")
	}
	if p := b.post("/lupa-sandi", url.Values{"login": {"bukan apa-apa"}}); p.Status != 400 || !strings.Contains(p.Body, "alamat email akun Anda") {
		t.Errorf("neither a number nor an email = %d", p.Status)
	}
}
