package esambat_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/esambat/esambat"
	"github.com/esambat/esambat/refdata"
)

// The NIKs below are synthetic: round dates and serials such as 0001, built
// to exercise one rule each. They are not anyone's number.

// nikWIB is UTC+7, fixed so that tests do not need the tz database.
var nikWIB = time.FixedZone("WIB", 7*60*60)

// nikNow is the clock of the NIK tests: 15 June 2025, 08:00 WIB.
var nikNow = time.Date(2025, 6, 15, 8, 0, 0, 0, nikWIB)

// nikWilayah returns the embedded wilayah tables (Kota and Kabupaten
// Pasuruan).
func nikWilayah(tb testing.TB) *esambat.Wilayah {
	tb.Helper()
	s, err := refdata.New("")
	if err != nil {
		tb.Fatal(err)
	}
	w, err := s.Wilayah()
	if err != nil {
		tb.Fatal(err)
	}
	return w
}

func nikDate(y int, m time.Month, d int) time.Time {
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

func TestParseNIK(t *testing.T) {
	w := nikWilayah(t)
	tests := []struct {
		name   string
		in     string
		kec    string // expected Kecamatan
		birth  time.Time
		female bool
		serial string
	}{
		{"male Kota Pasuruan", "3575010101000001", "35.75.01", nikDate(2000, 1, 1), false, "0001"},
		{"female Kota Pasuruan", "3575044512990002", "35.75.04", nikDate(1999, 12, 5), true, "0002"},
		{"male Kabupaten Pasuruan", "3514240607850003", "35.14.24", nikDate(1985, 7, 6), false, "0003"},
		{"female Kabupaten Pasuruan", "3514015203010004", "35.14.01", nikDate(2001, 3, 12), true, "0004"},
		{"other province, structural", "3171010101900005", "31.71.01", nikDate(1990, 1, 1), false, "0005"},
		{"kab/kota of the province not in the table", "3507010101900006", "35.07.01", nikDate(1990, 1, 1), false, "0006"},
		{"spaces", "3575 0101 0100 0001", "35.75.01", nikDate(2000, 1, 1), false, "0001"},
		{"dots", "3575.0101.0100.0001", "35.75.01", nikDate(2000, 1, 1), false, "0001"},
		{"dashes", "3575-0101-0100-0001", "35.75.01", nikDate(2000, 1, 1), false, "0001"},
		{"surrounding whitespace", " \t3575010101000001\n", "35.75.01", nikDate(2000, 1, 1), false, "0001"},
		{"woman day 41 is the 1st", "3575014101000001", "35.75.01", nikDate(2000, 1, 1), true, "0001"},
		{"woman day 71 is the 31st", "3575017101000001", "35.75.01", nikDate(2000, 1, 31), true, "0001"},
		{"29 February of a leap year", "3575012902000001", "35.75.01", nikDate(2000, 2, 29), false, "0001"},
		{"century: this year's YY is 20YY", "3575010101250001", "35.75.01", nikDate(2025, 1, 1), false, "0001"},
		{"century: next year's YY is 19YY", "3575010101260001", "35.75.01", nikDate(1926, 1, 1), false, "0001"},
		{"century: 99 is 1999", "3575010101990001", "35.75.01", nikDate(1999, 1, 1), false, "0001"},
		{"born today", "3575011506250001", "35.75.01", nikDate(2025, 6, 15), false, "0001"},
		{"serial 9999", "3575010101009999", "35.75.01", nikDate(2000, 1, 1), false, "9999"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := esambat.ParseNIK(tt.in, w, nikNow)
			if err != nil {
				t.Fatalf("ParseNIK(%q): %v", tt.in, err)
			}
			if want := tt.kec[:2]; n.Province != want {
				t.Errorf("Province = %q, want %q", n.Province, want)
			}
			if want := tt.kec[:5]; n.KabKota != want {
				t.Errorf("KabKota = %q, want %q", n.KabKota, want)
			}
			if n.Kecamatan != tt.kec {
				t.Errorf("Kecamatan = %q, want %q", n.Kecamatan, tt.kec)
			}
			if !n.BirthDate.Equal(tt.birth) || n.BirthDate.Location() != time.UTC {
				t.Errorf("BirthDate = %v, want %v", n.BirthDate, tt.birth)
			}
			if n.Female != tt.female {
				t.Errorf("Female = %v, want %v", n.Female, tt.female)
			}
			if n.Serial != tt.serial {
				t.Errorf("Serial = %q, want %q", n.Serial, tt.serial)
			}
			digits := strings.NewReplacer(" ", "", ".", "", "-", "", "\t", "", "\n", "").Replace(tt.in)
			if n.Digits() != digits {
				t.Errorf("Digits() = %q, want %q", n.Digits(), digits)
			}
		})
	}
}

