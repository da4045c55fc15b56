package esambat

import (
	"strconv"
	"strings"
)

// The sentences E-Sambat writes into an event's public text when the
// person acting leaves it empty, or when the system acts by itself. The
// text is stored in Indonesian, as written: it is hashed into the report's
// chain, so it cannot change afterwards. A resident who chose English
// reads it through EventText. A %s stands for what is not translated: an
// agency's name, a ticket, a number, or words someone typed.
const (
	TextReceived      = "Laporan diterima dan menunggu verifikasi."
	TextEvidencePhoto = "Perangkat daerah mengunggah foto bukti penanganan."

	textVerified     = "Laporan diverifikasi dan diteruskan ke %s."
	textAutoDisposed = "Laporan diteruskan otomatis ke %s."
	textRerouted     = "Laporan dialihkan ke %s."
	textResubmitted  = "Pelapor telah melengkapi laporan."
	textRejected     = "Laporan ditolak: %s."
	textMerged       = "Laporan digabung dengan %s; ikuti perkembangannya di sana."
	textAccepted     = "Diterima perangkat daerah. Rencana: %s"
	textHandedBack   = "Perangkat daerah menyatakan laporan ini bukan kewenangannya; laporan dikembalikan ke admin untuk diteruskan."
	textConfirmed    = "Pelapor mengonfirmasi penyelesaian."
	textAutoClosed   = "Laporan ditutup otomatis karena tidak ada tanggapan pelapor dalam %s hari kerja."
)

// eventTextsEN gives each sentence above its English. arg says what the
// %s holds: "" passes it through, "reason" translates a rejection reason.
var eventTextsEN = []struct{ id, en, arg string }{
	{TextReceived, "Report received, waiting for verification.", ""},
	{TextEvidencePhoto, "The agency uploaded a photo of the work done.", ""},
	{textVerified, "Report verified and forwarded to %s.", ""},
	{textAutoDisposed, "Report forwarded automatically to %s.", ""},
	{textRerouted, "Report re-routed to %s.", ""},
	{textResubmitted, "The reporter has completed the report.", ""},
	{textRejected, "Report rejected: %s.", "reason"},
	{textMerged, "Report merged into %s; follow it there.", ""},
	{textAccepted, "Accepted by the agency. Plan: %s", ""},
	{textHandedBack, "The agency says this report is not within its duties; it went back to the administrators to be forwarded.", ""},
	{textConfirmed, "The reporter confirmed that the work is done.", ""},
	{textAutoClosed, "Report closed automatically: the reporter did not reply within %s working days.", ""},
}

// rejectReasonsEN is the English of RejectReasonLabel.
var rejectReasonsEN = map[string]string{
	"luar_wilayah":            "location outside Kota Pasuruan",
	"bukan_kewenangan_pemkot": "not the responsibility of the Kota Pasuruan government",
	"urusan_pribadi":          "a private matter",
	"spam_sara_hoaks":         "spam, hate speech (SARA) or a hoax",
	"tidak_lengkap":           "incomplete report",
}

// dataSystemText marks, in an event's data, a public text the system
// wrote from one of the sentences above with something filled in. Only
// such texts are translated part by part: a staff member's own sentence
// that happens to start like one of ours stays as they wrote it, rather
// than coming out half English.
const dataSystemText = "system_text"

// systemText fills in one of the sentences above and marks the event as
// carrying it.
func systemText(ev *Event, format, arg string) string {
	if ev.Data == nil {
		ev.Data = map[string]string{}
	}
	ev.Data[dataSystemText] = "1"
	return strings.Replace(format, "%s", arg, 1)
}

// EventText is the public text of ev for a reader of lang ("id" or "en").
// A sentence the system wrote is given in English; what people wrote is
// given as they wrote it.
func EventText(lang string, ev *Event) string {
	if ev == nil {
		return ""
	}
	if lang != "en" {
		return ev.Public
	}
	text := ev.Public
	for _, t := range eventTextsEN {
		prefix, suffix, fill := strings.Cut(t.id, "%s")
		if !fill {
			if text == t.id {
				return t.en
			}
			continue
		}
		if ev.Data[dataSystemText] == "" || len(text) < len(prefix)+len(suffix) ||
			!strings.HasPrefix(text, prefix) || !strings.HasSuffix(text, suffix) {
			continue
		}
		arg := text[len(prefix) : len(text)-len(suffix)]
		if t.arg == "reason" {
			en, ok := rejectReasonsEN[ev.Data["reason"]]
			if !ok || arg != RejectReasonLabel(ev.Data["reason"]) {
				continue
			}
			arg = en
		}
		return strings.Replace(t.en, "%s", arg, 1)
	}
	return text
}

// autoCloseText is textAutoClosed for the configured number of days.
func (c Clocks) autoCloseText(ev *Event) string {
	return systemText(ev, textAutoClosed, strconv.Itoa(c.SLA.AutoClose))
}
