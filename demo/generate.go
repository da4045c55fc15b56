package demo

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/esambat/esambat"
	"github.com/esambat/esambat/geo"
)

// Config is what a Generator needs: the size of the data, the reference
// data and clocks of the running configuration, and where the database's
// IDs and ticket counters stand.
type Config struct {
	// Reports is how many reports to generate.
	Reports int
	// Seed selects the data; the same seed gives the same reports.
	Seed uint64
	// Now is the end of the generated history; every time is before it.
	Now time.Time
	// Months is how far back the reports go (default 18).
	Months int
	// Residents is how many resident accounts report (default: one per
	// 200 reports, at least 50 and at most 5,000).
	Residents int
	// ChunkSize is how many reports one Chunk holds (default 5,000).
	ChunkSize int

	Clocks     esambat.Clocks
	Locator    *geo.Locator
	Regions    []esambat.Region
	Categories []esambat.Category
	Agencies   []esambat.Agency
	// CityCode is the kab/kota served (35.75): NIKs issued there mark a
	// verified domicile.
	CityCode string
	// Sealer encrypts and hashes the synthetic NIKs as registration does.
	Sealer esambat.Sealer
	// PasswordHash is every account's password hash (one argon2id hash,
	// computed once: hashing thousands would take minutes).
	PasswordHash string
	// FirstUserID and FirstReportID are the IDs the new rows start at;
	// Tickets holds the last ticket number issued per WIB year.
	FirstUserID, FirstReportID int64
	Tickets                    map[int]int64
	// ExistingUsers maps the e-mail addresses of demo accounts already
	// stored (an earlier seed-demo) to their IDs: a later load
	// (seed-demo --append) gives its reports to those accounts instead of
	// creating them again, which the unique e-mail, phone and NIK would
	// refuse. Users returns only the accounts still to be stored.
	ExistingUsers map[string]int64
}

// Batch is one chunk of reports with their events (linked and hashed) and
// supports.
type Batch struct {
	Reports  []*esambat.Report
	Events   []*esambat.Event
	Supports []Support
}

// Support is one resident's "dukung".
type Support struct {
	ReportID, UserID int64
	CreatedAt        time.Time
}

// Generator makes the demo data. After New it is read-only: Chunk may be
// called from several goroutines.
type Generator struct {
	c         Config
	lastUser  *esambat.User
	cal       *esambat.Calendar
	start     time.Time
	hourCum   []float64 // cumulative submission intensity per hour from start
	templates map[string][]template
	cats      []esambat.Category
	catCum    [12][]float64 // per month: cumulative category weights
	agencies  map[string]esambat.Agency
	agCodes   []string
	kel       []esambat.Region
	kec       map[string]string // kelurahan code -> kecamatan code

	users     []*esambat.User
	admins    []int64
	petugas   map[string][]int64 // agency -> user IDs
	residents []*esambat.User    // sorted by CreatedAt
	resTimes  []time.Time

	yearFirst map[int]int // WIB year -> index of its first report
	force     map[int]force
}

// force makes one report reach a given state, so that every state appears
// even in a small data set.
type force struct {
	stuck  esambat.Status // the report stays here
	decide string         // "reject", "duplicate", "return" or "" (random)
	fast   bool           // staff act within hours (a recent "selesai")
}

// New prepares a Generator and makes the accounts.
func New(c Config) (*Generator, error) {
	if c.Reports < 0 {
		return nil, errors.New("demo: negative number of reports")
	}
	if c.Locator == nil || c.Clocks.Calendar == nil || c.Sealer == nil || len(c.Categories) == 0 || len(c.Agencies) == 0 {
		return nil, errors.New("demo: locator, clocks, sealer, categories and agencies are required")
	}
	if c.Months <= 0 {
		c.Months = 18
	}
	if c.ChunkSize <= 0 {
		c.ChunkSize = 5000
	}
	if c.Residents <= 0 {
		c.Residents = min(max(c.Reports/200, 50), 5000)
	}
	if c.FirstUserID <= 0 {
		c.FirstUserID = 1
	}
	if c.FirstReportID <= 0 {
		c.FirstReportID = 1
	}
	if c.Tickets == nil {
		c.Tickets = map[int]int64{}
	}
	c.Now = c.Now.UTC().Truncate(time.Second)
	g := &Generator{
		c: c, cal: c.Clocks.Calendar, cats: c.Categories, agencies: map[string]esambat.Agency{},
		kec: map[string]string{}, petugas: map[string][]int64{}, yearFirst: map[int]int{}, force: map[int]force{},
	}
	g.start = c.Now.AddDate(0, -c.Months, 0)
	for _, a := range c.Agencies {
		g.agencies[a.Code] = a
		g.agCodes = append(g.agCodes, a.Code)
	}
	sort.Strings(g.agCodes)
	for _, cat := range g.cats {
		if _, ok := g.agencies[cat.AgencyCode]; !ok {
			return nil, fmt.Errorf("demo: category %s: unknown agency %s", cat.Code, cat.AgencyCode)
		}
	}
	g.kel = c.Locator.Kelurahan()
	if len(g.kel) == 0 {
		return nil, errors.New("demo: no kelurahan")
	}
	var names []string
	for _, k := range g.kel {
		g.kec[k.Code] = k.Parent
		names = append(names, k.Name)
	}
	var err error
	if g.templates, err = parseTemplates(names); err != nil {
		return nil, err
	}
	for m := range 12 {
		sum := 0.0
		for _, cat := range g.cats {
			w, ok := categoryWeight[cat.Code]
			if !ok {
				w = 2
			}
			if rainySeason[cat.Code] && (m >= 10 || m <= 2) {
				w *= 1.8
			}
			sum += w
			g.catCum[m] = append(g.catCum[m], sum)
		}
	}
	g.buildIntensity()
	if err := g.makeUsers(); err != nil {
		return nil, err
	}
	g.indexYears()
	g.chooseForced()
	return g, nil
}