func TestParseNIKInvalid(t *testing.T) {
	w := nikWilayah(t)
	tests := []struct {
		name string
		in   string
		msg  string // a part of the expected message
	}{
		{"empty", "", "wajib"},
		{"blank", "   ", "wajib"},
		{"15 digits", "357501010100001", "16 angka"},
		{"17 digits", "35750101010000011", "16 angka"},
		{"letter O for zero", "3575O10101000001", "hanya boleh berisi angka"},
		{"letters", "NIK 3575010101000001", "hanya boleh berisi angka"},
		{"slashes", "3575/0101/0100/0001", "hanya boleh berisi angka"},
		{"fullwidth digits", "３５７５010101000001", "hanya boleh berisi angka"},
		{"unknown kecamatan of Kota Pasuruan", "3575090101000001", "kecamatan"},
		{"kecamatan 00 of Kota Pasuruan", "3575000101000001", "kecamatan"},
		{"unknown kecamatan of Kabupaten Pasuruan", "3514250101000001", "kecamatan"},
		{"province 10", "1071010101000001", "provinsi"},
		{"province 00", "0071010101000001", "provinsi"},
		{"kab/kota 00", "3100010101000001", "kabupaten/kota"},
		{"kecamatan 00 elsewhere", "3171000101000001", "kecamatan"},
		{"day 00", "3575010001000001", "Tanggal lahir"},
		{"day 32", "3575013201000001", "Tanggal lahir"},
		{"day 40", "3575014001000001", "Tanggal lahir"},
		{"day 72", "3575017201000001", "Tanggal lahir"},
		{"month 00", "3575010100000001", "Tanggal lahir"},
		{"month 13", "3575010113000001", "Tanggal lahir"},
		{"30 February", "3575013002000001", "Tanggal lahir"},
		{"29 February of a common year", "3575012902010001", "Tanggal lahir"},
		{"31 April", "3575013104000001", "Tanggal lahir"},
		{"woman 30 February", "3575017002000001", "Tanggal lahir"},
		{"tomorrow", "3575011606250001", "setelah hari ini"},
		{"later this year, woman", "3575014112250001", "setelah hari ini"},
		{"serial 0000", "3575010101000000", "0000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := esambat.ParseNIK(tt.in, w, nikNow)
			if err == nil {
				t.Fatalf("ParseNIK(%q) = %v, want an error", tt.in, n)
			}
			if n != (esambat.NIK{}) {
				t.Errorf("ParseNIK(%q) returned a non-zero NIK with an error", tt.in)
			}
			checkInputError(t, err, "nik", tt.msg)
			if len(tt.in) >= 6 && strings.Contains(err.Error(), tt.in[:6]) {
				t.Errorf("error %q quotes the NIK", err)
			}
		})
	}
}

