// Package demo generates realistic synthetic data for E-Sambat (esambat
// seed-demo): resident and staff accounts, and reports across every
// kelurahan, category and state of the lifecycle, each with the complete,
// hash-chained history of events that the service itself would have
// written.
//
// The data is made to be believable, not merely plentiful:
//
//   - Texts come from hand-written Indonesian reports (an embedded copy of
//     the routing evaluation set), with the kelurahan they mention replaced
//     by the report's own, a street address, a landmark or a closing line.
//   - Points are drawn uniformly inside the report's kelurahan polygon
//     (geo.Locator.RandomPoint), so Locate agrees with the stored kelurahan.
//   - Submission times follow a day-and-night, weekday and holiday rhythm
//     over the last months, with slow growth and a rainy-season rise in
//     drainage and road reports. Staff act in office hours on working days
//     (the real holiday Calendar); residents answer at any waking hour.
//   - Each report is walked through the lifecycle step by step with the
//     domain's own rules: verification, return for completion,
//     rejection, merging of duplicates, misrouting handed back or re-routed,
//     acceptance with a plan, answers and internal notes, finishing,
//     confirmation with a rating, disputes and automatic closing. A step
//     that would happen after now does not happen: old reports are mostly
//     closed, recent ones still queued or in progress. Due dates come from
//     the configured Clocks; a clock that ran out before the next step left
//     an escalation event, as the scheduler would have, so that starting a
//     server on the data does not set off a storm of escalations.
//   - Staff viewing a rahasia report leave a view event; published reports
//     collect supports from other residents while they are open.
//
// Generation is deterministic for a seed and split into chunks that can be
// generated concurrently, each from its own random stream; the sealed NIKs
// differ between runs (sealing uses a random nonce) and so does every keyed
// hash (it depends on the server's secret key).
package demo
