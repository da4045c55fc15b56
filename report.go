package esambat

import (
	"context"
	"fmt"
	"math"
	"strings"
	"time"
	"unicode/utf8"
)

// Type is what kind of report a resident sends.
type Type string

// Report types.
const (
	TypePengaduan Type = "pengaduan" // complaint
	TypeAspirasi  Type = "aspirasi"  // aspiration
	TypeSaran     Type = "saran"     // suggestion
	TypeInformasi Type = "informasi" // information request
)

// Types lists every report type in display order.
var Types = []Type{TypePengaduan, TypeAspirasi, TypeSaran, TypeInformasi}

// Valid reports whether t is a known type.
func (t Type) Valid() bool {
	for _, x := range Types {
		if t == x {
			return true
		}
	}
	return false
}

// Visibility decides who may see a report and its reporter.
type Visibility string

// Visibilities. See DESIGN.md "Visibility".
const (
	// VisibilityPublik: published after verification with the reporter's
	// display name.
	VisibilityPublik Visibility = "publik"
	// VisibilityAnonim: published, but the reporter's identity is hidden
	// from the public and from the agency.
	VisibilityAnonim Visibility = "anonim"
	// VisibilityRahasia: never public; only the reporter, admins and the
	// agency see the content, and the agency does not see the identity.
	VisibilityRahasia Visibility = "rahasia"
)

// Visibilities lists every visibility from the most to the least open.
var Visibilities = []Visibility{VisibilityPublik, VisibilityAnonim, VisibilityRahasia}

// Valid reports whether v is a known visibility.
func (v Visibility) Valid() bool {
	return v == VisibilityPublik || v == VisibilityAnonim || v == VisibilityRahasia
}

// rank orders visibilities from open (0) to closed (2).
func (v Visibility) rank() int {
	switch v {
	case VisibilityAnonim:
		return 1
	case VisibilityRahasia:
		return 2
	}
	return 0
}

// Tightens reports whether changing from v to w hides at least as much.
// Admins may only tighten visibility.
func (v Visibility) Tightens(w Visibility) bool { return w.rank() >= v.rank() }

// Channel is how a report reached the city.
type Channel string

// Channels.
const (
	ChannelWeb      Channel = "web"
	ChannelAPI      Channel = "api"
	ChannelOpen311  Channel = "open311"
	ChannelWalkIn   Channel = "walkin"   // entered by an operator at the counter
	ChannelPhone    Channel = "phone"    // entered by an operator from a call
	ChannelWhatsApp Channel = "whatsapp" // entered by an operator from a chat
)

// Valid reports whether c is a known channel.
func (c Channel) Valid() bool {
	switch c {
	case ChannelWeb, ChannelAPI, ChannelOpen311, ChannelWalkIn, ChannelPhone, ChannelWhatsApp:
		return true
	}
	return false
}

// MaxDescription is the longest description accepted, in characters (the
// Open311 limit too).
const MaxDescription = 4000

// MaxTitle is the longest title accepted, in characters.
const MaxTitle = 150

// Location is a report's point with the kelurahan and kecamatan derived
// from it by the Locator (never typed by the resident).
type Location struct {
	Lat       float64 `json:"lat"`
	Lng       float64 `json:"lng"`
	Kelurahan string  `json:"kelurahan"` // code
	Kecamatan string  `json:"kecamatan"` // code
}

// OnBehalf names the person a report is made for ("lapor atas nama"), e.g.
// an older parent who does not use apps.
type OnBehalf struct {
	Name         string `json:"name"`
	Relationship string `json:"relationship"`
	Phone        string `json:"phone,omitempty"` // E.164; also notified
}

// Report flags for the verifier.
const (
	FlagDomicileUnverified = "domisili_belum_terverifikasi"
	FlagPhoneUnconfirmed   = "nomor_belum_terkonfirmasi"
	FlagOnBehalf           = "atas_nama"
	FlagNearDuplicate      = "kemungkinan_duplikat"
)

