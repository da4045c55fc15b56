package http

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/esambat/esambat"
	"github.com/esambat/esambat/http/html"
)

// page is what every template gets.
type page struct {
	Lang   string
	Title  string
	Path   string
	User   *esambat.User
	CSRF   string
	Flash  string
	Errors []fieldError
	// Fields maps a field name to its translated error, for the inputs.
	Fields map[string]string
	Values url.Values
	// TileURL is the map tile template; empty means no map.
	TileURL         string
	TileAttribution string
	Data            any
	// query is the request URL's query, kept by the language switch.
	query url.Values
	// now is the service's clock when the page was begun (Late).
	now time.Time
}

type fieldError struct{ Field, Message string }

// T translates msg into the page's language.
func (p *page) T(msg string) string { return T(p.Lang, msg) }

// EventText is an event's public text in the reader's language: the
// sentences E-Sambat writes itself are translated, people's words are not.
func (p *page) EventText(ev esambat.Event) string { return esambat.EventText(p.Lang, &ev) }

// CategoryName is a category's name in the reader's language.
func (p *page) CategoryName(c esambat.Category) string { return categoryName(p.Lang, c) }

func categoryName(lang string, c esambat.Category) string {
	if lang == LangEN && c.NameEN != "" {
		return c.NameEN
	}
	return c.Name
}

// Tf translates a format and fills it in, whole numbers written as Num
// writes them.
func (p *page) Tf(format string, args ...any) string {
	for i, a := range args {
		if n, ok := a.(int); ok {
			args[i] = number(p.Num(n))
		}
	}
	return fmt.Sprintf(T(p.Lang, format), args...)
}

// Num writes a whole number with the page language's thousands separator:
// 803.840 in Indonesian, 803,840 in English.
func (p *page) Num(n int) string {
	sep := byte('.')
	if p.Lang == LangEN {
		sep = ','
	}
	digits := strconv.Itoa(n)
	sign := ""
	if n < 0 {
		sign, digits = "-", digits[1:]
	}
	var b []byte
	for i := range len(digits) {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b = append(b, sep)
		}
		b = append(b, digits[i])
	}
	return sign + string(b)
}

// number is a formatted number that prints as itself for any verb, so
// that a translation's %d takes it.
type number string

func (n number) Format(f fmt.State, _ rune) { io.WriteString(f, string(n)) }

// V returns a submitted form value, to refill a form after an error.
func (p *page) V(name string) string { return p.Values.Get(name) }

// Err returns the error of a field, or "".
func (p *page) Err(name string) string { return p.Fields[name] }

// OtherLang is the language the switch offers.
func (p *page) OtherLang() string {
	if p.Lang == LangEN {
		return LangID
	}
	return LangEN
}

// LangQuery is the query of the language switch's link: this page's
// own (a search, a filter, a page of a list) in the other language. The
// "?" is part of it, for the template's escaper (see nextQuery).
func (p *page) LangQuery() string {
	q := url.Values{}
	for k, vs := range p.query {
		q[k] = vs
	}
	q.Set("lang", p.OtherLang())
	return "?" + q.Encode()
}

var months = map[string][]string{
	LangID: {"Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober", "November", "Desember"},
	LangEN: {"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"},
}

// Date shows a time as a WIB date, e.g. "17 Maret 2026".
func (p *page) Date(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	t = t.In(esambat.WIB)
	return fmt.Sprintf("%d %s %d", t.Day(), months[p.Lang][t.Month()-1], t.Year())
}

// DateTime shows a time in WIB with hours, e.g. "17 Maret 2026 10.05 WIB".
func (p *page) DateTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	w := t.In(esambat.WIB)
	sep := "."
	if p.Lang == LangEN {
		sep = ":"
	}
	return fmt.Sprintf("%s %02d%s%02d WIB", p.Date(t), w.Hour(), sep, w.Minute())
}

// Due shows a due instant (00:00 WIB after the last working day) as the
// last day itself.
func (p *page) Due(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return p.Date(t.Add(-time.Nanosecond))
}

