package open311_test

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/esambat/esambat"
	"github.com/esambat/esambat/internal/testdb"
)

func TestDiscovery(t *testing.T) {
	e := newEnv(t)
	j := e.both("/open311/v2/discovery", 200, "discovery")
	var d struct {
		Changeset  string `json:"changeset"`
		KeyService string `json:"key_service"`
		Endpoints  []struct {
			Specification, URL, Type string
			Formats                  []string
		}
	}
	if err := json.Unmarshal(j.Body, &d); err != nil {
		t.Fatal(err)
	}
	if len(d.Endpoints) != 1 {
		t.Fatalf("endpoints = %+v", d.Endpoints)
	}
	ep := d.Endpoints[0]
	if ep.URL != e.base+"/open311/v2" || ep.Specification != "http://wiki.open311.org/GeoReport_v2" || ep.Type != "production" ||
		strings.Join(ep.Formats, " ") != "text/xml application/json" {
		t.Errorf("endpoint = %+v", ep)
	}
	if !strings.Contains(d.KeyService, "esambat apikey add") {
		t.Errorf("key_service does not explain how keys are issued: %q", d.KeyService)
	}
}

func TestServices(t *testing.T) {
	e := newEnv(t)
	j := e.both("/open311/v2/services", 200, "services")
	var svcs []struct {
		Code     string  `json:"service_code"`
		Name     string  `json:"service_name"`
		Desc     string  `json:"description"`
		Metadata bool    `json:"metadata"`
		Type     string  `json:"type"`
		Keywords *string `json:"keywords"`
		Group    string  `json:"group"`
	}
	if err := json.Unmarshal(j.Body, &svcs); err != nil {
		t.Fatal(err)
	}
	var codes []string
	for _, s := range svcs {
		codes = append(codes, s.Code)
		if s.Metadata || s.Type != "realtime" || s.Name == "" || s.Desc == "" || s.Group == "" {
			t.Errorf("service %+v", s)
		}
	}
	want := []string{}
	for i := 101; i <= 119; i++ {
		want = append(want, strconv.Itoa(i))
	}
	want = append(want, "199")
	if strings.Join(codes, ",") != strings.Join(want, ",") {
		t.Errorf("service codes = %v", codes)
	}
	if s := svcs[0]; s.Name != "Jalan & Jembatan" || s.Keywords == nil || !strings.Contains(*s.Keywords, "berlubang") ||
		s.Group != "Infrastruktur" || !strings.Contains(s.Desc, "Dinas Pekerjaan Umum") || !strings.Contains(s.Desc, "lat dan long") {
		t.Errorf("101 = %+v", s)
	}
	if s := svcs[len(svcs)-1]; s.Keywords != nil {
		t.Errorf("199 keywords = %q, want null", *s.Keywords)
	}
}

func TestServiceDefinition(t *testing.T) {
	e := newEnv(t)
	// metadata=false everywhere: a known code answers an empty
	// definition, an unknown one 404.
	j := e.both("/open311/v2/services/101", 200, "service-definition")
	if got := strings.TrimSpace(string(j.Body)); got != `{"service_code":"101","attributes":[]}` {
		t.Errorf("definition = %s", got)
	}
	// (The two formats differ only in the services URL they point to.)
	r := e.get("/open311/v2/services/999.json")
	if d := errorsOf(t, r); r.Status != 404 || !strings.Contains(d[0], "999") || !strings.Contains(d[0], "/open311/v2/services.json") {
		t.Errorf("unknown service = %s", r)
	}
	if r := e.get("/open311/v2/services/999.xml"); r.Status != 404 || parseXML(t, r).name != "errors" {
		t.Errorf("unknown service (XML) = %s", r)
	}
}

func TestTokens(t *testing.T) {
	e := newEnv(t)
	ticket := e.create()
	for _, tok := range []string{"123456", ticket} {
		r := e.both("/open311/v2/tokens/"+tok, 404, "errors")
		if d := errorsOf(t, r); !strings.Contains(d[0], "realtime") {
			t.Errorf("token answer = %v", d)
		}
	}
}

