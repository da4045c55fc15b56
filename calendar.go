package esambat

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// WIB is Waktu Indonesia Barat (UTC+7), the time zone of Kota Pasuruan.
// Times are stored in UTC; working-day arithmetic and display happen on WIB
// calendar days, because a report sent at 01:30 WIB on Tuesday was sent on
// Tuesday for the resident and the office, although it is still Monday in UTC.
//
// Indonesia has had no daylight saving time since 1964 (Asia/Jakarta has been
// a constant +07:00 ever since), so a fixed zone is exact for every date this
// system handles. Unlike time.LoadLocation("Asia/Jakarta") it needs no tzdata
// on the host: a scratch container computes the same due dates as a laptop.
var WIB = time.FixedZone("WIB", 7*60*60)

// Kinds of non-working days in the national holiday table.
const (
	// HolidayLibur is a hari libur nasional, a public holiday set by the
	// SKB of the three ministers (or a Keppres, such as an election day).
	HolidayLibur = "libur"
	// HolidayCutiBersama is a cuti bersama: a collective leave day around a
	// holiday. Government offices close, so it does not count as a working
	// day for the service clocks either.
	HolidayCutiBersama = "cuti_bersama"
)

// Holiday is one non-working day from the national holiday table
// (refdata.FileHolidays).
type Holiday struct {
	Date string // WIB calendar date, "2006-01-02"
	Kind string // HolidayLibur or HolidayCutiBersama
	Name string // e.g. "Idul Fitri 1447 Hijriah"
}

// ParseHolidays reads the holiday table: CSV with a header row naming at
// least the columns date, kind and name (in any order; other columns such as
// source are ignored). Dates must be real YYYY-MM-DD dates, kinds libur or
// cuti_bersama, and names non-empty. Errors name the line of the file, since
// the file is edited by hand once a year when the new SKB is published. The
// holidays are returned in file order.
func ParseHolidays(r io.Reader) ([]Holiday, error) {
	cr := csv.NewReader(r)
	cr.TrimLeadingSpace = true
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, errors.New("holidays: empty file, want a header row date,kind,name")
	} else if err != nil {
		return nil, fmt.Errorf("holidays: %w", err)
	}
	col := map[string]int{}
	for i, h := range header {
		// A spreadsheet saving "CSV UTF-8" puts a byte-order mark first.
		h = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))
		if _, dup := col[h]; !dup {
			col[h] = i
		}
	}
	for _, name := range []string{"date", "kind", "name"} {
		if _, ok := col[name]; !ok {
			return nil, fmt.Errorf("holidays: line 1: missing column %q (header is %q, want date,kind,name)",
				name, strings.Join(header, ","))
		}
	}

	var out []Holiday
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			// *csv.ParseError already says "record on line N".
			return nil, fmt.Errorf("holidays: %w", err)
		}
		line, _ := cr.FieldPos(0)
		h := Holiday{
			Date: strings.TrimSpace(rec[col["date"]]),
			Kind: strings.TrimSpace(rec[col["kind"]]),
			Name: strings.TrimSpace(rec[col["name"]]),
		}
		if _, err := parseDate(h.Date); err != nil {
			return nil, fmt.Errorf("holidays: line %d: date %q is not a valid YYYY-MM-DD date", line, h.Date)
		}
		if h.Kind != HolidayLibur && h.Kind != HolidayCutiBersama {
			return nil, fmt.Errorf("holidays: line %d: kind %q is neither %s nor %s", line, h.Kind, HolidayLibur, HolidayCutiBersama)
		}
		if h.Name == "" {
			return nil, fmt.Errorf("holidays: line %d: empty name", line)
		}
		out = append(out, h)
	}
	return out, nil
}

// Calendar knows which WIB calendar days are working days (hari kerja) for
// the city's offices: Monday to Friday, except national holidays and cuti
// bersama. It is immutable once built and safe for concurrent use.
//
// A year missing from the holiday table, up to fixedYears after its last,
// has only the holidays a rule fixes (FixedHolidays): New Year, Good
// Friday, Labour Day, Ascension Day, Pancasila Day, Independence Day and
// Christmas. Its lunar holidays and cuti bersama come with the year's
// SKB, so due dates around them come out too early until it is added;
// Covers lets start-up warn before that happens.
type Calendar struct {
	holidays map[int]Holiday // by day number
	closed   []int           // sorted day numbers of holidays falling on Monday–Friday
	years    map[int]bool    // years with at least one holiday in the table
	last     int             // latest year in the table; 0 if none
}

