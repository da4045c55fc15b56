package open311

import (
	"errors"
	"fmt"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/esambat/esambat"
	"github.com/esambat/esambat/media"
)

// Request body limits: a form without files, and a multipart form with up
// to MaxPhotos photos of media.DefaultMaxBytes each plus the text.
const (
	maxForm   = 1 << 20
	maxUpload = media.DefaultMaxBytes*esambat.MaxPhotos + 1<<20
)

// OnBehalfRelationship is the relationship recorded for the resident
// named by a partner app's first_name, last_name and phone.
const OnBehalfRelationship = "melalui aplikasi mitra"

// Attribute limits: no category defines attributes, so whatever a client
// sends is kept as an internal note, within reason.
const (
	maxAttributes     = 50
	maxAttributeValue = 1000
	maxMediaURL       = 2048
)

// handleRequestCreate answers POST requests.{fmt}.
func (h *Handler) handleRequestCreate(w http.ResponseWriter, r *http.Request, f format) {
	ctx := r.Context()
	form, files, cleanup, err := h.parseForm(w, r)
	if err != nil {
		h.fail(w, r, f, err)
		return
	}
	defer cleanup()

	secret := form.Get("api_key")
	if secret == "" {
		secret = r.Header.Get("X-API-Key")
	}
	if strings.TrimSpace(secret) == "" {
		writeErrors(w, f, http.StatusForbidden, errorItem{http.StatusForbidden, "api_key wajib dikirim untuk POST requests. " + h.keyHint()})
		return
	}
	actor, key, err := h.Service.AuthenticateAPIKey(ctx, secret)
	if esambat.ErrorCode(err) == esambat.EFORBIDDEN {
		writeErrors(w, f, http.StatusForbidden, errorItem{http.StatusForbidden, "api_key tidak valid atau sudah dicabut. " + h.keyHint()})
		return
	} else if err != nil {
		h.fail(w, r, f, err)
		return
	}
	if !key.HasScope(esambat.ScopeReportsWrite) {
		writeErrors(w, f, http.StatusForbidden, errorItem{http.StatusForbidden, "api_key ini tidak berhak mengirim laporan (cakupan " + esambat.ScopeReportsWrite + " diperlukan)."})
		return
	}

	ref, err := h.reference(ctx)
	if err != nil {
		h.fail(w, r, f, err)
		return
	}
	code := strings.TrimSpace(form.Get("service_code"))
	if code == "" {
		h.fail(w, r, f, badRequest("service_code", "service_code wajib diisi. Daftar layanan: "+h.BaseURL+Prefix+"services."+string(f)))
		return
	}
	cat, ok := ref.byService[code]
	if !ok {
		// The specification: 404 for a service_code that was not found.
		h.fail(w, r, f, notFound("service_code tidak dikenal: "+clip(code, 40)+". Daftar layanan: "+h.BaseURL+Prefix+"services."+string(f)))
		return
	}

	in, notes, err := h.reportInput(form, cat)
	if err != nil {
		h.fail(w, r, f, err)
		return
	}
	if len(files) > 0 {
		if h.StorePhotos == nil {
			h.fail(w, r, f, badRequest("media", "Unggahan foto tidak tersedia di server ini."))
			return
		}
		// Check the text before the photos are processed, so that a typo
		// does not cost a slow upload's processing.
		probe := in
		if in.OnBehalf != nil {
			ob := *in.OnBehalf
			probe.OnBehalf = &ob
		}
		probe.Photos = make([]esambat.Photo, len(files))
		if err := probe.Normalize(); err != nil {
			h.fail(w, r, f, err)
			return
		}
		photos, err := h.StorePhotos(ctx, files)
		if err != nil {
			h.fail(w, r, f, err)
			return
		}
		in.Photos = photos
	}

	idem := strings.TrimSpace(r.Header.Get("Idempotency-Key"))
	if idem != "" {
		idem = "open311:" + idem
	}
	rep, created, err := h.Service.SubmitReport(ctx, *actor, in, idem)
	if err != nil {
		h.fail(w, r, f, err)
		return
	}
	if created && len(notes.data) > 0 {
		// Kept for staff only: no notification (no public text, no status
		// change), and not shown on the public timeline.
		ev := &esambat.Event{ReportID: rep.ID, Action: string(esambat.ActionNote), ActorID: actor.UserID, ActorRole: actor.Role,
			From: rep.Status, To: rep.Status, Internal: notes.internal(key.Name), Data: notes.data, CreatedAt: h.Service.Time()}
		if h.Service.Audit == nil {
			h.logger().Warn("open311: no audit store; partner data not kept", "ticket", rep.Ticket)
		} else if err := h.Service.Audit.AddEvent(ctx, ev); err != nil {
			// The report is stored and acknowledged whatever happens here.
			h.logger().Error("open311: keeping the partner's extra data failed", "ticket", rep.Ticket, "err", err)
		}
	}
	if !created {
		w.Header().Set("Idempotent-Replayed", "true")
	}
	w.Header().Set("Location", h.BaseURL+Prefix+"requests/"+url.PathEscape(rep.Ticket)+"."+string(f))
	notice := "Laporan diterima dengan nomor tiket " + rep.Ticket + " dan menunggu verifikasi petugas. Pantau di " + h.BaseURL + "/laporan/" + rep.Ticket + "."
	for _, n := range notes.notices {
		notice += " " + n
	}
	write(w, f, http.StatusOK, "service_requests", array{item: "request", values: []any{object{
		{"service_request_id", rep.Ticket},
		{"service_notice", notice},
		{"account_id", nil},
	}}})
}

