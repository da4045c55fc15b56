package http

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/esambat/esambat"
	"github.com/esambat/esambat/media"
)

// Pinger reports whether the database answers.
type Pinger interface {
	Ping(ctx context.Context) error
}

// Server holds what the handlers need. Build it with its fields set, then
// call Handler.
type Server struct {
	Service *esambat.Service
	DB      Pinger
	Logger  *slog.Logger
	Metrics *Metrics
	// BaseURL is the public URL of the site, e.g. https://sambat.pasuruankota.go.id.
	BaseURL string
	// Version is shown by /healthz.
	Version string
	// MaxBody caps request bodies that are not uploads (bytes).
	MaxBody int64
	// Outbox shows and retries undeliverable notifications; nil hides
	// the page.
	Outbox esambat.OutboxStore
	// RequestTimeout bounds the work of one request (database calls see
	// the deadline); default 45 s. Photo uploads are exempt: on a weak
	// mobile network the body alone can take minutes.
	RequestTimeout time.Duration
	// RateLimits bound API and Open311 requests per caller.
	RateLimits RateLimits
	// CORSOrigins are the browser origins (https://app.example) allowed
	// to call the API from their pages; none by default.
	CORSOrigins []string
	// Media stores photos; nil refuses uploads with EUNAVAILABLE.
	Media media.Store
	// TileURL is the map tile URL template (e.g.
	// https://tile.openstreetmap.org/{z}/{x}/{y}.png); empty = no map, the
	// kelurahan picker and address field still work.
	TileURL         string
	TileAttribution string
	// Open311Error, when set, writes refusals on /open311/ paths in the
	// Open311 error shape (rate limits, cross-site posts, bad keys).
	Open311Error func(w http.ResponseWriter, r *http.Request, status int, err error)
	// Open311 serves /open311/ (package open311); nil = not mounted.
	Open311 http.Handler
	// Later runs work whose duration must not show in the answer: the
	// sending of a password-reset code, which only a registered number
	// gets (its database write and SMS would otherwise tell a registered
	// number by a slower answer). nil = a goroutine of its own; tests run
	// it in place.
	Later func(work func())

	tpl      templates
	photoSem chan struct{}
	// exportSem holds a place for each open-data export running.
	exportSem chan struct{}
	limits    buckets

	refs   refCache
	home   *cached[homeData]
	stats  *cached[*esambat.Stats]
	counts listCounts

	loginLimit, ipLimit, registerLimit, otpLimit *limiter
}

// Handler returns the root handler with every route and middleware.
func (s *Server) Handler() http.Handler {
	if s.Logger == nil {
		s.Logger = slog.New(slog.DiscardHandler)
	}
	if s.Metrics == nil {
		s.Metrics = NewMetrics()
	}
	if s.MaxBody == 0 {
		s.MaxBody = 1 << 20
	}
	s.loginLimit = newLimiter(10, 15*time.Minute) // wrong passwords per account
	s.ipLimit = newLimiter(50, 15*time.Minute)    // wrong passwords per address
	s.registerLimit = newLimiter(20, time.Hour)   // sign-ups per address
	s.otpLimit = newLimiter(5, time.Hour)         // code resends per account
	s.photoSem = make(chan struct{}, 2)
	s.exportSem = make(chan struct{}, exportsAtOnce)
	s.home, s.stats = s.newHomeCounts(), s.newStats()
	mux := http.NewServeMux()
	s.routes(mux)
	s.staffRoutes(mux)
	s.userRoutes(mux)
	s.overdueRoutes(mux)
	s.webRoutes(mux)
	root := methodNotAllowed(mux, s)
	s.limits.now = time.Now
	if s.RequestTimeout == 0 {
		s.RequestTimeout = 45 * time.Second
	}
	return s.recoverer(s.deadline(s.observe(compress(securityHeaders(s.cors(s.crossOrigin(s.authenticate(s.rateLimit(root)))))))))
}

func (s *Server) routes(mux *http.ServeMux) {
	mux.HandleFunc("GET /healthz", s.handleHealthz)
	mux.HandleFunc("GET /readyz", s.handleReadyz)
	mux.HandleFunc("GET /metrics", s.handleMetrics)
	mux.HandleFunc("GET /api/openapi.json", s.handleOpenAPI)
	mux.HandleFunc("GET /api/docs", s.handleAPIDocs)
	for _, rt := range s.apiRoutes() {
		mux.HandleFunc(rt.Method+" "+rt.Path, rt.handler)
	}
	mux.HandleFunc("/api/", s.handleAPINotFound)
	mux.HandleFunc("GET /open-data/reports.csv", s.handleExportCSV)
	mux.HandleFunc("GET /open-data/reports.geojson", s.handleExportGeoJSON)
	if s.Open311 != nil {
		mux.Handle("/open311/", s.Open311)
	}
}