// hourWeight is the share of reports sent in each WIB hour of the day.
var hourWeight = [24]float64{0.2, 0.1, 0.1, 0.1, 0.3, 0.8, 1.5, 2.5, 3.5, 4, 4, 3.5, 3, 3.5, 3.5, 3, 2.5, 2, 2, 2.8, 3, 2.5, 1.5, 0.7}

// buildIntensity lays out the submission rhythm hour by hour.
func (g *Generator) buildIntensity() {
	hours := int(g.c.Now.Sub(g.start) / time.Hour)
	g.hourCum = make([]float64, hours+1)
	sum := 0.0
	for h := range hours {
		t := g.start.Add(time.Duration(h) * time.Hour).In(esambat.WIB)
		w := hourWeight[t.Hour()]
		if wd := t.Weekday(); wd == time.Saturday || wd == time.Sunday {
			w *= 0.65
		} else if !g.cal.IsWorkingDay(t) {
			w *= 0.5
		}
		w *= 0.8 + 0.5*float64(h)/float64(hours) // the channel grows known
		sum += w
		g.hourCum[h+1] = sum
	}
}

// timeAt is the submission time of the i-th report (0-based): the
// (i+u)/N quantile of the intensity, u a fixed jitter per i, so that times
// strictly increase with i and any chunk can compute them alone.
func (g *Generator) timeAt(i int) time.Time {
	q := (float64(i) + jitter(g.c.Seed, uint64(i))) / float64(max(g.c.Reports, 1))
	target := q * g.hourCum[len(g.hourCum)-1]
	h := sort.SearchFloat64s(g.hourCum, target) - 1
	h = min(max(h, 0), len(g.hourCum)-2)
	frac := (target - g.hourCum[h]) / (g.hourCum[h+1] - g.hourCum[h])
	t := g.start.Add(time.Duration((float64(h) + frac) * float64(time.Hour)))
	if !t.Before(g.c.Now) {
		t = g.c.Now.Add(-time.Second)
	}
	return t.Truncate(time.Microsecond)
}

// jitter is a fixed pseudo-random number in [0, 1) for (seed, i).
func jitter(seed, i uint64) float64 {
	x := seed*0x9E3779B97F4A7C15 + i + 1
	x ^= x >> 30
	x *= 0xBF58476D1CE4E5B9
	x ^= x >> 27
	x *= 0x94D049BB133111EB
	x ^= x >> 31
	return float64(x>>11) / (1 << 53)
}

// indexOf returns the first index whose time is at or after t.
func (g *Generator) indexOf(t time.Time) int {
	return sort.Search(g.c.Reports, func(i int) bool { return !g.timeAt(i).Before(t) })
}

// indexYears finds where each WIB year starts, for ticket numbers.
func (g *Generator) indexYears() {
	for y := g.start.In(esambat.WIB).Year(); y <= g.c.Now.In(esambat.WIB).Year(); y++ {
		g.yearFirst[y] = g.indexOf(time.Date(y, 1, 1, 0, 0, 0, 0, esambat.WIB))
	}
}

// chooseForced picks, among reports a few weeks old, one that ends in
// each state a natural run may miss in a small data set.
func (g *Generator) chooseForced() {
	if g.c.Reports < 20 {
		return
	}
	day := 24 * time.Hour
	want := []struct {
		ago time.Duration
		f   force
	}{
		{12 * day, force{stuck: esambat.StatusSelesai, fast: true}},
		{20 * day, force{stuck: esambat.StatusDiajukan}},
		{24 * day, force{stuck: esambat.StatusDikembalikan, decide: "return"}},
		{28 * day, force{stuck: esambat.StatusDidisposisi}},
		{32 * day, force{stuck: esambat.StatusDiproses}},
		{40 * day, force{decide: "reject"}},
		{45 * day, force{decide: "duplicate"}},
	}
	for _, w := range want {
		i := min(g.indexOf(g.c.Now.Add(-w.ago)), g.c.Reports-1)
		for g.force[i] != (force{}) && i > 0 {
			i--
		}
		g.force[i] = w.f
	}
}

// Users returns the accounts to store before any chunk: staff first, then
// residents in the order they registered. IDs are set.
func (g *Generator) Users() []*esambat.User { return g.users }

// Chunks returns how many chunks the reports come in.
func (g *Generator) Chunks() int { return (g.c.Reports + g.c.ChunkSize - 1) / g.c.ChunkSize }

// Residents returns how many resident accounts Users holds.
func (g *Generator) Residents() int { return len(g.residents) }