// Report is a complaint, aspiration, suggestion or information request.
// ID is internal; Ticket (e.g. "ES-26-000123") is what people read out.
type Report struct {
	ID           int64
	Ticket       string
	Type         Type
	CategoryCode string
	Title        string
	Description  string
	// Location is nil for categories that are not place-bound.
	Location *Location
	// KelurahanCode is set from Location, or chosen by the reporter when
	// there is no point (no map, or not place-bound).
	KelurahanCode string
	// Address is the street address or landmark the reporter typed; it
	// helps the agency find the spot but never decides jurisdiction.
	Address    string
	Visibility Visibility
	Status     Status
	Channel    Channel
	ReporterID int64
	OnBehalf   *OnBehalf
	// SuggestedAgency is the category's default agency at submission.
	SuggestedAgency string
	// AgencyCode is the agency the report is disposed to, if any.
	AgencyCode string
	Flags      []string
	// DuplicateOf is the ID of the report this one was merged into.
	DuplicateOf int64
	Supports    int
	Rating      int
	CreatedAt   time.Time
	UpdatedAt   time.Time
	// DueAt is when the current step's clock runs out; zero when no clock runs.
	DueAt time.Time
	// PublishedAt is set when an admin verifies a publik or anonim report.
	PublishedAt time.Time
	// Version increases with every change; updates compare it to refuse
	// lost updates (ECONFLICT).
	Version int
	// Photos are stored with the report by CreateReport; readers load them
	// with ListPhotos.
	Photos []Photo
	// Reporter, when the caller already holds the reporter's account, saves
	// the store reading it again for the first notification. It is never
	// stored, and stores never fill it in.
	Reporter *User `json:"-"`
}

// Photo kinds.
const (
	PhotoReport   = "laporan" // sent by the reporter
	PhotoEvidence = "bukti"   // the agency's evidence of the work
)

// MaxPhotos is how many photos a report may carry from its reporter.
const MaxPhotos = 5

// Photo is a normalised photo (upright, metadata removed) kept in the
// content-addressed media store: Key is the web rendition, ThumbKey the
// thumbnail.
type Photo struct {
	Key       string
	ThumbKey  string
	Width     int
	Height    int
	Kind      string
	CreatedAt time.Time
}

// NewPhotos returns those of photos whose Key is not among have, each key
// once: what an upload adds to a report that has the photos of keys have.
// A retried upload (its answer lost on the way) sends the same photos,
// with the same content keys, again.
func NewPhotos(have []string, photos []Photo) []Photo {
	seen := make(map[string]bool, len(have)+len(photos))
	for _, k := range have {
		seen[k] = true
	}
	var out []Photo
	for _, p := range photos {
		if !seen[p.Key] {
			seen[p.Key] = true
			out = append(out, p)
		}
	}
	return out
}

// HasFlag reports whether the report carries flag.
func (r *Report) HasFlag(flag string) bool {
	for _, f := range r.Flags {
		if f == flag {
			return true
		}
	}
	return false
}

// Published reports whether anyone may read the report's content.
func (r *Report) Published() bool {
	return !r.PublishedAt.IsZero() && r.Visibility != VisibilityRahasia
}

// Late reports whether the city has let the report's current step pass
// its due date at now: the admin's verification, the agency's acceptance
// or its work (Status.AwaitsCity). A step the reporter owes (details
// asked for, confirming the result) is never the city's delay.
func (r *Report) Late(now time.Time) bool {
	return r.Status.AwaitsCity() && !r.DueAt.IsZero() && !now.Before(r.DueAt)
}

// ValidateCoordinates returns EINVALID naming lat or lng for NaN, infinite
// or out-of-range values.
func ValidateCoordinates(lat, lng float64) error {
	if math.IsNaN(lat) || math.IsInf(lat, 0) || lat < -90 || lat > 90 {
		return FieldError("lat", "Garis lintang harus berupa angka antara -90 dan 90.")
	}
	if math.IsNaN(lng) || math.IsInf(lng, 0) || lng < -180 || lng > 180 {
		return FieldError("lng", "Garis bujur harus berupa angka antara -180 dan 180.")
	}
	return nil
}