// apiRoute is one operation of the JSON API. The OpenAPI document
// (openapi.json) must describe exactly these; a test holds them together.
type apiRoute struct {
	Method, Path string
	handler      http.HandlerFunc
}

func (s *Server) apiRoutes() []apiRoute {
	return []apiRoute{
		{"GET", "/api/v1/jurisdiction", s.handleJurisdiction},
		{"GET", "/api/v1/categories", s.handleCategories},
		{"GET", "/api/v1/agencies", s.handleAgencies},
		{"GET", "/api/v1/kelurahan", s.handleKelurahan},
		{"GET", "/api/v1/stats", s.handleStatsAPI},
		{"GET", "/api/v1/overdue", s.handleOverdueAPI},
		{"GET", "/api/v1/reports", s.handleReportList},
		{"POST", "/api/v1/reports", s.handleReportCreate},
		{"GET", "/api/v1/reports/nearby", s.handleNearby},
		{"GET", "/api/v1/reports/{ticket}", s.handleReportGet},
		{"POST", "/api/v1/reports/{ticket}/actions", s.handleReportAction},
		{"POST", "/api/v1/reports/{ticket}/photos", s.handleReportPhotos},
		{"POST", "/api/v1/auth/register", s.handleRegister},
		{"POST", "/api/v1/auth/verify-phone", s.handleVerifyPhone},
		{"POST", "/api/v1/auth/resend-code", s.handleResendCode},
		{"POST", "/api/v1/auth/confirm-email", s.handleEmailConfirmAPI},
		{"POST", "/api/v1/auth/token", s.handleToken},
		{"POST", "/api/v1/auth/password-reset", s.handlePasswordResetAPI},
		{"POST", "/api/v1/auth/password-reset/confirm", s.handlePasswordResetConfirmAPI},
		{"GET", "/api/v1/me", s.handleMe},
		{"PUT", "/api/v1/me", s.handleMeUpdate},
		{"DELETE", "/api/v1/me", s.handleMeClose},
		{"GET", "/api/v1/me/export", s.handleMyDataAPI},
		{"POST", "/api/v1/me/email/resend", s.handleEmailResendAPI},
		{"POST", "/api/v1/me/password", s.handlePasswordChangeAPI},
		{"GET", "/api/v1/me/tokens", s.handleTokenList},
		{"DELETE", "/api/v1/me/tokens/{id}", s.handleTokenRevoke},
		{"GET", "/api/v1/templates", s.handleTemplateListAPI},
		{"POST", "/api/v1/templates", s.handleTemplateCreateAPI},
		{"DELETE", "/api/v1/templates/{id}", s.handleTemplateDeleteAPI},
		{"PUT", "/api/v1/categories/{code}/auto-threshold", s.handleThresholdAPI},
		{"PUT", "/api/v1/categories/{code}/default-agency", s.handleDefaultAgencyAPI},
		{"GET", "/api/v1/users", s.handleUsersAPI},
		{"POST", "/api/v1/users", s.handleUserCreateAPI},
		{"PUT", "/api/v1/users/{id}", s.handleUserUpdateAPI},
		{"POST", "/api/v1/users/{id}/{action}", s.handleUserStateAPI},
		{"GET", "/api/v1/account-events", s.handleUserHistoryAPI},
		{"GET", "/api/v1/outbox/dead", s.handleDeadListAPI},
		{"POST", "/api/v1/outbox/{id}/retry", s.handleDeadRetryAPI},
	}
}

