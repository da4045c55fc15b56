package http

import "testing"

// TestNumbers: counts on pages carry the language's thousands separator.
func TestNumbers(t *testing.T) {
	id, en := &page{Lang: LangID}, &page{Lang: LangEN}
	for _, c := range []struct {
		n      int
		id, en string
	}{
		{0, "0", "0"}, {7, "7", "7"}, {999, "999", "999"}, {1000, "1.000", "1,000"},
		{10000, "10.000", "10,000"}, {803840, "803.840", "803,840"}, {1234567, "1.234.567", "1,234,567"},
		{-1500, "-1.500", "-1,500"},
	} {
		if got := id.Num(c.n); got != c.id {
			t.Errorf("Num(%d) in Indonesian = %q, want %q", c.n, got, c.id)
		}
		if got := en.Num(c.n); got != c.en {
			t.Errorf("Num(%d) in English = %q, want %q", c.n, got, c.en)
		}
	}
	if got := id.Tf("lebih dari %d laporan", 10000); got != "lebih dari 10.000 laporan" {
		t.Errorf("Tf in Indonesian = %q", got)
	}
	if got := en.Tf("lebih dari %d laporan", 10000); got != "more than 10,000 reports" {
		t.Errorf("Tf in English = %q", got)
	}
}