// TestRoundTrip acts as an Open311 client that reads only what the
// server tells it: discovery → services → POST with api_key → GET by id,
// in XML (as FixMyStreet does) and JSON.
func TestRoundTrip(t *testing.T) {
	e := newEnv(t)
	// Discovery tells the endpoint.
	var disc struct {
		Endpoints []struct {
			URL     string   `xml:"url"`
			Formats []string `xml:"formats>format"`
		} `xml:"endpoints>endpoint"`
	}
	r := e.get("/open311/v2/discovery.xml")
	if err := xml.Unmarshal(r.Body, &disc); err != nil || len(disc.Endpoints) != 1 {
		t.Fatalf("discovery %s: %v", r.Body, err)
	}
	endpoint := strings.TrimPrefix(disc.Endpoints[0].URL, e.base)

	// The service list, in XML.
	var services struct {
		Services []struct {
			Code     string `xml:"service_code"`
			Name     string `xml:"service_name"`
			Metadata string `xml:"metadata"`
			Type     string `xml:"type"`
		} `xml:"service"`
	}
	r = e.get(endpoint + "/services.xml")
	if err := xml.Unmarshal(r.Body, &services); err != nil || len(services.Services) == 0 {
		t.Fatalf("services %s: %v", r.Body, err)
	}
	svc := services.Services[0]
	if svc.Code != "101" || svc.Metadata != "false" || svc.Type != "realtime" {
		t.Fatalf("first service = %+v", svc)
	}

	// POST in XML.
	form := e.form(func(v url.Values) {
		v.Set("service_code", svc.Code)
		v.Set("address_string", "Depan SD Negeri Pohjentrek, Jl. Hasanudin")
		v.Set("first_name", "Siti")
		v.Set("last_name", "Aminah")
		v.Set("phone", "0812-3456-7801")
		v.Set("email", "siti.aminah@example.org")
		v.Set("device_id", "tt222111")
		v.Set("account_id", "98765")
		v.Set("jurisdiction_id", "pasuruankota.go.id")
	})
	r = e.post(endpoint+"/requests.xml", form)
	if r.Status != 200 {
		t.Fatalf("POST = %s", r)
	}
	var created struct {
		XMLName  xml.Name `xml:"service_requests"`
		Requests []struct {
			ID        string  `xml:"service_request_id"`
			Token     *string `xml:"token"`
			Notice    string  `xml:"service_notice"`
			AccountID *string `xml:"account_id"`
		} `xml:"request"`
	}
	if err := xml.Unmarshal(r.Body, &created); err != nil || len(created.Requests) != 1 {
		t.Fatalf("POST answer %s: %v", r.Body, err)
	}
	c := created.Requests[0]
	if !strings.HasPrefix(c.ID, "ES-26-") || c.Token != nil || c.AccountID == nil || *c.AccountID != "" || !strings.Contains(c.Notice, c.ID) {
		t.Fatalf("created = %+v", c)
	}
	if !strings.Contains(c.Notice, "email tidak disimpan") {
		t.Errorf("notice does not say the email is not kept: %q", c.Notice)
	}
	ticket := c.ID

	// Before verification: a status-only record, in both formats.
	j := e.both(endpoint+"/requests/"+ticket, 200, "requests")
	got := requests(t, j)
	if len(got) != 1 || got[0]["service_request_id"] != ticket || got[0]["status"] != "open" || got[0]["service_code"] != "101" ||
		got[0]["description"] != nil || got[0]["lat"] != nil || got[0]["status_notes"] != "Menunggu verifikasi" || got[0]["expected_datetime"] == nil {
		t.Errorf("before verification = %v", got)
	}
	// Not in the public list yet.
	if l := requests(t, e.get(endpoint+"/requests.json")); len(l) != 0 {
		t.Errorf("unverified report listed: %v", l)
	}

	// The resident is kept as "atas nama"; the partner's extras as an
	// internal note.
	rep, err := e.db.FindReportByTicket(context.Background(), ticket)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Channel != esambat.ChannelOpen311 || rep.OnBehalf == nil || rep.OnBehalf.Name != "Siti Aminah" ||
		rep.OnBehalf.Phone != "+6281234567801" || rep.OnBehalf.Relationship != "melalui aplikasi mitra" || !rep.HasFlag(esambat.FlagOnBehalf) {
		t.Errorf("stored report = %+v on behalf %+v", rep, rep.OnBehalf)
	}
	if rep.Title != "Jalan berlubang besar di depan SD Negeri Pohjentrek" {
		t.Errorf("title = %q", rep.Title)
	}

	// After verification: the content, in both formats.
	e.verify(ticket)
	j = e.both(endpoint+"/requests/"+ticket, 200, "requests")
	got = requests(t, j)
	m := got[0]
	lat, _ := m["lat"].(float64)
	lng, _ := m["long"].(float64)
	if m["status"] != "open" || m["description"] != form.Get("description") || m["service_name"] != "Jalan & Jembatan" ||
		m["agency_responsible"] != "Dinas Pekerjaan Umum dan Penataan Ruang" || lat != e.inside[0] || lng != e.inside[1] ||
		m["media_url"] != nil || m["address_id"] != nil || m["zipcode"] != nil {
		t.Errorf("after verification = %v", m)
	}
	if a, _ := m["address"].(string); !strings.HasPrefix(a, "Depan SD Negeri Pohjentrek, Jl. Hasanudin, Kelurahan ") || !strings.HasSuffix(a, "Kota Pasuruan, Jawa Timur") {
		t.Errorf("address = %q", a)
	}
	if n, _ := m["status_notes"].(string); !strings.HasPrefix(n, "Diteruskan ke perangkat daerah. Laporan diverifikasi") {
		t.Errorf("status_notes = %q", n)
	}
	req, _ := time.Parse(time.RFC3339, m["requested_datetime"].(string))
	if !req.Equal(time.Date(2026, 3, 3, 9, 0, 0, 0, esambat.WIB)) || !strings.HasSuffix(m["requested_datetime"].(string), "+07:00") {
		t.Errorf("requested_datetime = %v", m["requested_datetime"])
	}
	if exp, err := time.Parse(time.RFC3339, fmt.Sprint(m["expected_datetime"])); err != nil || !exp.Equal(rep2(t, e, ticket).DueAt) {
		t.Errorf("expected_datetime = %v, due %v", m["expected_datetime"], rep2(t, e, ticket).DueAt)
	}
	// Now listed, and by the filter.
	if l := requests(t, e.get(endpoint+"/requests.json")); len(l) != 1 || l[0]["service_request_id"] != ticket {
		t.Errorf("public list = %v", l)
	}
	// The resident's identity never comes back.
	for _, path := range []string{"/requests/" + ticket + ".json", "/requests/" + ticket + ".xml", "/requests.xml", "/requests.json"} {
		body := string(e.get(endpoint + path).Body)
		for _, secret := range []string{"Siti", "Aminah", "3456", "example.org", "98765", "tt222111"} {
			if strings.Contains(body, secret) {
				t.Errorf("%s reveals %q", path, secret)
			}
		}
	}

	// Closed when the agency has finished.
	e.finish(ticket)
	m = requests(t, e.both(endpoint+"/requests/"+ticket, 200, "requests"))[0]
	if m["status"] != "closed" || m["expected_datetime"] != nil || !strings.Contains(fmt.Sprint(m["status_notes"]), "Lubang sudah ditambal.") {
		t.Errorf("after finishing = %v", m)
	}
}

