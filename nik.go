package esambat

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"time"
)

// NIK is a parsed Nomor Induk Kependudukan, the 16-digit national identity
// number on the KTP:
//
//	PP KK CC DDMMYY SSSS
//	province, kab/kota, kecamatan, birth date (women: day+40), serial
//
// The region in a NIK is where it was first issued, not where its holder
// lives now: a 35.75 prefix marks a resident of Kota Pasuruan, any other
// prefix may belong to someone who moved in (see DESIGN.md, "Residency and
// jurisdiction").
//
// A NIK is personal data (UU 27/2022). Every implicit way of printing it
// (fmt verbs, slog, encoding/json) yields the masked form; the raw digits
// are only available through Digits, so that each place that handles them
// is an explicit, greppable call.
type NIK struct {
	Province  string    // dotted Kemendagri code, e.g. "35"
	KabKota   string    // e.g. "35.75"
	Kecamatan string    // e.g. "35.75.01"
	BirthDate time.Time // the date at 00:00 UTC
	Female    bool      // the day was written with 40 added
	Serial    string    // 4 digits, never "0000"
	digits    string
}

// Messages of ParseNIK. They name the digits a resident should re-check by
// position, never by value: errors end up in logs, and a message quoting
// part of the NIK would leak it there.
const (
	msgNIKEmpty     = "NIK wajib diisi."
	msgNIKNotDigits = "NIK hanya boleh berisi angka."
	msgNIKLength    = "NIK harus terdiri dari 16 angka; yang diisi %d angka."
	msgNIKProvince  = "Kode provinsi pada NIK (angka ke-1 dan ke-2) tidak dikenal."
	msgNIKKabKota   = "Kode kabupaten/kota pada NIK (angka ke-3 dan ke-4) tidak dikenal."
	msgNIKKecamatan = "Kode kecamatan pada NIK (angka ke-5 dan ke-6) tidak dikenal."
	msgNIKDate      = "Tanggal lahir pada NIK (angka ke-7 sampai ke-12) tidak valid."
	msgNIKFuture    = "Tanggal lahir pada NIK tidak boleh setelah hari ini."
	msgNIKSerial    = "Nomor urut pada NIK (4 angka terakhir) tidak boleh 0000."
)

// ParseNIK parses and checks a NIK offline. Spaces, dots and dashes between
// the digits are dropped, because people copy the number from a KTP as
// "3575 0112 3456 0001" or "3575.0112.3456.0001"; anything else that is not
// an ASCII digit is rejected.
//
// The region is checked against w as far as w knows it. For a kab/kota whose
// kecamatan w holds (w.Covers), the kecamatan code must exist there. For any
// other kab/kota only the structure is checked: a province code from 11 to 99
// and kab/kota and kecamatan codes other than 00. A table without a kab/kota
// is not evidence that it does not exist: the embedded tables hold only Kota
// and Kabupaten Pasuruan, and a deployment that loads the full Kemendagri
// table by configuration (--refdata) gets every kecamatan of every kab/kota
// in it checked. w may be nil, in which case only the structure is checked.
//
// The birth date must be a real calendar date, not after now. The two-digit
// year is read as 20YY unless that is after now's year, then as 19YY; a NIK
// dated later this year than today is rejected rather than read as a
// centenarian's. now is taken as a calendar date in its own location, so
// pass the time in WIB.
//
// ParseNIK does not say whether the NIK was issued to anyone: only the civil
// registry (Dispendukcapil) knows that. Every failure is an EINVALID *Error
// for the field "nik" whose message says which part is wrong.
func ParseNIK(s string, w *Wilayah, now time.Time) (NIK, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return NIK{}, FieldError("nik", msgNIKEmpty)
	}
	var b strings.Builder
	b.Grow(16)
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			b.WriteByte(c)
		case c == ' ' || c == '.' || c == '-':
		default:
			return NIK{}, FieldError("nik", msgNIKNotDigits)
		}
	}
	d := b.String()
	if len(d) != 16 {
		return NIK{}, FieldError("nik", fmt.Sprintf(msgNIKLength, len(d)))
	}

	n := NIK{
		Province:  d[0:2],
		KabKota:   d[0:2] + "." + d[2:4],
		Kecamatan: d[0:2] + "." + d[2:4] + "." + d[4:6],
		Serial:    d[12:16],
		digits:    d,
	}
	if err := checkNIKRegion(n, w); err != nil {
		return NIK{}, err
	}

	day, month, yy := atoi2(d[6:8]), atoi2(d[8:10]), atoi2(d[10:12])
	if day > 40 {
		n.Female = true
		day -= 40
	}
	y, m, dd := now.Date()
	year := 2000 + yy
	if year > y {
		year = 1900 + yy
	}
	if day < 1 || day > 31 || month < 1 || month > 12 {
		return NIK{}, FieldError("nik", msgNIKDate)
	}
	n.BirthDate = time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC)
	if n.BirthDate.Day() != day {
		// time.Date normalised an impossible date such as 30 February.
		return NIK{}, FieldError("nik", msgNIKDate)
	}
	if n.BirthDate.After(time.Date(y, m, dd, 0, 0, 0, 0, time.UTC)) {
		return NIK{}, FieldError("nik", msgNIKFuture)
	}
	if n.Serial == "0000" {
		return NIK{}, FieldError("nik", msgNIKSerial)
	}
	return n, nil
}

