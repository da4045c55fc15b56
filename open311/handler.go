package open311

import (
	"context"
	"errors"
	"log/slog"
	"mime/multipart"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/esambat/esambat"
)

// Prefix is where the adapter is mounted: every Open311 URL starts with
// it, e.g. /open311/v2/services.xml.
const Prefix = "/open311/v2/"

// Changeset is the discovery changeset: a sortable timestamp that changes
// when this adapter's behaviour does (clients cache the discovery
// document by it).
const Changeset = "2026-12-08T00:00:00+07:00"

// Handler serves Open311 GeoReport v2 under Prefix. Build it with its
// fields set; it is safe for concurrent use.
type Handler struct {
	// Service applies the domain rules; required.
	Service *esambat.Service
	// BaseURL is the public URL of the site, without a trailing slash
	// (discovery, media and tracking URLs start with it).
	BaseURL string
	// Logger receives internal errors; nil discards them.
	Logger *slog.Logger
	// StatusLabels names each status in plain Indonesian for status_notes
	// (the web's labels, http.StatusLabels); a missing label falls back to
	// the status word.
	StatusLabels map[esambat.Status]string
	// StorePhotos normalises and stores uploaded photos through the same
	// pipeline as the web form (http.Server.StorePhotos); nil refuses
	// multipart media.
	StorePhotos func(ctx context.Context, files []*multipart.FileHeader) ([]esambat.Photo, error)
	// Contact is the discovery contact; empty = a default naming
	// Diskominfotik Kota Pasuruan and BaseURL.
	Contact string

	refMu  sync.Mutex
	refAt  time.Time
	refVal *reference
}

// ServeHTTP routes by hand: GeoReport paths end in ".{format}"
// (services.xml, requests/ES-26-000123.json), which net/http.ServeMux
// patterns cannot split, so the last path segment is cut at its last dot.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rest, ok := strings.CutPrefix(r.URL.Path, Prefix)
	if !ok {
		h.fail(w, r, formatXML, notFound("Alamat Open311 tidak dikenal. Layanan GeoReport v2 ada di "+h.BaseURL+Prefix+"discovery.xml."))
		return
	}
	dir, file := "", rest
	if i := strings.LastIndexByte(rest, '/'); i >= 0 {
		dir, file = rest[:i], rest[i+1:]
	}
	base, ext, hasExt := cutLast(file, '.')
	f := format(ext)
	if !hasExt || (f != formatXML && f != formatJSON) {
		h.fail(w, r, formatXML, notFound("Format tidak dikenal: akhiri alamat dengan .xml atau .json (contoh: "+h.BaseURL+Prefix+"services.xml)."))
		return
	}
	if base == "" || strings.Contains(dir, "/") {
		h.fail(w, r, f, notFound("Alamat Open311 tidak dikenal: "+r.URL.Path))
		return
	}
	get := r.Method == http.MethodGet || r.Method == http.MethodHead
	switch {
	case dir == "" && base == "discovery":
		h.methods(w, r, f, get, "GET, HEAD", h.handleDiscovery)
	case dir == "" && base == "services":
		h.methods(w, r, f, get, "GET, HEAD", h.handleServices)
	case dir == "services":
		h.methods(w, r, f, get, "GET, HEAD", func(w http.ResponseWriter, r *http.Request, f format) {
			h.handleServiceDefinition(w, r, f, base)
		})
	case dir == "" && base == "requests":
		if r.Method == http.MethodPost {
			h.handleRequestCreate(w, r, f)
			return
		}
		h.methods(w, r, f, get, "GET, HEAD, POST", h.handleRequests)
	case dir == "requests":
		h.methods(w, r, f, get, "GET, HEAD", func(w http.ResponseWriter, r *http.Request, f format) {
			h.handleRequest(w, r, f, base)
		})
	case dir == "" && base == "servicerequestupdates":
		h.methods(w, r, f, get, "GET, HEAD", h.handleUpdates)
	case dir == "tokens":
		h.methods(w, r, f, get, "GET, HEAD", func(w http.ResponseWriter, r *http.Request, f format) {
			h.handleToken(w, r, f, base)
		})
	default:
		h.fail(w, r, f, notFound("Alamat Open311 tidak dikenal: "+r.URL.Path))
	}
}

// methods runs fn when the method is allowed, and answers 405 with Allow
// otherwise (a transport-level answer the specification does not cover).
func (h *Handler) methods(w http.ResponseWriter, r *http.Request, f format, ok bool, allow string, fn func(http.ResponseWriter, *http.Request, format)) {
	if !ok {
		w.Header().Set("Allow", allow)
		writeErrors(w, f, http.StatusMethodNotAllowed, errorItem{http.StatusMethodNotAllowed, "Metode " + r.Method + " tidak didukung di alamat ini (gunakan " + allow + ")."})
		return
	}
	fn(w, r, f)
}

// cutLast cuts s around the last sep.
func cutLast(s string, sep byte) (before, after string, found bool) {
	if i := strings.LastIndexByte(s, sep); i >= 0 {
		return s[:i], s[i+1:], true
	}
	return s, "", false
}

func (h *Handler) logger() *slog.Logger {
	if h.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return h.Logger
}

func (h *Handler) contact() string {
	if h.Contact != "" {
		return h.Contact
	}
	return "Dinas Komunikasi, Informatika dan Statistik (Diskominfotik) Kota Pasuruan, pengelola E-Sambat: " + h.BaseURL
}