func rep2(t *testing.T, e *env, ticket string) *esambat.Report {
	t.Helper()
	r, err := e.db.FindReportByTicket(context.Background(), ticket)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestCreateJSONAndMedia(t *testing.T) {
	e := newEnv(t)
	photo := testJPEG(t)
	r := e.postMultipart("/open311/v2/requests.json", e.form(func(v url.Values) {
		v.Set("attribute[title]", "Lubang jalan di Pohjentrek")
	}), photo)
	if r.Status != 200 {
		t.Fatalf("POST multipart = %s", r)
	}
	validJSON(t, r, "created")
	var out []map[string]any
	_ = json.Unmarshal(r.Body, &out)
	ticket := out[0]["service_request_id"].(string)
	if v, ok := out[0]["account_id"]; !ok || v != nil {
		t.Errorf("account_id = %v (present %v), want null", v, ok)
	}
	if rep := rep2(t, e, ticket); rep.Title != "Lubang jalan di Pohjentrek" {
		t.Errorf("title from attribute[title] = %q", rep.Title)
	}
	e.verify(ticket)
	m := requests(t, e.both("/open311/v2/requests/"+ticket, 200, "requests"))[0]
	mu, _ := m["media_url"].(string)
	if !strings.HasPrefix(mu, e.base+"/laporan/"+ticket+"/foto/") || !strings.HasSuffix(mu, ".jpg") {
		t.Fatalf("media_url = %v", m["media_url"])
	}
	if p := e.get(strings.TrimPrefix(mu, e.base)); p.Status != 200 || p.Header.Get("Content-Type") != "image/jpeg" {
		t.Errorf("GET media_url = %d %s", p.Status, p.Header.Get("Content-Type"))
	}

	// Not a photo: refused before anything is stored.
	r = e.postMultipart("/open311/v2/requests.json", e.form(), []byte("bukan foto"))
	if d := errorsOf(t, r); r.Status != 400 || !strings.HasPrefix(d[0], "media: ") {
		t.Errorf("bad photo = %s", r)
	}
	// Too many photos.
	r = e.postMultipart("/open311/v2/requests.json", e.form(), photo, photo, photo, photo, photo, photo)
	if d := errorsOf(t, r); r.Status != 400 || !strings.Contains(d[0], "Maksimal 5") {
		t.Errorf("six photos = %s", r)
	}
}

// TestExtrasKept: media_url is never fetched and attributes are not
// defined; both are kept for staff as an internal note and never shown.
func TestExtrasKept(t *testing.T) {
	e := newEnv(t)
	r := e.post("/open311/v2/requests.json", e.form(func(v url.Values) {
		v.Set("media_url", "https://foto.example.net/lubang.jpg")
		v.Set("attribute[fixmystreet_id]", "4242")
		v.Add("attribute[jenis][]", "aspal")
		v.Add("attribute[jenis][]", "trotoar")
		v.Set("address_id", "#NOTPINPOINTED#")
	}))
	if r.Status != 200 {
		t.Fatalf("POST = %s", r)
	}
	var out []map[string]any
	_ = json.Unmarshal(r.Body, &out)
	ticket := out[0]["service_request_id"].(string)
	notice := out[0]["service_notice"].(string)
	if !strings.Contains(notice, "media_url tidak diunduh") || !strings.Contains(notice, "fixmystreet_id, jenis") {
		t.Errorf("notice = %q", notice)
	}
	rep := rep2(t, e, ticket)
	events, err := e.db.ListEvents(context.Background(), rep.ID)
	if err != nil {
		t.Fatal(err)
	}
	var note *esambat.Event
	for i := range events {
		if events[i].Action == string(esambat.ActionNote) {
			note = &events[i]
		}
	}
	if note == nil || note.Public != "" || note.ActorRole != esambat.RolePartner || note.Data["media_url"] != "https://foto.example.net/lubang.jpg" ||
		note.Data["attribute[fixmystreet_id]"] != "4242" || note.Data["attribute[jenis]"] != "aspal, trotoar" ||
		note.Data["address_id"] != "#NOTPINPOINTED#" || !strings.Contains(note.Internal, "Aplikasi Lapor Warga") {
		t.Fatalf("note = %+v", note)
	}
	if n, broken, err := esambat.VerifyChains(context.Background(), e.db); err != nil || broken != nil || n == 0 {
		t.Errorf("audit chain after the note: %d %v %v", n, broken, err)
	}
	e.verify(ticket)
	for _, p := range []string{"/open311/v2/requests/" + ticket + ".json", "/open311/v2/requests.xml", "/api/v1/reports/" + ticket} {
		body := string(e.get(p).Body)
		if strings.Contains(body, "foto.example.net") || strings.Contains(body, "4242") {
			t.Errorf("%s shows the partner's extras: %s", p, body)
		}
	}
}

func TestIdempotency(t *testing.T) {
	e := newEnv(t)
	form := e.form(func(v url.Values) { v.Set("media_url", "https://foto.example.net/a.jpg") })
	r1 := e.post("/open311/v2/requests.json", form, "Idempotency-Key", "kirim-1")
	r2 := e.post("/open311/v2/requests.json", form, "Idempotency-Key", "kirim-1")
	r3 := e.post("/open311/v2/requests.json", form, "Idempotency-Key", "kirim-2")
	id := func(r response) string {
		var out []map[string]any
		if err := json.Unmarshal(r.Body, &out); err != nil || r.Status != 200 {
			t.Fatalf("POST = %s", r)
		}
		return out[0]["service_request_id"].(string)
	}
	if id(r1) != id(r2) || id(r1) == id(r3) {
		t.Errorf("tickets %s %s %s", id(r1), id(r2), id(r3))
	}
	if r2.Header.Get("Idempotent-Replayed") != "true" || r1.Header.Get("Idempotent-Replayed") != "" {
		t.Errorf("Idempotent-Replayed headers: %q %q", r1.Header.Get("Idempotent-Replayed"), r2.Header.Get("Idempotent-Replayed"))
	}
	events, _ := e.db.ListEvents(context.Background(), rep2(t, e, id(r1)).ID)
	if len(events) != 2 {
		t.Errorf("events after a replay = %d, want submit and one note", len(events))
	}
}

func TestCreateErrors(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	revoked, k, _ := e.svc.IssueAPIKey(ctx, "Aplikasi Lama", nil)
	if err := e.db.RevokeAPIKey(ctx, k.ID); err != nil {
		t.Fatal(err)
	}
	readOnly, _, _ := e.svc.IssueAPIKey(ctx, "Dasbor Baca", []string{esambat.ScopeReportsRead})
	set := func(kv ...string) func(url.Values) {
		return func(v url.Values) {
			for i := 0; i+1 < len(kv); i += 2 {
				if kv[i+1] == "" {
					v.Del(kv[i])
				} else {
					v.Set(kv[i], kv[i+1])
				}
			}
		}
	}
	bangil := set("lat", strconv.FormatFloat(e.bangil[0], 'f', -1, 64), "long", strconv.FormatFloat(e.bangil[1], 'f', -1, 64))
	tests := []struct {
		name   string
		mod    func(url.Values)
		status int
		want   []string // in the descriptions
	}{
		{"missing api_key", set("api_key", ""), 403, []string{"api_key wajib"}},
		{"wrong api_key", set("api_key", "esk_salah"), 403, []string{"api_key tidak valid"}},
		{"revoked api_key", set("api_key", revoked), 403, []string{"api_key tidak valid"}},
		{"read-only api_key", set("api_key", readOnly), 403, []string{"reports:write"}},
		{"missing service_code", set("service_code", ""), 400, []string{"service_code wajib"}},
		{"unknown service_code", set("service_code", "555"), 404, []string{"service_code tidak dikenal: 555"}},
		{"outside the city", bangil, 400, []string{"Kabupaten Pasuruan", "https://www.lapor.go.id"}},
		{"no location", set("lat", "", "long", ""), 400, []string{"lat: Lokasi wajib"}},
		{"address_id only", set("lat", "", "long", "", "address_id", "A-1"), 400, []string{"address_id tidak didukung"}},
		{"address_string only for a place-bound service", set("lat", "", "long", "", "address_string", "Jl. Hasanudin 1"), 400, []string{"membutuhkan titik lokasi"}},
		{"lat without long", set("long", ""), 400, []string{"lat dan long harus dikirim berdua"}},
		{"lat not a number", set("lat", "tujuh"), 400, []string{"lat: lat harus berupa angka"}},
		{"lat out of range", set("lat", "95"), 400, []string{"lat: Garis lintang"}},
		{"long out of range", set("long", "200"), 400, []string{"long: Garis bujur"}},
		{"long NaN", set("long", "NaN"), 400, []string{"long: Garis bujur"}},
		{"missing description", set("description", ""), 400, []string{"description wajib"}},
		{"description too long", set("description", strings.Repeat("a", 4001)), 400, []string{"description: Uraian maksimal 4000"}},
		{"description too short", set("description", "rusak"), 400, []string{"description: Uraian minimal 10"}},
		{"bad phone", set("first_name", "Siti", "phone", "12"), 400, []string{"phone: "}},
		{"bad media_url", set("media_url", "ftp://foto.example.net/a.jpg"), 400, []string{"media_url harus berupa URL"}},
		{"everything wrong at once", set("lat", "x", "description", ""), 400, []string{"description wajib", "lat: lat harus"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, f := range []string{"json", "xml"} {
				r := e.post("/open311/v2/requests."+f, e.form(tt.mod))
				if r.Status != tt.status {
					t.Fatalf("%s: %s, want %d", f, r, tt.status)
				}
				var descs []string
				if f == "json" {
					descs = errorsOf(t, r)
				} else {
					x := parseXML(t, r)
					if x.name != "errors" || len(x.kids) == 0 {
						t.Fatalf("XML errors = %s", r.Body)
					}
					for _, k := range x.kids {
						if k.name != "error" || len(k.kids) != 2 || k.kids[0].name != "code" || k.kids[0].text != strconv.Itoa(tt.status) || k.kids[1].name != "description" {
							t.Fatalf("XML error = %s", r.Body)
						}
						descs = append(descs, k.kids[1].text)
					}
				}
				all := strings.Join(descs, " | ")
				for _, w := range tt.want {
					if !strings.Contains(all, w) {
						t.Errorf("%s: %q does not contain %q", f, all, w)
					}
				}
			}
		})
	}
	// Nothing was stored by any of them.
	if n, _ := e.db.CountReports(ctx, esambat.ReportFilter{}); n != 0 {
		t.Errorf("%d reports stored by failing requests", n)
	}

	// Bodies that are not forms.
	req := e.get("/open311/v2/discovery.json") // warm-up, and a GET never needs a key
	if req.Status != 200 {
		t.Fatal(req)
	}
	for _, ct := range []string{"application/json", ""} {
		r := e.postRaw("/open311/v2/requests.json", ct, `{"api_key":"`+e.key+`"}`)
		if d := errorsOf(t, r); r.Status != 400 || !strings.Contains(d[0], "x-www-form-urlencoded") {
			t.Errorf("Content-Type %q = %s", ct, r)
		}
	}
	r := e.postRaw("/open311/v2/requests.json", "application/x-www-form-urlencoded", "api_key="+e.key+"&description="+strings.Repeat("a", 2<<20))
	if d := errorsOf(t, r); r.Status != 400 || !strings.Contains(d[0], "terlalu besar") {
		t.Errorf("oversized = %s", r)
	}
}

func TestListFilters(t *testing.T) {
	e := newEnv(t)
	// Old: created 100 days before the others.
	old := e.create()
	e.verify(old)
	e.clock.Advance(100 * 24 * time.Hour)
	openRoad := e.create()
	e.verify(openRoad)
	closedRoad := e.create()
	e.verify(closedRoad)
	e.finish(closedRoad)
	e.clock.Advance(time.Hour)
	health := e.create(func(v url.Values) {
		v.Set("service_code", "108")
		v.Set("description", "Antrean di puskesmas sangat panjang dan petugas datang terlambat.")
	})
	e.act(e.admin, health, esambat.ActionInput{Action: esambat.ActionVerify, Agency: "dinkes"})
	unpublished := e.create()
	now := e.clock.Now()

	ids := func(path string) string {
		t.Helper()
		r := e.get(path)
		if r.Status != 200 {
			t.Fatalf("GET %s = %s", path, r)
		}
		validJSON(t, r, "requests")
		var out []string
		for _, m := range requests(t, r) {
			out = append(out, m["service_request_id"].(string))
		}
		return strings.Join(out, ",")
	}
	w3c := func(t time.Time) string { return url.QueryEscape(t.Format(time.RFC3339)) }
	tests := []struct {
		query string
		want  string
	}{
		// Default: the last 90 days, newest first, published only.
		{"", health + "," + closedRoad + "," + openRoad},
		{"?status=open", health + "," + openRoad},
		{"?status=closed", closedRoad},
		{"?status=open,closed", health + "," + closedRoad + "," + openRoad},
		{"?status=open&status=closed", health + "," + closedRoad + "," + openRoad},
		{"?service_code=108", health},
		{"?service_code=101", closedRoad + "," + openRoad},
		{"?service_code=108,101&status=open", health + "," + openRoad},
		{"?service_code=&status=", health + "," + closedRoad + "," + openRoad}, // empty = absent
		{"?start_date=" + w3c(now.Add(-101*24*time.Hour)), old},
		{"?end_date=" + w3c(now.Add(-99*24*time.Hour)), old},
		{"?start_date=" + w3c(now.Add(-30*time.Minute)) + "&end_date=" + w3c(now), health},
		{"?start_date=" + url.QueryEscape(now.Add(-2*time.Hour).UTC().Format("2006-01-02T15:04Z")), health + "," + closedRoad + "," + openRoad},
		{"?start_date=" + w3c(now.Add(-200*24*time.Hour)) + "&end_date=" + w3c(now.Add(-111*24*time.Hour)), ""},
		// service_request_id overrides everything, keeps the order asked
		// and omits what cannot be shown.
		{"?service_request_id=" + old + "," + health + ",ES-26-999999&status=closed&start_date=bad", old + "," + health},
		{"?service_request_id=" + unpublished, unpublished},
	}
	for _, tt := range tests {
		if got := ids("/open311/v2/requests.json" + tt.query); got != tt.want {
			t.Errorf("%s = %s, want %s", tt.query, got, tt.want)
		}
	}

	bad := []struct {
		query string
		want  string
	}{
		{"?start_date=" + w3c(now.Add(-91*24*time.Hour)) + "&end_date=" + w3c(now), "maksimal 90 hari"},
		{"?start_date=" + w3c(now) + "&end_date=" + w3c(now.Add(-time.Hour)), "setelah start_date"},
		{"?start_date=2026-03-01", "zona waktu"},
		{"?end_date=2026-03-01T00:00:00", "zona waktu"},
		{"?start_date=kemarin", "start_date: "},
		{"?status=pending", "status harus open"},
		{"?service_code=555", "service_code tidak dikenal: 555"},
	}
	for _, tt := range bad {
		for _, f := range []string{".json", ".xml"} {
			r := e.get("/open311/v2/requests" + f + tt.query)
			if r.Status != 400 {
				t.Errorf("%s%s = %s, want 400", f, tt.query, r)
				continue
			}
			if f == ".json" {
				if d := errorsOf(t, r); !strings.Contains(strings.Join(d, " "), tt.want) {
					t.Errorf("%s = %v, want %q", tt.query, d, tt.want)
				}
			} else if x := parseXML(t, r); x.name != "errors" || !strings.Contains(string(r.Body), tt.want) {
				t.Errorf("%s XML = %s", tt.query, r.Body)
			}
		}
	}
}

// TestPrivacy: rahasia reports never appear; anonim ones appear without
// anything about the reporter.
func TestPrivacy(t *testing.T) {
	e := newEnv(t)
	anon := e.submit(e.warga, esambat.VisibilityAnonim, "jalan-jembatan")
	e.verify(anon)
	secret := e.submit(e.warga, esambat.VisibilityRahasia, "jalan-jembatan")
	e.verify(secret)
	pub := e.submit(e.warga, esambat.VisibilityPublik, "jalan-jembatan")
	e.verify(pub)
	if r := rep2(t, e, secret); r.Status != esambat.StatusDidisposisi || r.Published() {
		t.Fatalf("rahasia report = %s published %v", r.Status, r.Published())
	}

	for _, f := range []string{"json", "xml"} {
		body := string(e.get("/open311/v2/requests." + f).Body)
		if strings.Contains(body, secret) {
			t.Errorf("%s list shows the rahasia report", f)
		}
		if !strings.Contains(body, anon) || !strings.Contains(body, pub) {
			t.Errorf("%s list misses published reports: %s", f, body)
		}
		for _, s := range []string{"Budi", "Santoso", "Wibowo", "6281299990001"} {
			if strings.Contains(body, s) {
				t.Errorf("%s list reveals the reporter (%q)", f, s)
			}
		}
		r := e.get("/open311/v2/requests/" + secret + "." + f)
		if r.Status != 404 || strings.Contains(string(r.Body), "Laporan rahasia") {
			t.Errorf("rahasia by id (%s) = %s", f, r)
		}
		r = e.get("/open311/v2/requests." + f + "?service_request_id=" + secret)
		if strings.Contains(string(r.Body), secret) {
			t.Errorf("rahasia by service_request_id (%s) = %s", f, r)
		}
	}
	m := requests(t, e.both("/open311/v2/requests/"+anon, 200, "requests"))[0]
	if len(m) != 17 {
		t.Errorf("anonim request has %d fields: %v", len(m), m)
	}
	for k := range m {
		switch k {
		case "email", "first_name", "last_name", "phone", "account_id", "device_id", "reporter", "on_behalf":
			t.Errorf("anonim request carries %s", k)
		}
	}
	if r := e.get("/open311/v2/requests/ES-26-999999.json"); r.Status != 404 {
		t.Errorf("unknown ticket = %s", r)
	} else {
		errorsOf(t, r)
	}
}

func TestRouting(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		method, path string
		status       int
		ct           string
	}{
		{"GET", "/open311/v2/services.xml", 200, "text/xml; charset=utf-8"},
		{"GET", "/open311/v2/services.json", 200, "application/json; charset=utf-8"},
		{"HEAD", "/open311/v2/services.json", 200, "application/json; charset=utf-8"},
		{"GET", "/open311/v2/services.yaml", 404, "text/xml; charset=utf-8"},
		{"GET", "/open311/v2/services.JSON", 404, "text/xml; charset=utf-8"},
		{"GET", "/open311/v2/services", 404, "text/xml; charset=utf-8"},
		{"GET", "/open311/v2/requests.csv", 404, "text/xml; charset=utf-8"},
		{"GET", "/open311/v2/", 404, "text/xml; charset=utf-8"},
		{"GET", "/open311/v2/foo.json", 404, "application/json; charset=utf-8"},
		{"GET", "/open311/v2/services/101/extra.json", 404, "application/json; charset=utf-8"},
		{"GET", "/open311/v2/requests/.json", 404, "application/json; charset=utf-8"},
		{"GET", "/open311/v1/services.xml", 404, "text/xml; charset=utf-8"},
		{"DELETE", "/open311/v2/requests.json", 405, "application/json; charset=utf-8"},
		{"POST", "/open311/v2/services.xml", 405, "text/xml; charset=utf-8"},
	}
	for _, tt := range tests {
		req, _ := http.NewRequest(tt.method, e.srv.URL+tt.path, nil)
		r := e.do(req)
		if r.Status != tt.status || r.Header.Get("Content-Type") != tt.ct {
			t.Errorf("%s %s = %d %q, want %d %q", tt.method, tt.path, r.Status, r.Header.Get("Content-Type"), tt.status, tt.ct)
			continue
		}
		if tt.status >= 400 {
			if tt.ct == "text/xml; charset=utf-8" {
				x := parseXML(t, r)
				if x.name != "errors" || len(x.kids) != 1 || x.kids[0].kids[0].text != strconv.Itoa(tt.status) {
					t.Errorf("%s %s body = %s", tt.method, tt.path, r.Body)
				}
			} else {
				errorsOf(t, r)
			}
		}
		if tt.status == 405 && r.Header.Get("Allow") == "" {
			t.Errorf("%s %s: no Allow header", tt.method, tt.path)
		}
	}
	if r := e.get("/open311/v2/services.yaml"); !strings.Contains(string(r.Body), ".xml atau .json") {
		t.Errorf("unknown format body = %s", r.Body)
	}
}

