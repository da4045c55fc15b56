package http

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/esambat/esambat"
)

// refCache keeps reference data (categories, agencies, regions) for a
// short while: every report rendered needs their names, and they change
// only when an admin edits them.
type refCache struct {
	mu         sync.Mutex
	loaded     time.Time
	categories []esambat.Category
	catByCode  map[string]esambat.Category
	agencies   []esambat.Agency
	agByCode   map[string]esambat.Agency
}

const refTTL = time.Minute

// invalidate makes the next read reload, after an admin changed the data.
func (c *refCache) invalidate() {
	c.mu.Lock()
	c.loaded = time.Time{}
	c.mu.Unlock()
}

func (s *Server) ref(ctx context.Context) (*refCache, error) {
	c := &s.refs
	c.mu.Lock()
	defer c.mu.Unlock()
	if time.Since(c.loaded) < refTTL && c.catByCode != nil {
		return c, nil
	}
	cats, err := s.Service.Reference.ListCategories(ctx)
	if err != nil {
		return nil, err
	}
	ags, err := s.Service.Reference.ListAgencies(ctx)
	if err != nil {
		return nil, err
	}
	c.categories, c.agencies = cats, ags
	c.catByCode, c.agByCode = map[string]esambat.Category{}, map[string]esambat.Agency{}
	for _, x := range cats {
		c.catByCode[x.Code] = x
	}
	for _, x := range ags {
		c.agByCode[x.Code] = x
	}
	c.loaded = time.Now()
	return c, nil
}

type codeName struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

type categoryJSON struct {
	Code             string    `json:"code"`
	Name             string    `json:"name"`
	Group            string    `json:"group"`
	DefaultAgency    *codeName `json:"default_agency"`
	SLAClass         string    `json:"sla_class"`
	RequiresLocation bool      `json:"requires_location"`
	ServiceCode      string    `json:"service_code"`
}

func (s *Server) handleCategories(w http.ResponseWriter, r *http.Request) {
	ref, err := s.ref(r.Context())
	if err != nil {
		s.Error(w, r, err)
		return
	}
	out := make([]categoryJSON, 0, len(ref.categories))
	for _, c := range ref.categories {
		if c.Retired {
			continue // reports old and new name it, but none may choose it
		}
		cj := categoryJSON{Code: c.Code, Name: c.Name, Group: c.Group, SLAClass: c.SLAClass, RequiresLocation: c.RequiresLocation, ServiceCode: c.ServiceCode}
		if a, ok := ref.agByCode[c.AgencyCode]; ok {
			cj.DefaultAgency = &codeName{a.Code, a.Name}
		}
		out = append(out, cj)
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) handleAgencies(w http.ResponseWriter, r *http.Request) {
	ref, err := s.ref(r.Context())
	if err != nil {
		s.Error(w, r, err)
		return
	}
	type agencyJSON struct {
		Code      string `json:"code"`
		Name      string `json:"name"`
		ShortName string `json:"short_name"`
	}
	out := make([]agencyJSON, 0, len(ref.agencies))
	for _, a := range ref.agencies {
		if !a.Retired {
			out = append(out, agencyJSON{a.Code, a.Name, a.ShortName})
		}
	}
	writeJSON(w, http.StatusOK, out)
}

// handleKelurahan lists the city's kelurahan with their kecamatan, for
// pickers and partner apps that have no map.
func (s *Server) handleKelurahan(w http.ResponseWriter, r *http.Request) {
	type kelJSON struct {
		Code      string   `json:"code"`
		Name      string   `json:"name"`
		Kecamatan codeName `json:"kecamatan"`
	}
	w2 := s.Service.Wilayah
	out := []kelJSON{}
	for _, k := range w2.Kelurahan(s.Service.CityCode) {
		kec, _ := w2.Lookup(k.Parent)
		out = append(out, kelJSON{k.Code, k.Name, codeName{kec.Code, kec.Name}})
	}
	writeJSON(w, http.StatusOK, out)
}

// handleJurisdiction answers whether a point is inside the city, and if
// not, where to report instead.
func (s *Server) handleJurisdiction(w http.ResponseWriter, r *http.Request) {
	lat, err := queryFloat(r, "lat")
	if err != nil {
		s.Error(w, r, err)
		return
	}
	lng, err := queryFloat(r, "lng")
	if err != nil {
		s.Error(w, r, err)
		return
	}
	var v esambat.Validation
	if lat == nil {
		v.Add("lat", "Parameter lat wajib diisi.")
	}
	if lng == nil {
		v.Add("lng", "Parameter lng wajib diisi.")
	}
	if err := v.Err(); err != nil {
		s.Error(w, r, err)
		return
	}
	j, err := s.Service.Locator.Locate(r.Context(), *lat, *lng)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	type regionJSON struct {
		Code string `json:"code"`
		Name string `json:"name"`
	}
	out := struct {
		Inside    bool              `json:"inside"`
		Kelurahan *regionJSON       `json:"kelurahan"`
		Kecamatan *regionJSON       `json:"kecamatan"`
		Outside   *regionJSON       `json:"outside,omitempty"`
		Referral  *esambat.Referral `json:"referral"`
	}{Inside: j.Inside, Referral: j.Referral}
	if j.Kelurahan != nil {
		out.Kelurahan = &regionJSON{j.Kelurahan.Code, j.Kelurahan.Name}
	}
	if j.Kecamatan != nil {
		out.Kecamatan = &regionJSON{j.Kecamatan.Code, j.Kecamatan.Name}
	}
	if j.Outside != nil {
		out.Outside = &regionJSON{j.Outside.Code, j.Outside.Name}
	}
	writeJSON(w, http.StatusOK, out)
}