func (h *Handler) keyHint() string {
	return "Kunci API diterbitkan oleh Diskominfotik Kota Pasuruan; lihat key_service di " + h.BaseURL + Prefix + "discovery.xml."
}

// parseForm reads an application/x-www-form-urlencoded or
// multipart/form-data body. Files come from the "media" field (and
// "media[]", the v2.1 draft's spelling).
func (h *Handler) parseForm(w http.ResponseWriter, r *http.Request) (url.Values, []*multipart.FileHeader, func(), error) {
	none := func() {}
	ct, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil {
		ct = ""
	}
	tooLarge := func(err error, limit int64) error {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return &esambat.Error{Code: esambat.ETOOLARGE, Message: fmt.Sprintf("Isi permintaan terlalu besar (maksimal %d MB).", limit>>20)}
		}
		return nil
	}
	switch ct {
	case "application/x-www-form-urlencoded":
		r.Body = http.MaxBytesReader(w, r.Body, maxForm)
		if err := r.ParseForm(); err != nil {
			if e := tooLarge(err, maxForm); e != nil {
				return nil, nil, none, e
			}
			return nil, nil, none, badRequest("body", "Isi permintaan bukan application/x-www-form-urlencoded yang valid.")
		}
		return r.Form, nil, none, nil
	case "multipart/form-data":
		r.Body = http.MaxBytesReader(w, r.Body, maxUpload)
		if err := r.ParseMultipartForm(8 << 20); err != nil {
			if e := tooLarge(err, maxUpload); e != nil {
				return nil, nil, none, e
			}
			return nil, nil, none, badRequest("body", "Isi permintaan bukan multipart/form-data yang valid.")
		}
		cleanup := func() { _ = r.MultipartForm.RemoveAll() }
		var files []*multipart.FileHeader
		for _, name := range []string{"media", "media[]"} {
			for _, fh := range r.MultipartForm.File[name] {
				if fh.Size > 0 || fh.Filename != "" {
					files = append(files, fh)
				}
			}
		}
		if len(files) > esambat.MaxPhotos {
			cleanup()
			return nil, nil, none, badRequest("media", fmt.Sprintf("Maksimal %d foto per laporan.", esambat.MaxPhotos))
		}
		return r.Form, files, cleanup, nil
	}
	return nil, nil, none, badRequest("body", "Kirim POST requests sebagai application/x-www-form-urlencoded (atau multipart/form-data dengan berkas di kolom media).")
}