// The schemas catch the mistakes they are here for: a string for a
// number, a string for a boolean, a missing id, a bad date.
func TestSchemasCatchMistakes(t *testing.T) {
	bad := []struct{ schema, doc string }{
		{"requests", `[{"service_request_id":"ES-1","status":"open","service_code":"101","requested_datetime":"2026-03-03T09:00:00+07:00","lat":"-7.6"}]`},
		{"requests", `[{"service_request_id":1,"status":"open","service_code":"101","requested_datetime":"2026-03-03T09:00:00+07:00"}]`},
		{"requests", `[{"service_request_id":"ES-1","status":"diproses","service_code":"101","requested_datetime":"2026-03-03T09:00:00+07:00"}]`},
		{"requests", `[{"service_request_id":"ES-1","status":"open","service_code":"101","requested_datetime":"2026-03-03 09:00"}]`},
		{"services", `[{"service_code":"101","service_name":"Jalan","metadata":"false","type":"realtime"}]`},
		{"service-definition", `{"service_code":"101"}`},
		{"errors", `{"code":400,"description":"x"}`},
		{"created", `[{"token":"123"}]`},
	}
	for _, b := range bad {
		validOK := func() (ok bool) {
			doc, err := jsonschema.UnmarshalJSON(strings.NewReader(b.doc))
			if err != nil {
				t.Fatal(err)
			}
			return schema(t, b.schema).Validate(doc) == nil
		}
		if validOK() {
			t.Errorf("%s accepts %s", b.schema, b.doc)
		}
	}
}

