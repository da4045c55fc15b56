// Package storetest is the one conformance suite every E-Sambat store
// implementation must pass. The SQLite tests always run it; the PostgreSQL
// tests run it when ESAMBAT_TEST_POSTGRES_DSN is set (CI always sets it).
package storetest

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/esambat/esambat"
	"github.com/esambat/esambat/refdata"
)

// Store is everything a store implementation provides.
type Store interface {
	esambat.ReferenceStore
	esambat.UserStore
	esambat.ReportStore
	esambat.TokenStore
	esambat.PhoneCodeStore
	esambat.AuditStore
}

// Opener returns a fresh, migrated, empty store whose clock reads now().
// It registers its own cleanup with t.Cleanup.
type Opener func(t *testing.T, now func() time.Time) Store

// Run runs the whole suite against stores made by open.
func Run(t *testing.T, open Opener) {
	tests := []struct {
		name string
		fn   func(t *testing.T, open Opener)
	}{
		{"Reference", testReference},
		{"ReferenceSync", testReferenceSync},
		{"Users", testUsers},
		{"UserList", testUserList},
		{"AccountEvents", testAccountEvents},
		{"AccountChain", testAccountChain},
		{"EraseUser", testEraseUser},
		{"OverdueCounts", testOverdueCounts},
		{"MostOverdueFirst", testMostOverdueFirst},
		{"CreateReport", testCreateReport},
		{"Idempotency", testIdempotency},
		{"IdempotencyConcurrent", testIdempotencyConcurrent},
		{"ConcurrentTickets", testConcurrentTickets},
		{"BulkTickets", testBulkTickets},
		{"PublicListIndex", testPublicListIndex},
		{"UpdateReport", testUpdateReport},
		{"FindReports", testFindReports},
		{"Near", testNear},
		{"MapBoxes", testMapBoxes},
		{"Paging", testPaging},
		{"Window", testWindow},
		{"Updates", testUpdates},
		{"StatusBound", testStatusBound},
		{"Search", testSearch},
		{"SearchConcurrent", testSearchConcurrent},
		{"Times", testTimes},
		{"Tokens", testTokens},
		{"PhotosAndSupports", testPhotosAndSupports},
		{"ListOf", testListOf},
		{"ReportTimes", testReportTimes},
		{"PhoneCodes", testPhoneCodes},
		{"Outbox", testOutbox},
		{"MergeSupports", testMergeSupports},
		{"Templates", testTemplates},
		{"AutoThreshold", testAutoThreshold},
		{"CategoryAgency", testCategoryAgency},
		{"APIKeys", testAPIKeys},
		{"Snapshots", testSnapshots},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, open) })
	}
}

// clock is a settable clock for the store.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// userSeq makes phone numbers unique.
var userSeq atomic.Int64

// start is a Tuesday in WIB.
var start = time.Date(2026, 3, 3, 9, 30, 0, 0, esambat.WIB)

// seeded opens a store with the embedded reference data loaded.
func seeded(t *testing.T, open Opener) (Store, *clock) {
	t.Helper()
	c := &clock{t: start}
	s := open(t, c.now)
	set, err := refdata.New("")
	if err != nil {
		t.Fatal(err)
	}
	if ch, err := set.Sync(context.Background(), s); err != nil || len(ch.Added) == 0 || len(ch.Updated) != 0 {
		t.Fatalf("first SyncReference = %+v, %v; want every row added", ch, err)
	}
	return s, c
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := esambat.ErrorCode(err); got != code {
		t.Fatalf("error code = %q (%v), want %q", got, err, code)
	}
}

