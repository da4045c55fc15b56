package notify

import (
	"context"
	"encoding/json"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/esambat/esambat"
)

var _ esambat.NotificationPlanner = (*Planner)(nil)

// Planner decides who hears of an event (esambat.NotificationPlanner):
//
//   - The reporter, of every event with public text or a new status: by
//     SMS (or WhatsApp) to their phone and by email, each when the account
//     has one, in the account's language. A resident's own actions after
//     submitting (resubmit, confirm, dispute) are not echoed back to them.
//     Disabled accounts get nothing.
//   - The person reported for ("atas nama"), when a phone was given: the
//     same news by SMS, in Indonesian.
//   - The agency the report is disposed to, when it has a webhook: a signed
//     WebhookPayload. The reporter's identity is in it only for publik
//     reports (anonim and rahasia hide it from agencies).
//
// Internal notes are never put into any message. Events with neither
// public text nor a change of status (internal notes, visibility or
// category changes, escalations) notify no one.
//
// Planner only reads what it is given, as the store requires.
type Planner struct {
	// BaseURL is the web app's public address without a trailing slash;
	// messages link to BaseURL/laporan/TICKET. Empty leaves links out.
	BaseURL string
	// PhoneChannel is esambat.MessageSMS (the default) or
	// esambat.MessageWhatsApp.
	PhoneChannel string
	// Webhooks maps an agency code to the URL of its system.
	Webhooks map[string]string
	// Escalations maps an agency code to the emails of its head, and ""
	// to the emails of pimpinan (the mayor's office, the inspectorate):
	// an escalate event (a clock ran out) is mailed to the report's
	// agency head and to pimpinan.
	Escalations map[string][]string
	// Disabled lists channels to leave out (no sender is configured for
	// them): their messages would only end up dead.
	Disabled map[string]bool
}

// Plan returns the messages for ev, which has just changed r.
func (p *Planner) Plan(ctx context.Context, r *esambat.Report, ev *esambat.Event, reporter *esambat.User) ([]esambat.Message, error) {
	if r != nil && ev != nil && ev.Action == string(esambat.ActionEscalate) {
		return p.escalation(r, ev), nil
	}
	if r == nil || ev == nil || (strings.TrimSpace(ev.Public) == "" && ev.From == ev.To) {
		return nil, nil
	}
	phone := p.PhoneChannel
	if phone == "" {
		phone = esambat.MessageSMS
	}
	var out []esambat.Message
	add := func(m esambat.Message) {
		if m.To != "" && !p.Disabled[m.Channel] {
			out = append(out, m)
		}
	}
	if reporter != nil && !reporter.Disabled && !ownAction(r, ev) {
		t := textsFor(reporter.Lang)
		add(esambat.Message{Channel: phone, To: reporter.Phone, Body: p.short(t, r, ev, false)})
		subject, body := p.email(t, reporter.Name, r, ev)
		add(esambat.Message{Channel: esambat.MessageEmail, To: reporter.Email, Subject: subject, Body: body})
	}
	if ob := r.OnBehalf; ob != nil && ob.Phone != "" {
		add(esambat.Message{Channel: phone, To: ob.Phone, Body: p.short(textsFor("id"), r, ev, true)})
	}
	if url := p.Webhooks[r.AgencyCode]; r.AgencyCode != "" && url != "" {
		body, err := json.Marshal(p.payload(r, ev, reporter))
		if err != nil {
			return nil, err
		}
		add(esambat.Message{Channel: esambat.MessageWebhook, To: url, Subject: "report." + ev.Action, Body: string(body)})
	}
	return out, nil
}

// ownAction reports whether the reporter took ev themselves after
// submitting: they know already.
func ownAction(r *esambat.Report, ev *esambat.Event) bool {
	return ev.ActorRole == esambat.RoleWarga && ev.ActorID == r.ReporterID && ev.Action != esambat.ActionSubmit
}

func (p *Planner) link(r *esambat.Report) string {
	if p.BaseURL == "" {
		return ""
	}
	return strings.TrimRight(p.BaseURL, "/") + "/laporan/" + r.Ticket
}

