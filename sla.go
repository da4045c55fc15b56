package esambat

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// SLA holds the service clocks of the report lifecycle, all in working days
// (see Calendar). They are configuration, not constants (DESIGN.md,
// "Clocks"): a city may shorten them as its service improves.
type SLA struct {
	// Verify runs from submission until an admin verifies the report
	// (disposisi, rejection, return for details).
	Verify int
	// Accept runs from disposition until the agency accepts the report
	// with a plan and a target date.
	Accept int
	// AutoClose runs from "selesai" until the report closes by itself when
	// the reporter neither confirms nor disputes the result.
	AutoClose int
	// MaxTarget caps the target date an agency may set, counted from
	// acceptance: Perpres 76/2013 gives 60 days to settle a complaint.
	MaxTarget int
	// Completion maps each SLA class of a category (SLAClassA..D) to the
	// working days from acceptance to "selesai".
	Completion map[string]int
}

// slaClasses are the classes every SLA must define, in display order.
var slaClasses = []string{SLAClassA, SLAClassB, SLAClassC, SLAClassD}

// DefaultSLA returns the default clocks: verification 3 and acceptance 5
// working days (SP4N-LAPOR! practice), completion 2/5/14/60 for classes
// A/B/C/D, auto-close after 10 and targets never past 60 working days.
// Each call returns a fresh Completion map, so callers may change it.
func DefaultSLA() SLA {
	return SLA{
		Verify:    3,
		Accept:    5,
		AutoClose: 10,
		MaxTarget: 60,
		Completion: map[string]int{
			SLAClassA: 2,
			SLAClassB: 5,
			SLAClassC: 14,
			SLAClassD: 60,
		},
	}
}

// Validate checks the clocks once at start-up, so that a typo in the
// configuration stops the server instead of producing reports that are
// overdue on arrival. Every clock must be at least one working day, every
// class A–D must have a completion clock and no other class may appear, and
// no completion clock may exceed MaxTarget (an agency could otherwise never
// meet its own default target). It returns an EINVALID *Error whose Fields
// name every problem: "verify", "accept", "auto_close", "max_target",
// "completion.A" and so on.
func (s SLA) Validate() error {
	var v Validation
	positive := func(field, label string, n int) {
		if n < 1 {
			v.Add(field, fmt.Sprintf("Batas %s harus minimal 1 hari kerja; yang diatur %d.", label, n))
		}
	}
	positive("verify", "verifikasi", s.Verify)
	positive("accept", "penerimaan oleh OPD", s.Accept)
	positive("auto_close", "penutupan otomatis", s.AutoClose)
	positive("max_target", "target maksimum", s.MaxTarget)
	for _, class := range slaClasses {
		field := "completion." + class
		n, ok := s.Completion[class]
		switch {
		case !ok:
			v.Add(field, fmt.Sprintf("Batas penyelesaian kelas %s belum diatur.", class))
		case n < 1:
			v.Add(field, fmt.Sprintf("Batas penyelesaian kelas %s harus minimal 1 hari kerja; yang diatur %d.", class, n))
		case s.MaxTarget >= 1 && n > s.MaxTarget:
			v.Add(field, fmt.Sprintf("Batas penyelesaian kelas %s (%d hari kerja) melebihi target maksimum (%d hari kerja).", class, n, s.MaxTarget))
		}
	}
	var unknown []string
	for class := range s.Completion {
		if !slices.Contains(slaClasses, class) {
			unknown = append(unknown, class)
		}
	}
	slices.Sort(unknown)
	for _, class := range unknown {
		v.Add("completion."+class, fmt.Sprintf("Kelas SLA %q tidak dikenal; kelas yang ada: %s.", class, strings.Join(slaClasses, ", ")))
	}
	return v.Err()
}

// Clocks computes the due instants of the lifecycle steps. Every method takes
// the instant the step started as an argument and never reads the wall
// clock, so that callers inject "now" (STYLE.md) and tests can run at any
// date. Calendar must not be nil; SLA should have passed Validate.
//
// Due instants follow Calendar.AddWorkingDays: the first instant after the
// last working day of the clock, in UTC. A step is overdue when
// !now.Before(due).
type Clocks struct {
	Calendar *Calendar
	SLA      SLA
}

// VerifyDue returns when an admin must have verified a report submitted at
// submitted.
func (c Clocks) VerifyDue(submitted time.Time) time.Time {
	return c.Calendar.AddWorkingDays(submitted, c.SLA.Verify)
}

// AcceptDue returns when the agency must have accepted, with a plan, a
// report disposed to it at disposed.
func (c Clocks) AcceptDue(disposed time.Time) time.Time {
	return c.Calendar.AddWorkingDays(disposed, c.SLA.Accept)
}

// CompletionDue returns when a report of the given SLA class, accepted at
// accepted, must be finished unless the agency set a later target (see
// CheckTarget). An unknown class is an EINVALID *Error for the field
// "sla_class".
func (c Clocks) CompletionDue(accepted time.Time, class string) (time.Time, error) {
	n, ok := c.SLA.Completion[class]
	if !ok {
		return time.Time{}, FieldError("sla_class", fmt.Sprintf("Kelas SLA %q tidak dikenal.", class))
	}
	return c.Calendar.AddWorkingDays(accepted, n), nil
}

// AutoCloseAt returns when a report marked "selesai" at finished closes by
// itself if its reporter has not replied.
func (c Clocks) AutoCloseAt(finished time.Time) time.Time {
	return c.Calendar.AddWorkingDays(finished, c.SLA.AutoClose)
}

// CheckTarget checks the target an agency sets when it accepts a report of
// the given class at accepted. target is an instant in the sense of the due
// dates: for a date picked in a form pass EndOfDay(date).
//
// A target no later than CompletionDue is fine. A later one is allowed but
// must be explained to the reporter, so needsReason is true. A target before
// accepted, or after MaxTarget working days from accepted, is an EINVALID
// *Error for the field "target_date" whose message (in Bahasa Indonesia)
// names the latest allowed date. An unknown class is an EINVALID *Error for
// "sla_class".
func (c Clocks) CheckTarget(accepted, target time.Time, class string) (needsReason bool, err error) {
	due, err := c.CompletionDue(accepted, class)
	if err != nil {
		return false, err
	}
	if target.Before(accepted) {
		return false, FieldError("target_date", "Tanggal target tidak boleh sebelum laporan diterima.")
	}
	latest := c.Calendar.AddWorkingDays(accepted, c.SLA.MaxTarget)
	if target.After(latest) {
		return false, FieldError("target_date", fmt.Sprintf(
			"Tanggal target paling lambat %s (%d hari kerja setelah laporan diterima).",
			formatDateID(latest.Add(-time.Nanosecond)), c.SLA.MaxTarget))
	}
	return target.After(due), nil
}

var (
	hariID  = [...]string{"Minggu", "Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu"}
	bulanID = [...]string{"Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli",
		"Agustus", "September", "Oktober", "November", "Desember"}
)

// formatDateID formats t's WIB date the way Indonesian letters do,
// "Jumat, 27 Maret 2026": messages are shown to officials in Bahasa
// Indonesia, and Go's layouts only know English names.
func formatDateID(t time.Time) string {
	t = t.In(WIB)
	return fmt.Sprintf("%s, %d %s %d", hariID[t.Weekday()], t.Day(), bulanID[t.Month()-1], t.Year())
}