func testReference(t *testing.T, open Opener) {
	ctx := context.Background()
	s, _ := seeded(t, open)
	regions, err := s.ListRegions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	kel, kec := 0, 0
	for _, r := range regions {
		if strings.HasPrefix(r.Code, "35.75.") {
			switch r.Level {
			case esambat.LevelKelurahan:
				kel++
			case esambat.LevelKecamatan:
				kec++
			}
		}
	}
	if kel != 34 || kec != 4 {
		t.Errorf("city has %d kelurahan in %d kecamatan, want 34 in 4", kel, kec)
	}
	agencies, err := s.ListAgencies(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(agencies) < 20 {
		t.Errorf("%d agencies, want every row of opd_kota_pasuruan.csv", len(agencies))
	}
	a, err := s.FindAgency(ctx, "dinas-pupr")
	if err != nil || a.Name != "Dinas Pekerjaan Umum dan Penataan Ruang" || a.ShortName != "Dinas PUPR" {
		t.Errorf("FindAgency(dinas-pupr) = %+v, %v", a, err)
	}
	_, err = s.FindAgency(ctx, "nope")
	wantCode(t, err, esambat.ENOTFOUND)
	cats, err := s.ListCategories(ctx)
	if err != nil {
		t.Fatal(err)
	}
	codes := map[string]bool{}
	for _, c := range cats {
		codes[c.Code] = true
		if c.AgencyCode == "" || c.SLAClass == "" || c.ServiceCode == "" {
			t.Errorf("category %s lacks agency, class or service code: %+v", c.Code, c)
		}
	}
	for _, want := range []string{"jalan-jembatan", "drainase-banjir", "air-bersih", "sampah-kebersihan", "taman", "penerangan-jalan",
		"lalu-lintas-parkir", "kesehatan-puskesmas", "rumah-sakit", "pendidikan", "administrasi-kependudukan", "bantuan-sosial",
		"perizinan", "ketertiban-pkl", "bencana-kebakaran", "pajak-daerah", "ketenagakerjaan", "pelayanan-kelurahan", "lainnya"} {
		if !codes[want] {
			t.Errorf("category %s missing", want)
		}
	}
	c, err := s.FindCategory(ctx, "air-bersih")
	if err != nil || c.AgencyCode != "pdam" || !c.RequiresLocation || len(c.Keywords) == 0 {
		t.Errorf("FindCategory(air-bersih) = %+v, %v", c, err)
	}
	_, err = s.FindCategory(ctx, "nope")
	wantCode(t, err, esambat.ENOTFOUND)
}

func newUser(t *testing.T, s Store, name string) *esambat.User {
	t.Helper()
	u := &esambat.User{Role: esambat.RoleWarga, Name: name, Email: strings.ToLower(name) + "@example.org",
		Phone: fmt.Sprintf("+62812%08d", userSeq.Add(1)), NIKHash: "h-" + name, NIKSealed: []byte("sealed"),
		NIKMasked: "3575**********01", KelurahanCode: "35.75.02.1001", DomicileVerified: true, PasswordHash: "x"}
	if err := s.CreateUser(context.Background(), u); err != nil {
		t.Fatal(err)
	}
	return u
}

func testUsers(t *testing.T, open Opener) {
	ctx := context.Background()
	s, _ := seeded(t, open)
	u := newUser(t, s, "Siti")
	if u.ID == 0 || u.CreatedAt.IsZero() {
		t.Fatalf("CreateUser did not set ID/CreatedAt: %+v", u)
	}
	got, err := s.FindUserByID(ctx, u.ID)
	if err != nil || got.Name != "Siti" || got.Email != u.Email || got.Phone != u.Phone || !got.DomicileVerified || string(got.NIKSealed) != "sealed" {
		t.Fatalf("FindUserByID = %+v, %v", got, err)
	}
	// Names of many accounts at once, more than one query's IN list
	// holds, with IDs repeated and IDs of no account.
	v := newUser(t, s, "Wahyu")
	ids := []int64{v.ID, u.ID, v.ID}
	for id := int64(1); len(ids) < 1500; id++ {
		ids = append(ids, 900000+id)
	}
	if names, err := s.UserNames(ctx, ids); err != nil || len(names) != 2 || names[u.ID] != "Siti" || names[v.ID] != "Wahyu" {
		t.Errorf("UserNames = %v, %v; want Siti and Wahyu only", names, err)
	}
	if names, err := s.UserNames(ctx, nil); err != nil || len(names) != 0 {
		t.Errorf("UserNames of none = %v, %v", names, err)
	}
	for _, login := range []string{u.Email, u.Phone} {
		if got, err := s.FindUserByLogin(ctx, login); err != nil || got.ID != u.ID {
			t.Errorf("FindUserByLogin(%q) = %+v, %v", login, got, err)
		}
	}
	if got, err := s.FindUserByNIKHash(ctx, "h-Siti"); err != nil || got.ID != u.ID {
		t.Errorf("FindUserByNIKHash = %+v, %v", got, err)
	}
	_, err = s.FindUserByLogin(ctx, "nobody@example.org")
	wantCode(t, err, esambat.ENOTFOUND)
	_, err = s.FindUserByNIKHash(ctx, "")
	wantCode(t, err, esambat.ENOTFOUND)
	_, err = s.FindUserByID(ctx, 999999)
	wantCode(t, err, esambat.ENOTFOUND)

	// Duplicates of email, phone or NIK: ECONFLICT without naming the account.
	for _, dup := range []esambat.User{
		{Role: esambat.RoleWarga, Name: "A", Email: u.Email, PasswordHash: "x"},
		{Role: esambat.RoleWarga, Name: "B", Phone: u.Phone, PasswordHash: "x"},
		{Role: esambat.RoleWarga, Name: "C", NIKHash: u.NIKHash, PasswordHash: "x"},
	} {
		err := s.CreateUser(ctx, &dup)
		wantCode(t, err, esambat.ECONFLICT)
		if msg := esambat.ErrorMessage(err); strings.Contains(msg, "Siti") || strings.Contains(msg, u.Email) {
			t.Errorf("conflict message reveals the other account: %q", msg)
		}
	}
	// An address waiting for its link is no one's yet: any number of
	// accounts may wait for the same one, even another's confirmed
	// address, and it signs no one in; the admins' search finds it.
	for _, name := range []string{"Pending A", "Pending B"} {
		p := &esambat.User{Role: esambat.RoleWarga, Name: name, EmailPending: u.Email, PasswordHash: "x"}
		if err := s.CreateUser(ctx, p); err != nil {
			t.Fatalf("an account waiting for a taken address: %v", err)
		}
		if got, err := s.FindUserByID(ctx, p.ID); err != nil || got.EmailPending != u.Email || got.Email != "" {
			t.Errorf("the waiting address read back: %+v, %v", got, err)
		}
	}
	if got, err := s.FindUserByLogin(ctx, u.Email); err != nil || got.ID != u.ID {
		t.Errorf("FindUserByLogin finds %+v, %v: want the confirmed address's account alone", got, err)
	}
	if l, ok := s.(esambat.UserLister); ok {
		if list, err := l.ListUsers(ctx, esambat.UserFilter{Query: u.Email}); err != nil || len(list) != 3 {
			t.Errorf("ListUsers by the address = %d accounts, %v; want its owner and the two waiting for it", len(list), err)
		}
	}
	// Staff without email/phone/NIK may coexist (NULLs are not duplicates).
	for i := 0; i < 2; i++ {
		if err := s.CreateUser(ctx, &esambat.User{Role: esambat.RoleAdmin, Name: "Admin", PasswordHash: "x"}); err != nil {
			t.Fatalf("two accounts without email: %v", err)
		}
	}
	got.PhoneConfirmed = true
	got.Name = "Siti Aminah"
	got.EmailPending = "siti.baru@example.org"
	if err := s.UpdateUser(ctx, got); err != nil {
		t.Fatal(err)
	}
	if again, _ := s.FindUserByID(ctx, u.ID); !again.PhoneConfirmed || again.Name != "Siti Aminah" || again.EmailPending != "siti.baru@example.org" || again.Email != u.Email {
		t.Errorf("UpdateUser not stored: %+v", again)
	}
	err = s.UpdateUser(ctx, &esambat.User{ID: 999999, Role: esambat.RoleWarga, Name: "x", PasswordHash: "x"})
	wantCode(t, err, esambat.ENOTFOUND)
}

// newReport returns a report ready for CreateReport.
func newReport(reporter int64, title string) (*esambat.Report, *esambat.Event) {
	r := &esambat.Report{
		Type: esambat.TypePengaduan, CategoryCode: "jalan-jembatan", Title: title,
		Description:   "Jalan berlubang cukup dalam di depan sekolah, membahayakan pengendara motor.",
		Location:      &esambat.Location{Lat: -7.6451, Lng: 112.9075, Kelurahan: "35.75.02.1001", Kecamatan: "35.75.02"},
		KelurahanCode: "35.75.02.1001", Address: "Jl. Hayam Wuruk", Visibility: esambat.VisibilityPublik,
		Status: esambat.StatusDiajukan, Channel: esambat.ChannelWeb, ReporterID: reporter,
		SuggestedAgency: "dinas-pupr", Flags: []string{esambat.FlagPhoneUnconfirmed},
	}
	ev := &esambat.Event{Action: esambat.ActionSubmit, ActorID: reporter, ActorRole: esambat.RoleWarga,
		To: esambat.StatusDiajukan, Public: "Laporan diterima."}
	return r, ev
}

func testCreateReport(t *testing.T, open Opener) {
	ctx := context.Background()
	s, _ := seeded(t, open)
	u := newUser(t, s, "Budi")
	r, ev := newReport(u.ID, "Jalan berlubang di Pohjentrek")
	r.OnBehalf = &esambat.OnBehalf{Name: "Pak Slamet", Relationship: "ayah", Phone: "+6281234567890"}
	stored, created, err := s.CreateReport(ctx, r, ev, "")
	if err != nil || !created {
		t.Fatalf("CreateReport = %v, %v", created, err)
	}
	if stored.ID == 0 || stored.Ticket != "ES-26-000001" || stored.Version != 1 || !stored.CreatedAt.Equal(start) {
		t.Fatalf("stored = id %d ticket %q version %d created %v", stored.ID, stored.Ticket, stored.Version, stored.CreatedAt)
	}
	r2, ev2 := newReport(u.ID, "Lampu jalan mati")
	r2.Location, r2.KelurahanCode, r2.Address = nil, "35.75.04.1006", "dekat pasar"
	if _, _, err := s.CreateReport(ctx, r2, ev2, ""); err != nil {
		t.Fatal(err)
	}
	if r2.Ticket != "ES-26-000002" {
		t.Errorf("second ticket = %q, want ES-26-000002", r2.Ticket)
	}
	got, err := s.FindReportByTicket(ctx, " es-26-000001 ")
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != stored.ID || got.Title != r.Title || got.Location == nil || got.Location.Lat != -7.6451 || got.Location.Kecamatan != "35.75.02" ||
		got.Address != "Jl. Hayam Wuruk" || got.OnBehalf == nil || got.OnBehalf.Name != "Pak Slamet" || !got.HasFlag(esambat.FlagPhoneUnconfirmed) ||
		got.SuggestedAgency != "dinas-pupr" || got.ReporterID != u.ID || got.Status != esambat.StatusDiajukan {
		t.Errorf("FindReportByTicket = %+v", got)
	}
	got2, err := s.FindReportByID(ctx, r2.ID)
	if err != nil || got2.Location != nil || got2.Address != "dekat pasar" || got2.KelurahanCode != "35.75.04.1006" {
		t.Errorf("report without point = %+v, %v", got2, err)
	}
	_, err = s.FindReportByTicket(ctx, "ES-26-999999")
	wantCode(t, err, esambat.ENOTFOUND)
	_, err = s.FindReportByID(ctx, 424242)
	wantCode(t, err, esambat.ENOTFOUND)

	events, err := s.ListEvents(ctx, stored.ID)
	if err != nil || len(events) != 1 {
		t.Fatalf("ListEvents = %d events, %v", len(events), err)
	}
	e := events[0]
	if e.Seq != 1 || e.PrevHash != "" || e.Hash == "" || e.Hash != e.ComputeHash() || e.Action != esambat.ActionSubmit {
		t.Errorf("first event = %+v (recomputed hash %s)", e, e.ComputeHash())
	}

	// Unknown category: EINVALID, and nothing half-written.
	bad, badEv := newReport(u.ID, "Kategori salah")
	bad.CategoryCode = "tidak-ada"
	_, _, err = s.CreateReport(ctx, bad, badEv, "")
	wantCode(t, err, esambat.EINVALID)
	if n, _ := s.CountReports(ctx, esambat.ReportFilter{}); n != 2 {
		t.Errorf("%d reports after a failed insert, want 2", n)
	}
	// The failed insert left no ticket visible to anyone. A store that
	// takes numbers from a sequence (PostgreSQL) may leave a gap.
	r3, ev3 := newReport(u.ID, "Sampah menumpuk")
	if _, _, err := s.CreateReport(ctx, r3, ev3, ""); err != nil || (r3.Ticket != "ES-26-000003" && r3.Ticket != "ES-26-000004") {
		t.Errorf("ticket after failed insert = %q, %v; want ES-26-000003 (or ES-26-000004 after a gap)", r3.Ticket, err)
	}
}

func testIdempotency(t *testing.T, open Opener) {
	ctx := context.Background()
	s, _ := seeded(t, open)
	u := newUser(t, s, "Ani")
	other := newUser(t, s, "Dewi")
	r, ev := newReport(u.ID, "Air PDAM mati tiga hari")
	first, created, err := s.CreateReport(ctx, r, ev, "key-1")
	if err != nil || !created {
		t.Fatal(created, err)
	}
	r2, ev2 := newReport(u.ID, "Air PDAM mati tiga hari")
	again, created, err := s.CreateReport(ctx, r2, ev2, "key-1")
	if err != nil || created || again.ID != first.ID || again.Ticket != first.Ticket {
		t.Fatalf("retry = %+v, created=%v, %v; want the first report", again, created, err)
	}
	// Same key from another submitter is another report.
	r3, ev3 := newReport(other.ID, "Air PDAM mati tiga hari")
	third, created, err := s.CreateReport(ctx, r3, ev3, "key-1")
	if err != nil || !created || third.ID == first.ID {
		t.Fatalf("other submitter = %+v, %v, %v", third, created, err)
	}
	// The retry used up no ticket number: a gap reads as a report made
	// to vanish.
	if want := ticketAfter(t, first.Ticket); third.Ticket != want {
		t.Errorf("ticket after a retried key = %s, want %s (no gap)", third.Ticket, want)
	}
	if n, _ := s.CountReports(ctx, esambat.ReportFilter{}); n != 2 {
		t.Errorf("%d reports, want 2", n)
	}
	if events, _ := s.ListEvents(ctx, first.ID); len(events) != 1 {
		t.Errorf("retry added events: %d", len(events))
	}
}

// ticketAfter returns the ticket number that follows ticket in its year.
func ticketAfter(t *testing.T, ticket string) string {
	t.Helper()
	i := strings.LastIndexByte(ticket, '-')
	n, err := strconv.Atoi(ticket[i+1:])
	if i < 0 || err != nil {
		t.Fatalf("ticket %q is not ES-YY-NNNNNN", ticket)
	}
	return fmt.Sprintf("%s%06d", ticket[:i+1], n+1)
}

func testIdempotencyConcurrent(t *testing.T, open Opener) {
	ctx := context.Background()
	s, _ := seeded(t, open)
	u := newUser(t, s, "Rina")
	const n = 16
	ids := make([]int64, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			r, ev := newReport(u.ID, "Banjir di Jalan Veteran")
			got, _, err := s.CreateReport(ctx, r, ev, "same-key")
			errs[i] = err
			if err == nil {
				ids[i] = got.ID
			}
		}(i)
	}
	wg.Wait()
	for i := range ids {
		if errs[i] != nil {
			t.Fatalf("request %d: %v", i, errs[i])
		}
		if ids[i] != ids[0] {
			t.Fatalf("concurrent retries created reports %d and %d", ids[0], ids[i])
		}
	}
	if c, _ := s.CountReports(ctx, esambat.ReportFilter{}); c != 1 {
		t.Errorf("%d reports, want 1", c)
	}
}