// cleanText trims s and refuses invalid UTF-8 and control characters other
// than newlines and tabs.
func cleanText(v *Validation, field, s string, min, max int, label string) string {
	s = strings.TrimSpace(strings.ReplaceAll(s, "\r\n", "\n"))
	switch n := utf8.RuneCountInString(s); {
	case !utf8.ValidString(s):
		v.Add(field, label+" berisi karakter yang tidak valid.")
	case n < min:
		if min <= 1 {
			v.Add(field, label+" wajib diisi.")
		} else {
			v.Add(field, fmt.Sprintf("%s minimal %d karakter.", label, min))
		}
	case n > max:
		v.Add(field, fmt.Sprintf("%s maksimal %d karakter (sekarang %d).", label, max, n))
	default:
		for _, r := range s {
			if r < 0x20 && r != '\n' && r != '\t' || r == 0x7f {
				v.Add(field, label+" berisi karakter yang tidak valid.")
				break
			}
		}
	}
	return s
}

// ReportInput is what a submitter provides. Validate checks what can be
// checked without the store or the Locator.
type ReportInput struct {
	Type          Type
	CategoryCode  string
	Title         string
	Description   string
	Lat, Lng      *float64
	Address       string
	KelurahanCode string
	Visibility    Visibility
	Channel       Channel
	OnBehalf      *OnBehalf
	// Photos are already normalised and stored (package media).
	Photos []Photo
}

// Normalize trims the text fields in place and returns every problem at
// once as an EINVALID error with Fields.
func (in *ReportInput) Normalize() error {
	var v Validation
	if in.Type == "" {
		in.Type = TypePengaduan
	}
	if !in.Type.Valid() {
		v.Add("type", "Jenis laporan tidak dikenal.")
	}
	if strings.TrimSpace(in.CategoryCode) == "" {
		v.Add("category", "Kategori wajib dipilih.")
	}
	in.Title = cleanText(&v, "title", in.Title, 5, MaxTitle, "Judul")
	in.Description = cleanText(&v, "description", in.Description, 10, MaxDescription, "Uraian")
	in.Address = cleanText(&v, "address", in.Address, 0, 300, "Alamat")
	if in.Visibility == "" {
		in.Visibility = VisibilityPublik
	}
	if !in.Visibility.Valid() {
		v.Add("visibility", "Pilihan kerahasiaan tidak dikenal.")
	}
	if in.Channel == "" {
		in.Channel = ChannelWeb
	}
	if !in.Channel.Valid() {
		v.Add("channel", "Saluran laporan tidak dikenal.")
	}
	if (in.Lat == nil) != (in.Lng == nil) {
		v.Add("lat", "Titik lokasi harus berisi garis lintang dan bujur.")
	} else if in.Lat != nil {
		if err := ValidateCoordinates(*in.Lat, *in.Lng); err != nil {
			for f, msg := range err.(*Error).Fields {
				v.Add(f, msg)
			}
		}
	}
	if len(in.Photos) > MaxPhotos {
		v.Add("photos", fmt.Sprintf("Maksimal %d foto per laporan.", MaxPhotos))
	}
	if b := in.OnBehalf; b != nil {
		b.Name = cleanText(&v, "on_behalf.name", b.Name, 2, 100, "Nama yang diwakili")
		b.Relationship = cleanText(&v, "on_behalf.relationship", b.Relationship, 2, 50, "Hubungan")
		if b.Phone != "" {
			p, err := NormalizePhone(b.Phone)
			if err != nil {
				v.Add("on_behalf.phone", ErrorMessage(err))
			}
			b.Phone = p
		}
	}
	return v.Err()
}

// ReportFilter selects reports. Zero fields do not filter.
type ReportFilter struct {
	Statuses      []Status
	CategoryCode  string
	AgencyCode    string
	KelurahanCode string
	ReporterID    int64
	// PublishedOnly limits to reports anyone may read.
	PublishedOnly bool
	// BBox limits to points within [MinLat, MinLng, MaxLat, MaxLng].
	BBox *BBox
	// Near limits to points within a circle (see Circle).
	Near *Circle
	// From and To are a window on CreatedAt: at or after From, before To.
	// A list with a window is ordered by CreatedAt, then ID, unless it
	// has search words (ByCreated).
	From time.Time
	To   time.Time
	// DueBefore limits to reports whose clock ran out at or before it.
	DueBefore time.Time
	// Query is free text searched in title and description.
	Query string
	// After is an opaque cursor from a previous page.
	After string
	// Limit is the page size; the store caps it at 1000 (the API and the
	// pages allow 200) and defaults to 50.
	Limit int
	// OldestFirst orders by creation time ascending (queues); the default
	// is newest first (public lists).
	OldestFirst bool
	// MostOverdueFirst orders by due date ascending, then ID, the report
	// whose clock ran out longest ago first (the overdue page); it goes
	// with DueBefore and no search words, and OldestFirst is then moot.
	MostOverdueFirst bool
}

