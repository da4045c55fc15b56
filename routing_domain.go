package esambat

import (
	"context"
	"fmt"
)

// RouteSuggestion is a category the routing model proposes for a report's
// text, with its confidence (0-1).
type RouteSuggestion struct {
	Category   string
	Confidence float64
}

// Router suggests categories from a report's title and description (see
// package routing). Implementations are safe for concurrent use.
type Router interface {
	Suggest(title, description string, k int) []RouteSuggestion
}

// Suggest returns up to k category suggestions for r, best first, or nil
// when no router is configured.
func (s *Service) Suggest(r *Report, k int) []RouteSuggestion {
	if s.Router == nil {
		return nil
	}
	return s.Router.Suggest(r.Title, r.Description, k)
}

// autoDispose verifies and disposes a new report at once when the routing
// model's best guess is its own category with at least the category's
// threshold. The decision is a system event naming the confidence; the
// report is not published until an admin reviews it (publish) or sends it
// back to the queue (undo).
func (s *Service) autoDispose(ctx context.Context, r *Report, cat Category) (*Report, error) {
	if cat.AutoThreshold <= 0 || s.Router == nil || r.Status != StatusDiajukan {
		return r, nil
	}
	best := s.Router.Suggest(r.Title, r.Description, 1)
	if len(best) == 0 || best[0].Category != cat.Code || best[0].Confidence < cat.AutoThreshold {
		return r, nil
	}
	a, err := s.Reference.FindAgency(ctx, cat.AgencyCode)
	if err != nil {
		return r, err
	}
	if a.Retired {
		return r, nil // the admin chooses where it goes now
	}
	now := s.now()
	ev := &Event{Action: string(ActionVerify), ActorRole: RoleSystem, From: r.Status, To: StatusDidisposisi, CreatedAt: now,
		Data: map[string]string{"agency": a.Code, "auto": "1", "confidence": fmt.Sprintf("%.3f", best[0].Confidence),
			"threshold": fmt.Sprintf("%.3f", cat.AutoThreshold)}}
	ev.Public = systemText(ev, textAutoDisposed, a.Name)
	r.Status, r.AgencyCode, r.DueAt = StatusDidisposisi, a.Code, s.Clocks.AcceptDue(now)
	if err := s.Reports.UpdateReport(ctx, r, ev); err != nil {
		return r, err
	}
	return r, nil
}

// AutoDisposed reports whether the latest disposition of a report was made
// by the routing model (and so may be undone).
func AutoDisposed(events []Event) bool {
	for i := len(events) - 1; i >= 0; i-- {
		e := events[i]
		if e.Action == string(ActionVerify) || e.Action == string(ActionDispose) || e.Action == string(ActionUndo) {
			return e.Action == string(ActionVerify) && e.ActorRole == RoleSystem
		}
	}
	return false
}