// Late reports whether the city is late with r's current step
// (esambat.Report.Late): the resident's pages say so beside the date.
func (p *page) Late(r *esambat.Report) bool { return r.Late(p.now) }

// flagLabels are the words the staff pages show for a report's flags
// (esambat.Flag*), which are codes.
var flagLabels = map[string]string{
	esambat.FlagDomicileUnverified: "domisili belum terverifikasi",
	esambat.FlagPhoneUnconfirmed:   "nomor belum terkonfirmasi",
	esambat.FlagOnBehalf:           "atas nama",
	esambat.FlagNearDuplicate:      "kemungkinan duplikat",
}

// actionLabels are the words the staff timeline shows for an event's
// action (esambat.Action*, and the stores' own "photo" and "view").
var actionLabels = map[string]string{
	esambat.ActionSubmit:                "Laporan dikirim",
	string(esambat.ActionVerify):        "Diverifikasi dan diteruskan",
	string(esambat.ActionDispose):       "Dialihkan",
	string(esambat.ActionReturn):        "Dikembalikan untuk dilengkapi",
	string(esambat.ActionResubmit):      "Dikirim ulang",
	string(esambat.ActionReject):        "Ditolak",
	string(esambat.ActionDuplicate):     "Digabung sebagai duplikat",
	string(esambat.ActionAccept):        "Diterima dengan rencana",
	string(esambat.ActionAnswer):        "Dijawab",
	string(esambat.ActionNote):          "Catatan internal",
	string(esambat.ActionFinish):        "Diselesaikan",
	string(esambat.ActionHandback):      "Bukan kewenangan",
	string(esambat.ActionConfirm):       "Dikonfirmasi pelapor",
	string(esambat.ActionDispute):       "Disanggah pelapor",
	string(esambat.ActionSupport):       "Didukung warga",
	string(esambat.ActionSetVisibility): "Kerahasiaan diubah",
	string(esambat.ActionRecategorize):  "Kategori diubah",
	string(esambat.ActionAutoClose):     "Ditutup otomatis",
	string(esambat.ActionEscalate):      "Batas waktu terlewati",
	string(esambat.ActionUndo):          "Dikembalikan ke antrean",
	string(esambat.ActionPublish):       "Dipublikasikan",
	"photo":                             "Foto ditambahkan",
	"view":                              "Dibuka petugas",
}

// roleLabels name who acted on the staff timeline.
var roleLabels = map[esambat.Role]string{
	esambat.RoleWarga:    "warga",
	esambat.RoleAdmin:    "admin",
	esambat.RolePetugas:  "petugas",
	esambat.RolePimpinan: "pimpinan",
	esambat.RoleSystem:   "sistem",
	esambat.RolePartner:  "aplikasi mitra",
}

// ActionLabel is an event's action in words; an unknown code as it is.
func (p *page) ActionLabel(action string) string { return label(p, actionLabels, action) }

// RoleLabel is who acted, in words; an unknown role as it is.
func (p *page) RoleLabel(r esambat.Role) string { return label(p, roleLabels, r) }

// FlagLabel is a flag in words; an unknown code as it is.
func (p *page) FlagLabel(flag string) string { return label(p, flagLabels, flag) }

// label is code's words in labels, in p's language; an unknown code as
// it is.
func label[K ~string](p *page, labels map[K]string, code K) string {
	if l, ok := labels[code]; ok {
		return p.T(l)
	}
	return string(code)
}

// StatusLabel is the plain-language status.
func (p *page) StatusLabel(s esambat.Status) string { return p.T(StatusLabels[s]) }

// templates parses each page together with the layout.
type templates struct {
	once  sync.Once
	pages map[string]*template.Template
	err   error
}

