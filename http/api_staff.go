package http

import (
	"net/http"
	"strconv"
	"time"

	"github.com/esambat/esambat"
)

// JSON counterparts of the staff pages, so that everything the web offers
// staff is in the API too.

type templateJSON struct {
	ID       int64     `json:"id"`
	Agency   string    `json:"agency"`
	Category string    `json:"category"`
	Title    string    `json:"title"`
	Body     string    `json:"body"`
	Created  time.Time `json:"created_at"`
}

// staffActor returns the actor if it has one of roles, else writes the
// error: EUNAUTHORIZED without a login, EFORBIDDEN with the wrong role.
func (s *Server) staffActor(w http.ResponseWriter, r *http.Request, roles ...esambat.Role) *esambat.Actor {
	a := s.requireActor(w, r)
	if a == nil {
		return nil
	}
	for _, role := range roles {
		if a.Role == role {
			return a
		}
	}
	s.Error(w, r, esambat.Errorf(esambat.EFORBIDDEN, "Peran Anda tidak dapat melakukan ini."))
	return nil
}

func (s *Server) handleTemplateListAPI(w http.ResponseWriter, r *http.Request) {
	a := s.staffActor(w, r, esambat.RolePetugas)
	if a == nil {
		return
	}
	tpls, err := s.Service.Templates.ListTemplates(r.Context(), a.AgencyCode, r.URL.Query().Get("category"))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	out := []templateJSON{}
	for _, t := range tpls {
		out = append(out, templateJSON{t.ID, t.AgencyCode, t.CategoryCode, t.Title, t.Body, t.CreatedAt})
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) handleTemplateCreateAPI(w http.ResponseWriter, r *http.Request) {
	a := s.staffActor(w, r, esambat.RolePetugas)
	if a == nil {
		return
	}
	var in struct {
		Category string `json:"category"`
		Title    string `json:"title"`
		Body     string `json:"body"`
	}
	if err := s.decodeJSON(w, r, &in); err != nil {
		s.Error(w, r, err)
		return
	}
	t, err := s.Service.SaveTemplate(r.Context(), *a, esambat.ResponseTemplate{CategoryCode: in.Category, Title: in.Title, Body: in.Body})
	if err != nil {
		s.Error(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, templateJSON{t.ID, t.AgencyCode, t.CategoryCode, t.Title, t.Body, t.CreatedAt})
}

func (s *Server) handleTemplateDeleteAPI(w http.ResponseWriter, r *http.Request) {
	a := s.staffActor(w, r, esambat.RolePetugas)
	if a == nil {
		return
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.Error(w, r, esambat.FieldError("id", "id templat harus berupa angka."))
		return
	}
	if err := s.Service.Templates.DeleteTemplate(r.Context(), a.AgencyCode, id); err != nil {
		s.Error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) handleThresholdAPI(w http.ResponseWriter, r *http.Request) {
	if s.staffActor(w, r, esambat.RoleAdmin) == nil {
		return
	}
	var in struct {
		Threshold *float64 `json:"threshold"`
	}
	if err := s.decodeJSON(w, r, &in); err != nil {
		s.Error(w, r, err)
		return
	}
	if in.Threshold == nil {
		s.Error(w, r, esambat.FieldError("threshold", "threshold wajib diisi: 0 (mati) sampai 1."))
		return
	}
	if err := s.Service.Reference.SetAutoThreshold(r.Context(), r.PathValue("code"), *in.Threshold); err != nil {
		s.Error(w, r, err)
		return
	}
	s.refs.invalidate()
	writeJSON(w, http.StatusOK, map[string]any{"category": r.PathValue("code"), "threshold": *in.Threshold})
}

// handleDefaultAgencyAPI sets the agency a category's reports go to by
// default (admins).
func (s *Server) handleDefaultAgencyAPI(w http.ResponseWriter, r *http.Request) {
	a := s.staffActor(w, r, esambat.RoleAdmin)
	if a == nil {
		return
	}
	var in struct {
		Agency string `json:"agency"`
	}
	if err := s.decodeJSON(w, r, &in); err != nil {
		s.Error(w, r, err)
		return
	}
	if in.Agency == "" {
		s.Error(w, r, esambat.FieldError("agency", "agency wajib diisi: kode perangkat daerah (GET /api/v1/agencies)."))
		return
	}
	if err := s.Service.Reference.SetCategoryAgency(r.Context(), r.PathValue("code"), in.Agency); err != nil {
		s.Error(w, r, err)
		return
	}
	s.Logger.Info("category agency changed", "by", a.UserID, "category", r.PathValue("code"), "to", in.Agency)
	s.refs.invalidate()
	writeJSON(w, http.StatusOK, map[string]string{"category": r.PathValue("code"), "agency": in.Agency})
}

type messageJSON struct {
	ID        int64     `json:"id"`
	Channel   string    `json:"channel"`
	To        string    `json:"to"`
	Attempts  int       `json:"attempts"`
	LastError string    `json:"last_error"`
	CreatedAt time.Time `json:"created_at"`
}

func (s *Server) handleDeadListAPI(w http.ResponseWriter, r *http.Request) {
	if s.staffActor(w, r, esambat.RoleAdmin) == nil {
		return
	}
	if s.Outbox == nil {
		writeJSON(w, http.StatusOK, []messageJSON{})
		return
	}
	msgs, err := s.Outbox.ListDead(r.Context(), 200)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	out := []messageJSON{}
	for _, m := range msgs {
		out = append(out, messageJSON{m.ID, m.Channel, m.To, m.Attempts, m.LastError, m.CreatedAt})
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) handleDeadRetryAPI(w http.ResponseWriter, r *http.Request) {
	if s.staffActor(w, r, esambat.RoleAdmin) == nil {
		return
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || s.Outbox == nil {
		s.Error(w, r, esambat.FieldError("id", "id pesan harus berupa angka."))
		return
	}
	if err := s.Outbox.RetryDead(r.Context(), id); err != nil {
		s.Error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
