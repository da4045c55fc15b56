package esambat_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/esambat/esambat"
	"github.com/esambat/esambat/refdata"
)

// March 2026 at a glance (the densest stretch of non-working days in the
// embedded table), used by many cases below:
//
//	Mon 16  working
//	Tue 17  working
//	Wed 18  cuti bersama Nyepi
//	Thu 19  libur Nyepi (Tahun Baru Saka 1948)
//	Fri 20  cuti bersama Idul Fitri
//	Sat 21  libur Idul Fitri 1447 H (and a Saturday)
//	Sun 22  libur Idul Fitri 1447 H (and a Sunday)
//	Mon 23  cuti bersama Idul Fitri
//	Tue 24  cuti bersama Idul Fitri
//	Wed 25  working  <- first working day after the 17th
//	Thu 26  working
//	Fri 27  working
//	Sat 28, Sun 29  weekend
//	Mon 30  working

// embeddedCalendar loads the holiday table shipped in refdata.
func embeddedCalendar(tb testing.TB) *esambat.Calendar {
	tb.Helper()
	return esambat.NewCalendar(embeddedHolidays(tb))
}

func embeddedHolidays(tb testing.TB) []esambat.Holiday {
	tb.Helper()
	set, err := refdata.New("")
	if err != nil {
		tb.Fatal(err)
	}
	hs, err := set.Holidays()
	if err != nil {
		tb.Fatal(err)
	}
	return hs
}

// wib returns a wall-clock time in WIB.
func wib(y int, m time.Month, d, hh, mm int) time.Time {
	return time.Date(y, m, d, hh, mm, 0, 0, esambat.WIB)
}

// utc parses an RFC 3339 instant.
func utc(tb testing.TB, s string) time.Time {
	tb.Helper()
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		tb.Fatal(err)
	}
	return t
}

// endOf returns the due instant that means "by the end of date" (a WIB
// date, "2006-01-02"): 00:00 WIB of the next day, in UTC.
func endOf(tb testing.TB, date string) time.Time {
	tb.Helper()
	d, err := time.ParseInLocation(time.DateOnly, date, esambat.WIB)
	if err != nil {
		tb.Fatal(err)
	}
	return d.AddDate(0, 0, 1).UTC()
}

func TestCalendarWIB(t *testing.T) {
	if name, off := time.Date(2026, 1, 1, 0, 0, 0, 0, esambat.WIB).Zone(); name != "WIB" || off != 7*3600 {
		t.Fatalf("WIB zone = %s %+d, want WIB +25200", name, off)
	}
	// The fixed zone is meant to equal Asia/Jakarta; check it where the
	// host has tzdata, across the years the system handles.
	jkt, err := time.LoadLocation("Asia/Jakarta")
	if err != nil {
		t.Skipf("no tzdata on this host: %v", err)
	}
	for ts := utc(t, "1970-01-01T00:00:00Z"); ts.Year() < 2040; ts = ts.Add(97 * 24 * time.Hour) {
		if _, off := ts.In(jkt).Zone(); off != 7*3600 {
			t.Fatalf("Asia/Jakarta at %v has offset %d, want 25200", ts, off)
		}
	}
}

