package http

import (
	"net/http"
	"time"

	"github.com/esambat/esambat"
)

// A resident may take a copy of what the city holds about them (UU
// 27/2022 on personal data protection gives them that right): their
// account, every report they sent with its whole history as they see
// it, who changed their account, and the devices signed in. One JSON
// document, from the account page (/akun/unduh, as a file) or the API
// (GET /api/v1/me/export). The NIK stays masked as everywhere else: a
// file downloaded to a shared phone must not carry it whole.

// myData is a resident's copy of their data.
type myData struct {
	GeneratedAt time.Time        `json:"generated_at"`
	Account     myAccount        `json:"account"`
	Reports     []reportJSON     `json:"reports"`
	History     []myAccountEvent `json:"account_history"`
	Devices     []myDevice       `json:"devices"`
	Note        string           `json:"note"`
}

type myAccount struct {
	ID               int64     `json:"id"`
	Name             string    `json:"name"`
	NIK              string    `json:"nik_masked"`
	Phone            string    `json:"phone"`
	PhoneConfirmed   bool      `json:"phone_confirmed"`
	Email            string    `json:"email,omitempty"`
	EmailPending     string    `json:"email_pending,omitempty"`
	Kelurahan        *codeName `json:"kelurahan"`
	DomicileVerified bool      `json:"domicile_verified"`
	Lang             string    `json:"lang"`
	CreatedAt        time.Time `json:"created_at"`
}

// myAccountEvent is a change of the account; By is "anda" (the resident),
// "admin" or "operator" (the server's command line): residents do not
// learn which member of staff it was.
type myAccountEvent struct {
	Action    string    `json:"action"`
	Detail    string    `json:"detail,omitempty"`
	By        string    `json:"by"`
	CreatedAt time.Time `json:"created_at"`
}

type myDevice struct {
	Name      string    `json:"name"`
	Kind      string    `json:"kind"`
	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at"`
}

// maxExportReports bounds one export: far above any resident's reports.
const maxExportReports = 10000

// myDataOf gathers resident a's copy of their data.
func (s *Server) myDataOf(r *http.Request, a *esambat.Actor) (*myData, error) {
	ctx := r.Context()
	if a.Role != esambat.RoleWarga {
		return nil, esambat.Errorf(esambat.ENOTFOUND, "Unduhan data hanya untuk akun warga; data akun petugas dikelola admin.")
	}
	u, err := s.Service.Users.FindUserByID(ctx, a.UserID)
	if err != nil {
		return nil, err
	}
	out := &myData{
		GeneratedAt: s.Service.Time().UTC(),
		Account: myAccount{ID: u.ID, Name: u.Name, NIK: u.NIKMasked, Phone: u.Phone, PhoneConfirmed: u.PhoneConfirmed, Email: u.Email,
			EmailPending: u.EmailPending,
			Kelurahan:    s.region(u.KelurahanCode), DomicileVerified: u.DomicileVerified, Lang: u.Lang, CreatedAt: u.CreatedAt.UTC()},
		Reports: []reportJSON{}, History: []myAccountEvent{}, Devices: []myDevice{},
		Note: "Salinan data Anda di E-Sambat Kota Pasuruan. NIK ditampilkan tersamar; dukungan yang Anda berikan pada laporan warga lain tidak termasuk.",
	}
	f := esambat.ReportFilter{ReporterID: a.UserID, Limit: 1000}
	for len(out.Reports) < maxExportReports {
		page, err := s.Service.Reports.FindReports(ctx, f)
		if err != nil {
			return nil, err
		}
		for _, rep := range page.Reports {
			access := esambat.AccessFor(a, rep)
			if access == esambat.AccessNone {
				continue
			}
			events, err := s.Service.Reports.ListEvents(ctx, rep.ID)
			if err != nil {
				return nil, err
			}
			j, err := s.renderReport(ctx, rep, access, events, nil)
			if err != nil {
				return nil, err
			}
			out.Reports = append(out.Reports, j)
		}
		if page.Next == "" {
			break
		}
		f.After = page.Next
	}
	evs, err := s.Service.AccountHistory(ctx, a, a.UserID, 1000)
	if err != nil {
		return nil, err
	}
	for _, ev := range evs {
		by := "admin"
		switch ev.ActorID {
		case a.UserID:
			by = "anda"
		case 0:
			by = "operator"
		}
		out.History = append(out.History, myAccountEvent{Action: ev.Action, Detail: ev.Detail, By: by, CreatedAt: ev.CreatedAt.UTC()})
	}
	toks, err := s.Service.Auth.Tokens.ListTokens(ctx, a.UserID)
	if err != nil {
		return nil, err
	}
	for _, t := range toks {
		out.Devices = append(out.Devices, myDevice{Name: t.Name, Kind: t.Kind, CreatedAt: t.CreatedAt.UTC(), ExpiresAt: t.ExpiresAt.UTC()})
	}
	return out, nil
}

// handleMyDataAPI answers GET /api/v1/me/export.
func (s *Server) handleMyDataAPI(w http.ResponseWriter, r *http.Request) {
	a := s.requireActor(w, r)
	if a == nil {
		return
	}
	d, err := s.myDataOf(r, a)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, d)
}

// handleMyDataDownload answers GET /akun/unduh with the same document as
// a file to keep.
func (s *Server) handleMyDataDownload(w http.ResponseWriter, r *http.Request) {
	a := s.requireLogin(w, r)
	if a == nil {
		return
	}
	d, err := s.myDataOf(r, a)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Disposition", `attachment; filename="e-sambat-data-saya-`+d.GeneratedAt.In(esambat.WIB).Format("2006-01-02")+`.json"`)
	writeJSON(w, http.StatusOK, d)
}
