package http

import (
	"net/http"
	"slices"
	"time"

	"github.com/esambat/esambat"
)

// The overdue page (/admin/terlambat): for admins and pimpinan, every
// report the city has kept waiting past its due date, counted by agency
// and listed by how late each is, the longest overdue first
// (esambat.Service.Overdue).
func (s *Server) overdueRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /admin/terlambat", s.handleOverdue)
}

// overdueVerification is the agency parameter for the reports waiting
// for the admins' verification (held by no agency yet).
const overdueVerification = "verifikasi"

// overdueRow is one agency's (or the verification's) overdue reports.
type overdueRow struct {
	Code, Name                         string // Code as the address's agency parameter
	Diajukan, Didisposisi, Diproses, N int
	OldestDue                          time.Time
	DaysLate                           int
}

// overdueData is what staff_overdue shows.
type overdueData struct {
	Rows  []overdueRow
	Total overdueRow
	// Agency is the row whose reports are listed ("" = all), AgencyName
	// its name.
	Agency, AgencyName string
	Items              []queueItem
	Next               string
}

func (s *Server) handleOverdue(w http.ResponseWriter, r *http.Request) {
	a := s.requireRole(w, r, esambat.RoleAdmin, esambat.RolePimpinan)
	if a == nil {
		return
	}
	ctx := r.Context()
	counts, err := s.Service.Overdue(ctx, a)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	ref, err := s.ref(ctx)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	p := s.newPage(w, r, "Laporan terlambat")
	p.Values = r.URL.Query()
	now := s.Service.Time()
	d := overdueData{Agency: p.Values.Get("agency")}
	rows := map[string]*overdueRow{}
	for _, c := range counts {
		code, name := c.AgencyCode, c.AgencyCode
		if code == "" {
			code, name = overdueVerification, p.T("Verifikasi oleh admin")
		} else if ag, ok := ref.agByCode[code]; ok {
			name = ag.Name
		}
		row := rows[code]
		if row == nil {
			row = &overdueRow{Code: code, Name: name, OldestDue: c.OldestDue}
			rows[code] = row
		}
		switch c.Status {
		case esambat.StatusDiajukan:
			row.Diajukan += c.N
		case esambat.StatusDidisposisi:
			row.Didisposisi += c.N
		case esambat.StatusDiproses:
			row.Diproses += c.N
		}
		row.N += c.N
		if c.OldestDue.Before(row.OldestDue) {
			row.OldestDue = c.OldestDue
		}
	}
	for _, row := range rows {
		row.DaysLate = int(now.Sub(row.OldestDue).Hours() / 24)
		d.Rows = append(d.Rows, *row)
		d.Total.Diajukan += row.Diajukan
		d.Total.Didisposisi += row.Didisposisi
		d.Total.Diproses += row.Diproses
		d.Total.N += row.N
	}
	// The agencies that keep the most residents waiting first.
	slices.SortFunc(d.Rows, func(x, y overdueRow) int {
		if x.N != y.N {
			return y.N - x.N
		}
		return x.OldestDue.Compare(y.OldestDue)
	})

	f := esambat.ReportFilter{Statuses: esambat.CityStatuses, DueBefore: now, MostOverdueFirst: true, Limit: 100, After: p.Values.Get("cursor")}
	switch d.Agency {
	case "":
	case overdueVerification:
		f.Statuses, d.AgencyName = []esambat.Status{esambat.StatusDiajukan}, p.T("Verifikasi oleh admin")
	default:
		ag, ok := ref.agByCode[d.Agency]
		if !ok {
			s.pageError(w, r, esambat.Errorf(esambat.ENOTFOUND, "Perangkat daerah tidak ditemukan."))
			return
		}
		f.AgencyCode, f.Statuses, d.AgencyName = ag.Code, []esambat.Status{esambat.StatusDidisposisi, esambat.StatusDiproses}, ag.Name
	}
	if d.Items, d.Next, err = s.queueOnPage(ctx, p, f, a); err != nil {
		s.pageError(w, r, err)
		return
	}
	p.Data = d
	s.render(w, r, http.StatusOK, "staff_overdue", p)
}

// overdueJSON is one agency's overdue reports in one status, for apps
// (GET /api/v1/overdue).
type overdueJSON struct {
	Agency    *codeName      `json:"agency"` // null: waiting for the admins' verification
	Status    esambat.Status `json:"status"`
	Count     int            `json:"count"`
	OldestDue time.Time      `json:"oldest_due"`
}

// handleOverdueAPI answers GET /api/v1/overdue: the overdue page's counts
// for a dashboard of the mayor's office; the reports themselves are
// GET /api/v1/reports with status and the same rules.
func (s *Server) handleOverdueAPI(w http.ResponseWriter, r *http.Request) {
	a := s.staffActor(w, r, esambat.RoleAdmin, esambat.RolePimpinan)
	if a == nil {
		return
	}
	counts, err := s.Service.Overdue(r.Context(), a)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	ref, err := s.ref(r.Context())
	if err != nil {
		s.Error(w, r, err)
		return
	}
	out := make([]overdueJSON, 0, len(counts))
	for _, c := range counts {
		j := overdueJSON{Status: c.Status, Count: c.N, OldestDue: c.OldestDue.UTC()}
		if c.AgencyCode != "" {
			j.Agency = &codeName{Code: c.AgencyCode, Name: c.AgencyCode}
			if ag, ok := ref.agByCode[c.AgencyCode]; ok {
				j.Agency.Name = ag.Name
			}
		}
		out = append(out, j)
	}
	writeJSON(w, http.StatusOK, out)
}
