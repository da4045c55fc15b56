package notify_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/esambat/esambat"
	"github.com/esambat/esambat/notify"
)

func plannerFixture() (*notify.Planner, *esambat.Report, *esambat.User) {
	p := &notify.Planner{BaseURL: "https://esambat.example.go.id/", Webhooks: map[string]string{"dinas-pupr": "https://pupr.example/hook"}}
	r := &esambat.Report{ID: 7, Ticket: "ES-26-000123", Type: esambat.TypePengaduan, CategoryCode: "jalan-jembatan",
		Title: "Jalan berlubang di Pohjentrek", Description: "Lubang dalam di depan SDN Pohjentrek.",
		Location: &esambat.Location{Lat: -7.65, Lng: 112.9}, KelurahanCode: "35.75.02.1001", Visibility: esambat.VisibilityPublik,
		Status: esambat.StatusDiajukan, ReporterID: 42,
		OnBehalf: &esambat.OnBehalf{Name: "Mbah Sarmi", Relationship: "nenek", Phone: "+6281300000001"}}
	u := &esambat.User{ID: 42, Role: esambat.RoleWarga, Name: "Budi Santoso", Email: "budi@example.org", Phone: "+6281200000042", Lang: "id"}
	return p, r, u
}

// byChannelTo indexes messages by "channel to".
func byChannelTo(msgs []esambat.Message) map[string]esambat.Message {
	out := map[string]esambat.Message{}
	for _, m := range msgs {
		out[m.Channel+" "+m.To] = m
	}
	return out
}

func plan(t *testing.T, p *notify.Planner, r *esambat.Report, ev *esambat.Event, u *esambat.User) map[string]esambat.Message {
	t.Helper()
	msgs, err := p.Plan(context.Background(), r, ev, u)
	if err != nil {
		t.Fatal(err)
	}
	return byChannelTo(msgs)
}

func TestPlannerSubmit(t *testing.T) {
	p, r, u := plannerFixture()
	ev := &esambat.Event{ID: 1, ReportID: 7, Action: esambat.ActionSubmit, ActorID: 42, ActorRole: esambat.RoleWarga,
		To: esambat.StatusDiajukan, Public: "Laporan diterima dan menunggu verifikasi."}
	got := plan(t, p, r, ev, u)
	if len(got) != 3 {
		t.Fatalf("planned %d messages, want SMS and email to the reporter and SMS to the person reported for: %+v", len(got), got)
	}
	sms := got["sms +6281200000042"]
	want := "E-Sambat ES-26-000123: Menunggu verifikasi. Laporan diterima dan menunggu verifikasi. Lihat: https://esambat.example.go.id/laporan/ES-26-000123"
	if sms.Body != want {
		t.Errorf("reporter SMS =\n%q\nwant\n%q", sms.Body, want)
	}
	mail := got["email budi@example.org"]
	if mail.Subject != "[E-Sambat] Laporan ES-26-000123: Menunggu verifikasi" {
		t.Errorf("email subject = %q", mail.Subject)
	}
	for _, s := range []string{"Yth. Budi Santoso,", "ES-26-000123", "Jalan berlubang di Pohjentrek", "Status: Menunggu verifikasi",
		"Keterangan: Laporan diterima", "https://esambat.example.go.id/laporan/ES-26-000123"} {
		if !strings.Contains(mail.Body, s) {
			t.Errorf("email body lacks %q:\n%s", s, mail.Body)
		}
	}
	ob := got["sms +6281300000001"]
	if !strings.HasPrefix(ob.Body, "E-Sambat, laporan atas nama Anda ES-26-000123: Menunggu verifikasi.") {
		t.Errorf("atas nama SMS = %q", ob.Body)
	}
	if _, ok := got["webhook https://pupr.example/hook"]; ok {
		t.Error("webhook before the report was disposed to the agency")
	}
}