func (t *templates) load() error {
	t.once.Do(func() {
		t.pages = map[string]*template.Template{}
		names, err := fs.Glob(html.Templates, "templates/*.html")
		if err != nil {
			t.err = err
			return
		}
		funcs := template.FuncMap{
			"join": strings.Join,
			"json": func(v any) (string, error) {
				b, err := json.Marshal(v)
				return string(b), err
			},
			"nextQuery": func(v url.Values, next string) string {
				q := url.Values{}
				for k, vs := range v {
					if k != "cursor" && k != "lang" {
						q[k] = vs
					}
				}
				q.Set("cursor", next)
				// The "?" is part of the value: after a "?" in the
				// template the escaper would take the whole value for
				// one query parameter and escape its "=" and "&".
				return "?" + q.Encode()
			},
			// exportQuery keeps the list's filters for its open-data
			// download: the export takes every page, and no language.
			"exportQuery": func(v url.Values) string {
				q := url.Values{}
				for _, k := range []string{"q", "category", "kelurahan", "status", "from", "to"} {
					if x := v.Get(k); x != "" {
						q.Set(k, x)
					}
				}
				if len(q) == 0 {
					return ""
				}
				return "?" + q.Encode()
			},
			// dict passes several values to a shared template:
			// dict "P" $ "Rows" .ByAgency.
			"dict": func(kv ...any) (map[string]any, error) {
				if len(kv)%2 != 0 {
					return nil, fmt.Errorf("dict: odd number of arguments")
				}
				m := make(map[string]any, len(kv)/2)
				for i := 0; i < len(kv); i += 2 {
					k, ok := kv[i].(string)
					if !ok {
						return nil, fmt.Errorf("dict: key %v is not a string", kv[i])
					}
					m[k] = kv[i+1]
				}
				return m, nil
			},
			// breakable lets an email address wrap after its "@" and
			// dots only, never inside a word.
			"breakable": breakable,
			"add":       func(a, b int) int { return a + b },
			"mul100":    func(f float64) float64 { return f * 100 },
			"seq": func(n int) []int {
				s := make([]int, n)
				for i := range s {
					s[i] = i + 1
				}
				return s
			},
		}
		for _, n := range names {
			base := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
			if base == "layout" {
				continue
			}
			tpl, err := template.New("layout.html").Funcs(funcs).ParseFS(html.Templates, "templates/layout.html", n)
			if err != nil {
				t.err = fmt.Errorf("template %s: %w", n, err)
				return
			}
			t.pages[base] = tpl
		}
	})
	return t.err
}

