package esambat

import (
	"context"
	"fmt"
	"time"
)

// TickResult counts what one scheduler tick did.
type TickResult struct {
	Escalated  int
	AutoClosed int
}

// tickBatch bounds the work of one tick; the next tick takes the rest.
var tickBatch = 500 // a variable so that a test can page with small batches

// Tick runs the clocks once at s.Now(): reports in "selesai" whose reply
// window ran out are closed (an autoclose event), and open reports whose
// current clock ran out get one escalate event per due date (the outbox
// turns it into notices to the agency head and pimpinan). Each is an
// event in the report's chain. Callers make sure only one instance ticks
// at a time (see RunScheduler).
func (s *Service) Tick(ctx context.Context) (TickResult, error) {
	var res TickResult
	now := s.now()
	system := Actor{Role: RoleSystem}
	page, err := s.Reports.FindReports(ctx, ReportFilter{Statuses: []Status{StatusSelesai}, DueBefore: now, Limit: tickBatch, OldestFirst: true})
	if err != nil {
		return res, err
	}
	for _, r := range page.Reports {
		if _, err := s.Act(ctx, system, r.Ticket, ActionInput{Action: ActionAutoClose}); err != nil {
			if ErrorCode(err) == ECONFLICT {
				continue // the reporter answered meanwhile
			}
			return res, fmt.Errorf("autoclose %s: %w", r.Ticket, err)
		}
		res.AutoClosed++
	}
	// Reports already escalated for their due date stay overdue and come
	// first in every query, so walk the pages (bounded per tick) rather
	// than looking at the oldest batch only.
	f := ReportFilter{Statuses: CityStatuses, DueBefore: now, Limit: tickBatch, OldestFirst: true}
	for pages := 0; pages < 100; pages++ {
		page, err := s.Reports.FindReports(ctx, f)
		if err != nil {
			return res, err
		}
		for _, r := range page.Reports {
			done, err := s.escalated(ctx, r)
			if err != nil {
				return res, err
			} else if done {
				continue
			}
			ev := &Event{ReportID: r.ID, Action: string(ActionEscalate), ActorRole: RoleSystem, From: r.Status, To: r.Status, CreatedAt: now,
				Internal: escalationText(r),
				Data:     map[string]string{"due": r.DueAt.UTC().Format(time.RFC3339), "agency": r.AgencyCode, "status": string(r.Status)}}
			if err := s.Audit.AddEvent(ctx, ev); err != nil {
				return res, fmt.Errorf("escalate %s: %w", r.Ticket, err)
			}
			res.Escalated++
		}
		if page.Next == "" {
			break
		}
		f.After = page.Next
	}
	return res, nil
}

// escalated reports whether r was already escalated for its current due date.
func (s *Service) escalated(ctx context.Context, r *Report) (bool, error) {
	events, err := s.Reports.ListEvents(ctx, r.ID)
	if err != nil {
		return false, err
	}
	due := r.DueAt.UTC().Format(time.RFC3339)
	for i := len(events) - 1; i >= 0; i-- {
		if events[i].Action == string(ActionEscalate) && events[i].Data["due"] == due {
			return true, nil
		}
	}
	return false, nil
}

func escalationText(r *Report) string {
	switch r.Status {
	case StatusDiajukan:
		return "Batas verifikasi terlewati: laporan belum diverifikasi admin."
	case StatusDidisposisi:
		return "Batas penerimaan terlewati: perangkat daerah belum menerima laporan dengan rencana."
	}
	return "Batas penyelesaian terlewati: laporan belum selesai ditangani."
}

// RunScheduler ticks every interval until ctx ends. Before each tick it
// takes the "scheduler" lease, so with several instances exactly one
// ticks; the lease outlives the interval a little so a slow tick is not
// joined by another instance.
func (s *Service) RunScheduler(ctx context.Context, leases LeaseStore, holder string, interval time.Duration, logf func(string, ...any)) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		ok, err := leases.AcquireLease(ctx, "scheduler", holder, interval+interval/2)
		switch {
		case err != nil:
			logf("scheduler: lease: %v", err)
		case ok:
			if res, err := s.Tick(ctx); err != nil {
				logf("scheduler: tick: %v", err)
			} else if res.Escalated+res.AutoClosed > 0 {
				logf("scheduler: escalated %d, auto-closed %d", res.Escalated, res.AutoClosed)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
