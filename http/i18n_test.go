package http

import (
	"io/fs"
	"regexp"
	"strings"
	"testing"

	"github.com/esambat/esambat/http/html"
)

// TestEveryTemplateTextTranslated: each text a template passes to .T or
// .Tf has an English entry, so no English page shows Indonesian labels.
func TestEveryTemplateTextTranslated(t *testing.T) {
	re := regexp.MustCompile(`\.Tf? "((?:[^"\\]|\\.)*)"`)
	names, _ := fs.Glob(html.Templates, "templates/*.html")
	n := 0
	for _, name := range names {
		b, _ := fs.ReadFile(html.Templates, name)
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			msg := strings.ReplaceAll(m[1], `\"`, `"`)
			n++
			if _, ok := english[msg]; !ok {
				t.Errorf("%s: no English for %q", name, msg)
			}
		}
	}
	for _, label := range StatusLabels {
		if _, ok := english[label]; !ok {
			t.Errorf("no English for status %q", label)
		}
	}
	for _, labels := range []map[string]string{actionLabels, flagLabels} {
		for code, label := range labels {
			if _, ok := english[label]; !ok {
				t.Errorf("no English for %q (%s)", label, code)
			}
		}
	}
	for role, label := range roleLabels {
		if _, ok := english[label]; !ok {
			t.Errorf("no English for role %q (%s)", label, role)
		}
	}
	if n < 100 {
		t.Errorf("found only %d texts: the pattern no longer matches the templates", n)
	}
}

func TestT(t *testing.T) {
	if got := T(LangEN, "Lapor"); got != "Report" {
		t.Errorf("T(en, Lapor) = %q", got)
	}
	if got := T(LangID, "Lapor"); got != "Lapor" {
		t.Errorf("T(id, Lapor) = %q", got)
	}
	if got := T(LangEN, "teks tanpa terjemahan"); got != "teks tanpa terjemahan" {
		t.Errorf("untranslated text changed: %q", got)
	}
}