// TestRefusalsBeforeTheHandler: refusals made by the HTTP layer before a
// request reaches the Open311 handler (a bad X-API-Key, a cross-site
// post) still come in the Open311 error shape of the requested format.
func TestRefusalsBeforeTheHandler(t *testing.T) {
	e := newEnv(t)
	req, _ := http.NewRequest("GET", e.base+"/open311/v2/services.json", nil)
	req.Header.Set("X-API-Key", "esk_palsu")
	r := e.do(req)
	var list []map[string]any
	if r.Status != 403 || json.Unmarshal(r.Body, &list) != nil || len(list) != 1 || list[0]["description"] == nil {
		t.Errorf("bad key header on services.json = %s", r)
	}
	req, _ = http.NewRequest("POST", e.base+"/open311/v2/requests.xml", strings.NewReader("service_code=101"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "https://evil.example")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	r = e.do(req)
	if r.Status != 403 || !strings.Contains(string(r.Body), "<errors>") {
		t.Errorf("cross-site POST = %s", r)
	}
}

// TestRetiredServiceNotOffered: a category the reference files dropped
// leaves the service list, and a request for its service code is refused
// with the reason, while old requests under it keep their service.
func TestRetiredServiceNotOffered(t *testing.T) {
	e := newEnv(t)
	testdb.Retire(t, e.db, nil, []string{"taman"}) // service 105
	if r := e.get("/open311/v2/services.json"); r.Status != 200 || strings.Contains(string(r.Body), `"105"`) || !strings.Contains(string(r.Body), `"101"`) {
		t.Errorf("services = %s", r)
	}
	r := e.post("/open311/v2/requests.json", e.form(func(v url.Values) { v.Set("service_code", "105") }))
	if r.Status != 400 || !strings.Contains(string(r.Body), esambat.MsgCategoryRetired) {
		t.Errorf("a request for the retired service = %s", r)
	}
}