func TestCalendarIsWorkingDay(t *testing.T) {
	cal := embeddedCalendar(t)
	tests := []struct {
		name string
		t    time.Time
		want bool
	}{
		{"Sat 14 Mar 2026", wib(2026, 3, 14, 12, 0), false},
		{"Sun 15 Mar 2026", wib(2026, 3, 15, 12, 0), false},
		{"Mon 16 Mar 2026", wib(2026, 3, 16, 12, 0), true},
		{"Tue 17 Mar 2026", wib(2026, 3, 17, 12, 0), true},
		{"Wed 18 Mar 2026 cuti bersama Nyepi", wib(2026, 3, 18, 12, 0), false},
		{"Thu 19 Mar 2026 Nyepi", wib(2026, 3, 19, 12, 0), false},
		{"Fri 20 Mar 2026 cuti bersama Idul Fitri", wib(2026, 3, 20, 12, 0), false},
		{"Sat 21 Mar 2026 Idul Fitri", wib(2026, 3, 21, 12, 0), false},
		{"Sun 22 Mar 2026 Idul Fitri", wib(2026, 3, 22, 12, 0), false},
		{"Mon 23 Mar 2026 cuti bersama", wib(2026, 3, 23, 12, 0), false},
		{"Tue 24 Mar 2026 cuti bersama", wib(2026, 3, 24, 12, 0), false},
		{"Wed 25 Mar 2026", wib(2026, 3, 25, 12, 0), true},
		{"Thu 1 Jan 2026 Tahun Baru", wib(2026, 1, 1, 12, 0), false},
		{"Mon 16 Feb 2026 cuti bersama Imlek", wib(2026, 2, 16, 12, 0), false},
		{"Tue 17 Feb 2026 Imlek", wib(2026, 2, 17, 12, 0), false},
		{"Wed 23 Dec 2026", wib(2026, 12, 23, 12, 0), true},
		{"Thu 24 Dec 2026 cuti bersama Natal", wib(2026, 12, 24, 12, 0), false},
		{"Fri 25 Dec 2026 Natal", wib(2026, 12, 25, 12, 0), false},
		{"Mon 28 Dec 2026", wib(2026, 12, 28, 12, 0), true},
		{"Thu 31 Dec 2026", wib(2026, 12, 31, 12, 0), true},

		// Near midnight the WIB date decides, not the UTC one.
		{"17 Mar 23:59:59 WIB (still 17 Mar)", utc(t, "2026-03-17T16:59:59Z"), true},
		{"18 Mar 00:30 WIB = 17 Mar 17:30 UTC", utc(t, "2026-03-17T17:30:00Z"), false},
		{"24 Mar 23:59:59 WIB", utc(t, "2026-03-24T16:59:59Z"), false},
		{"25 Mar 00:00 WIB = 24 Mar 17:00 UTC", utc(t, "2026-03-24T17:00:00Z"), true},
		{"25 Mar 00:30 WITA = 24 Mar 23:30 WIB", time.Date(2026, 3, 25, 0, 30, 0, 0, time.FixedZone("WITA", 8*3600)), false},
	}
	for _, tt := range tests {
		if got := cal.IsWorkingDay(tt.t); got != tt.want {
			t.Errorf("%s: IsWorkingDay(%v) = %v, want %v", tt.name, tt.t, got, tt.want)
		}
	}
}

func TestCalendarHoliday(t *testing.T) {
	cal := embeddedCalendar(t)
	tests := []struct {
		t        time.Time
		wantKind string // "" = not a holiday
		wantName string
	}{
		{wib(2026, 3, 21, 8, 0), esambat.HolidayLibur, "Idul Fitri 1447 Hijriah"},
		{wib(2026, 3, 20, 8, 0), esambat.HolidayCutiBersama, "Cuti Bersama Idul Fitri 1447 Hijriah"},
		{wib(2026, 3, 18, 8, 0), esambat.HolidayCutiBersama, "Cuti Bersama Hari Suci Nyepi (Tahun Baru Saka 1948)"},
		{wib(2026, 12, 25, 8, 0), esambat.HolidayLibur, "Kelahiran Yesus Kristus"},
		// 19 Mar 17:30 UTC is already 20 Mar in WIB.
		{utc(t, "2026-03-19T17:30:00Z"), esambat.HolidayCutiBersama, "Cuti Bersama Idul Fitri 1447 Hijriah"},
		{wib(2026, 3, 25, 8, 0), "", ""},
		{wib(2026, 3, 14, 8, 0), "", ""}, // a weekend is not a Holiday
	}
	for _, tt := range tests {
		h, ok := cal.Holiday(tt.t)
		if ok != (tt.wantKind != "") || h.Kind != tt.wantKind || h.Name != tt.wantName {
			t.Errorf("Holiday(%v) = %+v, %v; want kind %q name %q", tt.t, h, ok, tt.wantKind, tt.wantName)
		}
	}
}

