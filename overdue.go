package esambat

import (
	"context"
	"time"
)

// The city's promises that ran out: every report whose step is the
// city's (CityStatuses) and whose due date has passed. The scheduler
// escalates each once; the overdue page (/admin/terlambat) shows admins
// and pimpinan all of them at once, by agency, so that the mayor's office
// sees which agency keeps residents waiting (DESIGN: "red on the
// dashboards").

// OverdueCount is how many reports of one agency wait past their due date
// in one status, and since when the longest has.
type OverdueCount struct {
	AgencyCode string // "" for reports no agency holds yet (verification)
	Status     Status
	N          int
	// OldestDue is the earliest due date among them.
	OldestDue time.Time
}

// OverdueCounter counts overdue reports (part of ReportStore).
type OverdueCounter interface {
	// OverdueCounts counts the reports in CityStatuses whose due date is
	// at or before now, by agency and status.
	OverdueCounts(ctx context.Context, now time.Time) ([]OverdueCount, error)
}

// Overdue returns the overdue counts for a viewer who reads every
// report: admins and pimpinan.
func (s *Service) Overdue(ctx context.Context, a *Actor) ([]OverdueCount, error) {
	if a == nil || (a.Role != RoleAdmin && a.Role != RolePimpinan) {
		return nil, Errorf(EFORBIDDEN, "Hanya admin dan pimpinan yang melihat semua laporan terlambat.")
	}
	return s.Reports.OverdueCounts(ctx, s.now())
}