// ByDue reports whether f's list is ordered by DueAt and then ID
// (MostOverdueFirst, without search words, which come in ID order).
func (f ReportFilter) ByDue() bool {
	return f.MostOverdueFirst && strings.TrimSpace(f.Query) == ""
}

// ByCreated reports whether f's list is ordered by CreatedAt and then ID,
// as a list with a date window and no search words is; any other list is
// ordered by ID alone. IDs grow with submission, so both orders agree
// wherever CreatedAt does too; what the window adds is that the store can
// walk the window's reports by time, newest first, and stop after a page,
// where ordering them by ID meant reading and sorting every report of the
// window (0.3 to 0.9 s for 30 to 90 days at a million reports). A search
// reads its matches from the words' index in ID order, and ordering them
// by time instead would sort every match in the window (0.6 s against
// 0.5 s for "jalan" and two months at a million reports, measured).
func (f ReportFilter) ByCreated() bool {
	return (!f.From.IsZero() || !f.To.IsZero()) && strings.TrimSpace(f.Query) == "" && !f.ByDue()
}

// Before reports whether a comes before b in f's list.
func (f ReportFilter) Before(a, b *Report) bool {
	if f.ByDue() {
		if !a.DueAt.Equal(b.DueAt) {
			return a.DueAt.Before(b.DueAt)
		}
		return a.ID < b.ID
	}
	if f.OldestFirst {
		a, b = b, a
	}
	if f.ByCreated() && !a.CreatedAt.Equal(b.CreatedAt) {
		return a.CreatedAt.After(b.CreatedAt)
	}
	return a.ID > b.ID
}

// BBox is a latitude/longitude rectangle.
type BBox struct{ MinLat, MinLng, MaxLat, MaxLng float64 }

// Circle is the points within Metres of (Lat, Lng). Stores measure the
// distance on the plane tangent at the centre (equirectangular), which
// for the few hundred metres it is used for differs from Distance by far
// less than a GPS fix's error; what they add is that the database, not the
// caller, discards the points in the corners of the bounding box.
type Circle struct{ Lat, Lng, Metres float64 }

// metresPerDegree is the length of one degree of latitude on the sphere
// that Distance uses.
const metresPerDegree = earthRadius * math.Pi / 180

// Box returns the smallest BBox holding c.
func (c Circle) Box() BBox {
	dLat := c.Metres / metresPerDegree
	dLng := c.Metres / (metresPerDegree * math.Cos(c.Lat*math.Pi/180))
	return BBox{MinLat: c.Lat - dLat, MaxLat: c.Lat + dLat, MinLng: c.Lng - dLng, MaxLng: c.Lng + dLng}
}

// Scale returns the metres per degree of latitude and of longitude at the
// centre: a point is inside when ((lat-Lat)*ky)² + ((lng-Lng)*kx)² <= Metres².
func (c Circle) Scale() (ky, kx float64) {
	return metresPerDegree, metresPerDegree * math.Cos(c.Lat*math.Pi/180)
}

// ReportPage is one page of reports and the cursor of the next page ("" at
// the end).
type ReportPage struct {
	Reports []*Report
	Next    string
}

// UpdateWindow selects a page of ReportStore.ListUpdates.
type UpdateWindow struct {
	// From and To bound CreatedAt: at or after From, before To.
	From, To time.Time
	// AfterAt and AfterID continue after the last event of the previous
	// page (its CreatedAt and ID); zero starts at From.
	AfterAt time.Time
	AfterID int64
	// Limit is the page size: default 100, at most 1000.
	Limit int
}

