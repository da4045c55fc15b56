package open311_test

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/esambat/esambat"
	esambathttp "github.com/esambat/esambat/http"
)

// TestServiceRequestUpdates: a FixMyStreet-style client that sent a report
// follows it through servicerequestupdates: each step after submission,
// oldest first, in XML and JSON alike, open until the agency finishes.
// Nothing of a rahasia report shows, nor an internal note; a report
// rejected before verification shows its new status, not the admin's
// words.
func TestServiceRequestUpdates(t *testing.T) {
	e := newEnv(t)
	since := e.clock.Now()
	step := func() { e.clock.Advance(time.Minute) }
	sent := e.create()
	step()
	e.verify(sent)
	step()
	e.act(e.admin, sent, esambat.ActionInput{Action: esambat.ActionNote, Note: "Catatan internal: koordinasi dengan kontraktor."})
	step()
	e.finish(sent)
	step()
	// The agency's evidence photo, stored with its event as the staff
	// page's upload does (without a public text; the API's has one).
	evidence := []esambat.Photo{{Key: strings.Repeat("ab", 32), ThumbKey: strings.Repeat("cd", 32), Width: 800, Height: 600, Kind: esambat.PhotoEvidence}}
	if err := e.svc.Reports.AddPhotos(context.Background(), rep2(t, e, sent).ID, evidence, &esambat.Event{Action: "photo", ActorID: e.pupr.UserID,
		ActorRole: esambat.RolePetugas, From: esambat.StatusSelesai, To: esambat.StatusSelesai,
		Data: map[string]string{"kind": esambat.PhotoEvidence, "count": "1"}}); err != nil {
		t.Fatal(err)
	}
	secret := e.submit(e.warga, esambat.VisibilityRahasia, "jalan-jembatan")
	step()
	e.verify(secret)
	rejected := e.submit(e.warga, esambat.VisibilityPublik, "jalan-jembatan")
	step()
	e.act(e.admin, rejected, esambat.ActionInput{Action: esambat.ActionReject, Reason: "spam_sara_hoaks", Text: "Isi laporan memuat ujaran kebencian."})

	type update struct {
		ID, Ticket, Status, When, Description, External string
		Media                                           any
	}
	read := func(query string) []update {
		t.Helper()
		r := e.both("/open311/v2/servicerequestupdates", 200, "")
		if query != "" {
			r = e.get("/open311/v2/servicerequestupdates.json?" + query)
		}
		var raw []map[string]any
		if err := json.Unmarshal(r.Body, &raw); err != nil {
			t.Fatalf("%s: %v", r.Body, err)
		}
		var out []update
		for _, m := range raw {
			s := func(k string) string { x, _ := m[k].(string); return x }
			out = append(out, update{s("update_id"), s("service_request_id"), s("status"), s("updated_datetime"), s("description"), s("external_status_code"), m["media_url"]})
		}
		return out
	}
	all := read("")
	body, _ := json.Marshal(all)
	for _, leak := range []string{secret, "Catatan internal", "ujaran kebencian", wargaName, "Laporan diterima"} {
		if strings.Contains(string(body), leak) {
			t.Errorf("the updates show %q:\n%s", leak, body)
		}
	}
	var mine []update
	seen := map[string]bool{}
	for i, u := range all {
		if seen[u.ID] {
			t.Errorf("update %s twice", u.ID)
		}
		seen[u.ID] = true
		if i > 0 && u.When < all[i-1].When {
			t.Errorf("updates out of order: %s after %s", u.When, all[i-1].When)
		}
		if u.Ticket == sent {
			mine = append(mine, u)
		}
	}
	want := []struct{ status, external, text string }{
		{"open", "didisposisi", "Dinas Pekerjaan Umum"},
		{"open", "diproses", "Tambal sulam minggu ini."},
		{"closed", "selesai", "Lubang sudah ditambal."},
		{"closed", "selesai", esambat.TextEvidencePhoto},
	}
	if len(mine) != len(want) {
		t.Fatalf("the sent report's updates = %+v, want %d", mine, len(want))
	}
	for i, w := range want {
		var media any // the evidence photo's address, on its upload only
		if w.text == esambat.TextEvidencePhoto {
			media = e.base + "/laporan/" + sent + "/foto/" + evidence[0].Key + ".jpg"
		}
		if u := mine[i]; u.Status != w.status || u.External != w.external || !strings.Contains(u.Description, w.text) || u.Media != media {
			t.Errorf("update %d = %+v, want %s/%s with %q and media %v", i, u, w.status, w.external, w.text, media)
		}
	}
	var rej []update
	for _, u := range all {
		if u.Ticket == rejected {
			rej = append(rej, u)
		}
	}
	if len(rej) != 1 || rej[0].Status != "closed" || rej[0].External != "ditolak" || rej[0].Description != esambathttp.StatusLabels[esambat.StatusDitolak] {
		t.Errorf("the rejected report's updates = %+v", rej)
	}

	// The window: start_date and end_date, end included.
	at := func(t time.Time) string { return url.QueryEscape(t.Format(time.RFC3339)) }
	if got := read("start_date=" + at(since.Add(30*time.Second)) + "&end_date=" + at(since.Add(time.Minute))); len(got) != 1 || got[0].External != "didisposisi" {
		t.Errorf("updates up to the verification's minute (end_date included) = %+v, want the verification alone", got)
	}
	if got := read("start_date=" + at(e.clock.Now().Add(time.Second))); len(got) != 0 {
		t.Errorf("updates after the last = %+v", got)
	}
	for q, want := range map[string]string{
		"start_date=kemarin": "start_date: Waktu harus berformat W3C dengan zona waktu",
		"start_date=" + at(since) + "&end_date=" + at(since.Add(-time.Hour)):   "end_date harus sama dengan atau setelah start_date",
		"start_date=" + at(since) + "&end_date=" + at(since.AddDate(0, 0, 91)): "maksimal 90 hari",
	} {
		r := e.get("/open311/v2/servicerequestupdates.xml?" + q)
		if r.Status != 400 || !strings.Contains(string(r.Body), want) {
			t.Errorf("%s = %s, want 400 naming %q", q, r, want)
		}
	}
	if r := e.post("/open311/v2/servicerequestupdates.json", url.Values{}); r.Status != 405 {
		t.Errorf("POST servicerequestupdates = %s, want 405 (updates are not taken in)", r)
	}
}