// NewCalendar returns a calendar with the given holidays. holidays should
// come from ParseHolidays; NewCalendar panics on an invalid Date, because a
// silently skipped holiday would shift every due date around it. When two
// holidays share a date, a libur wins over a cuti bersama, else the first.
func NewCalendar(holidays []Holiday) *Calendar {
	c := &Calendar{holidays: map[int]Holiday{}, years: map[int]bool{}}
	for _, h := range holidays {
		d, err := parseDate(h.Date)
		if err != nil {
			panic(fmt.Sprintf("esambat.NewCalendar: holiday %q: %v", h.Name, err))
		}
		if prev, ok := c.holidays[d]; ok && (prev.Kind == HolidayLibur || h.Kind != HolidayLibur) {
			continue
		}
		c.holidays[d] = h
		year := dayStart(d).In(WIB).Year()
		c.years[year] = true
		c.last = max(c.last, year)
	}
	if c.last != 0 {
		first := c.last
		for y := range c.years {
			first = min(first, y)
		}
		for y := first; y <= c.last+fixedYears; y++ {
			if c.years[y] {
				continue
			}
			for _, h := range FixedHolidays(y) {
				d, _ := parseDate(h.Date)
				c.holidays[d] = h
			}
		}
	}
	for d := range c.holidays {
		if isWeekday(d) {
			c.closed = append(c.closed, d)
		}
	}
	slices.Sort(c.closed)
	return c
}

// fixedYears is how many years after its holiday table's last a calendar
// knows the holidays a rule fixes (FixedHolidays).
const fixedYears = 10

// FixedHolidays returns the national holidays of year whose dates follow
// from a rule rather than from the year's SKB, in date order: New Year (1
// January), Labour Day (1 May), Pancasila Day (1 June), Independence Day
// (17 August) and Christmas (25 December) on their dates, Good Friday
// (Wafat Yesus Kristus) and Ascension Day (Kenaikan Yesus Kristus) two
// days before and 39 days after Easter, as the Western churches date it.
// Every SKB in the embedded table (2024-2026) lists exactly these dates;
// TestFixedHolidaysMatchTable checks it. A calendar uses them for a year
// its table lacks.
func FixedHolidays(year int) []Holiday {
	easter := easterSunday(year)
	day := func(t time.Time, name string) Holiday {
		return Holiday{Date: t.Format(time.DateOnly), Kind: HolidayLibur, Name: name}
	}
	on := func(m time.Month, d int) time.Time { return time.Date(year, m, d, 0, 0, 0, 0, WIB) }
	return []Holiday{
		day(on(time.January, 1), fmt.Sprintf("Tahun Baru %d Masehi", year)),
		day(easter.AddDate(0, 0, -2), "Wafat Yesus Kristus"),
		day(on(time.May, 1), "Hari Buruh Internasional"),
		day(easter.AddDate(0, 0, 39), "Kenaikan Yesus Kristus"),
		day(on(time.June, 1), "Hari Lahir Pancasila"),
		day(on(time.August, 17), "Proklamasi Kemerdekaan"),
		day(on(time.December, 25), "Kelahiran Yesus Kristus"),
	}
}

// easterSunday returns Easter Sunday of year in the Gregorian calendar
// (the anonymous Gregorian algorithm, also known as Meeus/Jones/Butcher).
func easterSunday(year int) time.Time {
	a, b, c := year%19, year/100, year%100
	d, e := b/4, b%4
	f := (b + 8) / 25
	g := (b - f + 1) / 3
	h := (19*a + b - d - g + 15) % 30
	i, k := c/4, c%4
	l := (32 + 2*e + 2*i - h - k) % 7
	m := (a + 11*h + 22*l) / 451
	n := h + l - 7*m + 114
	return time.Date(year, time.Month(n/31), n%31+1, 0, 0, 0, 0, WIB)
}

// IsWorkingDay reports whether t falls, in WIB, on a working day: not a
// Saturday or Sunday, not a holiday and not a cuti bersama.
func (c *Calendar) IsWorkingDay(t time.Time) bool {
	return c.isWorking(dayOf(t))
}

// Holiday returns the holiday or cuti bersama on t's WIB date, if any.
func (c *Calendar) Holiday(t time.Time) (Holiday, bool) {
	h, ok := c.holidays[dayOf(t)]
	return h, ok
}

// AddWorkingDays returns the due instant of a clock of n working days that
// starts at t. Counting starts on the WIB calendar day after t's, whatever
// the time of day, because a report that arrives in the evening cannot be
// handled that day: a report at 23:00 on Friday with n = 3 is due by the end
// of Wednesday (Monday, Tuesday and Wednesday count).
//
// Precisely: the result is the first instant after the n-th working day,
// i.e. 00:00 WIB of the calendar day following it, returned in UTC. A clock
// has run out when now is not before the result (!now.Before(due)). For
// n <= 0 the result is the end of t's own day, EndOfDay(t), working day or
// not. For n >= 1, WorkingDaysBetween(t, due.Add(-time.Nanosecond)) == n.
func (c *Calendar) AddWorkingDays(t time.Time, n int) time.Time {
	d := dayOf(t)
	for n > 0 {
		d++
		if c.isWorking(d) {
			n--
		}
	}
	return dayStart(d + 1)
}