func TestCalendarAddWorkingDays(t *testing.T) {
	cal := embeddedCalendar(t)
	tests := []struct {
		name    string
		start   time.Time
		n       int
		lastDay string // the due instant is the end of this WIB date
	}{
		// Fri 23:00, 3 days: Sat and Sun do not count; Mon 9 (1), Tue 10
		// (2), Wed 11 (3).
		{"Friday night", wib(2026, 2, 6, 23, 0), 3, "2026-02-11"},
		// Tue 17 Mar 10:00, 3 days: counting starts on Wed 18. 18 is cuti
		// bersama Nyepi, 19 Nyepi, 20 cuti bersama Idul Fitri, 21–22 Idul
		// Fitri on a weekend, 23–24 cuti bersama. Wed 25 (1), Thu 26 (2),
		// Fri 27 (3): due at the end of Friday 27 March, not Wednesday 25.
		{"before Nyepi and Idul Fitri", wib(2026, 3, 17, 10, 0), 3, "2026-03-27"},
		// 2026-03-16T18:30Z is 01:30 WIB on Tue 17 Mar: the same WIB day as
		// above, so the same due date.
		{"UTC Monday, WIB Tuesday", utc(t, "2026-03-16T18:30:00Z"), 3, "2026-03-27"},
		{"exactly 00:00 WIB Tuesday", utc(t, "2026-03-16T17:00:00Z"), 3, "2026-03-27"},
		// One minute earlier it is Mon 16 23:59 WIB: Tue 17 (1), then the
		// holidays, Wed 25 (2), Thu 26 (3).
		{"Monday 23:59 WIB", utc(t, "2026-03-16T16:59:00Z"), 3, "2026-03-26"},
		{"one day over the holidays", wib(2026, 3, 17, 10, 0), 1, "2026-03-25"},
		// Submitted on a Saturday: Mon 9 (1), Tue 10 (2), Wed 11 (3).
		{"Saturday", wib(2026, 3, 7, 9, 0), 3, "2026-03-11"},
		// Imlek: Mon 16 Feb cuti bersama, Tue 17 libur; Wed 18 (1), Thu 19 (2).
		{"over Imlek", wib(2026, 2, 13, 15, 0), 2, "2026-02-19"},
		// Idul Adha and Pancasila: Wed 27 May libur, Thu 28 cuti bersama,
		// Fri 29 (1), Mon 1 Jun libur, Tue 2 (2), Wed 3 (3).
		{"over Idul Adha and 1 June", wib(2026, 5, 26, 9, 0), 3, "2026-06-03"},
		// Christmas: Thu 24 Dec cuti bersama, Fri 25 libur, weekend; Mon 28
		// (1), Tue 29 (2).
		{"over Christmas", wib(2026, 12, 23, 9, 0), 2, "2026-12-29"},
		// n = 0 means "by the end of the same day", even a holiday.
		{"n=0 working day", wib(2026, 3, 17, 10, 0), 0, "2026-03-17"},
		{"n=0 holiday", wib(2026, 3, 21, 10, 0), 0, "2026-03-21"},
		{"n=0 near midnight", utc(t, "2026-03-16T18:30:00Z"), 0, "2026-03-17"},
		{"n<0 is n=0", wib(2026, 3, 17, 10, 0), -4, "2026-03-17"},
		// Past the table (it ends 2026-12-31) the holidays a rule fixes
		// are known: Thu 31 Dec (1), Fri 1 Jan 2027 New Year, weekend,
		// Mon 4 Jan (2).
		{"past the table, New Year", wib(2026, 12, 30, 9, 0), 2, "2027-01-04"},
		// Easter 2027 is 28 March: Good Friday 26 March. Thu 25 (1), Mon
		// 29 (2).
		{"past the table, Good Friday", wib(2027, 3, 24, 9, 0), 2, "2027-03-29"},
		// The lunar holidays are not: those of March 2027 (Idul Fitri
		// 1448 H among them) need the 2027 SKB, and Covers exists to warn
		// about this.
		{"past the table, no lunar holidays", wib(2027, 3, 8, 9, 0), 3, "2027-03-11"},
	}
	for _, tt := range tests {
		got := cal.AddWorkingDays(tt.start, tt.n)
		if want := endOf(t, tt.lastDay); !got.Equal(want) {
			t.Errorf("%s: AddWorkingDays(%v, %d) = %v (%v), want end of %s = %v",
				tt.name, tt.start, tt.n, got, got.In(esambat.WIB), tt.lastDay, want)
		}
		if got.Location() != time.UTC {
			t.Errorf("%s: result in %v, want UTC", tt.name, got.Location())
		}
	}
}

