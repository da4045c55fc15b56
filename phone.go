package esambat

import "strings"

// Messages of NormalizePhone.
const (
	msgPhoneEmpty    = "Nomor HP wajib diisi."
	msgPhoneInvalid  = "Nomor HP tidak valid. Gunakan nomor seluler Indonesia, misalnya 0812-3456-7890."
	msgPhoneCountry  = "Nomor HP harus nomor seluler Indonesia (+62), misalnya 0812-3456-7890."
	msgPhoneLandline = "Nomor HP harus nomor seluler yang diawali 08, bukan nomor telepon rumah atau kantor."
	msgPhoneShort    = "Nomor HP terlalu pendek. Gunakan nomor seluler Indonesia, misalnya 0812-3456-7890."
	msgPhoneLong     = "Nomor HP terlalu panjang. Gunakan nomor seluler Indonesia, misalnya 0812-3456-7890."
)

// NormalizePhone returns an Indonesian mobile number in E.164 form,
// "+628…". Residents write the same number as "0812-3456-7890",
// "+62 812 3456 7890", "62812…", "(0812) 3456 7890" or "812…"; storing one
// form lets a number be matched, deduplicated and handed to an SMS or
// WhatsApp gateway without guessing.
//
// Spaces, dashes, dots and parentheses are dropped, 00 is read as +, and a
// trunk 0 written after the country code ("+62 (0)812…") is ignored. The national number
// must then start with 8 (Indonesian mobile numbers do) and have 9 to 12
// digits. Landlines, other countries' numbers and anything with other
// characters are rejected: the number is for SMS/WhatsApp updates, which a
// landline cannot receive. Every failure is an EINVALID *Error for the field
// "phone".
func NormalizePhone(s string) (string, error) {
	s = strings.TrimSpace(s)
	var b strings.Builder
	b.Grow(len(s))
	plus := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			b.WriteByte(c)
		case c == ' ' || c == '-' || c == '.' || c == '(' || c == ')':
		case c == '+' && b.Len() == 0 && !plus:
			plus = true
		default:
			return "", FieldError("phone", msgPhoneInvalid)
		}
	}
	d := b.String()
	if !plus && strings.HasPrefix(d, "00") {
		// "0062 812…": the international call prefix instead of a plus.
		plus, d = true, d[2:]
	}
	prefixed := plus || strings.HasPrefix(d, "0") || strings.HasPrefix(d, "62")
	switch {
	case d == "" && !plus:
		return "", FieldError("phone", msgPhoneEmpty)
	case plus || strings.HasPrefix(d, "62"):
		// International form. Without a plus, "62…" cannot be a national
		// number, since those start with 0 or 8.
		if !strings.HasPrefix(d, "62") {
			return "", FieldError("phone", msgPhoneCountry)
		}
		d = strings.TrimPrefix(d[2:], "0")
	case strings.HasPrefix(d, "0"):
		d = d[1:]
	}
	switch {
	case d == "":
		return "", FieldError("phone", msgPhoneShort)
	case d[0] != '8' && prefixed:
		// A national number after 0 or +62 that is not 8… is a landline
		// with its area code, such as 0343 for Pasuruan.
		return "", FieldError("phone", msgPhoneLandline)
	case d[0] != '8':
		return "", FieldError("phone", msgPhoneInvalid)
	case len(d) < 9:
		return "", FieldError("phone", msgPhoneShort)
	case len(d) > 12:
		return "", FieldError("phone", msgPhoneLong)
	}
	return "+62" + d, nil
}

// MaskPhone hides the middle of a number returned by NormalizePhone,
// "+6281234567890" → "+62812****7890", for pages and logs where an officer
// needs to recognise a number but not to call it. For anything that is not
// such a number it returns "***" rather than risk showing it.
func MaskPhone(e164 string) string {
	if !isE164Mobile(e164) {
		return "***"
	}
	national := e164[3:]
	return "+62" + national[:3] + strings.Repeat("*", len(national)-7) + national[len(national)-4:]
}

// isE164Mobile reports whether s has the form NormalizePhone returns.
func isE164Mobile(s string) bool {
	if !strings.HasPrefix(s, "+628") || len(s) < 3+9 || len(s) > 3+12 {
		return false
	}
	for i := 1; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