// short is the SMS or WhatsApp text: ticket, status in plain words, the
// public text cut to fit, and the link.
func (p *Planner) short(t *texts, r *esambat.Report, ev *esambat.Event, onBehalf bool) string {
	var b strings.Builder
	if onBehalf {
		b.WriteString(t.onBehalfPrefix)
	} else {
		b.WriteString("E-Sambat ")
	}
	b.WriteString(r.Ticket + ": " + t.status(r.Status) + ".")
	if pub := oneLine(esambat.EventText(t.lang, ev)); pub != "" {
		b.WriteString(" " + truncate(pub, 200))
	}
	if l := p.link(r); l != "" {
		b.WriteString(" " + t.see + " " + l)
	}
	return b.String()
}

// email is the subject and body of the reporter's email.
func (p *Planner) email(t *texts, name string, r *esambat.Report, ev *esambat.Event) (string, string) {
	subject := t.subject + " " + r.Ticket + ": " + t.status(r.Status)
	var b strings.Builder
	b.WriteString(t.greeting + " " + strings.TrimSpace(name) + ",\n\n")
	b.WriteString(t.news + " " + r.Ticket + "\n\"" + oneLine(r.Title) + "\".\n\n")
	b.WriteString(t.statusLabel + ": " + t.status(r.Status) + "\n")
	if pub := strings.TrimSpace(esambat.EventText(t.lang, ev)); pub != "" {
		b.WriteString(t.textLabel + ": " + pub + "\n")
	}
	if l := p.link(r); l != "" {
		b.WriteString("\n" + t.follow + " " + l + "\n")
	}
	b.WriteString("\n-- \n" + t.footer + "\n")
	return subject, b.String()
}

// WebhookPayload is the JSON body of a webhook delivery: one event of a
// report disposed to the receiving agency. Reporter is set only for publik
// reports; internal notes are never included.
type WebhookPayload struct {
	Type           string             `json:"type"` // always "report.event"
	EventID        int64              `json:"event_id"`
	Action         string             `json:"action"`
	OccurredAt     time.Time          `json:"occurred_at"`
	Ticket         string             `json:"ticket"`
	URL            string             `json:"url,omitempty"`
	Status         esambat.Status     `json:"status"`
	PreviousStatus esambat.Status     `json:"previous_status,omitempty"`
	PublicText     string             `json:"public_text,omitempty"`
	Agency         string             `json:"agency"`
	Category       string             `json:"category"`
	ReportType     esambat.Type       `json:"report_type"`
	Visibility     esambat.Visibility `json:"visibility"`
	Title          string             `json:"title"`
	Description    string             `json:"description"`
	Address        string             `json:"address,omitempty"`
	Kelurahan      string             `json:"kelurahan,omitempty"`
	Location       *WebhookPoint      `json:"location,omitempty"`
	DueAt          *time.Time         `json:"due_at,omitempty"`
	Reporter       *WebhookPerson     `json:"reporter,omitempty"`
}

// WebhookPoint is a report's point.
type WebhookPoint struct {
	Lat float64 `json:"lat"`
	Lng float64 `json:"lng"`
}

// WebhookPerson names the reporter of a publik report, and the person it
// was made for, if any. It holds no contact details.
type WebhookPerson struct {
	Name     string `json:"name,omitempty"`
	OnBehalf string `json:"on_behalf_of,omitempty"`
}

func (p *Planner) payload(r *esambat.Report, ev *esambat.Event, reporter *esambat.User) WebhookPayload {
	w := WebhookPayload{
		Type: "report.event", EventID: ev.ID, Action: ev.Action, OccurredAt: ev.CreatedAt.UTC(),
		Ticket: r.Ticket, URL: p.link(r), Status: r.Status, PreviousStatus: ev.From, PublicText: strings.TrimSpace(ev.Public),
		Agency: r.AgencyCode, Category: r.CategoryCode, ReportType: r.Type, Visibility: r.Visibility,
		Title: r.Title, Description: r.Description, Address: r.Address, Kelurahan: r.KelurahanCode,
	}
	if r.Location != nil {
		w.Location = &WebhookPoint{r.Location.Lat, r.Location.Lng}
	}
	if !r.DueAt.IsZero() {
		due := r.DueAt.UTC()
		w.DueAt = &due
	}
	// The same rule as the agency's screens: identity for publik only.
	if esambat.ShowsReporter(esambat.AccessAgency, r) {
		var person WebhookPerson
		if reporter != nil {
			person.Name = reporter.Name
		}
		if r.OnBehalf != nil {
			person.OnBehalf = r.OnBehalf.Name
		}
		if person != (WebhookPerson{}) {
			w.Reporter = &person
		}
	}
	return w
}