// TestCalendarAddWorkingDaysProperties checks AddWorkingDays against a
// day-by-day count with IsWorkingDay, and against WorkingDaysBetween, for
// every day of the embedded table.
func TestCalendarAddWorkingDaysProperties(t *testing.T) {
	cal := embeddedCalendar(t)
	for day := wib(2024, 1, 1, 0, 0); day.Year() < 2027; day = day.AddDate(0, 0, 1) {
		for _, start := range []time.Time{day, day.Add(10 * time.Hour), day.Add(23*time.Hour + 59*time.Minute)} {
			for _, n := range []int{0, 1, 2, 3, 5, 10, 14, 60} {
				due := cal.AddWorkingDays(start, n)
				if h, m, s := due.In(esambat.WIB).Clock(); h != 0 || m != 0 || s != 0 || due.Nanosecond() != 0 {
					t.Fatalf("AddWorkingDays(%v, %d) = %v, not 00:00 WIB", start, n, due)
				}
				last := due.Add(-time.Nanosecond)
				if got := cal.WorkingDaysBetween(start, last); got != n && n > 0 {
					t.Fatalf("WorkingDaysBetween(%v, AddWorkingDays(.., %d)-1ns) = %d", start, n, got)
				}
				if n > 0 && !cal.IsWorkingDay(last) {
					t.Fatalf("AddWorkingDays(%v, %d): last day %v is not a working day", start, n, last)
				}
				// Brute force: walk the days.
				d, k := day, 0
				for k < n {
					d = d.AddDate(0, 0, 1)
					if cal.IsWorkingDay(d) {
						k++
					}
				}
				if want := d.AddDate(0, 0, 1).UTC(); !due.Equal(want) {
					t.Fatalf("AddWorkingDays(%v, %d) = %v, walking the days gives %v", start, n, due, want)
				}
			}
		}
	}
}

func TestCalendarWorkingDaysBetween(t *testing.T) {
	cal := embeddedCalendar(t)
	tests := []struct {
		name     string
		from, to time.Time
		want     int
	}{
		// Wed 25, Thu 26, Fri 27 March.
		{"over the March holidays", wib(2026, 3, 17, 10, 0), wib(2026, 3, 27, 10, 0), 3},
		{"to the due instant (a Saturday)", wib(2026, 3, 17, 10, 0), endOf(t, "2026-03-27"), 3},
		{"to just before the due instant", wib(2026, 3, 17, 10, 0), endOf(t, "2026-03-27").Add(-time.Nanosecond), 3},
		{"into the holidays", wib(2026, 3, 17, 10, 0), wib(2026, 3, 24, 23, 0), 0},
		{"same day", wib(2026, 3, 17, 8, 0), wib(2026, 3, 17, 16, 0), 0},
		{"equal", wib(2026, 3, 17, 8, 0), wib(2026, 3, 17, 8, 0), 0},
		{"to before from", wib(2026, 3, 27, 8, 0), wib(2026, 3, 17, 8, 0), 0},
		{"Friday night to Monday morning", wib(2026, 2, 6, 23, 0), wib(2026, 2, 9, 8, 0), 1},
		// Sat 14, Sun 15, Mon 16 cuti, Tue 17 Imlek; Wed 18, Thu 19, Fri 20.
		{"over Imlek", wib(2026, 2, 13, 9, 0), wib(2026, 2, 20, 9, 0), 3},
		// Two minutes apart, but across midnight WIB onto a working day.
		{"across midnight WIB", utc(t, "2026-03-16T16:59:00Z"), utc(t, "2026-03-16T17:01:00Z"), 1},
		// Same UTC date, different WIB dates.
		{"same WIB day, different UTC hour", utc(t, "2026-03-16T17:01:00Z"), utc(t, "2026-03-16T23:30:00Z"), 0},
		// 2026 has 261 weekdays (52 weeks and a Thursday); 21 of its
		// holidays and cuti bersama fall on weekdays (Idul Fitri 21–22 Mar,
		// Paskah 5 Apr and Waisak 31 May fall on weekends).
		{"all of 2026", wib(2025, 12, 31, 12, 0), wib(2026, 12, 31, 12, 0), 240},
	}
	for _, tt := range tests {
		if got := cal.WorkingDaysBetween(tt.from, tt.to); got != tt.want {
			t.Errorf("%s: WorkingDaysBetween(%v, %v) = %d, want %d", tt.name, tt.from, tt.to, got, tt.want)
		}
	}

	// Against a day-by-day count, for spans up to 40 days starting on every
	// day of the table and a month before it.
	for from := wib(2023, 12, 1, 15, 0); from.Year() < 2027; from = from.AddDate(0, 0, 1) {
		want := 0
		for k := 1; k <= 40; k++ {
			to := from.AddDate(0, 0, k)
			if cal.IsWorkingDay(to) {
				want++
			}
			if got := cal.WorkingDaysBetween(from, to); got != want {
				t.Fatalf("WorkingDaysBetween(%v, %v) = %d, counting gives %d", from, to, got, want)
			}
		}
	}
}