func TestPlannerLanguageAndChannels(t *testing.T) {
	p, r, u := plannerFixture()
	u.Lang = "en"
	r.OnBehalf = nil
	r.Status = esambat.StatusDiproses
	ev := &esambat.Event{ID: 2, Action: string(esambat.ActionAccept), ActorRole: esambat.RolePetugas,
		From: esambat.StatusDidisposisi, To: esambat.StatusDiproses, Public: "Diterima perangkat daerah. Rencana: tambal sulam."}
	got := plan(t, p, r, ev, u)
	if b := got["sms +6281200000042"].Body; !strings.HasPrefix(b, "E-Sambat ES-26-000123: Being handled. Diterima perangkat daerah.") ||
		!strings.Contains(b, "See: https://") {
		t.Errorf("English SMS = %q", b)
	}
	if m := got["email budi@example.org"]; m.Subject != "[E-Sambat] Report ES-26-000123: Being handled" || !strings.HasPrefix(m.Body, "Dear Budi Santoso,") {
		t.Errorf("English email = %q / %q", m.Subject, m.Body)
	}

	// What E-Sambat wrote itself reaches an English reader in English.
	sub := &esambat.Event{ID: 3, Action: esambat.ActionSubmit, ActorRole: esambat.RoleAdmin, To: esambat.StatusDiajukan, Public: esambat.TextReceived}
	got = plan(t, p, r, sub, u)
	if b := got["sms +6281200000042"].Body; !strings.Contains(b, ": Being handled. Report received, waiting for verification. See:") {
		t.Errorf("English SMS of the system's sentence = %q", b)
	}
	if b := got["email budi@example.org"].Body; !strings.Contains(b, "Message: Report received, waiting for verification.") {
		t.Errorf("English email of the system's sentence = %q", b)
	}

	// WhatsApp instead of SMS, email switched off, no link.
	p2 := &notify.Planner{PhoneChannel: esambat.MessageWhatsApp, Disabled: map[string]bool{esambat.MessageEmail: true}}
	got = plan(t, p2, r, ev, u)
	if len(got) != 1 || got["whatsapp +6281200000042"].Body == "" || strings.Contains(got["whatsapp +6281200000042"].Body, "http") {
		t.Errorf("WhatsApp only, no link: %+v", got)
	}

	// A long public text is cut for SMS but whole in the email.
	ev.Public = strings.Repeat("kata ", 100)
	got = plan(t, p, r, ev, u)
	if sms := got["sms +6281200000042"].Body; len([]rune(sms)) > 300 || !strings.Contains(sms, "…") {
		t.Errorf("long SMS (%d characters): %q", len([]rune(sms)), sms)
	}
	if !strings.Contains(got["email budi@example.org"].Body, strings.TrimSpace(ev.Public)) {
		t.Error("email lost part of the public text")
	}
}

func TestPlannerNeverSendsInternalNotes(t *testing.T) {
	p, r, u := plannerFixture()
	r.Status, r.AgencyCode = esambat.StatusDiproses, "dinas-pupr"
	note := &esambat.Event{ID: 3, Action: string(esambat.ActionNote), ActorRole: esambat.RolePetugas,
		From: esambat.StatusDiproses, To: esambat.StatusDiproses, Internal: "Pelapor ini sering melapor hal yang sama."}
	if got := plan(t, p, r, note, u); len(got) != 0 {
		t.Errorf("an internal note notified %d recipients: %+v", len(got), got)
	}
	answer := &esambat.Event{ID: 4, Action: string(esambat.ActionAnswer), ActorRole: esambat.RolePetugas,
		From: esambat.StatusDiproses, To: esambat.StatusDiproses, Public: "Pengaspalan dijadwalkan Kamis.", Internal: "RAHASIA-INTERNAL"}
	got := plan(t, p, r, answer, u)
	if len(got) != 4 {
		t.Errorf("answer planned %d messages, want reporter SMS and email, atas nama SMS, agency webhook", len(got))
	}
	for k, m := range got {
		if strings.Contains(m.Body, "RAHASIA-INTERNAL") || strings.Contains(m.Subject, "RAHASIA-INTERNAL") {
			t.Errorf("%s carries the internal note", k)
		}
		if !strings.Contains(m.Body, "Pengaspalan dijadwalkan Kamis.") {
			t.Errorf("%s lacks the public text", k)
		}
	}
	// Nothing for a visibility change (no public text, same status).
	vis := &esambat.Event{ID: 5, Action: string(esambat.ActionSetVisibility), ActorRole: esambat.RoleAdmin,
		From: esambat.StatusDiproses, To: esambat.StatusDiproses}
	if got := plan(t, p, r, vis, u); len(got) != 0 {
		t.Errorf("set_visibility notified %+v", got)
	}
}

func TestPlannerOwnActionsAndDisabledAccounts(t *testing.T) {
	p, r, u := plannerFixture()
	r.Status = esambat.StatusDiproses
	dispute := &esambat.Event{ID: 6, Action: string(esambat.ActionDispute), ActorID: 42, ActorRole: esambat.RoleWarga,
		From: esambat.StatusSelesai, To: esambat.StatusDiproses, Public: "Lubang masih ada."}
	got := plan(t, p, r, dispute, u)
	if _, ok := got["sms +6281200000042"]; ok || len(got) != 1 {
		t.Errorf("the reporter's own dispute: %+v; want only the atas nama SMS", got)
	}
	u.Disabled = true
	ev := &esambat.Event{ID: 7, Action: string(esambat.ActionFinish), ActorRole: esambat.RolePetugas,
		From: esambat.StatusDiproses, To: esambat.StatusSelesai, Public: "Sudah ditambal."}
	if got := plan(t, p, r, ev, u); len(got) != 1 {
		t.Errorf("disabled reporter: %+v; want only the atas nama SMS", got)
	}
	r.OnBehalf = nil
	if got := plan(t, p, r, ev, nil); len(got) != 0 {
		t.Errorf("no reporter account and no atas nama: %+v", got)
	}
}

