package esambat

import "slices"

// Status is where a report is in its lifecycle (DESIGN.md "Report lifecycle"):
//
//	diajukan ──verify──> didisposisi ──accept──> diproses ──finish──> selesai ──confirm──> ditutup
//	   │  ▲                 │   ▲                   ▲                    │
//	   │  └─ dikembalikan   │   └─ dispose          └──── dispute ───────┘
//	   │                    └─ handback ("bukan kewenangan", back to diajukan)
//	   ├─ ditolak
//	   └─ duplikat
type Status string

// Statuses.
const (
	StatusDiajukan     Status = "diajukan"     // submitted, waiting for verification
	StatusDikembalikan Status = "dikembalikan" // returned to the reporter for completion
	StatusDitolak      Status = "ditolak"      // rejected with a reason
	StatusDuplikat     Status = "duplikat"     // merged into another open report
	StatusDidisposisi  Status = "didisposisi"  // verified and forwarded to an agency
	StatusDiproses     Status = "diproses"     // accepted by the agency with a plan
	StatusSelesai      Status = "selesai"      // finished by the agency, awaiting the reporter
	StatusDitutup      Status = "ditutup"      // closed: confirmed, rated or auto-closed
)

// Statuses lists every status in lifecycle order.
var Statuses = []Status{
	StatusDiajukan, StatusDikembalikan, StatusDitolak, StatusDuplikat,
	StatusDidisposisi, StatusDiproses, StatusSelesai, StatusDitutup,
}

// AgencyInboxStatuses are the statuses of the reports in an agency's
// inbox: disposed to it, in progress, finished and awaiting the reporter.
// PostgreSQL's partial index reports_agency_open (migration 0017) lists
// the same statuses and serves the inbox only while they match.
var AgencyInboxStatuses = []Status{StatusDidisposisi, StatusDiproses, StatusSelesai}

// Valid reports whether s is a known status.
func (s Status) Valid() bool {
	for _, x := range Statuses {
		if s == x {
			return true
		}
	}
	return false
}

// Open reports whether work on the report is still going on.
func (s Status) Open() bool {
	switch s {
	case StatusDitolak, StatusDuplikat, StatusDitutup:
		return false
	}
	return true
}

// CityStatuses are the statuses in which the report's next step is the
// city's: the admin's verification (diajukan), the agency's acceptance
// (didisposisi) or its work (diproses). The report's due date is then a
// promise the city made to the reporter; past it the step escalates.
var CityStatuses = []Status{StatusDiajukan, StatusDidisposisi, StatusDiproses}

// AwaitsCity reports whether s is one of CityStatuses.
func (s Status) AwaitsCity() bool { return slices.Contains(CityStatuses, s) }

// AutoCloses reports whether a report in s closes by itself at its DueAt:
// a finished report waits for the reporter to confirm or object, and
// closes when they do not, so its DueAt is the reporter's, not the city's.
func (s Status) AutoCloses() bool { return s == StatusSelesai }

// Role is what an actor is to the system.
type Role string

// Roles. RoleSystem is the scheduler (auto-close, escalation).
const (
	RoleWarga    Role = "warga"    // registered resident
	RoleAdmin    Role = "admin"    // Diskominfotik operator
	RolePetugas  Role = "petugas"  // an agency's liaison officer
	RolePimpinan Role = "pimpinan" // mayor's office / inspectorate
	RolePartner  Role = "partner"  // an app holding an API key
	RoleSystem   Role = "system"   // the scheduler
)

// Roles lists every role.
var Roles = []Role{RoleWarga, RoleAdmin, RolePetugas, RolePimpinan, RolePartner, RoleSystem}

// Valid reports whether r is a known role.
func (r Role) Valid() bool {
	for _, x := range Roles {
		if r == x {
			return true
		}
	}
	return false
}

// Staff reports whether r works for the city.
func (r Role) Staff() bool { return r == RoleAdmin || r == RolePetugas || r == RolePimpinan }

// Action is one lifecycle step, as named in the API
// (POST /api/v1/reports/{ticket}/actions).
type Action string