func TestCalendarCovers(t *testing.T) {
	cal := embeddedCalendar(t)
	if got := cal.CoveredUntil(); !got.Equal(wib(2026, 12, 31, 0, 0)) || got.Format(time.DateOnly) != "2026-12-31" {
		t.Errorf("CoveredUntil() = %v, want 2026-12-31 00:00 WIB", got)
	}
	tests := []struct {
		from   time.Time
		months int
		want   bool
	}{
		{wib(2026, 11, 27, 9, 0), 12, false}, // needs 2027
		{wib(2026, 11, 27, 9, 0), 1, true},   // up to 26 Dec 2026
		{wib(2026, 1, 1, 9, 0), 12, true},    // up to 31 Dec 2026
		{wib(2026, 1, 2, 9, 0), 12, false},   // up to 1 Jan 2027
		{wib(2024, 1, 1, 0, 0), 36, true},
		{wib(2023, 12, 31, 9, 0), 1, false},
		{utc(t, "2026-12-31T16:59:00Z"), 0, true},  // 31 Dec 23:59 WIB
		{utc(t, "2026-12-31T17:00:00Z"), 0, false}, // 1 Jan 2027 00:00 WIB
	}
	for _, tt := range tests {
		if got := cal.Covers(tt.from, tt.months); got != tt.want {
			t.Errorf("Covers(%v, %d) = %v, want %v", tt.from.In(esambat.WIB), tt.months, got, tt.want)
		}
	}
	for at, want := range map[time.Time]bool{
		utc(t, "2026-12-31T16:59:00Z"): false, // 31 Dec 23:59 WIB
		utc(t, "2026-12-31T17:00:00Z"): true,  // 1 Jan 2027 00:00 WIB
		wib(2024, 1, 1, 0, 0):          false,
	} {
		if got := cal.RunsOutBy(at); got != want {
			t.Errorf("RunsOutBy(%v) = %v, want %v", at.In(esambat.WIB), got, want)
		}
	}

	// A missing year in the middle is not covered.
	gap := esambat.NewCalendar([]esambat.Holiday{
		{Date: "2024-08-17", Kind: esambat.HolidayLibur, Name: "Proklamasi"},
		{Date: "2026-08-17", Kind: esambat.HolidayLibur, Name: "Proklamasi"},
	})
	if gap.Covers(wib(2024, 6, 1, 0, 0), 12) {
		t.Error("Covers across a missing 2025 = true")
	}
	if got := gap.CoveredUntil().Format(time.DateOnly); got != "2026-12-31" {
		t.Errorf("CoveredUntil with a gap = %s", got)
	}

	// No table: nothing covered, only weekends known.
	empty := esambat.NewCalendar(nil)
	if !empty.CoveredUntil().IsZero() || empty.Covers(wib(2026, 1, 1, 0, 0), 0) || !empty.RunsOutBy(wib(2026, 1, 1, 0, 0)) {
		t.Errorf("empty calendar: CoveredUntil %v, Covers true", empty.CoveredUntil())
	}
	if !empty.IsWorkingDay(wib(2026, 3, 19, 9, 0)) || empty.IsWorkingDay(wib(2026, 3, 21, 9, 0)) {
		t.Error("empty calendar: want weekdays working, weekends not")
	}
}

func TestCalendarDuplicateDate(t *testing.T) {
	cal := esambat.NewCalendar([]esambat.Holiday{
		{Date: "2026-03-19", Kind: esambat.HolidayCutiBersama, Name: "Cuti"},
		{Date: "2026-03-19", Kind: esambat.HolidayLibur, Name: "Nyepi"},
		{Date: "2026-03-19", Kind: esambat.HolidayLibur, Name: "Other"},
	})
	if h, _ := cal.Holiday(wib(2026, 3, 19, 9, 0)); h.Name != "Nyepi" {
		t.Errorf("Holiday = %+v, want the first libur", h)
	}
	// One day off, not three.
	if got := cal.WorkingDaysBetween(wib(2026, 3, 18, 9, 0), wib(2026, 3, 20, 9, 0)); got != 1 {
		t.Errorf("WorkingDaysBetween = %d, want 1", got)
	}
}

func TestCalendarInvalidHolidayPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("NewCalendar with an invalid date did not panic")
		}
	}()
	esambat.NewCalendar([]esambat.Holiday{{Date: "19-03-2026", Kind: esambat.HolidayLibur, Name: "Nyepi"}})
}

