package http

import (
	"encoding/json"
	"testing"
	"unicode/utf8"
)

// FuzzAppendJSONString: what appendJSONString writes is a JSON string that
// decodes to the text it was given (valid UTF-8, as report text is).
func FuzzAppendJSONString(f *testing.F) {
	for _, s := range []string{"", "Jalan berlubang", `kutip "ganda" dan \ garis miring`, "baris\nbaru\r\ttab",
		"\x00\x01\x1f\x7f", "</script><b>", "Ñoño — jalan “rusak” 🚧", "\u2028\u2029"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			return
		}
		b := appendJSONString([]byte("x"), s)
		var got string
		if err := json.Unmarshal(b[1:], &got); err != nil || got != s || b[0] != 'x' {
			t.Fatalf("appendJSONString(%q) = %s: %q, %v", s, b, got, err)
		}
	})
}