func (g *Generator) makeUsers() error {
	r := rand.New(rand.NewPCG(g.c.Seed, 1<<40))
	id := g.c.FirstUserID
	staffSince := g.start.AddDate(-1, 0, 0)
	add := func(u *esambat.User) {
		g.lastUser = u
		u.PasswordHash, u.Lang, u.CreatedAt = g.c.PasswordHash, "id", u.CreatedAt.Truncate(time.Microsecond)
		if old, ok := g.c.ExistingUsers[u.Email]; ok {
			u.ID = old
			return
		}
		u.ID = id
		id++
		g.users = append(g.users, u)
	}
	for i := 1; i <= 4; i++ {
		add(&esambat.User{Role: esambat.RoleAdmin, Name: fmt.Sprintf("Operator PIKP %d", i), Email: fmt.Sprintf("admin%d@demo.esambat.test", i),
			DomicileVerified: true, CreatedAt: staffSince})
		g.admins = append(g.admins, g.lastID())
	}
	for i := 1; i <= 2; i++ {
		add(&esambat.User{Role: esambat.RolePimpinan, Name: fmt.Sprintf("Pimpinan %d", i), Email: fmt.Sprintf("pimpinan%d@demo.esambat.test", i),
			DomicileVerified: true, CreatedAt: staffSince})
	}
	for _, code := range g.agCodes {
		a := g.agencies[code]
		for i := 1; i <= 2; i++ {
			short := a.ShortName
			if short == "" {
				short = a.Code
			}
			add(&esambat.User{Role: esambat.RolePetugas, Name: fmt.Sprintf("Petugas %s %d", short, i),
				Email: fmt.Sprintf("petugas.%s.%d@demo.esambat.test", code, i), AgencyCode: code, DomicileVerified: true, CreatedAt: staffSince})
			g.petugas[code] = append(g.petugas[code], g.lastID())
		}
	}

	var cityKec, outKec []string
	for _, reg := range g.c.Regions {
		if reg.Level != esambat.LevelKecamatan {
			continue
		}
		if strings.HasPrefix(reg.Code, g.c.CityCode+".") {
			cityKec = append(cityKec, reg.Code)
		} else {
			outKec = append(outKec, reg.Code)
		}
	}
	if len(cityKec) == 0 {
		return errors.New("demo: no kecamatan of the city in the wilayah table")
	}
	if len(outKec) == 0 {
		outKec = cityKec
	}
	var res []*esambat.User
	seen := map[string]bool{}
	span := g.c.Now.Add(-24 * time.Hour).Sub(g.start)
	for n := range g.c.Residents {
		female := r.IntN(2) == 0
		first := maleNames
		if female {
			first = femaleNames
		}
		name := first[r.IntN(len(first))]
		if last := lastNames[r.IntN(len(lastNames))]; last != "" {
			name += " " + last
		}
		inCity := r.Float64() < 0.92
		kec := cityKec[r.IntN(len(cityKec))]
		if !inCity {
			kec = outKec[r.IntN(len(outKec))]
		}
		var digits string
		for {
			birth := g.c.Now.AddDate(-17-r.IntN(63), 0, -r.IntN(365)).In(esambat.WIB)
			day := birth.Day()
			if female {
				day += 40
			}
			digits = strings.ReplaceAll(kec, ".", "") + fmt.Sprintf("%02d%02d%02d%04d", day, int(birth.Month()), birth.Year()%100, 1+r.IntN(9999))
			if !seen[digits] {
				seen[digits] = true
				break
			}
		}
		sealed, err := g.c.Sealer.Seal([]byte(digits))
		if err != nil {
			return err
		}
		created := g.start.Add(-time.Duration(r.Float64() * float64(365*24*time.Hour)))
		if r.Float64() < 0.6 {
			created = g.start.Add(time.Duration(r.Float64() * float64(span)))
		}
		// Unique by construction: 7919 is prime to 10^8.
		phone := fmt.Sprintf("+628%d%08d", []int{12, 13, 21, 22, 52, 53, 57, 77, 78, 81, 95, 96}[n%12], (n*7919+12345)%100000000)
		res = append(res, &esambat.User{
			Role: esambat.RoleWarga, Name: name, Email: fmt.Sprintf("warga%d@demo.esambat.test", n+1), Phone: phone,
			PhoneConfirmed: r.Float64() < 0.9, NIKHash: g.c.Sealer.Hash([]byte(digits)), NIKSealed: sealed,
			NIKMasked:     digits[:4] + strings.Repeat("*", 10) + digits[14:],
			KelurahanCode: g.kel[r.IntN(len(g.kel))].Code, DomicileVerified: inCity || r.Float64() < 0.5,
			CreatedAt: created,
		})
	}
	sort.SliceStable(res, func(i, j int) bool { return res[i].CreatedAt.Before(res[j].CreatedAt) })
	for _, u := range res {
		add(u)
		g.residents = append(g.residents, u)
		g.resTimes = append(g.resTimes, u.CreatedAt)
	}
	return nil
}

// lastID returns the ID of the account makeUsers added last.
func (g *Generator) lastID() int64 { return g.lastUser.ID }

// residentAt picks a resident registered by t; nil when there is none.
func (g *chunkGen) residentAt(t time.Time) *esambat.User {
	n := sort.Search(len(g.resTimes), func(i int) bool { return g.resTimes[i].After(t) })
	if n == 0 {
		return nil
	}
	return g.residents[g.r.IntN(n)]
}

// chunkGen generates one chunk.
type chunkGen struct {
	*Generator
	r     *rand.Rand
	pcg   *rand.PCG // r's source, seeded again for each report
	out   *Batch
	first int // global index of the chunk's first report
	// per report of the chunk: its events (for the status at a time) and
	// its supporters
	evs       [][]*esambat.Event
	supported []map[int64]bool
	recent    map[string][]int // category -> chunk indices, newest last
}

