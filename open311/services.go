package open311

import (
	"net/http"
	"strings"

	"github.com/esambat/esambat"
)

// Specification is the GeoReport v2 identifier listed in discovery.
const Specification = "http://wiki.open311.org/GeoReport_v2"

func (h *Handler) handleDiscovery(w http.ResponseWriter, r *http.Request, f format) {
	endpoint := object{
		{"specification", Specification},
		{"url", h.BaseURL + strings.TrimSuffix(Prefix, "/")},
		{"changeset", Changeset},
		{"type", "production"},
		{"formats", array{item: "format", values: []any{"text/xml", "application/json"}}},
	}
	doc := object{
		{"changeset", Changeset},
		{"contact", h.contact()},
		{"key_service", "Kunci API (api_key) hanya diperlukan untuk POST requests dan diterbitkan oleh Diskominfotik Kota Pasuruan " +
			"untuk aplikasi mitra: operator menjalankan `esambat apikey add --name NAMA_APLIKASI` dan menyerahkan kuncinya satu kali " +
			"(disimpan dalam bentuk hash). Ajukan permohonan kepada " + h.contact() + "."},
		{"endpoints", array{item: "endpoint", values: []any{endpoint}}},
	}
	write(w, f, http.StatusOK, "discovery", doc)
}

// handleServices lists the categories as services. No category asks
// extra questions yet, so metadata is false for all of them; when one
// does, its questions become the service definition's attributes and
// metadata turns true.
func (h *Handler) handleServices(w http.ResponseWriter, r *http.Request, f format) {
	ref, err := h.reference(r.Context())
	if err != nil {
		h.fail(w, r, f, err)
		return
	}
	vals := make([]any, 0, len(ref.categories))
	for _, c := range ref.categories {
		var keywords any
		if len(c.Keywords) > 0 {
			keywords = strings.Join(c.Keywords, ", ")
		}
		vals = append(vals, object{
			{"service_code", c.ServiceCode},
			{"service_name", c.Name},
			{"description", serviceDescription(c, ref)},
			{"metadata", false},
			{"type", "realtime"},
			{"keywords", keywords},
			{"group", str(c.Group)},
		})
	}
	write(w, f, http.StatusOK, "services", array{item: "service", values: vals})
}

// serviceDescription says what a category covers, where reports go first
// and whether a point is required.
func serviceDescription(c esambat.Category, ref *reference) string {
	d := c.Name
	if c.NameEN != "" {
		d += " (" + c.NameEN + ")"
	}
	d += "."
	if a, ok := ref.agencies[c.AgencyCode]; ok {
		d += " Diteruskan ke " + a.Name + " setelah diverifikasi."
	}
	if c.RequiresLocation {
		d += " Wajib menyertakan titik lokasi (lat dan long)."
	}
	return d
}

// handleServiceDefinition answers for a known service with an empty
// definition: the specification only requires the call for metadata=true
// services, and keeps 404 for a service_code that does not exist, which
// ours does. A client that asks anyway learns there are no attributes.
func (h *Handler) handleServiceDefinition(w http.ResponseWriter, r *http.Request, f format, code string) {
	ref, err := h.reference(r.Context())
	if err != nil {
		h.fail(w, r, f, err)
		return
	}
	c, ok := ref.byService[code]
	if !ok {
		h.fail(w, r, f, notFound("service_code tidak dikenal: "+code+". Daftar layanan: "+h.BaseURL+Prefix+"services."+string(f)))
		return
	}
	write(w, f, http.StatusOK, "service_definition", object{
		{"service_code", c.ServiceCode},
		{"attributes", array{item: "attribute"}},
	})
}

// handleToken answers 404 for every token: the services are realtime, so
// POST requests returns the service_request_id at once and never issues a
// token.
func (h *Handler) handleToken(w http.ResponseWriter, r *http.Request, f format, token string) {
	h.fail(w, r, f, notFound("Token tidak dikenal: "+token+". E-Sambat memproses laporan secara langsung (realtime): "+
		"POST requests langsung mengembalikan service_request_id dan tidak pernah menerbitkan token."))
}
