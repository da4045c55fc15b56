package esambat

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"time"
)

// Event is one entry in a report's history: who did what, when, from which
// status to which, with a public text (shown on the timeline) and an
// internal note (staff only) kept apart.
//
// Events are append-only and hash-chained per report: Hash covers the
// event's fields and PrevHash, the Hash of the report's previous event, so
// that editing or deleting a row behind the application's back breaks the
// chain (esambat audit verify finds it).
type Event struct {
	ID        int64
	ReportID  int64
	Seq       int // 1, 2, 3... within the report
	Action    string
	ActorID   int64 // 0 for the system
	ActorRole Role
	From      Status
	To        Status
	// Public is shown on the report's public timeline.
	Public string
	// Internal is seen by staff only.
	Internal string
	// Data holds action details (agency, reason, rating...).
	Data      map[string]string
	CreatedAt time.Time
	PrevHash  string
	Hash      string
}

// ActionSubmit is the action of a report's first event.
const ActionSubmit = "submit"

// ComputeHash returns the hex SHA-256 of the event's canonical encoding
// including PrevHash. Times are hashed in UTC at microsecond precision,
// which both stores keep exactly.
func (e *Event) ComputeHash() string {
	// A JSON array of strings is a canonical, unambiguous encoding: each
	// field is quoted and escaped, and Data's keys are sorted by
	// encoding/json.
	// An empty and a nil Data are the same event: the store keeps both as {}.
	data := []byte("{}")
	if len(e.Data) > 0 {
		data, _ = json.Marshal(e.Data)
	}
	return chainHash(
		strconv.FormatInt(e.ReportID, 10), strconv.Itoa(e.Seq), e.Action,
		strconv.FormatInt(e.ActorID, 10), string(e.ActorRole), string(e.From), string(e.To),
		e.Public, e.Internal, string(data),
		e.CreatedAt.UTC().Truncate(time.Microsecond).Format(time.RFC3339Nano), e.PrevHash,
	)
}

// chainHash is the hex SHA-256 of fields as a JSON array of strings, the
// canonical encoding of a link of a hash chain (Event, AccountEvent).
func chainHash(fields ...string) string {
	b, _ := json.Marshal(fields)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
