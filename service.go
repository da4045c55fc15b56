package esambat

import (
	"context"
	"math"
	"strings"
	"time"
)

// Service applies the business rules on top of the stores: validation,
// jurisdiction, routing defaults, clocks, the lifecycle and who may see
// what. Every channel (web pages, JSON API, Open311) goes through it, so
// the rules are written once.
type Service struct {
	Reports   ReportStore
	Audit     AuditStore
	Users     UserStore
	Reference ReferenceStore
	Templates TemplateStore
	APIKeys   APIKeyStore
	// Snapshots keeps costly results across restarts and instances
	// (SharedStats); nil = none.
	Snapshots SnapshotStore
	// Leases, when set, lets one instance at a time compute what the
	// instances share through Snapshots (SharedStats), under the name
	// Instance; nil = each instance computes its own.
	Leases   LeaseStore
	Instance string
	// Router suggests categories from report text; nil = no suggestions.
	Router  Router
	Locator Locator
	Clocks  Clocks
	// Wilayah indexes the regions, for kelurahan codes typed or picked
	// without a map point.
	Wilayah *Wilayah
	// CityCode is the kab/kota code of the city served (Kota Pasuruan: 35.75).
	CityCode string
	// Auth holds what accounts and sessions need.
	Auth AuthService
	// Now is the clock; tests set it.
	Now func() time.Time
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Time reads the service's clock (Now, or the wall clock when Now is
// unset), for the packages that serve it: their times agree with the
// service's in tests that move the clock.
func (s *Service) Time() time.Time { return s.now() }

// CityKelurahan reports whether code is a kelurahan of the city served.
func (s *Service) CityKelurahan(code string) (Region, bool) {
	r, ok := s.Wilayah.Lookup(code)
	if !ok || (r.Level != LevelKelurahan && r.Level != LevelDesa) || !strings.HasPrefix(r.Code, s.CityCode+".") {
		return Region{}, false
	}
	return r, true
}

// OutOfArea returns the EOUTOFAREA error for a jurisdiction outside the city.
func OutOfArea(j Jurisdiction) *Error {
	msg := "Lokasi berada di luar wilayah Kota Pasuruan."
	if j.Referral != nil && j.Referral.Message != "" {
		msg = j.Referral.Message
	}
	return &Error{Code: EOUTOFAREA, Message: msg, Referral: j.Referral, Fields: map[string]string{"location": msg}}
}

// SubmitReport validates in and stores a new report on behalf of actor.
// A retry with the same idemKey from the same submitter returns the first
// report with created=false.
//
// Errors: EINVALID with Fields for bad input (every problem at once),
// EOUTOFAREA with a Referral for a point outside the city, EFORBIDDEN for
// roles that may not submit, EUNAUTHORIZED for a disabled account.
func (s *Service) SubmitReport(ctx context.Context, actor Actor, in ReportInput, idemKey string) (*Report, bool, error) {
	switch actor.Role {
	case RoleWarga, RoleAdmin, RolePartner:
	default:
		return nil, false, Errorf(EFORBIDDEN, "Peran Anda tidak dapat mengirim laporan.")
	}
	if len(idemKey) > 200 {
		return nil, false, FieldError("idempotency_key", "Idempotency-Key maksimal 200 karakter.")
	}
	verr := in.Normalize()
	var v Validation
	if e, ok := verr.(*Error); ok {
		for f, m := range e.Fields {
			v.Add(f, m)
		}
	}
	var cat Category
	if in.CategoryCode != "" {
		c, err := s.Reference.FindCategory(ctx, in.CategoryCode)
		if ErrorCode(err) == ENOTFOUND {
			v.Add("category", "Kategori tidak dikenal.")
		} else if err != nil {
			return nil, false, err
		} else if c.Retired {
			v.Add("category", MsgCategoryRetired)
		}
		cat = c
	}
	if actor.Role == RoleWarga && in.Channel != ChannelWeb && in.Channel != ChannelAPI {
		v.Add("channel", "Saluran ini hanya untuk petugas.")
	}
	r := &Report{
		Type: in.Type, CategoryCode: in.CategoryCode, Title: in.Title, Description: in.Description,
		Address: in.Address, Visibility: in.Visibility, Status: StatusDiajukan, Channel: in.Channel,
		OnBehalf: in.OnBehalf, SuggestedAgency: cat.AgencyCode, Photos: in.Photos,
	}
	if in.Lat != nil && in.Lng != nil && v.Err() == nil {
		j, err := s.Locator.Locate(ctx, *in.Lat, *in.Lng)
		if err != nil {
			return nil, false, err
		} else if !j.Inside {
			return nil, false, OutOfArea(j)
		}
		r.Location = &Location{Lat: *in.Lat, Lng: *in.Lng, Kelurahan: j.Kelurahan.Code, Kecamatan: j.Kecamatan.Code}
		r.KelurahanCode = j.Kelurahan.Code
		if in.KelurahanCode != "" && in.KelurahanCode != j.Kelurahan.Code {
			// The point decides; the picker is only a fallback.
			in.KelurahanCode = j.Kelurahan.Code
		}
	} else if in.KelurahanCode != "" {
		if _, ok := s.CityKelurahan(in.KelurahanCode); !ok {
			v.Add("kelurahan_code", "Kelurahan tidak dikenal di Kota Pasuruan.")
		}
		r.KelurahanCode = in.KelurahanCode
	}
	if cat.RequiresLocation && r.Location == nil && (r.KelurahanCode == "" || r.Address == "") {
		v.Add("location", "Tandai lokasi di peta, atau pilih kelurahan dan isi alamatnya.")
	}
	if err := v.Err(); err != nil {
		return nil, false, err
	}

	now := s.now()
	r.CreatedAt = now
	r.DueAt = s.Clocks.VerifyDue(now)
	if actor.Role == RoleWarga {
		u := actor.account()
		if u == nil {
			var err error
			if u, err = s.Users.FindUserByID(ctx, actor.UserID); err != nil {
				return nil, false, err
			}
		}
		if u.Disabled {
			return nil, false, Errorf(EUNAUTHORIZED, "Akun Anda dinonaktifkan.")
		}
		r.ReporterID, r.Reporter = u.ID, u
		if !u.DomicileVerified {
			r.Flags = append(r.Flags, FlagDomicileUnverified)
		}
		if !u.PhoneConfirmed {
			r.Flags = append(r.Flags, FlagPhoneUnconfirmed)
		}
	}
	if r.OnBehalf != nil {
		r.Flags = append(r.Flags, FlagOnBehalf)
	}
	if r.Location != nil {
		// One report inside the circle is enough for the flag: the
		// database stops at the first, on the index alone.
		near, err := s.Reports.AnyReport(ctx, nearbyFilter(r.Location.Lat, r.Location.Lng, r.CategoryCode, false, 1))
		if err != nil {
			return nil, false, err
		}
		if near {
			r.Flags = append(r.Flags, FlagNearDuplicate)
		}
	}
	ev := &Event{
		Action: ActionSubmit, ActorID: actor.UserID, ActorRole: actor.Role, To: StatusDiajukan, CreatedAt: now,
		Public: TextReceived,
		Data:   map[string]string{"channel": string(r.Channel)},
	}
	stored, created, err := s.Reports.CreateReport(ctx, r, ev, idemKey)
	if err != nil || !created {
		return stored, created, err
	}
	// The report is acknowledged whatever happens next: a failed automatic
	// disposition leaves it in the queue for an admin.
	if disposed, err := s.autoDispose(ctx, stored, cat); err == nil {
		stored = disposed
	}
	return stored, true, nil
}

// Access is how much of a report a viewer may see.
type Access int

// Access levels, from nothing to everything.
const (
	// AccessNone: the report does not exist for this viewer (404).
	AccessNone Access = iota
	// AccessStatus: ticket, status and dates only (tracking before
	// publication).
	AccessStatus
	// AccessPublic: the published content, without the reporter's identity
	// unless the report is publik.
	AccessPublic
	// AccessAgency: content for the agency it is disposed to; the
	// reporter's identity only when the report is publik.
	AccessAgency
	// AccessFull: everything, identity included (the reporter, admins,
	// pimpinan).
	AccessFull
)

// AccessFor decides what viewer may see of r; viewer is nil for someone
// not logged in. A rahasia report does not exist for anyone but its
// reporter, admins, pimpinan and its agency (404, not 403: "forbidden"
// would confirm it exists).
func AccessFor(viewer *Actor, r *Report) Access {
	if viewer != nil {
		switch {
		case viewer.Role == RoleAdmin || viewer.Role == RolePimpinan:
			return AccessFull
		case viewer.Role == RoleWarga && viewer.UserID == r.ReporterID && r.ReporterID != 0:
			return AccessFull
		case viewer.Role == RolePetugas && viewer.AgencyCode != "" && viewer.AgencyCode == r.AgencyCode:
			return AccessAgency
		}
	}
	if r.Visibility == VisibilityRahasia {
		return AccessNone
	}
	if r.Published() {
		return AccessPublic
	}
	return AccessStatus
}

// ShowsReporter reports whether a viewer with access a may see who
// reported r.
func ShowsReporter(a Access, r *Report) bool {
	switch a {
	case AccessFull:
		return true
	case AccessPublic, AccessAgency:
		return r.Visibility == VisibilityPublik
	}
	return false
}

// ViewReport returns the report with the ticket as viewer may see it. A
// staff member opening a rahasia report leaves a "view" event in its
// chain: who read a confidential complaint is part of the audit trail.
// ENOTFOUND when the viewer may not see it at all.
func (s *Service) ViewReport(ctx context.Context, viewer *Actor, ticket string) (*Report, Access, error) {
	r, err := s.Reports.FindReportByTicket(ctx, ticket)
	if err != nil {
		return nil, AccessNone, err
	}
	a := AccessFor(viewer, r)
	if a == AccessNone {
		return nil, AccessNone, Errorf(ENOTFOUND, "Laporan tidak ditemukan.")
	}
	if viewer != nil && viewer.Role.Staff() && r.Visibility == VisibilityRahasia && s.Audit != nil {
		ev := &Event{ReportID: r.ID, Action: "view", ActorID: viewer.UserID, ActorRole: viewer.Role, From: r.Status, To: r.Status, CreatedAt: s.now()}
		if err := s.Audit.AddEvent(ctx, ev); err != nil {
			return nil, AccessNone, err
		}
	}
	return r, a, nil
}

// NearbyRadius is how close (in metres) a report of the same category must
// be to count as a possible duplicate.
const NearbyRadius = 200.0

// NearbyOpen returns open reports of the category within NearbyRadius of
// the point, nearest first: published ones only when publishedOnly (what a
// resident may be shown), all of them for the verifier's flag.
func (s *Service) NearbyOpen(ctx context.Context, lat, lng float64, category string, publishedOnly bool) ([]Nearby, error) {
	if err := ValidateCoordinates(lat, lng); err != nil {
		return nil, err
	}
	page, err := s.Reports.FindReports(ctx, nearbyFilter(lat, lng, category, publishedOnly, 50))
	if err != nil {
		return nil, err
	}
	var out []Nearby
	for _, r := range page.Reports {
		if r.Location == nil {
			continue
		}
		out = append(out, Nearby{Report: r, Metres: Distance(lat, lng, r.Location.Lat, r.Location.Lng)})
	}
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j].Metres < out[j-1].Metres; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out, nil
}