// render writes a page. It renders into a buffer first so that a template
// error becomes a clean 500 instead of half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, p *page) {
	if err := s.tpl.load(); err != nil {
		s.Logger.Error("templates", "err", err)
		http.Error(w, "template error", http.StatusInternalServerError)
		return
	}
	tpl, ok := s.tpl.pages[name]
	if !ok {
		s.Logger.Error("no such template", "name", name)
		http.Error(w, "template error", http.StatusInternalServerError)
		return
	}
	var buf bytes.Buffer
	if err := tpl.Execute(&buf, p); err != nil {
		s.Logger.Error("render", "template", name, "err", err)
		http.Error(w, "Terjadi kesalahan internal.", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", s.csp())
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Language", p.Lang)
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// csp allows our own scripts and styles and the tile server's images.
func (s *Server) csp() string {
	img := "'self' data: blob:"
	if s.TileURL != "" {
		if u, err := url.Parse(strings.ReplaceAll(strings.ReplaceAll(s.TileURL, "{", ""), "}", "")); err == nil && u.Host != "" {
			host := u.Host
			if strings.HasPrefix(host, "s.") || strings.Contains(s.TileURL, "{s}") {
				host = "*." + strings.TrimPrefix(host, "s.")
			}
			img += " " + u.Scheme + "://" + host
		}
	}
	return "default-src 'self'; img-src " + img + "; style-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
}

// newPage prepares the common page data.
func (s *Server) newPage(w http.ResponseWriter, r *http.Request, title string) *page {
	p := &page{Lang: langOf(w, r), Path: r.URL.Path, Values: url.Values{}, Fields: map[string]string{},
		TileURL: s.TileURL, TileAttribution: s.TileAttribution, query: r.URL.Query(), now: s.Service.Time()}
	p.Title = p.T(title)
	if a := actorFrom(r.Context()); a != nil {
		if u, err := s.Service.Users.FindUserByID(r.Context(), a.UserID); err == nil {
			p.User = u
		}
		p.CSRF = csrfToken(sessionFrom(r.Context()))
	}
	if c, err := r.Cookie("esambat_flash"); err == nil {
		if v, err := url.QueryUnescape(c.Value); err == nil {
			p.Flash = p.T(v)
		}
		http.SetCookie(w, &http.Cookie{Name: "esambat_flash", Path: "/", MaxAge: -1})
	}
	return p
}

// flash shows msg once on the next page.
func flash(w http.ResponseWriter, msg string) {
	http.SetCookie(w, &http.Cookie{Name: "esambat_flash", Value: url.QueryEscape(msg), Path: "/", MaxAge: 60, HttpOnly: true, SameSite: http.SameSiteLaxMode})
}

// setErrors puts err on the page: field errors beside their inputs and in
// the summary, other errors in the summary alone.
func (p *page) setErrors(err error) {
	var e *esambat.Error
	if errors.As(err, &e) && len(e.Fields) > 0 {
		keys := make([]string, 0, len(e.Fields))
		for k := range e.Fields {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			msg := p.T(e.Fields[k])
			p.Fields[k] = msg
			p.Errors = append(p.Errors, fieldError{k, msg})
		}
		return
	}
	p.Errors = append(p.Errors, fieldError{"", p.T(esambat.ErrorMessage(err))})
}

// checkCSRF verifies the form token of a cookie session.
func (s *Server) checkCSRF(r *http.Request) bool {
	sess := sessionFrom(r.Context())
	if sess == "" {
		return true // no session: nothing to ride on; CrossOriginProtection still applies
	}
	return r.PostFormValue("csrf") == csrfToken(sess)
}

// errStaleForm is the answer to a form whose CSRF token does not match
// the session (an old tab, or another site posting).
func errStaleForm() error {
	return esambat.Errorf(esambat.EFORBIDDEN, "Formulir kedaluwarsa. Muat ulang halaman lalu coba lagi.")
}

// formOK checks the form's CSRF token and, when it fails, answers with the
// error page.
func (s *Server) formOK(w http.ResponseWriter, r *http.Request) bool {
	if s.checkCSRF(r) {
		return true
	}
	s.pageError(w, r, errStaleForm())
	return false
}

// newIdem returns a random idempotency key for a form.
func newIdem() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// pageError renders an error page in the visitor's language.
func (s *Server) pageError(w http.ResponseWriter, r *http.Request, err error) {
	code := esambat.ErrorCode(err)
	status, ok := statusOf[code]
	if !ok {
		status = http.StatusInternalServerError
	}
	if code == esambat.EINTERNAL || !ok {
		s.Logger.Error("internal error", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	if code == esambat.EUNAVAILABLE {
		w.Header().Set("Retry-After", "5")
	}
	p := s.newPage(w, r, "Terjadi masalah")
	if status == http.StatusNotFound {
		p.Title = p.T("Halaman tidak ditemukan")
	}
	p.Data = p.T(esambat.ErrorMessage(err))
	s.render(w, r, status, "error", p)
}

// requireLoginForm is requireLogin for a form's POST: it also checks the
// form's CSRF token (formOK); nil when either has answered.
func (s *Server) requireLoginForm(w http.ResponseWriter, r *http.Request) *esambat.Actor {
	a := s.requireLogin(w, r)
	if a == nil || !s.formOK(w, r) {
		return nil
	}
	return a
}

// requireLogin redirects to the login page, coming back afterwards.
func (s *Server) requireLogin(w http.ResponseWriter, r *http.Request) *esambat.Actor {
	a := actorFrom(r.Context())
	if a == nil {
		http.Redirect(w, r, "/masuk?kembali="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
	}
	return a
}

// safeNext keeps redirects on this site.
func safeNext(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/"
	}
	return next
}

// breakable escapes s and marks a line-break opportunity (<wbr>) after
// every "@" and ".".
func breakable(s string) template.HTML {
	var b strings.Builder
	for _, r := range s {
		b.WriteString(template.HTMLEscapeString(string(r)))
		if r == '@' || r == '.' {
			b.WriteString("<wbr>")
		}
	}
	return template.HTML(b.String())
}