func TestCalendarEndOfDay(t *testing.T) {
	for in, want := range map[string]string{
		"2026-03-16T18:30:00Z": "2026-03-17T17:00:00Z", // Tue 01:30 WIB
		"2026-03-16T16:59:00Z": "2026-03-16T17:00:00Z", // Mon 23:59 WIB
		"2026-03-16T17:00:00Z": "2026-03-17T17:00:00Z", // Tue 00:00 WIB
	} {
		if got := esambat.EndOfDay(utc(t, in)); !got.Equal(utc(t, want)) || got.Location() != time.UTC {
			t.Errorf("EndOfDay(%s) = %v, want %s", in, got, want)
		}
	}
}

func TestParseHolidays(t *testing.T) {
	hs := embeddedHolidays(t)
	if len(hs) < 80 {
		t.Fatalf("embedded table has %d holidays", len(hs))
	}
	if first := hs[0]; first != (esambat.Holiday{Date: "2024-01-01", Kind: "libur", Name: "Tahun Baru 2024 Masehi"}) {
		t.Errorf("first holiday = %+v", first)
	}

	// Columns in another order, extra columns, a spreadsheet's byte-order
	// mark and stray spaces are fine.
	got, err := esambat.ParseHolidays(strings.NewReader(
		"\ufeffname, source ,date,kind\n" +
			"Hari Suci Nyepi, SKB ,2026-03-19,libur\n" +
			"\n" +
			" Cuti Bersama Nyepi ,SKB, 2026-03-18 ,cuti_bersama\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := []esambat.Holiday{
		{Date: "2026-03-19", Kind: "libur", Name: "Hari Suci Nyepi"},
		{Date: "2026-03-18", Kind: "cuti_bersama", Name: "Cuti Bersama Nyepi"},
	}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("ParseHolidays = %+v, want %+v", got, want)
	}

	const header = "date,kind,name,source\n"
	errTests := []struct {
		name, in string
		want     []string // substrings of the error
	}{
		{"empty", "", []string{"empty file"}},
		{"Indonesian header", "tanggal,jenis,nama\n2026-01-01,libur,Tahun Baru\n", []string{"line 1", `missing column "date"`}},
		{"no kind column", "date,name\n2026-01-01,Tahun Baru\n", []string{"line 1", `missing column "kind"`}},
		{"too few fields", header + "2026-01-01,libur,Tahun Baru,SKB\n2026-01-16,libur\n", []string{"line 3", "wrong number of fields"}},
		{"day out of range", header + "2026-01-01,libur,Tahun Baru,SKB\n2026-02-30,libur,X,SKB\n", []string{"line 3", `"2026-02-30"`}},
		{"no leading zeros", header + "2026-3-19,libur,Nyepi,SKB\n", []string{"line 2", `"2026-3-19"`}},
		{"day first", header + "19/03/2026,libur,Nyepi,SKB\n", []string{"line 2", `"19/03/2026"`}},
		{"unknown kind", header + "2026-03-19,libur_daerah,Nyepi,SKB\n", []string{"line 2", `kind "libur_daerah"`}},
		{"kind is case-sensitive", header + "2026-03-19,Libur,Nyepi,SKB\n", []string{"line 2", `kind "Libur"`}},
		{"empty name", header + "2026-03-19,libur, ,SKB\n", []string{"line 2", "empty name"}},
	}
	for _, tt := range errTests {
		_, err := esambat.ParseHolidays(strings.NewReader(tt.in))
		if err == nil {
			t.Errorf("%s: no error", tt.name)
			continue
		}
		for _, w := range tt.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q does not mention %q", tt.name, err, w)
			}
		}
	}
}