// Chunk generates the k-th chunk of reports. The result depends only on
// the Config and k.
func (g *Generator) Chunk(k int) *Batch {
	first := k * g.c.ChunkSize
	n := min(g.c.ChunkSize, g.c.Reports-first)
	pcg := rand.NewPCG(g.c.Seed, uint64(k)+1)
	cg := &chunkGen{Generator: g, r: rand.New(pcg), pcg: pcg, out: &Batch{}, first: first,
		recent: map[string][]int{}}
	cg.out.Reports = make([]*esambat.Report, 0, n)
	cg.out.Events = make([]*esambat.Event, 0, n*6)
	for i := range n {
		cg.report(i)
	}
	// Link each chain as insertEvent would, now that supports and merges
	// are known.
	for i, rep := range cg.out.Reports {
		rep.Supports = len(cg.supported[i])
		prev := ""
		for s, e := range cg.evs[i] {
			e.ReportID, e.Seq, e.PrevHash = rep.ID, s+1, prev
			e.Hash = e.ComputeHash()
			prev = e.Hash
			cg.out.Events = append(cg.out.Events, e)
		}
	}
	return cg.out
}

func (g *chunkGen) logn(median, sigma float64) float64 {
	return median * math.Exp(sigma*g.r.NormFloat64())
}

func (g *chunkGen) between(a, b time.Duration) time.Duration {
	return a + time.Duration(g.r.Int64N(int64(b-a)+1))
}

// office advances t by hours of office time: 07:30 to 16:00 WIB on
// working days.
func (g *chunkGen) office(t time.Time, hours float64) time.Time {
	w := t.In(esambat.WIB)
	for {
		y, m, d := w.Date()
		open := time.Date(y, m, d, 7, 30, 0, 0, esambat.WIB)
		close := time.Date(y, m, d, 16, 0, 0, 0, esambat.WIB)
		next := time.Date(y, m, d+1, 0, 0, 0, 0, esambat.WIB)
		if !g.cal.IsWorkingDay(open) || !w.Before(close) {
			w = next
			continue
		}
		if w.Before(open) {
			w = open
		}
		avail := close.Sub(w).Hours()
		if hours <= avail {
			return w.Add(time.Duration(hours * float64(time.Hour))).UTC().Truncate(time.Microsecond)
		}
		hours -= avail
		w = next
	}
}

// resident advances t by hours of wall-clock time, moved out of the night
// (23:00-05:00 WIB) when people sleep.
func (g *chunkGen) resident(t time.Time, hours float64) time.Time {
	w := t.Add(time.Duration(hours * float64(time.Hour))).In(esambat.WIB)
	if h := w.Hour(); h >= 23 || h < 5 {
		y, m, d := w.Date()
		if h >= 23 {
			d++
		}
		w = time.Date(y, m, d, 5, 0, 0, 0, esambat.WIB).Add(g.between(0, 4*time.Hour))
	}
	return w.UTC().Truncate(time.Microsecond)
}

// sim is one report being walked through its lifecycle.
type sim struct {
	g      *chunkGen
	idx    int // in chunk
	rep    *esambat.Report
	cat    esambat.Category
	f      force
	events []*esambat.Event
	last   time.Time // time of the last event
	// published or disposed: when supports may start and end
	openFrom, openTo time.Time
	// escalated is the due date last escalated: one escalation per due
	// date, as the scheduler does.
	escalated time.Time
}

func (s *sim) now() time.Time { return s.g.c.Now }

// ev appends an event; act marks lifecycle actions, which update the
// report (version, updated_at).
func (s *sim) ev(action string, actor int64, role esambat.Role, to esambat.Status, at time.Time, public, internal string, data map[string]string, act bool) {
	if !at.After(s.last) {
		at = s.last.Add(time.Second)
	}
	e := &esambat.Event{Action: action, ActorID: actor, ActorRole: role, From: s.rep.Status, To: to, CreatedAt: at.UTC().Truncate(time.Microsecond),
		Public: public, Internal: internal, Data: data}
	if action == esambat.ActionSubmit {
		e.From = ""
	}
	s.events = append(s.events, e)
	s.last = e.CreatedAt
	s.rep.Status = to
	if act {
		s.rep.Version++
		s.rep.UpdatedAt = e.CreatedAt
	}
}

// escalate records the scheduler's escalation when the current clock ran
// out before next (the next step, or now).
func (s *sim) escalate(next time.Time) {
	due := s.rep.DueAt
	if due.IsZero() || due.Equal(s.escalated) || s.rep.Status == esambat.StatusSelesai || s.rep.Status == esambat.StatusDikembalikan || !s.rep.Status.Open() {
		return
	}
	at := due.Add(s.g.between(time.Second, 59*time.Second))
	if !at.Before(next) || !at.Before(s.now()) || !at.After(s.last) {
		return
	}
	text := "Batas penyelesaian terlewati: laporan belum selesai ditangani."
	switch s.rep.Status {
	case esambat.StatusDiajukan:
		text = "Batas verifikasi terlewati: laporan belum diverifikasi admin."
	case esambat.StatusDidisposisi:
		text = "Batas penerimaan terlewati: perangkat daerah belum menerima laporan dengan rencana."
	}
	s.escalated = due
	s.ev(string(esambat.ActionEscalate), 0, esambat.RoleSystem, s.rep.Status, at, "", text,
		map[string]string{"due": due.UTC().Format(time.RFC3339), "agency": s.rep.AgencyCode, "status": string(s.rep.Status)}, false)
}