// Actions.
const (
	ActionVerify        Action = "verify"         // admin: verify and dispose to an agency
	ActionDispose       Action = "dispose"        // admin: re-route to another agency
	ActionReturn        Action = "return"         // admin: return for completion
	ActionResubmit      Action = "resubmit"       // warga: send a returned report again
	ActionReject        Action = "reject"         // admin: reject with a reason
	ActionDuplicate     Action = "duplicate"      // admin: merge into an open report
	ActionAccept        Action = "accept"         // petugas: accept with plan and target
	ActionAnswer        Action = "answer"         // petugas/admin: public answer
	ActionNote          Action = "note"           // staff: internal note
	ActionFinish        Action = "finish"         // petugas: done, with evidence
	ActionHandback      Action = "handback"       // petugas: "bukan kewenangan"
	ActionConfirm       Action = "confirm"        // warga: confirm with a rating
	ActionDispute       Action = "dispute"        // warga: reopen
	ActionSupport       Action = "support"        // warga: "dukung" someone else's report
	ActionSetVisibility Action = "set_visibility" // admin: tighten visibility
	ActionRecategorize  Action = "recategorize"   // admin: change category
	ActionAutoClose     Action = "autoclose"      // system: close after the reply window
	ActionEscalate      Action = "escalate"       // system: a clock ran out
	ActionUndo          Action = "undo"           // admin: send an automatic disposition back to the queue
	ActionPublish       Action = "publish"        // admin: publish an automatically disposed report after review
)

// Actions lists every action.
var Actions = []Action{
	ActionVerify, ActionDispose, ActionReturn, ActionResubmit, ActionReject,
	ActionDuplicate, ActionAccept, ActionAnswer, ActionNote, ActionFinish,
	ActionHandback, ActionConfirm, ActionDispute, ActionSupport,
	ActionSetVisibility, ActionRecategorize, ActionAutoClose, ActionEscalate,
	ActionUndo, ActionPublish,
}

// Valid reports whether a is a known action.
func (a Action) Valid() bool {
	for _, x := range Actions {
		if a == x {
			return true
		}
	}
	return false
}

// rule is one allowed move: from a status to the next one (same = stays).
type rule struct {
	role Role
	from Status
	to   Status
}

// same marks a rule whose action leaves the status unchanged.
const same Status = ""

// rules is the whole lifecycle: for each action, who may take it from
// which status and where it leads. Transition is the only reader.
var rules = map[Action][]rule{
	ActionVerify: {
		{RoleAdmin, StatusDiajukan, StatusDidisposisi},
		// Automatic disposition by the routing suggestion (per category,
		// above its confidence threshold); an admin can undo it.
		{RoleSystem, StatusDiajukan, StatusDidisposisi},
	},
	ActionUndo:    {{RoleAdmin, StatusDidisposisi, StatusDiajukan}},
	ActionPublish: {{RoleAdmin, StatusDidisposisi, same}, {RoleAdmin, StatusDiproses, same}, {RoleAdmin, StatusSelesai, same}, {RoleAdmin, StatusDitutup, same}},
	ActionDispose: {
		{RoleAdmin, StatusDidisposisi, StatusDidisposisi},
		{RoleAdmin, StatusDiproses, StatusDidisposisi},
	},
	ActionReturn:   {{RoleAdmin, StatusDiajukan, StatusDikembalikan}},
	ActionResubmit: {{RoleWarga, StatusDikembalikan, StatusDiajukan}},
	ActionReject: {
		{RoleAdmin, StatusDiajukan, StatusDitolak},
		{RoleAdmin, StatusDikembalikan, StatusDitolak},
	},
	ActionDuplicate: {
		{RoleAdmin, StatusDiajukan, StatusDuplikat},
		{RoleAdmin, StatusDikembalikan, StatusDuplikat},
	},
	ActionAccept: {{RolePetugas, StatusDidisposisi, StatusDiproses}},
	ActionAnswer: {
		{RolePetugas, StatusDidisposisi, same}, {RolePetugas, StatusDiproses, same},
		{RoleAdmin, StatusDiajukan, same}, {RoleAdmin, StatusDidisposisi, same},
		{RoleAdmin, StatusDiproses, same},
	},
	ActionNote:     allStatuses(same, RoleAdmin, RolePetugas, RolePimpinan),
	ActionFinish:   {{RolePetugas, StatusDiproses, StatusSelesai}},
	ActionHandback: {{RolePetugas, StatusDidisposisi, StatusDiajukan}, {RolePetugas, StatusDiproses, StatusDiajukan}},
	ActionConfirm:  {{RoleWarga, StatusSelesai, StatusDitutup}},
	ActionDispute:  {{RoleWarga, StatusSelesai, StatusDiproses}},
	ActionSupport: {
		{RoleWarga, StatusDidisposisi, same}, {RoleWarga, StatusDiproses, same},
	},
	ActionSetVisibility: allStatuses(same, RoleAdmin),
	ActionRecategorize: {
		{RoleAdmin, StatusDiajukan, same}, {RoleAdmin, StatusDikembalikan, same},
		{RoleAdmin, StatusDidisposisi, same},
	},
	ActionAutoClose: {{RoleSystem, StatusSelesai, StatusDitutup}},
	ActionEscalate: {
		{RoleSystem, StatusDiajukan, same}, {RoleSystem, StatusDidisposisi, same},
		{RoleSystem, StatusDiproses, same},
	},
}