func TestSLAValidate(t *testing.T) {
	def := esambat.DefaultSLA()
	if err := def.Validate(); err != nil {
		t.Fatalf("DefaultSLA().Validate() = %v", err)
	}
	if def.Verify != 3 || def.Accept != 5 || def.AutoClose != 10 || def.MaxTarget != 60 ||
		def.Completion["A"] != 2 || def.Completion["B"] != 5 || def.Completion["C"] != 14 || def.Completion["D"] != 60 {
		t.Errorf("DefaultSLA() = %+v", def)
	}
	def.Completion["A"] = 99
	if esambat.DefaultSLA().Completion["A"] != 2 {
		t.Error("DefaultSLA shares its Completion map between calls")
	}

	tests := []struct {
		name       string
		edit       func(*esambat.SLA)
		wantFields []string
	}{
		{"verify 0", func(s *esambat.SLA) { s.Verify = 0 }, []string{"verify"}},
		{"accept negative", func(s *esambat.SLA) { s.Accept = -1 }, []string{"accept"}},
		{"auto-close 0", func(s *esambat.SLA) { s.AutoClose = 0 }, []string{"auto_close"}},
		{"max target 0", func(s *esambat.SLA) { s.MaxTarget = 0 }, []string{"max_target"}},
		{"class missing", func(s *esambat.SLA) { delete(s.Completion, "C") }, []string{"completion.C"}},
		{"class 0", func(s *esambat.SLA) { s.Completion["A"] = 0 }, []string{"completion.A"}},
		{"class past max", func(s *esambat.SLA) { s.Completion["D"] = 61 }, []string{"completion.D"}},
		{"max below class", func(s *esambat.SLA) { s.MaxTarget = 10 }, []string{"completion.C", "completion.D"}},
		{"unknown class", func(s *esambat.SLA) { s.Completion["E"] = 3 }, []string{"completion.E"}},
		{"nil map", func(s *esambat.SLA) { s.Completion = nil }, []string{"completion.A", "completion.B", "completion.C", "completion.D"}},
		{"several", func(s *esambat.SLA) { s.Verify = 0; s.Accept = 0 }, []string{"verify", "accept"}},
	}
	for _, tt := range tests {
		s := esambat.DefaultSLA()
		tt.edit(&s)
		err := s.Validate()
		var e *esambat.Error
		if esambat.ErrorCode(err) != esambat.EINVALID || !errors.As(err, &e) {
			t.Errorf("%s: Validate() = %v, want EINVALID", tt.name, err)
			continue
		}
		if len(e.Fields) != len(tt.wantFields) {
			t.Errorf("%s: fields %v, want %v", tt.name, e.Fields, tt.wantFields)
		}
		for _, f := range tt.wantFields {
			if e.Fields[f] == "" {
				t.Errorf("%s: no message for field %q in %v", tt.name, f, e.Fields)
			}
		}
	}
}

func TestClocks(t *testing.T) {
	c := esambat.Clocks{Calendar: embeddedCalendar(t), SLA: esambat.DefaultSLA()}

	// Verify 3: see TestCalendarAddWorkingDays.
	if got, want := c.VerifyDue(wib(2026, 3, 17, 10, 0)), endOf(t, "2026-03-27"); !got.Equal(want) {
		t.Errorf("VerifyDue = %v, want %v", got, want)
	}
	// Accept 5 from Mon 16 Mar: Tue 17, Wed 25, Thu 26, Fri 27, Mon 30.
	if got, want := c.AcceptDue(wib(2026, 3, 16, 10, 0)), endOf(t, "2026-03-30"); !got.Equal(want) {
		t.Errorf("AcceptDue = %v, want %v", got, want)
	}
	// AutoClose 10 from Fri 13 Feb: Mon 16 cuti, Tue 17 Imlek; Feb 18, 19,
	// 20, 23, 24, 25, 26, 27, Mar 2, Mar 3.
	if got, want := c.AutoCloseAt(wib(2026, 2, 13, 15, 0)), endOf(t, "2026-03-03"); !got.Equal(want) {
		t.Errorf("AutoCloseAt = %v, want %v", got, want)
	}

	accepted := wib(2026, 3, 16, 10, 0)
	for class, last := range map[string]string{
		"A": "2026-03-25", // Tue 17, Wed 25
		"B": "2026-03-30", // as AcceptDue
		// ... Mon 30, Tue 31, Wed 1 Apr, Thu 2, (Fri 3 Wafat Yesus
		// Kristus), Mon 6, Tue 7, Wed 8, Thu 9, Fri 10, Mon 13.
		"C": "2026-04-13",
		// Skipping also 1 May, 14–15 May, 27–28 May, 1 Jun and 16 Jun.
		"D": "2026-06-25",
	} {
		got, err := c.CompletionDue(accepted, class)
		if err != nil || !got.Equal(endOf(t, last)) {
			t.Errorf("CompletionDue(class %s) = %v, %v; want end of %s", class, got.In(esambat.WIB), err, last)
		}
	}
	for _, class := range []string{"", "E", "a"} {
		_, err := c.CompletionDue(accepted, class)
		var e *esambat.Error
		if !errors.As(err, &e) || e.Code != esambat.EINVALID || e.Fields["sla_class"] == "" {
			t.Errorf("CompletionDue(class %q) error = %v, want EINVALID on sla_class", class, err)
		}
	}
}