// earthRadius is the mean radius of the Earth in metres.
const earthRadius = 6371000.0

// nearbyFilter selects open reports of the category within NearbyRadius
// of the point: those a resident may be shown when publishedOnly, all of
// them for the verifier's flag.
func nearbyFilter(lat, lng float64, category string, publishedOnly bool, limit int) ReportFilter {
	statuses := []Status{StatusDidisposisi, StatusDiproses}
	if !publishedOnly {
		statuses = append(statuses, StatusDiajukan, StatusDikembalikan)
	}
	return ReportFilter{
		PublishedOnly: publishedOnly, CategoryCode: category, Limit: limit, Statuses: statuses,
		Near: &Circle{Lat: lat, Lng: lng, Metres: NearbyRadius},
	}
}

// Nearby is a report and its distance from a point.
type Nearby struct {
	Report *Report
	Metres float64
}

// Distance returns the great-circle distance in metres between two points.
func Distance(lat1, lng1, lat2, lng2 float64) float64 {
	const earth = earthRadius
	p1, p2 := lat1*math.Pi/180, lat2*math.Pi/180
	dp, dl := (lat2-lat1)*math.Pi/180, (lng2-lng1)*math.Pi/180
	a := math.Sin(dp/2)*math.Sin(dp/2) + math.Cos(p1)*math.Cos(p2)*math.Sin(dl/2)*math.Sin(dl/2)
	return 2 * earth * math.Asin(math.Sqrt(a))
}
