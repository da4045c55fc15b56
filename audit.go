package esambat

import (
	"context"
	"fmt"
	"time"
)

// AuditStore reads and appends the event chains.
type AuditStore interface {
	// AddEvent appends ev to its report's chain without changing the
	// report; ENOTFOUND for an unknown report.
	AddEvent(ctx context.Context, ev *Event) error
	// WalkEvents calls fn for every event ordered by report and sequence.
	WalkEvents(ctx context.Context, fn func(Event) error) error
	// WalkHeads calls fn with every report's recorded latest event hash
	// ('' when none was recorded), ordered by report.
	WalkHeads(ctx context.Context, fn func(reportID int64, head string) error) error
	// WalkAccountEvents calls fn for every account event ordered by
	// Seq (events outside the chain, Seq 0, first).
	WalkAccountEvents(ctx context.Context, fn func(AccountEvent) error) error
	// AccountEventsHead returns the Seq and Hash of the latest account
	// event as recorded apart from the events (0 and '' before the first).
	AccountEventsHead(ctx context.Context) (seq int64, hash string, err error)
}

// LeaseStore gives one instance at a time the right to run a job.
type LeaseStore interface {
	// AcquireLease takes or renews the lease name for holder until
	// now+ttl; false when another holder has an unexpired lease.
	AcquireLease(ctx context.Context, name, holder string, ttl time.Duration) (bool, error)
}

// BrokenLink describes the first place a chain does not hold: in a
// report's events, or in the accounts' (Accounts).
type BrokenLink struct {
	ReportID int64
	Seq      int
	EventID  int64
	Reason   string
	// Accounts is true when the break is in the account events' chain
	// (ReportID is then 0).
	Accounts bool
}

func (b BrokenLink) String() string {
	if b.Accounts {
		return fmt.Sprintf("account history, event %d (id %d): %s", b.Seq, b.EventID, b.Reason)
	}
	return fmt.Sprintf("report %d, event %d (id %d): %s", b.ReportID, b.Seq, b.EventID, b.Reason)
}

// VerifyChains walks every report's events and checks that sequence
// numbers run 1, 2, 3..., that each event's PrevHash is the previous
// event's Hash and that each Hash matches the event's content; then the
// account events' chain the same way (verifyAccountChain). It returns the
// number of events checked (of both kinds) and the first broken link, or
// nil.
func VerifyChains(ctx context.Context, store AuditStore) (int, *BrokenLink, error) {
	n, broken, err := verifyReportChains(ctx, store)
	if err != nil || broken != nil {
		return n, broken, err
	}
	m, broken, err := verifyAccountChain(ctx, store)
	return n + m, broken, err
}

// verifyAccountChain checks the account events' single chain: Seq runs 1,
// 2, 3..., each PrevHash is the previous Hash, each Hash matches its
// event, and the recorded head is the last event (events deleted from
// the end leave a head that no event matches).
func verifyAccountChain(ctx context.Context, store AuditStore) (int, *BrokenLink, error) {
	var (
		n      int
		broken *BrokenLink
		last   AccountEvent
	)
	stop := fmt.Errorf("stop")
	err := store.WalkAccountEvents(ctx, func(e AccountEvent) error {
		n++
		link := func(reason string) error {
			broken = &BrokenLink{Accounts: true, Seq: int(e.Seq), EventID: e.ID, Reason: reason}
			return stop
		}
		switch {
		case e.Seq == 0:
			return link("the event is outside the chain: it was inserted without a link, or its link was erased")
		case e.Seq != last.Seq+1:
			return link(fmt.Sprintf("sequence %d follows %d: an event is missing or inserted", e.Seq, last.Seq))
		case e.PrevHash != last.Hash:
			return link("prev_hash does not match the previous event's hash: an event before it was changed or removed")
		case e.ComputeHash() != e.Hash:
			return link("the content does not match its hash: this event was changed")
		}
		last = e
		return nil
	})
	if err != nil && err != stop {
		return n, nil, err
	} else if broken != nil {
		return n, broken, nil
	}
	seq, hash, err := store.AccountEventsHead(ctx)
	if err != nil {
		return n, nil, err
	}
	switch {
	case seq > last.Seq:
		return n, &BrokenLink{Accounts: true, Seq: int(last.Seq + 1), Reason: fmt.Sprintf("the history records %d events and the latest left is %d: events were deleted from its end", seq, last.Seq)}, nil
	case seq != last.Seq || hash != last.Hash:
		return n, &BrokenLink{Accounts: true, Seq: int(last.Seq), EventID: last.ID, Reason: "the latest event is not the one the history records: the record of its head was changed"}, nil
	}
	return n, nil, nil
}

// verifyReportChains is VerifyChains for the reports' events.
func verifyReportChains(ctx context.Context, store AuditStore) (int, *BrokenLink, error) {
	var (
		n        int
		broken   *BrokenLink
		report   int64 = -1
		prevHash string
		prevSeq  int
	)
	stop := fmt.Errorf("stop")
	err := store.WalkEvents(ctx, func(e Event) error {
		n++
		if e.ReportID != report {
			report, prevHash, prevSeq = e.ReportID, "", 0
		}
		link := func(reason string) error {
			broken = &BrokenLink{ReportID: e.ReportID, Seq: e.Seq, EventID: e.ID, Reason: reason}
			return stop
		}
		switch {
		case e.Seq != prevSeq+1:
			return link(fmt.Sprintf("sequence %d follows %d: an event is missing or inserted", e.Seq, prevSeq))
		case e.PrevHash != prevHash:
			return link("prev_hash does not match the previous event's hash: an event before it was changed or removed")
		case e.ComputeHash() != e.Hash:
			return link("the content does not match its hash: this event was changed")
		}
		prevHash, prevSeq = e.Hash, e.Seq
		return nil
	})
	if err != nil && err != stop {
		return n, nil, err
	} else if broken != nil {
		return n, broken, nil
	}
	// The last event of each chain must be the one the report records:
	// otherwise events were deleted from the end.
	last := map[int64]Event{}
	err = store.WalkEvents(ctx, func(e Event) error {
		last[e.ReportID] = e
		return nil
	})
	if err != nil {
		return n, nil, err
	}
	err = store.WalkHeads(ctx, func(id int64, head string) error {
		e, ok := last[id]
		switch {
		case head == "":
			return nil
		case !ok:
			broken = &BrokenLink{ReportID: id, Reason: "the report records events but none are left: its history was deleted"}
			return stop
		case e.Hash != head:
			broken = &BrokenLink{ReportID: id, Seq: e.Seq + 1, Reason: "the report's latest event is missing: events were deleted from the end of its history"}
			return stop
		}
		return nil
	})
	if err != nil && err != stop {
		return n, nil, err
	}
	return n, broken, nil
}