// handleHealthz says the process runs, with facts a monitor may alert on:
// holidays_until is the holiday table's last day, after which due dates
// miss the lunar holidays and cuti bersama until next year's SKB is added.
func (s *Server) handleHealthz(w http.ResponseWriter, r *http.Request) {
	out := map[string]string{"status": "ok", "version": s.Version}
	if s.Service != nil && s.Service.Clocks.Calendar != nil {
		if until := s.Service.Clocks.Calendar.CoveredUntil(); !until.IsZero() {
			out["holidays_until"] = until.Format(time.DateOnly)
		}
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) handleReadyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.DB.Ping(ctx); err != nil {
		s.Logger.Warn("readyz: database not answering", "err", err)
		w.Header().Set("Retry-After", "5")
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "database": "down"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready", "database": "ok"})
}

func (s *Server) handleAPINotFound(w http.ResponseWriter, r *http.Request) {
	s.Error(w, r, esambat.Errorf(esambat.ENOTFOUND, "Alamat API tidak dikenal: %s %s", r.Method, r.URL.Path))
}

// statusOf maps error codes to HTTP statuses.
var statusOf = map[string]int{
	esambat.EINVALID:      http.StatusBadRequest,
	esambat.ENOTFOUND:     http.StatusNotFound,
	esambat.ECONFLICT:     http.StatusConflict,
	esambat.EUNAUTHORIZED: http.StatusUnauthorized,
	esambat.EFORBIDDEN:    http.StatusForbidden,
	esambat.EOUTOFAREA:    http.StatusUnprocessableEntity,
	esambat.ETOOLARGE:     http.StatusRequestEntityTooLarge,
	esambat.ERATELIMIT:    http.StatusTooManyRequests,
	esambat.EUNAVAILABLE:  http.StatusServiceUnavailable,
	esambat.EINTERNAL:     http.StatusInternalServerError,
}

// errorBody is the documented error shape of /api/v1.
type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code     string            `json:"code"`
	Message  string            `json:"message"`
	Fields   map[string]string `json:"fields,omitempty"`
	Referral *esambat.Referral `json:"referral,omitempty"`
}

// Error writes err in the API error shape. Internal errors are logged in
// full; the client sees only a generic message.
func (s *Server) Error(w http.ResponseWriter, r *http.Request, err error) {
	code := esambat.ErrorCode(err)
	status, ok := statusOf[code]
	if !ok {
		code, status = esambat.EINTERNAL, http.StatusInternalServerError
	}
	body := errorBody{Error: errorDetail{Code: code, Message: esambat.ErrorMessage(err)}}
	var e *esambat.Error
	if errors.As(err, &e) {
		body.Error.Fields = e.Fields
		body.Error.Referral = e.Referral
	}
	if s.Open311Error != nil && strings.HasPrefix(r.URL.Path, "/open311/") {
		if code == esambat.EUNAVAILABLE {
			w.Header().Set("Retry-After", "5")
		}
		s.Open311Error(w, r, status, err)
		return
	}
	switch code {
	case esambat.EINTERNAL:
		s.Logger.Error("internal error", "method", r.Method, "path", r.URL.Path, "err", err)
	case esambat.EUNAVAILABLE:
		s.Logger.Warn("unavailable", "method", r.Method, "path", r.URL.Path, "err", err)
		w.Header().Set("Retry-After", "5")
	}
	writeJSON(w, status, body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	_ = enc.Encode(v)
}

// securityHeaders sets headers every response should carry.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
		h.Set("X-Frame-Options", "DENY")
		next.ServeHTTP(w, r)
	})
}

// statusRecorder remembers the status code for logs and metrics.
type statusRecorder struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (r *statusRecorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	n, err := r.ResponseWriter.Write(b)
	r.bytes += int64(n)
	return n, err
}

func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// observe logs each request and counts it in the metrics.
func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		if rec.status == 0 {
			rec.status = http.StatusOK
		}
		d := time.Since(start)
		s.Metrics.ObserveRequest(r.Method, rec.status, d)
		lvl := slog.LevelDebug
		if rec.status >= 500 {
			lvl = slog.LevelWarn
		}
		s.Logger.Log(r.Context(), lvl, "request", "method", r.Method, "path", r.URL.Path, "status", rec.status,
			"bytes", rec.bytes, "duration_ms", float64(d.Microseconds())/1000, "remote", remoteIP(r))
	})
}

// recoverer turns a panic into a logged EINTERNAL answer instead of a
// dropped connection.
func (s *Server) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.Logger.Error("panic", "method", r.Method, "path", r.URL.Path, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
				s.Error(w, r, esambat.Internal(fmt.Errorf("panic: %v", v)))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

func remoteIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// decodeJSON reads a JSON body of at most s.MaxBody bytes into v, with
// clear errors for each way it can be wrong.
func (s *Server) decodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(strings.ToLower(ct), "application/json") {
		return esambat.FieldError("body", "Isi permintaan harus JSON (Content-Type: application/json).")
	}
	// The body is read whole (at most MaxBody) so that invalid UTF-8 is
	// refused: encoding/json would silently turn it into U+FFFD.
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.MaxBody))
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		return &esambat.Error{Code: esambat.ETOOLARGE, Message: fmt.Sprintf("Isi permintaan terlalu besar (maksimal %d byte).", s.MaxBody)}
	case err != nil:
		return esambat.FieldError("body", "Isi permintaan gagal diterima. Coba kirim lagi.")
	case !utf8.Valid(raw):
		return esambat.FieldError("body", "Isi permintaan bukan teks UTF-8 yang valid.")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			return esambat.FieldError("body", fmt.Sprintf("JSON tidak valid pada posisi %d.", se.Offset))
		case errors.As(err, &te):
			return esambat.FieldError(te.Field, fmt.Sprintf("Kolom %q bertipe salah: diharapkan %s.", te.Field, te.Type))
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			f := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
			return esambat.FieldError(f, fmt.Sprintf("Kolom %q tidak dikenal.", f))
		case errors.Is(err, errEOF(err)):
			return esambat.FieldError("body", "Isi permintaan kosong.")
		}
		return esambat.FieldError("body", "JSON tidak valid.")
	}
	if dec.More() {
		return esambat.FieldError("body", "Isi permintaan berisi lebih dari satu nilai JSON.")
	}
	return nil
}