// view records a staff member opening a rahasia report just before acting.
func (s *sim) view(actor int64, role esambat.Role, before time.Time) {
	if s.rep.Visibility != esambat.VisibilityRahasia {
		return
	}
	at := before.Add(-s.g.between(time.Minute, 10*time.Minute))
	if !at.After(s.last) {
		return
	}
	s.ev("view", actor, role, s.rep.Status, at, "", "", nil, false)
}

// stop ends the walk at now: a running clock that ran out was escalated.
func (s *sim) stop() { s.escalate(s.now()) }

func (s *sim) admin() int64 { return s.g.admins[s.g.r.IntN(len(s.g.admins))] }

func (s *sim) petugas(agency string) int64 {
	ids := s.g.petugas[agency]
	return ids[s.g.r.IntN(len(ids))]
}

// report generates the i-th report of the chunk with its history.
func (g *chunkGen) report(i int) {
	gi := g.first + i
	// Each report draws from a stream of its own: a history that takes
	// another turn (its times fall on the other side of an office hour
	// when Now moves by a second) draws more or fewer numbers, and with
	// one stream per chunk every later report of the chunk would change.
	g.pcg.Seed(g.c.Seed, 1<<63|uint64(gi))
	created := g.timeAt(gi)
	wib := created.In(esambat.WIB)
	month := int(wib.Month()) - 1
	cat := g.cats[sort.SearchFloat64s(g.catCum[month], g.r.Float64()*g.catCum[month][len(g.catCum[month])-1])]
	year := wib.Year()
	rep := &esambat.Report{
		ID:     g.c.FirstReportID + int64(gi),
		Ticket: fmt.Sprintf("ES-%02d-%06d", year%100, g.c.Tickets[year]+int64(gi-g.yearFirst[year])+1),
		Type:   esambat.TypePengaduan, CategoryCode: cat.Code, Visibility: esambat.VisibilityPublik,
		Status: esambat.StatusDiajukan, Channel: esambat.ChannelWeb, SuggestedAgency: cat.AgencyCode,
		CreatedAt: created, UpdatedAt: created, Version: 1,
	}
	switch x := g.r.Float64(); {
	case x < 0.07:
		rep.Type = esambat.TypeAspirasi
	case x < 0.12:
		rep.Type = esambat.TypeSaran
	case x < 0.15:
		rep.Type = esambat.TypeInformasi
	}
	switch x := g.r.Float64(); {
	case x < 0.2:
		rep.Visibility = esambat.VisibilityAnonim
	case x < 0.28:
		rep.Visibility = esambat.VisibilityRahasia
	}
	submitter, role := int64(0), esambat.RoleWarga
	reporter := g.residentAt(created)
	switch x := g.r.Float64(); {
	case x < 0.25:
		rep.Channel = esambat.ChannelAPI // the mobile app
	case x < 0.33 || reporter == nil:
		// An operator enters a report from the counter, a call or a chat.
		rep.Channel = []esambat.Channel{esambat.ChannelWalkIn, esambat.ChannelPhone, esambat.ChannelWhatsApp}[g.r.IntN(3)]
		reporter = nil
	}
	s := &sim{g: g, idx: i, rep: rep, cat: cat, f: g.force[gi], last: created.Add(-time.Second)}
	if s.f.decide == "return" && reporter == nil {
		// Only a reporter can be asked to complete a report.
		if reporter = g.residentAt(created); reporter != nil {
			rep.Channel = esambat.ChannelWeb
		}
	}
	if reporter != nil {
		rep.ReporterID, submitter = reporter.ID, reporter.ID
		if !reporter.DomicileVerified {
			rep.Flags = append(rep.Flags, esambat.FlagDomicileUnverified)
		}
		if !reporter.PhoneConfirmed {
			rep.Flags = append(rep.Flags, esambat.FlagPhoneUnconfirmed)
		}
		if g.r.Float64() < 0.03 {
			rep.OnBehalf = &esambat.OnBehalf{Name: strings.TrimSpace(pick(g, femaleNames) + " " + pick(g, lastNames)), Relationship: pick(g, relations)}
			rep.Flags = append(rep.Flags, esambat.FlagOnBehalf)
		}
	} else {
		submitter, role = s.admin(), esambat.RoleAdmin
	}

	// Where: the reporter's own kelurahan more often than not.
	kel := g.kel[g.r.IntN(len(g.kel))]
	if reporter != nil && g.r.Float64() < 0.6 {
		for _, k := range g.kel {
			if k.Code == reporter.KelurahanCode {
				kel = k
			}
		}
	}
	rep.KelurahanCode = kel.Code
	address := fmt.Sprintf("%s No. %d, RT %02d/RW %02d", pick(g, streets), 1+g.r.IntN(120), 1+g.r.IntN(9), 1+g.r.IntN(6))
	if cat.RequiresLocation || g.r.Float64() < 0.3 {
		if lat, lng, ok := g.c.Locator.RandomPoint(kel.Code, g.r); ok {
			rep.Location = &esambat.Location{Lat: lat, Lng: lng, Kelurahan: kel.Code, Kecamatan: g.kec[kel.Code]}
		}
		if g.r.Float64() < 0.7 {
			rep.Address = address
		}
	} else if g.r.Float64() < 0.5 {
		rep.Address = address
	}
	g.text(rep, kel)

	s.ev(esambat.ActionSubmit, submitter, role, esambat.StatusDiajukan, created, esambat.TextReceived, "",
		map[string]string{"channel": string(rep.Channel)}, false)
	rep.Version, rep.UpdatedAt = 1, s.last
	rep.DueAt = g.c.Clocks.VerifyDue(created)
	s.walk()

	g.out.Reports = append(g.out.Reports, rep)
	g.evs = append(g.evs, s.events)
	g.supported = append(g.supported, nil)
	g.supports(s)
	g.recent[cat.Code] = append(g.recent[cat.Code], i)
	if r := g.recent[cat.Code]; len(r) > 64 {
		g.recent[cat.Code] = r[len(r)-64:]
	}
}

