package http

import "net/http"

// Languages: Bahasa Indonesia is the default; English for visitors and
// residents who prefer it.
const (
	LangID = "id"
	LangEN = "en"
)

// langCookie remembers the visitor's choice.
const langCookie = "esambat_lang"

// T translates an Indonesian message into lang. Indonesian text is the
// key (as in gettext), so templates stay readable and domain messages,
// which are written in Indonesian, are translated by the same table.
// Text without an English entry is shown in Indonesian.
func T(lang, msg string) string {
	if lang == LangEN {
		if s, ok := english[msg]; ok {
			return s
		}
	}
	return msg
}

// langOf picks the language: ?lang= (and remember it), then the cookie,
// defaulting to Indonesian. Accept-Language is not used: many residents'
// phones are set to English while they read Indonesian best, so English is
// an explicit choice.
func langOf(w http.ResponseWriter, r *http.Request) string {
	if l := r.URL.Query().Get("lang"); l == LangEN || l == LangID {
		http.SetCookie(w, &http.Cookie{Name: langCookie, Value: l, Path: "/", MaxAge: 365 * 24 * 3600, SameSite: http.SameSiteLaxMode, HttpOnly: true})
		return l
	}
	if c, err := r.Cookie(langCookie); err == nil && (c.Value == LangEN || c.Value == LangID) {
		return c.Value
	}
	return LangID
}