// extras is what a partner sent that has no place in a report: kept as
// an internal note, and said in the service_notice.
type extras struct {
	data    map[string]string
	notices []string
}

func (x *extras) keep(k, v string) {
	if x.data == nil {
		x.data = map[string]string{}
	}
	x.data[k] = v
}

// internal is the staff-only note text.
func (x *extras) internal(partner string) string {
	keys := make([]string, 0, len(x.data))
	for k := range x.data {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString("Data tambahan dari aplikasi mitra " + partner + " (Open311):")
	for _, k := range keys {
		b.WriteString("\n" + k + ": " + x.data[k])
	}
	if _, ok := x.data["media_url"]; ok {
		b.WriteString("\nmedia_url tidak diunduh otomatis; buka hanya bila perlu.")
	}
	return b.String()
}

// reportInput turns the POST parameters into a report for category cat.
// It checks what the domain cannot know to check: which location
// parameters came, address_id, attributes and media_url.
func (h *Handler) reportInput(form url.Values, cat esambat.Category) (esambat.ReportInput, extras, error) {
	var v esambat.Validation
	var x extras
	in := esambat.ReportInput{
		Type: esambat.TypePengaduan, CategoryCode: cat.Code, Visibility: esambat.VisibilityPublik,
		Channel: esambat.ChannelOpen311, Address: form.Get("address_string"),
	}
	latS, lngS := strings.TrimSpace(form.Get("lat")), strings.TrimSpace(form.Get("long"))
	switch {
	case latS == "" && lngS == "":
	case latS == "" || lngS == "":
		v.Add("lat", "lat dan long harus dikirim berdua.")
	default:
		lat, err1 := strconv.ParseFloat(latS, 64)
		lng, err2 := strconv.ParseFloat(lngS, 64)
		if err1 != nil {
			v.Add("lat", "lat harus berupa angka desimal WGS84, misalnya -7.6453.")
		}
		if err2 != nil {
			v.Add("lng", "long harus berupa angka desimal WGS84, misalnya 112.9075.")
		}
		if err1 == nil && err2 == nil {
			in.Lat, in.Lng = &lat, &lng
		}
	}
	hasPoint := latS != "" || lngS != ""
	hasAddr := strings.TrimSpace(in.Address) != ""
	addrID := strings.TrimSpace(form.Get("address_id"))
	switch {
	case !hasPoint && !hasAddr && addrID != "":
		v.Add("address_id", "address_id tidak didukung: E-Sambat tidak memakai basis data alamat. Kirim lat dan long (WGS84), atau address_string.")
	case !hasPoint && !hasAddr:
		v.Add("lat", "Lokasi wajib dikirim: lat dan long (WGS84), atau address_string.")
	case !hasPoint && cat.RequiresLocation:
		v.Add("lat", "Layanan "+cat.ServiceCode+" ("+cat.Name+") membutuhkan titik lokasi: kirim lat dan long (WGS84); address_string saja tidak cukup untuk menentukan wilayah.")
	}
	if addrID != "" && (hasPoint || hasAddr) {
		x.keep("address_id", clip(addrID, 200))
	}

	in.Description = form.Get("description")
	if strings.TrimSpace(in.Description) == "" {
		v.Add("description", "description wajib diisi: uraikan masalahnya (10 sampai 4000 karakter).")
	}

	// Attributes: attribute[CODE]=v, or attribute[CODE][]=v1&... for lists.
	var title string
	var attrs []string
	for k, vals := range form {
		rest, ok := strings.CutPrefix(k, "attribute[")
		if !ok {
			continue
		}
		code, _, ok := strings.Cut(rest, "]")
		if !ok || code == "" {
			v.Add("attribute", "Atribut harus ditulis attribute[KODE]=nilai.")
			continue
		}
		val := strings.TrimSpace(strings.Join(vals, ", "))
		if utf8.RuneCountInString(val) > maxAttributeValue || len(code) > 100 {
			v.Add("attribute["+clip(code, 40)+"]", fmt.Sprintf("Nilai atribut maksimal %d karakter.", maxAttributeValue))
			continue
		}
		if code == "title" {
			title = val
			continue
		}
		attrs = append(attrs, code)
		x.keep("attribute["+code+"]", val)
	}
	if len(attrs) > maxAttributes {
		v.Add("attribute", fmt.Sprintf("Maksimal %d atribut.", maxAttributes))
	}
	if len(attrs) > 0 {
		sort.Strings(attrs)
		x.notices = append(x.notices, "Layanan ini tidak mendefinisikan atribut; atribut "+strings.Join(attrs, ", ")+" disimpan sebagai catatan internal dan tidak ditampilkan.")
	}
	if n := utf8.RuneCountInString(strings.TrimSpace(title)); n >= 5 && n <= esambat.MaxTitle {
		in.Title = title
	} else {
		in.Title = deriveTitle(in.Description, cat.Name)
	}

	if mu := strings.TrimSpace(form.Get("media_url")); mu != "" {
		u, err := url.Parse(mu)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || len(mu) > maxMediaURL {
			v.Add("media_url", "media_url harus berupa URL http(s) lengkap (maksimal 2048 karakter).")
		} else {
			x.keep("media_url", mu)
			x.notices = append(x.notices, "media_url tidak diunduh dan tidak ditampilkan; kirim foto sebagai berkas multipart/form-data di kolom media agar tampil pada laporan.")
		}
	}

	// The resident the partner reports for: kept as "atas nama" with the
	// phone for notifications, never shown by GET.
	name := strings.Join(strings.Fields(form.Get("first_name")+" "+form.Get("last_name")), " ")
	phone := strings.TrimSpace(form.Get("phone"))
	if name != "" || phone != "" {
		if name == "" {
			name = "Tanpa nama"
		}
		in.OnBehalf = &esambat.OnBehalf{Name: name, Relationship: OnBehalfRelationship, Phone: phone}
	}
	if strings.TrimSpace(form.Get("email")) != "" {
		x.notices = append(x.notices, "Alamat email tidak disimpan; kabar perkembangan dikirim ke nomor telepon (phone) bila disertakan.")
	}
	return in, x, v.Err()
}

// deriveTitle makes the required title from the description: its first
// sentence or line, cut at a word boundary to at most 80 characters, or
// the category name when that is too short.
func deriveTitle(desc, fallback string) string {
	const max = 80
	desc = strings.TrimSpace(desc)
	first := desc
	if i := strings.IndexAny(first, "\n"); i >= 0 {
		first = first[:i]
	}
	for _, end := range []string{". ", "! ", "? "} {
		if i := strings.Index(first, end); i >= 0 {
			first = first[:i]
		}
	}
	t := cutWords(first, max)
	if utf8.RuneCountInString(t) < 5 {
		t = cutWords(desc, max)
	}
	if utf8.RuneCountInString(t) < 5 {
		return fallback
	}
	return t
}

// cutWords joins the words of s up to max runes, ending with "…" when it
// had to cut.
func cutWords(s string, max int) string {
	words := strings.Fields(s)
	var out []string
	n := 0
	for i, w := range words {
		wl := utf8.RuneCountInString(w)
		if n+wl+len(out) > max-1 {
			if i == 0 {
				r := []rune(w)
				return string(r[:max-1]) + "…"
			}
			return strings.Join(out, " ") + "…"
		}
		out = append(out, w)
		n += wl
	}
	return strings.Join(out, " ")
}