// WorkingDaysBetween returns how many whole working days lie after from's
// WIB calendar day, up to and including to's WIB calendar day; 0 when to is
// not after from. It measures how long a step took in the unit the clocks
// use (statistics: "verified within 3 working days"), so the day on which
// the clock started never counts and the day on which it stopped always
// does, if it is a working day.
func (c *Calendar) WorkingDaysBetween(from, to time.Time) int {
	if !to.After(from) {
		return 0
	}
	a, b := dayOf(from), dayOf(to)
	if b <= a {
		return 0
	}
	n := weekdaysThrough(b) - weekdaysThrough(a)
	// Holidays on weekdays in (a, b]: those < b+1 minus those < a+1.
	hb, _ := slices.BinarySearch(c.closed, b+1)
	ha, _ := slices.BinarySearch(c.closed, a+1)
	return n - (hb - ha)
}

// CoveredUntil returns the last date the holiday table speaks for, as
// 00:00 WIB on that date (in WIB), or the zero time for an empty table. The
// SKB sets a whole year's holidays at once, so a table that lists any
// holiday of a year covers that year to 31 December: the embedded table
// covers 2024–2026 and CoveredUntil is 2026-12-31.
func (c *Calendar) CoveredUntil() time.Time {
	if c.last == 0 {
		return time.Time{}
	}
	return time.Date(c.last, time.December, 31, 0, 0, 0, 0, WIB)
}

// Covers reports whether the holiday table covers every day from from's WIB
// date up to (not including) the same date months later, i.e. whether every
// year in that span is in the table. Start-up calls Covers(now, 12) and
// warns when it is false: the SKB for the next year is usually signed in
// September or October and must be added to the table (--refdata) before
// the clocks run into that year. months <= 0 checks from's own date only.
func (c *Calendar) Covers(from time.Time, months int) bool {
	first := from.In(WIB)
	last := first
	if months > 0 {
		last = time.Date(first.Year(), first.Month()+time.Month(months), first.Day()-1, 0, 0, 0, 0, WIB)
	}
	for y := first.Year(); y <= last.Year(); y++ {
		if !c.years[y] {
			return false
		}
	}
	return true
}

// CalendarNoticeDays is how long before the holiday table runs out the
// admins' queue says so. The SKB for the next year is usually signed in
// September or October, so from early November a table without it is late.
const CalendarNoticeDays = 60

// RunsOutBy reports whether t falls after the holiday table's last year:
// from then on the clocks know only weekends and the fixed-date holidays.
func (c *Calendar) RunsOutBy(t time.Time) bool {
	return t.In(WIB).Year() > c.last
}

// EndOfDay returns the end of t's WIB calendar day: 00:00 WIB of the next
// day, in UTC. It turns a date picked in a form (an agency's target date,
// "done by 31 March") into the instant that CheckTarget and the due dates
// of AddWorkingDays compare with.
func EndOfDay(t time.Time) time.Time {
	return dayStart(dayOf(t) + 1)
}

func (c *Calendar) isWorking(d int) bool {
	if !isWeekday(d) {
		return false
	}
	_, closed := c.holidays[d]
	return !closed
}

// Days are handled as day numbers: whole WIB calendar days since
// 1970-01-01. Integer arithmetic on them is exact because WIB has a fixed
// offset, and it avoids building a time.Time per day in the loops above.
const (
	secondsPerDay = 24 * 60 * 60
	wibOffset     = 7 * 60 * 60
)

// dayOf returns the number of t's WIB calendar day.
func dayOf(t time.Time) int {
	return floorDiv(int(t.Unix())+wibOffset, secondsPerDay)
}

// dayStart returns 00:00 WIB of day d, in UTC.
func dayStart(d int) time.Time {
	return time.Unix(int64(d)*secondsPerDay-wibOffset, 0).UTC()
}

// parseDate returns the day number of a "2006-01-02" date.
func parseDate(s string) (int, error) {
	t, err := time.ParseInLocation(time.DateOnly, s, WIB)
	if err != nil {
		return 0, err
	}
	return dayOf(t), nil
}

// isWeekday reports whether day d is Monday to Friday. Day 0, 1970-01-01,
// was a Thursday.
func isWeekday(d int) bool {
	wd := time.Weekday(floorMod(d+int(time.Thursday), 7))
	return wd != time.Saturday && wd != time.Sunday
}

// weekdaysThrough counts Monday–Friday days from Monday 1970-01-05 (day 4)
// through day d; it is negative before then. Only differences are used:
// weekdaysThrough(b) - weekdaysThrough(a) is the number of weekdays in (a, b].
func weekdaysThrough(d int) int {
	x := d - 4
	return floorDiv(x, 7)*5 + min(floorMod(x, 7)+1, 5)
}

func floorDiv(a, b int) int {
	q := a / b
	if a%b < 0 {
		q--
	}
	return q
}

func floorMod(a, b int) int {
	m := a % b
	if m < 0 {
		m += b
	}
	return m
}