// text fills in the title and description from a template.
func (g *chunkGen) text(rep *esambat.Report, kel esambat.Region) {
	ts := g.templates[rep.CategoryCode]
	var t template
	if len(ts) == 0 {
		name := rep.CategoryCode
		for _, c := range g.cats {
			if c.Code == rep.CategoryCode {
				name = c.Name
			}
		}
		t = template{title: "Keluhan " + name, description: "Mohon tindak lanjut terkait " + strings.ToLower(name) + " di wilayah kami."}
	} else {
		t = ts[g.r.IntN(len(ts))]
	}
	title, desc := t.title, t.description
	for _, n := range t.names {
		title = strings.ReplaceAll(title, n, kel.Name)
		desc = strings.ReplaceAll(desc, n, kel.Name)
	}
	if len(t.names) == 0 && g.r.Float64() < 0.3 && len(title) < 100 {
		title += " di " + kel.Name
	}
	var b strings.Builder
	b.WriteString(desc)
	if rep.Address != "" && g.r.Float64() < 0.5 {
		b.WriteString(" Lokasinya di " + rep.Address + ", " + pick(g, landmarks) + ".")
	} else if g.r.Float64() < 0.3 {
		b.WriteString(" Lokasinya " + pick(g, landmarks) + ", Kelurahan " + kel.Name + ".")
	}
	if c := pick(g, closings); c != "" {
		b.WriteString(" " + c)
	}
	rep.Title, rep.Description = title, b.String()
}

// statusAt returns the status of the chunk's i-th report at t.
func (g *chunkGen) statusAt(i int, t time.Time) (esambat.Status, bool) {
	evs := g.evs[i]
	if len(evs) == 0 || !evs[0].CreatedAt.Before(t) {
		return "", false
	}
	st := evs[0].To
	for _, e := range evs {
		if !e.CreatedAt.Before(t) {
			break
		}
		st = e.To
	}
	return st, true
}

// original finds an open report of the same category, sent before t, that
// a duplicate can be merged into: the same kelurahan if possible.
func (g *chunkGen) original(rep *esambat.Report, t time.Time) int {
	best := -1
	rs := g.recent[rep.CategoryCode]
	for j := len(rs) - 1; j >= 0; j-- {
		st, ok := g.statusAt(rs[j], t)
		if !ok || !st.Open() || st == esambat.StatusSelesai {
			continue
		}
		if g.out.Reports[rs[j]].KelurahanCode == rep.KelurahanCode {
			return rs[j]
		}
		if best < 0 {
			best = rs[j]
		}
	}
	return best
}