func testConcurrentTickets(t *testing.T, open Opener) {
	ctx := context.Background()
	s, _ := seeded(t, open)
	u := newUser(t, s, "Joko")
	const n = 40
	tickets := make(chan string, n)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			r, ev := newReport(u.ID, fmt.Sprintf("Laporan nomor %d", i))
			got, _, err := s.CreateReport(ctx, r, ev, fmt.Sprintf("k%d", i))
			if err != nil {
				t.Error(err)
				return
			}
			tickets <- got.Ticket
		}(i)
	}
	wg.Wait()
	close(tickets)
	seen := map[string]bool{}
	for tk := range tickets {
		if seen[tk] {
			t.Errorf("ticket %s given twice", tk)
		}
		seen[tk] = true
	}
	for i := 1; i <= n; i++ {
		if tk := fmt.Sprintf("ES-26-%06d", i); !seen[tk] {
			t.Errorf("ticket %s missing: numbers must be dense", tk)
		}
	}
}

func testUpdateReport(t *testing.T, open Opener) {
	ctx := context.Background()
	s, c := seeded(t, open)
	u := newUser(t, s, "Eko")
	r, ev := newReport(u.ID, "Pohon tumbang menutup jalan")
	if _, _, err := s.CreateReport(ctx, r, ev, ""); err != nil {
		t.Fatal(err)
	}
	a, _ := s.FindReportByID(ctx, r.ID)
	b, _ := s.FindReportByID(ctx, r.ID)

	c.set(start.Add(2 * time.Hour))
	a.Status, a.AgencyCode, a.PublishedAt = esambat.StatusDidisposisi, "dinas-pupr", c.now()
	a.DueAt = start.AddDate(0, 0, 7)
	if err := s.UpdateReport(ctx, a, &esambat.Event{Action: string(esambat.ActionVerify), ActorID: 99, ActorRole: esambat.RoleAdmin,
		From: esambat.StatusDiajukan, To: esambat.StatusDidisposisi, Public: "Diteruskan ke Dinas PUPR.", Internal: "prioritas",
		Data: map[string]string{"agency": "dinas-pupr"}}); err != nil {
		t.Fatal(err)
	}
	if a.Version != 2 {
		t.Errorf("version after update = %d, want 2", a.Version)
	}
	// b is stale: its update must be refused, not silently win.
	b.Status = esambat.StatusDitolak
	err := s.UpdateReport(ctx, b, &esambat.Event{Action: string(esambat.ActionReject), ActorRole: esambat.RoleAdmin, To: esambat.StatusDitolak})
	wantCode(t, err, esambat.ECONFLICT)

	got, _ := s.FindReportByID(ctx, r.ID)
	if got.Status != esambat.StatusDidisposisi || got.AgencyCode != "dinas-pupr" || !got.UpdatedAt.Equal(start.Add(2*time.Hour)) ||
		!got.DueAt.Equal(start.AddDate(0, 0, 7)) || !got.Published() || got.Version != 2 {
		t.Errorf("after update: %+v", got)
	}
	events, _ := s.ListEvents(ctx, r.ID)
	if len(events) != 2 {
		t.Fatalf("%d events, want 2 (the refused update must add none)", len(events))
	}
	e := events[1]
	if e.Seq != 2 || e.PrevHash != events[0].Hash || e.Hash != e.ComputeHash() || e.Internal != "prioritas" ||
		e.Data["agency"] != "dinas-pupr" || !e.CreatedAt.Equal(start.Add(2*time.Hour)) {
		t.Errorf("second event = %+v", e)
	}
	err = s.UpdateReport(ctx, &esambat.Report{ID: 987654, Version: 1, Status: esambat.StatusDitolak, Type: esambat.TypeSaran,
		CategoryCode: "lainnya", Visibility: esambat.VisibilityPublik}, nil)
	wantCode(t, err, esambat.ENOTFOUND)
}

