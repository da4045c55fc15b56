package esambat

import (
	"context"
	"strings"
)

// A city reorganises: an agency is merged into another or dissolved, the
// reference files drop it, and it is retired (Agency.Retired). The
// reports it was working on do not move by themselves: they stay with an
// agency whose officers have moved on, their clocks running. The admin
// moves them, all at once, to the agency that took over its duties.

// HeldOpen are the statuses in which a report waits on its agency: the
// ones a retired agency must hand on. A selesai report waits on its
// reporter; should they dispute it, it comes back here.
var HeldOpen = []Status{StatusDidisposisi, StatusDiproses}

// maxMovePerCall bounds one MoveAgencyReports call (one request of the
// admin's page, a few seconds of writes): the rest move by calling again.
var maxMovePerCall = 500

// MoveResult is what MoveAgencyReports did.
type MoveResult struct {
	// Moved is how many reports went to the new agency.
	Moved int
	// Failed names each report that did not move, with the reason
	// (typically another change came first).
	Failed []string
	// Left is how many open reports the retired agency still holds.
	Left int
}

// Retired agency errors, stable for tests.
const (
	MsgMoveOnlyRetired = "Hanya laporan di perangkat daerah yang sudah tidak aktif yang dapat dipindahkan sekaligus; alihkan laporan lain satu per satu."
	MsgMoveSame        = "Pilih perangkat daerah lain sebagai tujuan."
)

// MoveAgencyReports re-routes the open reports (HeldOpen) of the retired
// agency from to the agency to: each one as its own re-route step by the
// admin, with the usual public sentence, clock (acceptance, from now)
// and messages to its reporter and the new agency, exactly as if the
// admin had re-routed it by hand. At most maxMovePerCall reports move in
// one call, oldest first; a report that fails (another change came
// first) is named and the rest still move.
//
// Only a retired agency's reports move in bulk: an active agency's are
// re-routed one by one, each on its merits.
//
// Errors: EFORBIDDEN for anyone but an admin; EINVALID naming "from" (not
// a known, retired agency) or "agency" (unknown, retired or the same).
func (s *Service) MoveAgencyReports(ctx context.Context, actor Actor, from, to string) (MoveResult, error) {
	var res MoveResult
	if actor.Role != RoleAdmin {
		return res, Errorf(EFORBIDDEN, "Hanya admin yang dapat memindahkan laporan.")
	}
	var v Validation
	from, to = strings.TrimSpace(from), strings.TrimSpace(to)
	if a, err := s.Reference.FindAgency(ctx, from); err != nil {
		if ErrorCode(err) != ENOTFOUND {
			return res, err
		}
		v.Add("from", "Perangkat daerah asal tidak dikenal.")
	} else if !a.Retired {
		v.Add("from", MsgMoveOnlyRetired)
	}
	switch a, err := s.Reference.FindAgency(ctx, to); {
	case err != nil && ErrorCode(err) != ENOTFOUND:
		return res, err
	case to == "":
		v.Add("agency", "Pilih perangkat daerah tujuan.")
	case err != nil:
		v.Add("agency", "Perangkat daerah tujuan tidak dikenal.")
	case a.Retired:
		v.Add("agency", MsgAgencyRetired)
	case a.Code == from:
		v.Add("agency", MsgMoveSame)
	}
	if err := v.Err(); err != nil {
		return res, err
	}
	f := ReportFilter{AgencyCode: from, Statuses: HeldOpen, OldestFirst: true, Limit: 100}
	for res.Moved+len(res.Failed) < maxMovePerCall {
		f.Limit = min(100, maxMovePerCall-res.Moved-len(res.Failed))
		page, err := s.Reports.FindReports(ctx, f)
		if err != nil {
			return res, err
		}
		for _, r := range page.Reports {
			if _, err := s.Act(ctx, actor, r.Ticket, ActionInput{Action: ActionDispose, Agency: to}); err != nil {
				if c := ErrorCode(err); c != ECONFLICT && c != EINVALID && c != ENOTFOUND {
					return res, err
				}
				res.Failed = append(res.Failed, r.Ticket+": "+ErrorMessage(err))
				continue
			}
			res.Moved++
		}
		if page.Next == "" {
			break
		}
		f.After = page.Next
	}
	left, err := s.Reports.CountReports(ctx, ReportFilter{AgencyCode: from, Statuses: HeldOpen})
	res.Left = left
	return res, err
}

// AgencyLoad is a retired agency still holding open reports.
type AgencyLoad struct {
	Agency Agency
	Open   int
}

// StrandedReports lists those of agencies that are retired and still
// hold open reports (HeldOpen), with how many: the admins' queue shows
// them until they are moved (MoveAgencyReports), and the start names
// them. It costs one count per retired agency, and nothing while none is
// retired; the callers pass the agencies they have read already.
func (s *Service) StrandedReports(ctx context.Context, agencies []Agency) ([]AgencyLoad, error) {
	var out []AgencyLoad
	for _, a := range agencies {
		if !a.Retired {
			continue
		}
		n, err := s.Reports.CountReports(ctx, ReportFilter{AgencyCode: a.Code, Statuses: HeldOpen})
		if err != nil {
			return nil, err
		}
		if n > 0 {
			out = append(out, AgencyLoad{Agency: a, Open: n})
		}
	}
	return out, nil
}