// ReportStore keeps reports and their events.
type ReportStore interface {
	OverdueCounter
	// CreateReport stores r with its first event and assigns ID, Ticket,
	// CreatedAt and Version. It returns only after a durable commit. When
	// idemKey is not empty and the submitter already created a report with
	// that key, it returns that report and created=false instead.
	CreateReport(ctx context.Context, r *Report, ev *Event, idemKey string) (stored *Report, created bool, err error)
	// FindReportByID returns ENOTFOUND when there is no such report.
	FindReportByID(ctx context.Context, id int64) (*Report, error)
	// FindReportsByID returns each of the reports that exists, by ID, in
	// one query per 1,000 (as ListEventsOf): a feed of events names their
	// reports over and over.
	FindReportsByID(ctx context.Context, ids []int64) (map[int64]*Report, error)
	// FindReportByTicket returns ENOTFOUND when there is no such ticket.
	FindReportByTicket(ctx context.Context, ticket string) (*Report, error)
	// FindReports returns a page of reports matching f.
	FindReports(ctx context.Context, f ReportFilter) (ReportPage, error)
	// UpdateReport stores r (as changed by a transition) with its event, if
	// r.Version still matches the stored version; it then increments
	// Version. ECONFLICT when another change came first.
	UpdateReport(ctx context.Context, r *Report, ev *Event) error
	// ListEvents returns the events of a report, oldest first.
	ListEvents(ctx context.Context, reportID int64) ([]Event, error)
	// ListEventsOf returns the events of each of the reports, oldest
	// first, by report ID (none: no entry), in one query per 1,000
	// reports: a list that shows something of each report's history
	// (Open311's, up to 1,000 reports) would otherwise wait for one round
	// trip per report.
	ListEventsOf(ctx context.Context, reportIDs []int64) (map[int64][]Event, error)
	// ListUpdates returns the events that came after reports were
	// submitted (every action but ActionSubmit, so intake does not file
	// them) created in w's window, ordered by CreatedAt and then ID,
	// after w's cursor: the feed of what happened to reports, for
	// clients that follow them (Open311's servicerequestupdates).
	ListUpdates(ctx context.Context, w UpdateWindow) ([]Event, error)
	// CountReports returns how many reports match f (ignoring paging).
	CountReports(ctx context.Context, f ReportFilter) (int, error)
	// CountReportsUpTo is CountReports counting no further than max (at
	// least 1): a page can say "more than 10,000" without the database
	// counting a million rows.
	CountReportsUpTo(ctx context.Context, f ReportFilter, max int) (int, error)
	// AnyReport reports whether some report matches f (ignoring paging
	// and order): the database stops at the first one, and reads no row
	// when an index holds every column f asks about.
	AnyReport(ctx context.Context, f ReportFilter) (bool, error)
	// ReportTimes calls fn with the ReportTimes of every report, in no
	// particular order, reading them in one pass (the public
	// statistics); an error from fn stops it and is returned.
	ReportTimes(ctx context.Context, fn func(ReportTimes) error) error
	// ListPhotos returns a report's photos in the order they were added.
	ListPhotos(ctx context.Context, reportID int64) ([]Photo, error)
	// ListPhotosOf is ListPhotos for each of the reports, by report ID,
	// as ListEventsOf is ListEvents.
	ListPhotosOf(ctx context.Context, reportIDs []int64) (map[int64][]Photo, error)
	// AddPhotos attaches photos to an existing report with an event, in
	// one transaction. A photo whose Key the report already has is
	// skipped: a retried upload (the answer lost on the way) attaches
	// nothing twice; when every photo is skipped, no event is recorded.
	AddPhotos(ctx context.Context, reportID int64, photos []Photo, ev *Event) error
	// MergeSupports moves the supports of report from to report to (a
	// duplicate merged into its original) and counts user, the duplicate's
	// reporter, as a supporter of the original; each person counts once.
	MergeSupports(ctx context.Context, from, to, user int64) error
	// AddSupport records that the user supports ("dukung") the report and
	// increments its count; it returns false when the user already did.
	AddSupport(ctx context.Context, reportID, userID int64) (bool, error)
}