func testFindReports(t *testing.T, open Opener) {
	ctx := context.Background()
	s, c := seeded(t, open)
	u := newUser(t, s, "Tono")
	v := newUser(t, s, "Yani")
	mk := func(reporter int64, title, cat, kel string, lat, lng float64, vis esambat.Visibility, publish bool, status esambat.Status) *esambat.Report {
		t.Helper()
		r, ev := newReport(reporter, title)
		r.CategoryCode, r.KelurahanCode, r.Visibility, r.Status = cat, kel, vis, status
		r.Location.Lat, r.Location.Lng, r.Location.Kelurahan = lat, lng, kel
		if publish {
			r.PublishedAt = c.now()
		}
		if status == esambat.StatusDidisposisi {
			r.AgencyCode = "dinas-pupr"
		}
		if _, _, err := s.CreateReport(ctx, r, ev, ""); err != nil {
			t.Fatal(err)
		}
		c.set(c.now().Add(time.Hour))
		return r
	}
	r1 := mk(u.ID, "Jalan rusak", "jalan-jembatan", "35.75.02.1001", -7.64, 112.90, esambat.VisibilityPublik, true, esambat.StatusDidisposisi)
	r2 := mk(u.ID, "Sampah di sungai", "sampah-kebersihan", "35.75.04.1006", -7.63, 112.91, esambat.VisibilityAnonim, true, esambat.StatusDidisposisi)
	r3 := mk(v.ID, "Rahasia pungli", "pendidikan", "35.75.04.1006", -7.62, 112.92, esambat.VisibilityRahasia, true, esambat.StatusDidisposisi)
	r4 := mk(v.ID, "Belum diverifikasi", "jalan-jembatan", "35.75.01.1001", -7.65, 112.88, esambat.VisibilityPublik, false, esambat.StatusDiajukan)

	_, err := s.CountReportsUpTo(ctx, esambat.ReportFilter{}, 0)
	wantCode(t, err, esambat.EINVALID)
	ids := func(f esambat.ReportFilter) []int64 {
		t.Helper()
		p, err := s.FindReports(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		var out []int64
		for _, r := range p.Reports {
			out = append(out, r.ID)
		}
		n, err := s.CountReports(ctx, f)
		if err != nil || n != len(out) {
			t.Errorf("CountReports(%+v) = %d, %v; FindReports found %d", f, n, err, len(out))
		}
		for _, max := range []int{1, 2, len(out) + 3} {
			n, err := s.CountReportsUpTo(ctx, f, max)
			if err != nil || n != min(len(out), max) {
				t.Errorf("CountReportsUpTo(%+v, %d) = %d, %v; FindReports found %d", f, max, n, err, len(out))
			}
		}
		return out
	}
	eq := func(name string, got []int64, want ...*esambat.Report) {
		t.Helper()
		var w []int64
		for _, r := range want {
			w = append(w, r.ID)
		}
		if fmt.Sprint(got) != fmt.Sprint(w) {
			t.Errorf("%s: got %v, want %v", name, got, w)
		}
	}
	eq("all, newest first", ids(esambat.ReportFilter{}), r4, r3, r2, r1)
	eq("oldest first", ids(esambat.ReportFilter{OldestFirst: true}), r1, r2, r3, r4)
	eq("published only hides rahasia and unverified", ids(esambat.ReportFilter{PublishedOnly: true}), r2, r1)
	eq("status", ids(esambat.ReportFilter{Statuses: []esambat.Status{esambat.StatusDiajukan}}), r4)
	eq("two statuses", ids(esambat.ReportFilter{Statuses: []esambat.Status{esambat.StatusDiajukan, esambat.StatusDidisposisi}}), r4, r3, r2, r1)
	eq("category", ids(esambat.ReportFilter{CategoryCode: "jalan-jembatan"}), r4, r1)
	eq("agency", ids(esambat.ReportFilter{AgencyCode: "dinas-pupr"}), r3, r2, r1)
	eq("kelurahan", ids(esambat.ReportFilter{KelurahanCode: "35.75.04.1006"}), r3, r2)
	eq("reporter", ids(esambat.ReportFilter{ReporterID: v.ID}), r4, r3)
	eq("bbox", ids(esambat.ReportFilter{BBox: &esambat.BBox{MinLat: -7.645, MinLng: 112.895, MaxLat: -7.625, MaxLng: 112.915}}), r2, r1)
	eq("from", ids(esambat.ReportFilter{From: start.Add(2 * time.Hour)}), r4, r3)
	eq("to", ids(esambat.ReportFilter{To: start.Add(time.Hour)}), r1)
	eq("from+to", ids(esambat.ReportFilter{From: start.Add(time.Hour), To: start.Add(3 * time.Hour)}), r3, r2)
	eq("no match", ids(esambat.ReportFilter{CategoryCode: "pajak-daerah"}))
	_, err = s.FindReports(ctx, esambat.ReportFilter{After: "not a cursor!"})
	wantCode(t, err, esambat.EINVALID)
}

func testPaging(t *testing.T, open Opener) {
	ctx := context.Background()
	s, _ := seeded(t, open)
	u := newUser(t, s, "Lina")
	const n = 23
	for i := 0; i < n; i++ {
		r, ev := newReport(u.ID, fmt.Sprintf("Laporan %d", i))
		if _, _, err := s.CreateReport(ctx, r, ev, ""); err != nil {
			t.Fatal(err)
		}
	}
	for _, oldest := range []bool{false, true} {
		seen := map[int64]bool{}
		f := esambat.ReportFilter{Limit: 5, OldestFirst: oldest}
		pages := 0
		var last int64
		for {
			p, err := s.FindReports(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			pages++
			for _, r := range p.Reports {
				if seen[r.ID] {
					t.Fatalf("report %d on two pages", r.ID)
				}
				if last != 0 && (oldest && r.ID < last || !oldest && r.ID > last) {
					t.Fatalf("out of order: %d after %d", r.ID, last)
				}
				seen[r.ID], last = true, r.ID
			}
			if p.Next == "" {
				break
			}
			f.After = p.Next
		}
		if len(seen) != n || pages != 5 {
			t.Errorf("oldest=%v: %d reports over %d pages, want %d over 5", oldest, len(seen), pages, n)
		}
	}
	p, err := s.FindReports(ctx, esambat.ReportFilter{Limit: 1000})
	if err != nil || len(p.Reports) != n {
		t.Errorf("limit 1000 = %d reports, %v", len(p.Reports), err)
	}
}

func testSearch(t *testing.T, open Opener) {
	ctx := context.Background()
	s, _ := seeded(t, open)
	u := newUser(t, s, "Hadi")
	mk := func(title, desc string) *esambat.Report {
		r, ev := newReport(u.ID, title)
		r.Description = desc
		if _, _, err := s.CreateReport(ctx, r, ev, ""); err != nil {
			t.Fatal(err)
		}
		return r
	}
	road := mk("Jalan berlubang di Jl. Soekarno-Hatta", "Banyak pengendara motor jatuh malam hari.")
	water := mk("Air PDAM keruh", "Sudah seminggu air keruh dan berbau di Kelurahan Bugul Lor.")
	flood := mk("Genangan setelah hujan", "Saluran tersumbat sampah sehingga terjadi banjir setinggi lutut.")
	search := func(q string) []int64 {
		t.Helper()
		p, err := s.FindReports(ctx, esambat.ReportFilter{Query: q})
		if err != nil {
			t.Fatalf("search %q: %v", q, err)
		}
		var out []int64
		for _, r := range p.Reports {
			out = append(out, r.ID)
		}
		return out
	}
	tests := []struct {
		q    string
		want []*esambat.Report
	}{
		{"lubang", []*esambat.Report{road}},     // in "berlubang"
		{"keruh", []*esambat.Report{water}},     // in the title
		{"banjir", []*esambat.Report{flood}},    // in the description
		{"air keruh", []*esambat.Report{water}}, // all words
		{"LUBANG", []*esambat.Report{road}},     // case
		{"kebakaran", nil},
		{"lubang keruh", nil},
		{`'; DROP TABLE reports; --`, nil},
		{`"unbalanced`, nil},
		{"   ", []*esambat.Report{flood, water, road}}, // blank query does not filter
	}
	for _, tt := range tests {
		var want []int64
		for _, r := range tt.want {
			want = append(want, r.ID)
		}
		if got := search(tt.q); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("search %q = %v, want %v", tt.q, got, want)
		}
	}
	if n, _ := s.CountReports(ctx, esambat.ReportFilter{}); n != 3 {
		t.Errorf("reports table damaged by hostile query: %d rows", n)
	}
}

func testTimes(t *testing.T, open Opener) {
	ctx := context.Background()
	s, c := seeded(t, open)
	u := newUser(t, s, "Wati")
	// A time with sub-microsecond digits in a non-UTC zone comes back as
	// the same instant, in UTC, at microsecond precision.
	at := time.Date(2026, 12, 31, 23, 59, 59, 123456789, esambat.WIB)
	c.set(at)
	r, ev := newReport(u.ID, "Akhir tahun")
	if _, _, err := s.CreateReport(ctx, r, ev, ""); err != nil {
		t.Fatal(err)
	}
	got, _ := s.FindReportByID(ctx, r.ID)
	want := at.UTC().Truncate(time.Microsecond)
	if !got.CreatedAt.Equal(want) || got.CreatedAt.Location() != time.UTC {
		t.Errorf("CreatedAt = %v, want %v in UTC", got.CreatedAt, want)
	}
	// 31 Dec 2026 23:59 WIB is still 2026 in WIB (16:59 UTC): the ticket
	// year follows WIB.
	if !strings.HasPrefix(got.Ticket, "ES-26-") {
		t.Errorf("ticket %s, want year 26 (WIB)", got.Ticket)
	}
	c.set(time.Date(2027, 1, 1, 0, 0, 1, 0, esambat.WIB)) // 2026-12-31T17:00:01Z
	r2, ev2 := newReport(u.ID, "Awal tahun")
	if _, _, err := s.CreateReport(ctx, r2, ev2, ""); err != nil {
		t.Fatal(err)
	}
	if r2.Ticket != "ES-27-000001" {
		t.Errorf("first ticket of 2027 (WIB) = %s, want ES-27-000001", r2.Ticket)
	}
	if !got.DueAt.IsZero() || !got.PublishedAt.IsZero() {
		t.Errorf("zero times came back non-zero: due %v published %v", got.DueAt, got.PublishedAt)
	}
}

func testTokens(t *testing.T, open Opener) {
	ctx := context.Background()
	s, c := seeded(t, open)
	u := newUser(t, s, "Tari")
	other := newUser(t, s, "Umar")
	tok := &esambat.Token{UserID: u.ID, Kind: esambat.TokenBearer, Name: "HP Android", Hash: "hash-1", ExpiresAt: c.now().Add(time.Hour)}
	if err := s.CreateToken(ctx, tok); err != nil || tok.ID == 0 {
		t.Fatalf("CreateToken = %v, id %d", err, tok.ID)
	}
	got, err := s.FindToken(ctx, "hash-1")
	if err != nil || got.UserID != u.ID || got.Kind != esambat.TokenBearer || got.Name != "HP Android" || !got.ExpiresAt.Equal(c.now().Add(time.Hour)) || got.Revoked {
		t.Fatalf("FindToken = %+v, %v", got, err)
	}
	_, err = s.FindToken(ctx, "nope")
	wantCode(t, err, esambat.ENOTFOUND)
	err = s.CreateToken(ctx, &esambat.Token{UserID: u.ID, Kind: esambat.TokenSession, Hash: "hash-1"})
	wantCode(t, err, esambat.ECONFLICT)
	s.CreateToken(ctx, &esambat.Token{UserID: u.ID, Kind: esambat.TokenSession, Hash: "hash-2"})
	list, err := s.ListTokens(ctx, u.ID)
	if err != nil || len(list) != 2 || list[0].Hash != "hash-2" {
		t.Fatalf("ListTokens = %+v, %v", list, err)
	}
	// Another user cannot revoke it.
	wantCode(t, s.RevokeToken(ctx, other.ID, tok.ID), esambat.ENOTFOUND)
	if err := s.RevokeToken(ctx, u.ID, tok.ID); err != nil {
		t.Fatal(err)
	}
	wantCode(t, s.RevokeToken(ctx, u.ID, tok.ID), esambat.ENOTFOUND)
	if got, _ := s.FindToken(ctx, "hash-1"); got == nil || !got.Revoked {
		t.Errorf("revoked token = %+v", got)
	}
	if list, _ := s.ListTokens(ctx, u.ID); len(list) != 1 {
		t.Errorf("ListTokens after revoke = %d, want 1", len(list))
	}
	// A store that reads a token with its account must agree with
	// FindToken and FindUserByID.
	if f, ok := s.(esambat.TokenUserFinder); ok {
		tk, acc, err := f.FindTokenUser(ctx, "hash-2")
		want, _ := s.FindToken(ctx, "hash-2")
		wantUser, _ := s.FindUserByID(ctx, u.ID)
		if err != nil || fmt.Sprintf("%+v", tk) != fmt.Sprintf("%+v", want) || fmt.Sprintf("%+v", acc) != fmt.Sprintf("%+v", wantUser) {
			t.Errorf("FindTokenUser = %+v, %+v, %v;\nwant %+v, %+v", tk, acc, err, want, wantUser)
		}
		if tk, _, _ := f.FindTokenUser(ctx, "hash-1"); tk == nil || !tk.Revoked {
			t.Errorf("FindTokenUser of a revoked token = %+v", tk)
		}
		_, _, err = f.FindTokenUser(ctx, "nope")
		wantCode(t, err, esambat.ENOTFOUND)
	}
}

func testPhoneCodes(t *testing.T, open Opener) {
	ctx := context.Background()
	s, c := seeded(t, open)
	u := newUser(t, s, "Vina")
	_, _, _, err := s.PhoneCode(ctx, u.ID)
	wantCode(t, err, esambat.ENOTFOUND)
	if err := s.SetPhoneCode(ctx, u.ID, "h1", c.now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	s.AddPhoneCodeAttempt(ctx, u.ID)
	s.AddPhoneCodeAttempt(ctx, u.ID)
	h, exp, n, err := s.PhoneCode(ctx, u.ID)
	if err != nil || h != "h1" || n != 2 || !exp.Equal(c.now().Add(time.Minute)) {
		t.Fatalf("PhoneCode = %q %v %d %v", h, exp, n, err)
	}
	// A new code resets the attempts.
	s.SetPhoneCode(ctx, u.ID, "h2", c.now().Add(2*time.Minute))
	if h, _, n, _ := s.PhoneCode(ctx, u.ID); h != "h2" || n != 0 {
		t.Errorf("after SetPhoneCode: %q %d", h, n)
	}
	if err := s.DeletePhoneCode(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	_, _, _, err = s.PhoneCode(ctx, u.ID)
	wantCode(t, err, esambat.ENOTFOUND)
}

func testPhotosAndSupports(t *testing.T, open Opener) {
	ctx := context.Background()
	s, _ := seeded(t, open)
	u := newUser(t, s, "Wulan")
	v := newUser(t, s, "Xena")
	r, ev := newReport(u.ID, "Foto jalan rusak")
	r.Photos = []esambat.Photo{
		{Key: strings.Repeat("a", 64), ThumbKey: strings.Repeat("b", 64), Width: 1600, Height: 1200, Kind: esambat.PhotoReport},
		{Key: strings.Repeat("c", 64), ThumbKey: strings.Repeat("d", 64), Width: 900, Height: 1600, Kind: esambat.PhotoReport},
	}
	if _, _, err := s.CreateReport(ctx, r, ev, ""); err != nil {
		t.Fatal(err)
	}
	photos, err := s.ListPhotos(ctx, r.ID)
	if err != nil || len(photos) != 2 || photos[0].Key != strings.Repeat("a", 64) || photos[1].Height != 1600 || photos[0].CreatedAt.IsZero() {
		t.Fatalf("ListPhotos = %+v, %v", photos, err)
	}
	evidence := []esambat.Photo{{Key: strings.Repeat("e", 64), ThumbKey: strings.Repeat("f", 64), Width: 10, Height: 10, Kind: esambat.PhotoEvidence}}
	if err := s.AddPhotos(ctx, r.ID, evidence, &esambat.Event{Action: "photo", ActorRole: esambat.RolePetugas, From: r.Status, To: r.Status}); err != nil {
		t.Fatal(err)
	}
	if photos, _ := s.ListPhotos(ctx, r.ID); len(photos) != 3 || photos[2].Kind != esambat.PhotoEvidence {
		t.Errorf("after AddPhotos: %+v", photos)
	}
	if events, _ := s.ListEvents(ctx, r.ID); len(events) != 2 || events[1].PrevHash != events[0].Hash {
		t.Errorf("AddPhotos event chain: %+v", events)
	}
	wantCode(t, s.AddPhotos(ctx, 999999, evidence, nil), esambat.ENOTFOUND)
	// A retried upload attaches nothing twice and records no event; one
	// photo more with it is attached once, with its event.
	if err := s.AddPhotos(ctx, r.ID, evidence, &esambat.Event{Action: "photo", ActorRole: esambat.RolePetugas, From: r.Status, To: r.Status}); err != nil {
		t.Fatal(err)
	}
	if photos, _ := s.ListPhotos(ctx, r.ID); len(photos) != 3 {
		t.Errorf("after a retried AddPhotos: %d photos, want 3", len(photos))
	}
	if events, _ := s.ListEvents(ctx, r.ID); len(events) != 2 {
		t.Errorf("a retried AddPhotos recorded an event: %d events, want 2", len(events))
	}
	more := append(evidence, esambat.Photo{Key: strings.Repeat("9", 64), ThumbKey: strings.Repeat("8", 64), Width: 10, Height: 10, Kind: esambat.PhotoEvidence})
	more = append(more, more[1])
	if err := s.AddPhotos(ctx, r.ID, more, &esambat.Event{Action: "photo", ActorRole: esambat.RolePetugas, From: r.Status, To: r.Status}); err != nil {
		t.Fatal(err)
	}
	if photos, _ := s.ListPhotos(ctx, r.ID); len(photos) != 4 || photos[3].Key != strings.Repeat("9", 64) {
		t.Errorf("after adding one new photo beside an old one (and itself twice): %+v", photos)
	}
	if events, _ := s.ListEvents(ctx, r.ID); len(events) != 3 {
		t.Errorf("adding a new photo: %d events, want 3", len(events))
	}

	added, err := s.AddSupport(ctx, r.ID, v.ID)
	if err != nil || !added {
		t.Fatalf("AddSupport = %v, %v", added, err)
	}
	if added, _ := s.AddSupport(ctx, r.ID, v.ID); added {
		t.Error("second support by the same user counted")
	}
	got, _ := s.FindReportByID(ctx, r.ID)
	if got.Supports != 1 || got.Version != 1 {
		t.Errorf("supports %d version %d; want 1 and an unchanged version", got.Supports, got.Version)
	}
}

// PageIDs follows f's pages (From f.After on) to the end and returns the
// IDs of their reports in order; it fails t after maxPages pages, so that
// a cursor that does not move ends the test instead of hanging it.
func PageIDs(t testing.TB, s interface {
	FindReports(context.Context, esambat.ReportFilter) (esambat.ReportPage, error)
}, f esambat.ReportFilter, maxPages int) []int64 {
	t.Helper()
	var ids []int64
	for pages := 0; ; pages++ {
		if pages == maxPages {
			t.Fatalf("%+v: more than %d pages", f, maxPages)
		}
		p, err := s.FindReports(context.Background(), f)
		if err != nil {
			t.Fatalf("%+v: %v", f, err)
		}
		for _, r := range p.Reports {
			ids = append(ids, r.ID)
		}
		if p.Next == "" {
			return ids
		}
		f.After = p.Next
	}
}
