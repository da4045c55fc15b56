package esambat_test

import (
	"fmt"
	"time"

	"github.com/esambat/esambat"
	"github.com/esambat/esambat/refdata"
)

func ExampleParseNIK() {
	s, _ := refdata.New("") // the embedded tables: Kota and Kabupaten Pasuruan
	w, _ := s.Wilayah()
	now := time.Date(2025, 6, 15, 8, 0, 0, 0, time.FixedZone("WIB", 7*60*60))

	// A synthetic NIK as it is often typed from a KTP: in groups of four.
	// Day 41 means the 1st, for a woman.
	nik, err := esambat.ParseNIK("3575 0441 1290 0001", w, now)
	if err != nil {
		fmt.Println(esambat.ErrorMessage(err))
		return
	}
	fmt.Println(nik) // printing a NIK shows only the masked form
	fmt.Println(nik.Kecamatan, nik.BirthDate.Format("2006-01-02"), nik.Female, nik.Age(now))
	fmt.Println("issued in Kota Pasuruan:", nik.InKabKota("35.75"))

	// Kota Pasuruan has kecamatan 01 to 04 only.
	_, err = esambat.ParseNIK("3575090101000001", w, now)
	fmt.Println(esambat.ErrorCode(err), esambat.ErrorMessage(err))
	// Output:
	// 3575**********01
	// 35.75.04 1990-12-01 true 34
	// issued in Kota Pasuruan: true
	// EINVALID Kode kecamatan pada NIK (angka ke-5 dan ke-6) tidak dikenal.
}

func ExampleNormalizePhone() {
	for _, s := range []string{"0812-3456-7890", "+62 812 3456 7890", "(0812) 3456 7890", "0343 424567"} {
		p, err := esambat.NormalizePhone(s)
		if err != nil {
			fmt.Printf("%-20s %s\n", s, esambat.ErrorMessage(err))
			continue
		}
		fmt.Printf("%-20s %s %s\n", s, p, esambat.MaskPhone(p))
	}
	// Output:
	// 0812-3456-7890       +6281234567890 +62812****7890
	// +62 812 3456 7890    +6281234567890 +62812****7890
	// (0812) 3456 7890     +6281234567890 +62812****7890
	// 0343 424567          Nomor HP harus nomor seluler yang diawali 08, bukan nomor telepon rumah atau kantor.
}