func errEOF(err error) error {
	if err != nil && (err.Error() == "EOF" || err.Error() == "unexpected EOF") {
		return err
	}
	return errors.New("not eof")
}

// queryFloat parses a float query parameter; "" means absent.
func queryFloat(r *http.Request, name string) (*float64, error) {
	s := strings.TrimSpace(r.URL.Query().Get(name))
	if s == "" {
		return nil, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return nil, esambat.FieldError(name, fmt.Sprintf("%s harus berupa angka desimal.", name))
	}
	return &f, nil
}

// crossOrigin refuses cross-origin browser form posts (CSRF) with the API
// error shape on /api and a page elsewhere. Non-browser clients (partner
// apps with tokens) send neither Origin nor Sec-Fetch-Site and pass.
func (s *Server) crossOrigin(next http.Handler) http.Handler {
	cop := http.NewCrossOriginProtection()
	for _, o := range s.CORSOrigins {
		_ = cop.AddTrustedOrigin(o)
	}
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		err := esambat.Errorf(esambat.EFORBIDDEN, "Permintaan lintas situs ditolak.")
		if strings.HasPrefix(r.URL.Path, "/api/") || strings.HasPrefix(r.URL.Path, "/open311/") {
			s.Error(w, r, err)
			return
		}
		s.pageError(w, r, err)
	}))
	return cop.Handler(next)
}

// cors lets the configured origins call /api/ from their pages; every
// other origin gets no CORS headers (browsers then refuse to read the
// answer). Preflight requests are answered here.
func (s *Server) cors(next http.Handler) http.Handler {
	allowed := map[string]bool{}
	for _, o := range s.CORSOrigins {
		allowed[strings.TrimRight(o, "/")] = true
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		api := strings.HasPrefix(r.URL.Path, "/api/") || strings.HasPrefix(r.URL.Path, "/open311/")
		if api && origin != "" && allowed[origin] {
			h := w.Header()
			h.Set("Access-Control-Allow-Origin", origin)
			h.Add("Vary", "Origin")
			h.Set("Access-Control-Expose-Headers", "ETag, Retry-After, Location")
			if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
				h.Set("Access-Control-Allow-Methods", "GET, POST, PUT, DELETE")
				h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type, Idempotency-Key, X-API-Key, If-None-Match")
				h.Set("Access-Control-Max-Age", "600")
				w.WriteHeader(http.StatusNoContent)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// methodNotAllowed answers a known API path called with the wrong method
// in the documented error shape (ServeMux would answer in plain text).
func methodNotAllowed(mux *http.ServeMux, s *Server) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/api/") {
			if _, pattern := mux.Handler(r); pattern == "" || pattern == "/api/" {
				var allow []string
				for _, m := range []string{"GET", "POST", "PUT", "DELETE"} {
					probe := r.Clone(r.Context())
					probe.Method = m
					if _, p := mux.Handler(probe); p != "" && p != "/api/" {
						allow = append(allow, m)
					}
				}
				if len(allow) == 0 {
					mux.ServeHTTP(w, r) // no such path: the catch-all's 404
					return
				}
				w.Header().Set("Allow", strings.Join(allow, ", "))
				writeJSON(w, http.StatusMethodNotAllowed, errorBody{Error: errorDetail{Code: esambat.EINVALID,
					Message: fmt.Sprintf("Metode %s tidak didukung di %s; gunakan %s.", r.Method, r.URL.Path, strings.Join(allow, ", "))}})
				return
			}
		}
		mux.ServeHTTP(w, r)
	})
}

// deadline gives each request a deadline, so that a database that stops
// answering (packets dropped, not refused) turns into a 503 instead of a
// request held for minutes.
func (s *Server) deadline(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Uploads on weak networks have the server's read timeout; an
		// open-data export gives each page its own time (export).
		if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/") || strings.HasPrefix(r.URL.Path, "/open-data/") {
			next.ServeHTTP(w, r)
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), s.RequestTimeout)
		defer cancel()
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}