// checkNIKRegion checks the first six digits of n; see ParseNIK.
func checkNIKRegion(n NIK, w *Wilayah) error {
	if w != nil && w.Covers(n.KabKota) {
		r, ok := w.Lookup(n.Kecamatan)
		if !ok || r.Level != LevelKecamatan || r.Parent != n.KabKota {
			return FieldError("nik", msgNIKKecamatan)
		}
		return nil
	}
	switch {
	case atoi2(n.digits[0:2]) < 11:
		return FieldError("nik", msgNIKProvince)
	case n.digits[2:4] == "00":
		return FieldError("nik", msgNIKKabKota)
	case n.digits[4:6] == "00":
		return FieldError("nik", msgNIKKecamatan)
	}
	return nil
}

// atoi2 converts two ASCII digits already checked by the caller.
func atoi2(s string) int {
	return int(s[0]-'0')*10 + int(s[1]-'0')
}

// Digits returns the 16 raw digits, for the code that must have them: the
// encrypted column, the keyed lookup hash and the civil-registry verifier.
// It is deliberately not String, so that printing or logging a NIK never
// reveals it by accident.
func (n NIK) Digits() string { return n.digits }

// Masked returns the NIK with all but the first 4 and last 2 digits hidden,
// e.g. "3575**********01": enough for a resident or an officer to recognise
// the number, not enough to use it. It returns "" for the zero NIK.
func (n NIK) Masked() string {
	if len(n.digits) != 16 {
		return ""
	}
	return n.digits[:4] + strings.Repeat("*", 10) + n.digits[14:]
}

// String returns the masked form, so that fmt verbs (%v, %s, %+v) never
// print the digits. Use Digits for the raw number.
func (n NIK) String() string { return n.Masked() }

// GoString returns the masked form for %#v, which otherwise prints the
// unexported digits field.
func (n NIK) GoString() string { return fmt.Sprintf("esambat.NIK{%q}", n.Masked()) }

// LogValue makes slog record the masked form.
func (n NIK) LogValue() slog.Value { return slog.StringValue(n.Masked()) }

// MarshalJSON encodes the masked form as a JSON string. Without it the
// exported fields together spell out the whole number (region, birth date,
// serial), and a NIK inside a logged or served struct would leak. There is
// no UnmarshalJSON: a NIK comes in as text through ParseNIK.
func (n NIK) MarshalJSON() ([]byte, error) { return json.Marshal(n.Masked()) }

// InKabKota reports whether the NIK was issued in the dotted kab/kota code,
// e.g. InKabKota("35.75") for Kota Pasuruan. This says where the NIK was
// first issued, not where its holder lives now.
func (n NIK) InKabKota(code string) bool { return n.digits != "" && n.KabKota == code }

// Age returns the holder's age in whole years on now's calendar date (in
// now's location), or 0 when now is before the birth date. Someone born on
// 29 February turns a year older on 1 March in common years.
func (n NIK) Age(now time.Time) int {
	y, m, d := now.Date()
	age := y - n.BirthDate.Year()
	if m < n.BirthDate.Month() || (m == n.BirthDate.Month() && d < n.BirthDate.Day()) {
		age--
	}
	return max(age, 0)
}
