package esambat_test

import (
	"errors"
	"regexp"
	"testing"

	"github.com/esambat/esambat"
)

// The numbers below are made up (0812-3456-7890 and its relatives).

func TestNormalizePhone(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"0812-3456-7890", "+6281234567890"},
		{"0812 3456 7890", "+6281234567890"},
		{"0812.3456.7890", "+6281234567890"},
		{"+62 812 3456 7890", "+6281234567890"},
		{"+62-812-3456-7890", "+6281234567890"},
		{"6281234567890", "+6281234567890"},
		{"(0812) 3456-7890", "+6281234567890"},
		{"+62 (0)812 3456 7890", "+6281234567890"},
		{"0062 812 3456 7890", "+6281234567890"},
		{"81234567890", "+6281234567890"},
		{"  081234567890\t", "+6281234567890"},
		{"+6281234567890", "+6281234567890"},
		{"0812345678", "+62812345678"},       // 9 national digits, the shortest
		{"0812345678901", "+62812345678901"}, // 12 national digits, the longest
		{"0857 1234 5678", "+6285712345678"},
		{"0899-0000-1111", "+6289900001111"},
	}
	for _, tt := range tests {
		got, err := esambat.NormalizePhone(tt.in)
		if err != nil {
			t.Errorf("NormalizePhone(%q): %v", tt.in, err)
		} else if got != tt.want {
			t.Errorf("NormalizePhone(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestNormalizePhoneInvalid(t *testing.T) {
	tests := []struct {
		name, in, msg string
	}{
		{"empty", "", "wajib"},
		{"blank", "  ", "wajib"},
		{"Pasuruan landline", "0343 424567", "bukan nomor telepon rumah"},
		{"Jakarta landline, international", "+62 21 555 0100", "bukan nomor telepon rumah"},
		{"United States", "+1 202 555 0143", "+62"},
		{"Malaysia", "+60 12 345 6789", "+62"},
		{"Malaysia with 00", "0060 12 345 6789", "+62"},
		{"letter", "0812-3456-789O", "tidak valid"},
		{"words", "0812 3456 7890 (WA)", "tidak valid"},
		{"plus in the middle", "0812+34567890", "tidak valid"},
		{"two pluses", "++6281234567890", "tidak valid"},
		{"slash", "0812/3456/7890", "tidak valid"},
		{"fullwidth digits", "０８１２34567890", "tidak valid"},
		{"not starting with 8", "12345678901", "tidak valid"},
		{"8 national digits", "08123456", "terlalu pendek"},
		{"13 national digits", "08123456789012", "terlalu panjang"},
		{"0 only", "0", "terlalu pendek"},
		{"country code only", "+62", "terlalu pendek"},
		{"812", "812", "terlalu pendek"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := esambat.NormalizePhone(tt.in)
			if err == nil {
				t.Fatalf("NormalizePhone(%q) = %q, want an error", tt.in, got)
			}
			if got != "" {
				t.Errorf("NormalizePhone(%q) = %q with an error, want \"\"", tt.in, got)
			}
			checkInputError(t, err, "phone", tt.msg)
		})
	}
}

func TestMaskPhone(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"+6281234567890", "+62812****7890"},
		{"+62812345678", "+62812**5678"},
		{"+62812345678901", "+62812*****8901"},
		{"081234567890", "***"},
		{"+6221555010", "***"},
		{"+628123456789012", "***"},
		{"+62812345678a", "***"},
		{"", "***"},
	}
	for _, tt := range tests {
		if got := esambat.MaskPhone(tt.in); got != tt.want {
			t.Errorf("MaskPhone(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

var e164Mobile = regexp.MustCompile(`^\+628[0-9]{8,11}$`)

func FuzzNormalizePhone(f *testing.F) {
	for _, s := range []string{
		"0812-3456-7890", "+62 812 3456 7890", "6281234567890", "(0812) 3456 7890",
		"81234567890", "+62 (0)812 3456 7890", "0062 812 3456 7890", "0343 424567",
		"+1 202 555 0143", "", "+", "0", "00", "+62", "0812-3456-789O",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := esambat.NormalizePhone(s)
		if err != nil {
			var e *esambat.Error
			if !errors.As(err, &e) || e.Code != esambat.EINVALID || e.Fields["phone"] == "" || p != "" {
				t.Fatalf("NormalizePhone(%q) = %q, %v: want \"\" and an EINVALID field error", s, p, err)
			}
			return
		}
		if !e164Mobile.MatchString(p) {
			t.Fatalf("NormalizePhone(%q) = %q, not an Indonesian mobile number in E.164", s, p)
		}
		again, err := esambat.NormalizePhone(p)
		if err != nil || again != p {
			t.Fatalf("NormalizePhone(%q) = %q, %v: not idempotent", p, again, err)
		}
		if m := esambat.MaskPhone(p); m == "***" || len(m) != len(p) || m == p {
			t.Fatalf("MaskPhone(%q) = %q", p, m)
		}
	})
}

func TestMaskEmail(t *testing.T) {
	for in, want := range map[string]string{
		"siti@example.org":       "s***@example.org",
		"ayu.lestari@kota.go.id": "a***@kota.go.id",
		"éva@example.org":        "é***@example.org",
		"":                       "",
		"bukan-email":            "***",
		"@example.org":           "***",
	} {
		if got := esambat.MaskEmail(in); got != want {
			t.Errorf("MaskEmail(%q) = %q, want %q", in, got, want)
		}
	}
}