func TestPlannerWebhookHidesIdentity(t *testing.T) {
	for _, vis := range esambat.Visibilities {
		t.Run(string(vis), func(t *testing.T) {
			p, r, u := plannerFixture()
			r.Visibility, r.Status, r.AgencyCode = vis, esambat.StatusDidisposisi, "dinas-pupr"
			r.DueAt = time.Date(2026, 3, 10, 16, 59, 59, 0, time.UTC)
			ev := &esambat.Event{ID: 9, Action: string(esambat.ActionVerify), ActorRole: esambat.RoleAdmin, CreatedAt: time.Now(),
				From: esambat.StatusDiajukan, To: esambat.StatusDidisposisi, Public: "Diteruskan ke Dinas PUPR.", Internal: "catatan"}
			hook, ok := plan(t, p, r, ev, u)["webhook https://pupr.example/hook"]
			if !ok {
				t.Fatal("no webhook to the agency the report was disposed to")
			}
			var got notify.WebhookPayload
			if err := json.Unmarshal([]byte(hook.Body), &got); err != nil {
				t.Fatal(err)
			}
			if got.Type != "report.event" || got.Ticket != "ES-26-000123" || got.Status != esambat.StatusDidisposisi ||
				got.PreviousStatus != esambat.StatusDiajukan || got.Action != "verify" || got.PublicText != "Diteruskan ke Dinas PUPR." ||
				got.EventID != 9 || got.Agency != "dinas-pupr" || got.Location == nil || got.DueAt == nil || hook.Subject != "report.verify" {
				t.Errorf("payload = %+v", got)
			}
			for _, secret := range []string{u.Email, u.Phone, r.OnBehalf.Phone, "catatan"} {
				if strings.Contains(hook.Body, secret) {
					t.Errorf("webhook carries %q: %s", secret, hook.Body)
				}
			}
			hasIdentity := strings.Contains(hook.Body, u.Name) || strings.Contains(hook.Body, r.OnBehalf.Name)
			if vis == esambat.VisibilityPublik && (got.Reporter == nil || got.Reporter.Name != u.Name || got.Reporter.OnBehalf != "Mbah Sarmi") {
				t.Errorf("publik report: reporter = %+v, want the name and the person reported for", got.Reporter)
			}
			if vis != esambat.VisibilityPublik && (got.Reporter != nil || hasIdentity) {
				t.Errorf("%s report: the agency learns who reported it: %s", vis, hook.Body)
			}
		})
	}
}

func TestPlannerEscalation(t *testing.T) {
	p := &notify.Planner{BaseURL: "https://sambat.example", Escalations: map[string][]string{
		"":           {"walikota@example.org", "inspektorat@example.org"},
		"dinas-pupr": {"kepala.pupr@example.org", "walikota@example.org"},
	}}
	r := &esambat.Report{Ticket: "ES-26-000007", Title: "Jalan rusak", AgencyCode: "dinas-pupr", Status: esambat.StatusDidisposisi,
		Visibility: esambat.VisibilityRahasia, OnBehalf: &esambat.OnBehalf{Name: "Pak Slamet", Phone: "+6281311112222"}}
	ev := &esambat.Event{Action: string(esambat.ActionEscalate), ActorRole: esambat.RoleSystem, From: r.Status, To: r.Status,
		Internal: "Batas penerimaan terlewati."}
	reporter := &esambat.User{Name: "Siti Rahasia", Phone: "+6281234567801", Email: "siti@example.org"}
	msgs, err := p.Plan(context.Background(), r, ev, reporter)
	if err != nil {
		t.Fatal(err)
	}
	var to []string
	for _, m := range msgs {
		to = append(to, m.To)
		if m.Channel != esambat.MessageEmail || !strings.Contains(m.Body, "ES-26-000007") || !strings.Contains(m.Body, "https://sambat.example/laporan/ES-26-000007") {
			t.Errorf("escalation message = %+v", m)
		}
		if strings.Contains(m.Body, "Siti") || strings.Contains(m.Body, "Slamet") || m.To == reporter.Phone || m.To == reporter.Email {
			t.Errorf("escalation reveals or reaches the reporter: %+v", m)
		}
	}
	if strings.Join(to, ",") != "walikota@example.org,inspektorat@example.org,kepala.pupr@example.org" {
		t.Errorf("escalation recipients = %v", to)
	}
}