// walk takes the report through the lifecycle until now.
func (s *sim) walk() {
	g, rep := s.g, s.rep
	hours := func(median float64) float64 {
		if s.f.fast {
			return median / 4
		}
		return g.logn(median, 1)
	}
	t := rep.CreatedAt
	returns := 0
	// Verification, possibly after a return for completion.
	for {
		if s.f.stuck == esambat.StatusDiajukan {
			s.stop()
			return
		}
		next := g.office(t, hours(3))
		if !next.Before(s.now()) {
			s.stop()
			return
		}
		s.escalate(next)
		admin := s.admin()
		s.view(admin, esambat.RoleAdmin, next)
		decide := s.f.decide
		if s.f == (force{}) {
			switch x := g.r.Float64(); {
			case x < 0.06:
				decide = "reject"
			case x < 0.10:
				decide = "duplicate"
			case x < 0.16 && rep.ReporterID != 0 && returns < 2:
				decide = "return"
			}
		}
		switch decide {
		case "reject":
			var reasons []string
			var weights []float64
			for _, rr := range rejectReasons {
				if rr.needsOut && rep.Location != nil {
					continue
				}
				reasons, weights = append(reasons, rr.reason), append(weights, rr.weight)
			}
			reason := reasons[weighted(g.r, weights)]
			rep.DueAt = time.Time{}
			s.ev(string(esambat.ActionReject), admin, esambat.RoleAdmin, esambat.StatusDitolak, next,
				"Laporan ditolak: "+esambat.RejectReasonLabel(reason)+".", "", map[string]string{"reason": reason}, true)
			return
		case "duplicate":
			if j := g.original(rep, next); j >= 0 {
				orig := g.out.Reports[j]
				rep.DuplicateOf, rep.DueAt = orig.ID, time.Time{}
				if orig.KelurahanCode == rep.KelurahanCode {
					rep.Flags = append(rep.Flags, esambat.FlagNearDuplicate)
				}
				s.ev(string(esambat.ActionDuplicate), admin, esambat.RoleAdmin, esambat.StatusDuplikat, next,
					"Laporan digabung dengan "+orig.Ticket+"; ikuti perkembangannya di sana.", "", map[string]string{"of": orig.Ticket}, true)
				// MergeSupports: the duplicate's reporter backs the original.
				if rep.ReporterID != 0 && rep.ReporterID != orig.ReporterID {
					g.support(j, rep.ReporterID, s.last)
				}
				return
			}
		case "return":
			if rep.ReporterID == 0 {
				break
			}
			returns++
			rep.DueAt = time.Time{}
			s.ev(string(esambat.ActionReturn), admin, esambat.RoleAdmin, esambat.StatusDikembalikan, next, pick(g, returnTexts), "", nil, true)
			if s.f.stuck == esambat.StatusDikembalikan {
				return
			}
			resub := g.resident(next, g.logn(20, 1.2))
			limit := g.office(next, 10*8.5)
			if resub.Before(limit) && g.r.Float64() < 0.7 {
				if !resub.Before(s.now()) {
					return
				}
				rep.DueAt = g.c.Clocks.VerifyDue(resub)
				s.ev(string(esambat.ActionResubmit), rep.ReporterID, esambat.RoleWarga, esambat.StatusDiajukan, resub,
					"Pelapor telah melengkapi laporan.", "", nil, true)
				t = resub
				continue
			}
			at := g.office(limit, g.r.Float64()*4)
			if !at.Before(s.now()) {
				return
			}
			s.ev(string(esambat.ActionReject), s.admin(), esambat.RoleAdmin, esambat.StatusDitolak, at,
				"Laporan ditolak: "+esambat.RejectReasonLabel("tidak_lengkap")+".", "", map[string]string{"reason": "tidak_lengkap"}, true)
			return
		}
		// Verify and dispose, now and then to the wrong agency.
		agency := s.rep.SuggestedAgency
		if !s.f.fast && g.r.Float64() < 0.06 {
			agency = g.agCodes[g.r.IntN(len(g.agCodes))]
		}
		s.verify(admin, agency, next)
		t = next
		break
	}
	// Disposed: the agency accepts, or the report was misrouted.
	for s.rep.AgencyCode != s.rep.SuggestedAgency {
		if s.f.stuck == esambat.StatusDidisposisi {
			s.stop()
			return
		}
		if g.r.IntN(2) == 0 {
			// The agency hands it back; an admin disposes it again.
			hb := g.office(t, hours(6))
			if !hb.Before(s.now()) {
				s.stop()
				return
			}
			s.escalate(hb)
			pt := s.petugas(rep.AgencyCode)
			s.view(pt, esambat.RolePetugas, hb)
			reason := pick(g, handbackReasons)
			data := map[string]string{"reason": reason, "agency": rep.AgencyCode}
			rep.AgencyCode, rep.DueAt = "", g.c.Clocks.VerifyDue(hb)
			s.ev(string(esambat.ActionHandback), pt, esambat.RolePetugas, esambat.StatusDiajukan, hb,
				"Perangkat daerah menyatakan laporan ini bukan kewenangannya; laporan dikembalikan ke admin untuk diteruskan.",
				"Bukan kewenangan: "+reason, data, true)
			next := g.office(hb, hours(3))
			if !next.Before(s.now()) {
				s.stop()
				return
			}
			s.escalate(next)
			admin := s.admin()
			s.view(admin, esambat.RoleAdmin, next)
			s.verify(admin, rep.SuggestedAgency, next)
			t = next
		} else {
			// An admin notices and re-routes it.
			next := g.office(t, hours(4))
			if !next.Before(s.now()) {
				s.stop()
				return
			}
			s.escalate(next)
			a := g.agencies[rep.SuggestedAgency]
			rep.AgencyCode, rep.DueAt = a.Code, g.c.Clocks.AcceptDue(next)
			s.ev(string(esambat.ActionDispose), s.admin(), esambat.RoleAdmin, esambat.StatusDidisposisi, next,
				"Laporan dialihkan ke "+a.Name+".", "", map[string]string{"agency": a.Code}, true)
			t = next
		}
	}
	if s.f.stuck == esambat.StatusDidisposisi {
		s.stop()
		return
	}
	acc := g.office(t, hours(6))
	if !acc.Before(s.now()) {
		s.stop()
		return
	}
	s.escalate(acc)
	pt := s.petugas(rep.AgencyCode)
	s.view(pt, esambat.RolePetugas, acc)
	plan := pick(g, textFor(plans, rep.CategoryCode))
	due, err := g.c.Clocks.CompletionDue(acc, s.cat.SLAClass)
	if err != nil {
		due = g.c.Clocks.Calendar.AddWorkingDays(acc, 14)
	}
	rep.DueAt = due
	s.ev(string(esambat.ActionAccept), pt, esambat.RolePetugas, esambat.StatusDiproses, acc, "Diterima perangkat daerah. Rencana: "+plan, "",
		map[string]string{"plan": plan, "target": due.In(esambat.WIB).Format(time.RFC3339)}, true)
	t = acc
	// In progress until finished, perhaps disputed once.
	finishHours := map[string]float64{esambat.SLAClassA: 6, esambat.SLAClassB: 16, esambat.SLAClassC: 40, esambat.SLAClassD: 150}[s.cat.SLAClass]
	if finishHours == 0 {
		finishHours = 40
	}
	for disputes := 0; ; disputes++ {
		if s.f.stuck == esambat.StatusDiproses {
			s.stop()
			return
		}
		fin := g.office(t, hours(finishHours))
		if s.f.fast {
			fin = g.office(t, 8)
		}
		if g.r.Float64() < 0.25 {
			at := g.office(t, fin.Sub(t).Hours()/6)
			if at.Before(fin) && at.Before(s.now()) && at.After(s.last) {
				s.escalate(at)
				s.ev(string(esambat.ActionAnswer), pt, esambat.RolePetugas, esambat.StatusDiproses, at, pick(g, answers), "", nil, true)
			}
		}
		if g.r.Float64() < 0.1 {
			at := g.office(t, fin.Sub(t).Hours()/3)
			if at.Before(fin) && at.Before(s.now()) && at.After(s.last) {
				s.escalate(at)
				s.ev(string(esambat.ActionNote), pt, esambat.RolePetugas, esambat.StatusDiproses, at, "", pick(g, notes), nil, true)
			}
		}
		if !fin.Before(s.now()) {
			s.stop()
			return
		}
		s.escalate(fin)
		rep.DueAt = g.c.Clocks.AutoCloseAt(fin)
		s.ev(string(esambat.ActionFinish), pt, esambat.RolePetugas, esambat.StatusSelesai, fin, pick(g, textFor(results, rep.CategoryCode)), "", nil, true)
		if s.openTo.IsZero() {
			s.openTo = fin
		}
		if s.f.stuck == esambat.StatusSelesai {
			return
		}
		if rep.ReporterID != 0 {
			resp := g.resident(fin, g.logn(24, 1.2))
			x := g.r.Float64()
			if resp.Before(rep.DueAt) {
				if !resp.Before(s.now()) {
					return
				}
				if x < 0.06 && disputes == 0 {
					due, err := g.c.Clocks.CompletionDue(resp, s.cat.SLAClass)
					if err != nil {
						due = g.c.Clocks.Calendar.AddWorkingDays(resp, 14)
					}
					rep.DueAt = due
					s.ev(string(esambat.ActionDispute), rep.ReporterID, esambat.RoleWarga, esambat.StatusDiproses, resp, pick(g, disputeTexts), "", nil, true)
					t = resp
					continue
				}
				if x < 0.62 {
					rating := []int{5, 5, 5, 5, 5, 5, 5, 5, 5, 4, 4, 4, 4, 4, 4, 3, 3, 3, 2, 1}[g.r.IntN(20)]
					rep.Rating, rep.DueAt = rating, time.Time{}
					s.ev(string(esambat.ActionConfirm), rep.ReporterID, esambat.RoleWarga, esambat.StatusDitutup, resp,
						"Pelapor mengonfirmasi penyelesaian.", "", map[string]string{"rating": strconv.Itoa(rating)}, true)
					return
				}
			}
		}
		// No answer: the scheduler closes it when the window runs out.
		at := rep.DueAt.Add(g.between(time.Second, 59*time.Second))
		if !at.Before(s.now()) {
			return
		}
		rep.DueAt = time.Time{}
		s.ev(string(esambat.ActionAutoClose), 0, esambat.RoleSystem, esambat.StatusDitutup, at,
			"Laporan ditutup otomatis karena tidak ada tanggapan pelapor dalam 10 hari kerja.", "", nil, true)
		return
	}
}

