package open311

import (
	"net/http/httptest"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/esambat/esambat"
)

// Every workflow status maps to exactly one Open311 status, and the open
// ones are those the filter status=open asks the store for.
func TestStatusMapping(t *testing.T) {
	want := map[esambat.Status]string{
		esambat.StatusDiajukan: "open", esambat.StatusDikembalikan: "open", esambat.StatusDidisposisi: "open", esambat.StatusDiproses: "open",
		esambat.StatusSelesai: "closed", esambat.StatusDitutup: "closed", esambat.StatusDitolak: "closed", esambat.StatusDuplikat: "closed",
	}
	if len(want) != len(esambat.Statuses) {
		t.Fatalf("the mapping covers %d statuses, the workflow has %d", len(want), len(esambat.Statuses))
	}
	for _, s := range esambat.Statuses {
		if got := openStatus(s); got != want[s] {
			t.Errorf("%s = %s, want %s", s, got, want[s])
		}
	}
	if len(openStatuses)+len(closedStatuses) != len(esambat.Statuses) {
		t.Error("openStatuses and closedStatuses do not partition the statuses")
	}
	for _, s := range openStatuses {
		if openStatus(s) != "open" {
			t.Errorf("%s listed as open but maps to closed", s)
		}
	}
}

func TestDeriveTitle(t *testing.T) {
	long := strings.Repeat("kata ", 40)
	tests := []struct{ desc, want string }{
		{"Jalan berlubang di depan SD. Sudah ada yang jatuh.", "Jalan berlubang di depan SD"},
		{"Lampu jalan mati\nsejak seminggu lalu di gang tiga", "Lampu jalan mati"},
		{"Sampah menumpuk! Tolong diangkut.", "Sampah menumpuk"},
		{"Hi. Saluran air di depan rumah saya tersumbat sampah.", "Hi. Saluran air di depan rumah saya tersumbat sampah."},
		{long, strings.TrimSpace(strings.Repeat("kata ", 16)) + "…"},
		{strings.Repeat("x", 200), strings.Repeat("x", 79) + "…"},
		{"a b", "Jalan & Jembatan"},
	}
	for _, tt := range tests {
		got := deriveTitle(tt.desc, "Jalan & Jembatan")
		if got != tt.want {
			t.Errorf("deriveTitle(%.30q) = %q, want %q", tt.desc, got, tt.want)
		}
		if n := utf8.RuneCountInString(got); n < 5 || n > 80 {
			t.Errorf("deriveTitle(%.30q) has %d characters", tt.desc, n)
		}
	}
}

func TestParseW3C(t *testing.T) {
	for _, s := range []string{"2010-01-01T00:00:00Z", "1994-11-05T08:15:30-05:00", "2026-03-01T00:00:00.123+07:00", "2026-03-01T07:00+07:00"} {
		if tm, err := parseW3C(s); err != nil || tm.IsZero() {
			t.Errorf("parseW3C(%q) = %v, %v", s, tm, err)
		}
	}
	for _, s := range []string{"2026-03-01", "2026-03-01T00:00:00", "kemarin", "1267401600"} {
		if _, err := parseW3C(s); esambat.ErrorCode(err) != esambat.EINVALID {
			t.Errorf("parseW3C(%q) error = %v, want EINVALID", s, err)
		}
	}
}

// Null is an empty element in XML and null in JSON; text is escaped in
// both.
func TestEncode(t *testing.T) {
	doc := array{item: "request", values: []any{object{
		{"a", "x < y & \"z\""}, {"b", nil}, {"c", 1.5}, {"d", true}, {"e", array{item: "f", values: []any{"1", "2"}}}, {"g", array{item: "h"}},
	}}}
	w := httptest.NewRecorder()
	write(w, formatXML, 200, "service_requests", doc)
	wantXML := `<?xml version="1.0" encoding="utf-8"?>` + "\n" +
		`<service_requests><request><a>x &lt; y &amp; &#34;z&#34;</a><b></b><c>1.5</c><d>true</d><e><f>1</f><f>2</f></e><g></g></request></service_requests>` + "\n"
	if w.Body.String() != wantXML || w.Header().Get("Content-Type") != "text/xml; charset=utf-8" {
		t.Errorf("XML = %s", w.Body)
	}
	w = httptest.NewRecorder()
	write(w, formatJSON, 200, "service_requests", doc)
	wantJSON := `[{"a":"x \u003c y \u0026 \"z\"","b":null,"c":1.5,"d":true,"e":["1","2"],"g":[]}]` + "\n"
	if w.Body.String() != wantJSON || w.Header().Get("Content-Type") != "application/json; charset=utf-8" {
		t.Errorf("JSON = %s", w.Body)
	}
}