func allStatuses(to Status, roles ...Role) []rule {
	var out []rule
	for _, role := range roles {
		for _, s := range Statuses {
			out = append(out, rule{role, s, to})
		}
	}
	return out
}

// Transition is the lifecycle of a report as one pure function: given the
// actor's role, the report's current status and the action, it returns the
// next status (equal to current for actions that do not move the report).
//
// Errors: EINVALID for an unknown role, status or action; EFORBIDDEN when
// the role may never take the action; ECONFLICT when the role may take it,
// but not from the current status (the state has moved on, or not yet
// arrived: the API answers 409).
//
// Transition does not check ownership (is this warga the reporter, is the
// report disposed to this petugas's agency): see Authorize.
func Transition(role Role, current Status, action Action) (Status, error) {
	if !role.Valid() {
		return "", FieldError("role", "Peran tidak dikenal.")
	} else if !current.Valid() {
		return "", FieldError("status", "Status laporan tidak dikenal.")
	} else if !action.Valid() {
		return "", FieldError("action", "Tindakan tidak dikenal.")
	}
	allowed := false
	for _, r := range rules[action] {
		if r.role != role {
			continue
		}
		allowed = true
		if r.from == current {
			if r.to == same {
				return current, nil
			}
			return r.to, nil
		}
	}
	if !allowed {
		return "", Errorf(EFORBIDDEN, "Anda tidak berwenang melakukan tindakan ini.")
	}
	return "", Errorf(ECONFLICT, "Tindakan ini tidak dapat dilakukan pada laporan berstatus %s.", current)
}

// Actor is who is acting: a user (or partner app) with a role, and for a
// petugas the agency they work for.
type Actor struct {
	UserID     int64
	Role       Role
	AgencyCode string

	// user is the account as Authenticate read it for this request, so
	// that the request's own work need not read it again.
	user *User
}

// account returns the actor's account as read at authentication, or nil.
func (a Actor) account() *User {
	if a.user != nil && a.user.ID == a.UserID {
		return a.user
	}
	return nil
}

// Authorize checks what Transition cannot: that a warga acts on their own
// report (except support, which is for others' reports), and that a
// petugas acts only on reports disposed to their agency. It returns
// ENOTFOUND rather than EFORBIDDEN where saying "forbidden" would reveal
// that a hidden report exists.
func Authorize(a Actor, r *Report, action Action) error {
	switch a.Role {
	case RoleWarga:
		if action == ActionSupport {
			if r.ReporterID == a.UserID {
				return Errorf(EFORBIDDEN, "Anda tidak dapat mendukung laporan Anda sendiri.")
			} else if !r.Published() {
				return Errorf(ENOTFOUND, "Laporan tidak ditemukan.")
			}
			return nil
		}
		if r.ReporterID != a.UserID {
			return Errorf(ENOTFOUND, "Laporan tidak ditemukan.")
		}
	case RolePetugas:
		if a.AgencyCode == "" || r.AgencyCode != a.AgencyCode {
			return Errorf(ENOTFOUND, "Laporan tidak ditemukan.")
		}
	case RolePartner:
		return Errorf(EFORBIDDEN, "Aplikasi mitra hanya dapat mengirim laporan.")
	}
	return nil
}

// RejectReasons are the fixed reasons a report may be rejected for; the
// admin adds free text.
var RejectReasons = []string{
	"luar_wilayah",            // outside the city (the referral is filled in)
	"bukan_kewenangan_pemkot", // not the city government's authority
	"urusan_pribadi",          // a private matter
	"spam_sara_hoaks",         // spam, SARA (ethnic/religious hate) or hoax
	"tidak_lengkap",           // incomplete after being returned
}

// ValidRejectReason reports whether reason is one of RejectReasons.
func ValidRejectReason(reason string) bool {
	for _, r := range RejectReasons {
		if r == reason {
			return true
		}
	}
	return false
}