// verify disposes the report to agency and publishes it unless rahasia.
func (s *sim) verify(admin int64, agency string, at time.Time) {
	a := s.g.agencies[agency]
	rep := s.rep
	if rep.PublishedAt.IsZero() && rep.Visibility != esambat.VisibilityRahasia {
		rep.PublishedAt = at.UTC().Truncate(time.Microsecond)
	}
	rep.AgencyCode, rep.DueAt = a.Code, s.g.c.Clocks.AcceptDue(at)
	s.ev(string(esambat.ActionVerify), admin, esambat.RoleAdmin, esambat.StatusDidisposisi, at,
		"Laporan diverifikasi dan diteruskan ke "+a.Name+".", "", map[string]string{"agency": a.Code}, true)
	if s.openFrom.IsZero() {
		s.openFrom = s.last
	}
}

// supports adds other residents' supports to a published report while it
// was open (disposed or in progress).
func (g *chunkGen) supports(s *sim) {
	if s.openFrom.IsZero() || s.rep.PublishedAt.IsZero() || g.r.Float64() >= 0.15 {
		return
	}
	end := s.openTo
	if end.IsZero() {
		end = g.c.Now
	}
	span := end.Sub(s.openFrom)
	if span <= time.Second {
		return
	}
	n := 1 + int(g.logn(2, 1))
	for range min(n, 40) {
		at := s.openFrom.Add(time.Duration(g.r.Int64N(int64(span)))).Truncate(time.Microsecond)
		u := g.residentAt(at)
		if u == nil || u.ID == s.rep.ReporterID {
			continue
		}
		g.support(s.idx, u.ID, at)
	}
}

// support records that user supports the chunk's i-th report, once.
func (g *chunkGen) support(i int, user int64, at time.Time) {
	if g.supported[i] == nil {
		g.supported[i] = map[int64]bool{}
	}
	if g.supported[i][user] {
		return
	}
	g.supported[i][user] = true
	g.out.Supports = append(g.out.Supports, Support{ReportID: g.out.Reports[i].ID, UserID: user, CreatedAt: at})
}

// weighted picks an index with probability proportional to its weight.
func weighted(r *rand.Rand, w []float64) int {
	sum := 0.0
	for _, x := range w {
		sum += x
	}
	x := r.Float64() * sum
	for i, v := range w {
		if x < v {
			return i
		}
		x -= v
	}
	return len(w) - 1
}