// oneLine folds whitespace, newlines included, into single spaces.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// truncate cuts s to at most n characters, marking the cut.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:n-1])) + "…"
}

// texts are the words of the messages in one language.
type texts struct {
	lang                                            string // as in User.Lang
	statuses                                        map[esambat.Status]string
	onBehalfPrefix, see                             string
	subject, greeting, news, statusLabel, textLabel string
	follow, footer                                  string
}

func (t *texts) status(s esambat.Status) string {
	if l, ok := t.statuses[s]; ok {
		return l
	}
	return string(s)
}

// textsFor returns the texts for a User.Lang; Indonesian unless "en".
func textsFor(lang string) *texts {
	if lang == "en" {
		return &textsEN
	}
	return &textsID
}

// The status words match the web app's (http.StatusLabels).
var textsID = texts{
	lang: "id",
	statuses: map[esambat.Status]string{
		esambat.StatusDiajukan:     "Menunggu verifikasi",
		esambat.StatusDikembalikan: "Perlu dilengkapi pelapor",
		esambat.StatusDitolak:      "Ditolak",
		esambat.StatusDuplikat:     "Digabung dengan laporan lain",
		esambat.StatusDidisposisi:  "Diteruskan ke perangkat daerah",
		esambat.StatusDiproses:     "Sedang ditangani",
		esambat.StatusSelesai:      "Selesai ditangani, menunggu konfirmasi pelapor",
		esambat.StatusDitutup:      "Ditutup",
	},
	onBehalfPrefix: "E-Sambat, laporan atas nama Anda ",
	see:            "Lihat:",
	subject:        "[E-Sambat] Laporan",
	greeting:       "Yth.",
	news:           "Ada kabar baru tentang laporan Anda",
	statusLabel:    "Status",
	textLabel:      "Keterangan",
	follow:         "Ikuti perkembangannya di",
	footer:         "E-Sambat Kota Pasuruan. Email ini dikirim otomatis; mohon tidak membalasnya.",
}

var textsEN = texts{
	lang: "en",
	statuses: map[esambat.Status]string{
		esambat.StatusDiajukan:     "Waiting for verification",
		esambat.StatusDikembalikan: "Needs more details from the reporter",
		esambat.StatusDitolak:      "Rejected",
		esambat.StatusDuplikat:     "Merged into another report",
		esambat.StatusDidisposisi:  "Forwarded to the agency",
		esambat.StatusDiproses:     "Being handled",
		esambat.StatusSelesai:      "Done, waiting for the reporter's confirmation",
		esambat.StatusDitutup:      "Closed",
	},
	onBehalfPrefix: "E-Sambat, report made for you ",
	see:            "See:",
	subject:        "[E-Sambat] Report",
	greeting:       "Dear",
	news:           "There is news about your report",
	statusLabel:    "Status",
	textLabel:      "Message",
	follow:         "Follow it at",
	footer:         "E-Sambat, Kota Pasuruan. This email was sent automatically; please do not reply.",
}

// escalation mails an overdue report to the agency head and pimpinan. The
// text names the ticket, the step and the link, never the reporter.
func (p *Planner) escalation(r *esambat.Report, ev *esambat.Event) []esambat.Message {
	if p.Disabled[esambat.MessageEmail] {
		return nil
	}
	to := append([]string(nil), p.Escalations[""]...)
	if r.AgencyCode != "" {
		to = append(to, p.Escalations[r.AgencyCode]...)
	}
	seen := map[string]bool{}
	var out []esambat.Message
	for _, addr := range to {
		if addr == "" || seen[addr] {
			continue
		}
		seen[addr] = true
		body := "Laporan " + r.Ticket + " terlambat: " + oneLine(ev.Internal) + "\n\nJudul: " + oneLine(r.Title)
		if link := p.link(r); link != "" {
			body += "\n" + link
		}
		out = append(out, esambat.Message{Channel: esambat.MessageEmail, To: addr, Subject: "[E-Sambat] Laporan terlambat: " + r.Ticket, Body: body})
	}
	return out
}