func TestClocksCheckTarget(t *testing.T) {
	c := esambat.Clocks{Calendar: embeddedCalendar(t), SLA: esambat.DefaultSLA()}
	accepted := wib(2026, 3, 16, 10, 0) // class A due end of Wed 25 Mar, D end of Thu 25 Jun
	latest := endOf(t, "2026-06-25")    // 60 working days
	day := func(date string) time.Time { return esambat.EndOfDay(utc(t, date+"T05:00:00Z")) }
	tests := []struct {
		name        string
		target      time.Time
		class       string
		needsReason bool
		errField    string
	}{
		{"same day", day("2026-03-16"), "A", false, ""},
		{"the accepted instant", accepted, "A", false, ""},
		{"within class A", day("2026-03-17"), "A", false, ""},
		{"last day of class A", day("2026-03-25"), "A", false, ""},
		{"a day after class A", day("2026-03-26"), "A", true, ""},
		{"at max target", latest, "A", true, ""},
		{"class D up to max needs no reason", latest, "D", false, ""},
		{"past max target", day("2026-06-26"), "A", false, "target_date"},
		{"a nanosecond past max", latest.Add(time.Nanosecond), "D", false, "target_date"},
		{"before accepted", accepted.Add(-time.Minute), "A", false, "target_date"},
		// A date not passed through EndOfDay means its start, which is
		// before the acceptance on that same day.
		{"date as 00:00", wib(2026, 3, 16, 0, 0), "A", false, "target_date"},
		{"zero target", time.Time{}, "A", false, "target_date"},
		{"unknown class", day("2026-03-20"), "Z", false, "sla_class"},
	}
	for _, tt := range tests {
		needs, err := c.CheckTarget(accepted, tt.target, tt.class)
		if tt.errField == "" {
			if err != nil || needs != tt.needsReason {
				t.Errorf("%s: CheckTarget = %v, %v; want %v, nil", tt.name, needs, err, tt.needsReason)
			}
			continue
		}
		var e *esambat.Error
		if !errors.As(err, &e) || e.Code != esambat.EINVALID || e.Fields[tt.errField] == "" {
			t.Errorf("%s: CheckTarget error = %v, want EINVALID on %s", tt.name, err, tt.errField)
		}
	}

	// The message names the latest date in Bahasa Indonesia.
	_, err := c.CheckTarget(accepted, day("2026-07-01"), "B")
	if msg := esambat.ErrorMessage(err); !strings.Contains(msg, "Kamis, 25 Juni 2026") || !strings.Contains(msg, "60 hari kerja") {
		t.Errorf("message %q does not name Kamis, 25 Juni 2026 and 60 hari kerja", msg)
	}
}

// TestFixedHolidaysMatchTable: every year of the embedded table (the SKBs
// of 2024-2026) lists each holiday FixedHolidays derives, on the same
// date, as a libur; so a year past the table gets those dates from the
// rule that set them in every year we have.
func TestFixedHolidaysMatchTable(t *testing.T) {
	cal := embeddedCalendar(t)
	for year := 2024; year <= 2026; year++ {
		fixed := esambat.FixedHolidays(year)
		if len(fixed) != 7 {
			t.Fatalf("FixedHolidays(%d) = %d holidays, want 7", year, len(fixed))
		}
		for _, f := range fixed {
			d, err := time.ParseInLocation(time.DateOnly, f.Date, esambat.WIB)
			if err != nil {
				t.Fatal(err)
			}
			h, ok := cal.Holiday(d)
			if !ok || h.Kind != esambat.HolidayLibur {
				t.Errorf("%s (%s) is not a libur in the %d table: %+v", f.Date, f.Name, year, h)
			}
		}
	}
	// Past the table a calendar has them, and nothing else.
	for _, f := range esambat.FixedHolidays(2027) {
		d, _ := time.ParseInLocation(time.DateOnly, f.Date, esambat.WIB)
		if h, ok := cal.Holiday(d); !ok || h.Name != f.Name {
			t.Errorf("2027: %s (%s) missing from the calendar: %+v", f.Date, f.Name, h)
		}
	}
	if got := esambat.FixedHolidays(2027)[1].Date; got != "2027-03-26" {
		t.Errorf("Good Friday 2027 = %s, want 2027-03-26 (Easter 28 March)", got)
	}
	if cal.Covers(time.Date(2026, 12, 7, 0, 0, 0, 0, esambat.WIB), 12) {
		t.Error("a calendar with only the fixed holidays of 2027 says it covers 2027")
	}
}
