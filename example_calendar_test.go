package esambat_test

import (
	"fmt"
	"log"
	"time"

	"github.com/esambat/esambat"
	"github.com/esambat/esambat/refdata"
)

// loadCalendar builds the calendar from the holiday table shipped in refdata,
// as the server does at start-up.
func loadCalendar() *esambat.Calendar {
	set, err := refdata.New("") // "" = embedded data only; main passes --refdata
	if err != nil {
		log.Fatal(err)
	}
	f, err := set.Open(refdata.FileHolidays)
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	holidays, err := esambat.ParseHolidays(f)
	if err != nil {
		log.Fatal(err)
	}
	return esambat.NewCalendar(holidays)
}

func ExampleCalendar_AddWorkingDays() {
	cal := loadCalendar()
	const layout = "Mon 2 Jan 2006 15:04 MST"

	// A report on the Tuesday before Nyepi and Idul Fitri 2026. From
	// Wednesday 18 to Tuesday 24 March every day is a holiday, a cuti
	// bersama or a weekend, so three working days are 25, 26 and 27 March.
	submitted := time.Date(2026, time.March, 17, 10, 0, 0, 0, esambat.WIB)
	due := cal.AddWorkingDays(submitted, 3)
	fmt.Println("submitted:", submitted.Format(layout))
	fmt.Println("due:      ", due.In(esambat.WIB).Format(layout), "=", due.Format(time.RFC3339))
	fmt.Println("last day: ", due.Add(-time.Nanosecond).In(esambat.WIB).Format("Mon 2 Jan 2006"))

	// Late on a Friday: counting starts the next day, and the weekend
	// does not count.
	friday := time.Date(2026, time.February, 6, 23, 0, 0, 0, esambat.WIB)
	fmt.Println("Friday 23:00 + 3:", cal.AddWorkingDays(friday, 3).In(esambat.WIB).Format(layout))
	// Output:
	// submitted: Tue 17 Mar 2026 10:00 WIB
	// due:       Sat 28 Mar 2026 00:00 WIB = 2026-03-27T17:00:00Z
	// last day:  Fri 27 Mar 2026
	// Friday 23:00 + 3: Thu 12 Feb 2026 00:00 WIB
}

func ExampleClocks_CompletionDue() {
	clocks := esambat.Clocks{Calendar: loadCalendar(), SLA: esambat.DefaultSLA()}

	// The agency accepts a report on Monday 16 March 2026; its category's
	// SLA class sets the completion clock.
	accepted := time.Date(2026, time.March, 16, 10, 0, 0, 0, esambat.WIB)
	for _, class := range []string{esambat.SLAClassA, esambat.SLAClassB, esambat.SLAClassC, esambat.SLAClassD} {
		due, err := clocks.CompletionDue(accepted, class)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("class %s (%2d working days): finish by the end of %s\n",
			class, clocks.SLA.Completion[class], due.Add(-time.Nanosecond).In(esambat.WIB).Format("Mon 2 Jan 2006"))
	}
	// Output:
	// class A ( 2 working days): finish by the end of Wed 25 Mar 2026
	// class B ( 5 working days): finish by the end of Mon 30 Mar 2026
	// class C (14 working days): finish by the end of Mon 13 Apr 2026
	// class D (60 working days): finish by the end of Thu 25 Jun 2026
}