// checkInputError checks that err is an EINVALID *Error for field whose
// message contains msg.
func checkInputError(t *testing.T, err error, field, msg string) {
	t.Helper()
	var e *esambat.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not an *esambat.Error", err, err)
	}
	if e.Code != esambat.EINVALID {
		t.Errorf("Code = %q, want %q", e.Code, esambat.EINVALID)
	}
	if e.Fields[field] != e.Message {
		t.Errorf("Fields = %v, want %q: %q", e.Fields, field, e.Message)
	}
	if !strings.Contains(e.Message, msg) {
		t.Errorf("Message = %q, want it to contain %q", e.Message, msg)
	}
}

// TestParseNIKNilWilayah checks that without tables only the structure is
// checked.
func TestParseNIKNilWilayah(t *testing.T) {
	if _, err := esambat.ParseNIK("3575090101000001", nil, nikNow); err != nil {
		t.Errorf("ParseNIK without tables: %v", err)
	}
	if _, err := esambat.ParseNIK("3575000101000001", nil, nikNow); err == nil {
		t.Error("ParseNIK without tables accepted kecamatan 00")
	}
}

// TestParseNIKNowLocation checks that "today" is now's calendar date in its
// own location: at 01:00 WIB on 16 June it is still 15 June in UTC.
func TestParseNIKNowLocation(t *testing.T) {
	w := nikWilayah(t)
	now := time.Date(2025, 6, 16, 1, 0, 0, 0, nikWIB)
	if _, err := esambat.ParseNIK("3575011606250001", w, now); err != nil {
		t.Errorf("born today (WIB): %v", err)
	}
	if _, err := esambat.ParseNIK("3575011606250001", w, now.UTC()); err == nil {
		t.Error("born tomorrow (UTC): accepted")
	}
}

func TestNIKMasked(t *testing.T) {
	n := mustNIK(t, "3575010101000001")
	if got, want := n.Masked(), "3575**********01"; got != want {
		t.Errorf("Masked() = %q, want %q", got, want)
	}
	if got := (esambat.NIK{}).Masked(); got != "" {
		t.Errorf("zero NIK Masked() = %q, want \"\"", got)
	}
}

// TestNIKNeverPrinted checks every implicit way of printing a NIK: fmt
// verbs, slog handlers and encoding/json, alone and inside a struct.
func TestNIKNeverPrinted(t *testing.T) {
	n := mustNIK(t, "3575014101000001")
	const digits = "3575014101000001"
	type user struct {
		Name string
		NIK  esambat.NIK
	}
	u := user{Name: "Warga", NIK: n}

	var outs []string
	for _, v := range []any{n, &n, u, &u} {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
			outs = append(outs, fmt.Sprintf(verb, v))
		}
		outs = append(outs, fmt.Sprint(v), fmt.Sprintln(v))
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		outs = append(outs, string(b))
	}
	var buf bytes.Buffer
	for _, h := range []slog.Handler{slog.NewTextHandler(&buf, nil), slog.NewJSONHandler(&buf, nil)} {
		log := slog.New(h)
		log.Info("login", "nik", n, "ptr", &n, "user", u)
		log.Info("login", slog.Any("nik", n), slog.Group("g", "nik", n))
	}
	outs = append(outs, buf.String())

	for _, out := range outs {
		if strings.Contains(out, digits) {
			t.Errorf("output contains the NIK: %s", out)
		}
	}
	if !strings.Contains(buf.String(), "3575**********01") {
		t.Errorf("log does not contain the masked NIK:\n%s", buf.String())
	}
	if got := fmt.Sprint(n); got != "3575**********01" {
		t.Errorf("fmt.Sprint = %q, want the masked NIK", got)
	}
	// The exported fields together spell the number out, so JSON must not
	// encode them one by one.
	if b, _ := json.Marshal(u); string(b) != `{"Name":"Warga","NIK":"3575**********01"}` {
		t.Errorf("json.Marshal = %s, want the masked NIK only", b)
	}
}