// reference is the reference data the responses need, by the codes they
// are looked up with.
type reference struct {
	categories []esambat.Category
	byService  map[string]esambat.Category // by Open311 service_code
	byCode     map[string]esambat.Category // by our category code
	agencies   map[string]esambat.Agency
}

// refTTL is how long reference data is kept: admins rarely edit it, and
// every listed request needs its names.
const refTTL = time.Minute

func (h *Handler) reference(ctx context.Context) (*reference, error) {
	h.refMu.Lock()
	defer h.refMu.Unlock()
	if h.refVal != nil && time.Since(h.refAt) < refTTL {
		return h.refVal, nil
	}
	cats, err := h.Service.Reference.ListCategories(ctx)
	if err != nil {
		return nil, err
	}
	ags, err := h.Service.Reference.ListAgencies(ctx)
	if err != nil {
		return nil, err
	}
	ref := &reference{byService: map[string]esambat.Category{}, byCode: map[string]esambat.Category{}, agencies: map[string]esambat.Agency{}}
	for _, c := range cats {
		if c.ServiceCode == "" {
			continue // not offered over Open311
		}
		if !c.Retired { // retired ones still name old requests' services
			ref.categories = append(ref.categories, c)
		}
		ref.byService[c.ServiceCode] = c
		ref.byCode[c.Code] = c
	}
	sort.SliceStable(ref.categories, func(i, j int) bool { return ref.categories[i].ServiceCode < ref.categories[j].ServiceCode })
	for _, a := range ags {
		ref.agencies[a.Code] = a
	}
	h.refVal, h.refAt = ref, time.Now()
	return ref, nil
}

// errorItem is one entry of the specification's error list.
type errorItem struct {
	code        int
	description string
}

func writeErrors(w http.ResponseWriter, f format, status int, items ...errorItem) {
	vals := make([]any, len(items))
	for i, e := range items {
		vals[i] = object{{"code", e.code}, {"description", e.description}}
	}
	write(w, f, status, "errors", array{item: "error", values: vals})
}

func notFound(msg string) error { return esambat.Errorf(esambat.ENOTFOUND, "%s", msg) }

// badRequest returns an EINVALID error naming an Open311 parameter.
func badRequest(param, msg string) error { return esambat.FieldError(param, msg) }

// paramOf names, for the client, the Open311 parameter behind a field of
// a domain validation error.
var paramOf = map[string]string{
	"category":               "service_code",
	"title":                  "description",
	"lng":                    "long",
	"address":                "address_string",
	"location":               "lat/long",
	"kelurahan_code":         "address_string",
	"on_behalf.name":         "first_name/last_name",
	"on_behalf.relationship": "first_name/last_name",
	"on_behalf.phone":        "phone",
	"photos":                 "media",
	"photo":                  "media",
	"idempotency_key":        "Idempotency-Key",
}

// fail writes err as the specification's error list. The status follows
// the specification's rules: 403 for a missing or bad api_key, 404 for
// something that does not exist, 400 for everything else, including
// failures of our own ("General Service error"), which are logged in full
// while the client sees a generic text.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, f format, err error) {
	code := esambat.ErrorCode(err)
	status := http.StatusBadRequest
	switch code {
	case esambat.EFORBIDDEN, esambat.EUNAUTHORIZED:
		status = http.StatusForbidden
	case esambat.ENOTFOUND:
		status = http.StatusNotFound
	case esambat.EINTERNAL:
		h.logger().Error("open311: internal error", "method", r.Method, "path", r.URL.Path, "err", err)
	case esambat.EUNAVAILABLE:
		h.logger().Warn("open311: unavailable", "method", r.Method, "path", r.URL.Path, "err", err)
		w.Header().Set("Retry-After", "5")
	}
	var items []errorItem
	var e *esambat.Error
	switch {
	case code == esambat.EINTERNAL:
		items = append(items, errorItem{status, "Kesalahan layanan: permintaan tidak dapat diproses saat ini. Coba lagi nanti; bila berulang, hubungi " + h.contact() + "."})
	case code == esambat.EOUTOFAREA && errors.As(err, &e):
		msg := e.Message
		if ref := e.Referral; ref != nil && ref.URL != "" && !strings.Contains(msg, ref.URL) {
			msg += " " + ref.URL
		}
		items = append(items, errorItem{status, "lat/long: " + msg})
	case code == esambat.EINVALID && errors.As(err, &e) && len(e.Fields) > 0:
		fields := make([]string, 0, len(e.Fields))
		for k := range e.Fields {
			fields = append(fields, k)
		}
		sort.Strings(fields)
		for _, k := range fields {
			p := paramOf[k]
			if p == "" {
				p = k
			}
			items = append(items, errorItem{status, p + ": " + e.Fields[k]})
		}
	default:
		items = append(items, errorItem{status, esambat.ErrorMessage(err)})
	}
	writeErrors(w, f, status, items...)
}

// WriteError writes err in the specification's error shape with the given
// HTTP status, in the format the request's path asks for (.json, else
// XML). The HTTP layer uses it for refusals that happen before a request
// reaches the Handler (rate limits, cross-site posts, bad API keys), so
// that Open311 clients always get Open311 errors.
func WriteError(w http.ResponseWriter, r *http.Request, status int, err error) {
	f := formatXML
	if strings.HasSuffix(r.URL.Path, ".json") {
		f = formatJSON
	}
	writeErrors(w, f, status, errorItem{code: status, description: esambat.ErrorMessage(err)})
}