func TestNIKInKabKota(t *testing.T) {
	kota := mustNIK(t, "3575010101000001")
	kab := mustNIK(t, "3514010101000001")
	if !kota.InKabKota("35.75") || kota.InKabKota("35.14") {
		t.Error("35.75 NIK: wrong InKabKota")
	}
	if kab.InKabKota("35.75") || !kab.InKabKota("35.14") {
		t.Error("35.14 NIK: wrong InKabKota")
	}
	if (esambat.NIK{}).InKabKota("") {
		t.Error("zero NIK is in kab/kota \"\"")
	}
}

func TestNIKAge(t *testing.T) {
	tests := []struct {
		nik  string
		now  time.Time
		want int
	}{
		{"3575010101000001", nikNow, 25},
		{"3575010101000001", time.Date(2024, 12, 31, 23, 0, 0, 0, nikWIB), 24},
		{"3575010101000001", time.Date(2025, 1, 1, 0, 0, 0, 0, nikWIB), 25},
		{"3575011506250001", nikNow, 0},
		{"3575011506250001", time.Date(2020, 1, 1, 0, 0, 0, 0, nikWIB), 0},
		// 29 February: a year older on 1 March in common years.
		{"3575012902000001", time.Date(2025, 2, 28, 12, 0, 0, 0, nikWIB), 24},
		{"3575012902000001", time.Date(2025, 3, 1, 12, 0, 0, 0, nikWIB), 25},
		{"3575012902000001", time.Date(2024, 2, 29, 12, 0, 0, 0, nikWIB), 24},
	}
	for _, tt := range tests {
		n := mustNIK(t, tt.nik)
		if got := n.Age(tt.now); got != tt.want {
			t.Errorf("%s born %s: Age(%s) = %d, want %d", n, n.BirthDate.Format(time.DateOnly), tt.now, got, tt.want)
		}
	}
}

func mustNIK(t *testing.T, s string) esambat.NIK {
	t.Helper()
	n, err := esambat.ParseNIK(s, nikWilayah(t), nikNow)
	if err != nil {
		t.Fatalf("ParseNIK(%q): %v", s, err)
	}
	return n
}

func FuzzParseNIK(f *testing.F) {
	for _, s := range []string{
		"3575010101000001", "3575044512990002", "3514240607850003", "3171010101900005",
		"3575 0101 0100 0001", "3575.0101.0100.0001", "3575-0101-0100-0001",
		"3575090101000001", "3575013201000001", "3575017201000001", "3575013002000001",
		"3575010101000000", "3575011606250001", "", "3575O10101000001", "0000000000000000",
	} {
		f.Add(s)
	}
	w := nikWilayah(f)
	nowDay := nikDate(nikNow.Date())
	f.Fuzz(func(t *testing.T, s string) {
		n, err := esambat.ParseNIK(s, w, nikNow)
		if err != nil {
			var e *esambat.Error
			if !errors.As(err, &e) || e.Code != esambat.EINVALID || e.Fields["nik"] == "" {
				t.Fatalf("ParseNIK(%q): error %v is not an EINVALID field error", s, err)
			}
			return
		}
		d := n.Digits()
		if len(d) != 16 || strings.Trim(d, "0123456789") != "" {
			t.Fatalf("ParseNIK(%q): Digits() = %q", s, d)
		}
		again, err := esambat.ParseNIK(d, w, nikNow)
		if err != nil {
			t.Fatalf("ParseNIK(%q) accepted, ParseNIK(%q): %v", s, d, err)
		}
		if again != n {
			t.Fatalf("round trip: ParseNIK(%q) = %#v, ParseNIK(%q) = %#v", s, n, d, again)
		}
		if n.BirthDate.After(nowDay) || n.Serial == "0000" {
			t.Fatalf("ParseNIK(%q) accepted birth date %v, serial %q", s, n.BirthDate, n.Serial)
		}
		if m := n.Masked(); len(m) != 16 || fmt.Sprint(n) != m || strings.Contains(fmt.Sprintf("%#v", n), d) {
			t.Fatalf("ParseNIK(%q): printed forms reveal or mangle the NIK", s)
		}
	})
}
