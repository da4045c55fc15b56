package geo_test

import (
	"context"
	"fmt"

	"github.com/esambat/esambat/geo"
)

// Pohjentrek is a kelurahan of the city and a kecamatan of the Kabupaten:
// only the coordinates tell them apart.
func ExampleLocator_Locate() {
	l, err := geo.NewDefaultLocator()
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()

	lat, lng, _ := l.InteriorPoint("35.75.02.1001") // Kelurahan Pohjentrek, Kota Pasuruan
	j, _ := l.Locate(ctx, lat, lng)
	fmt.Println(j.Inside, j.Kelurahan.Code, j.Kelurahan.Name, "/", j.Kecamatan.Name)

	lat, lng, _ = l.InteriorPoint("35.14.17") // Kecamatan Pohjentrek, Kabupaten Pasuruan
	j, _ = l.Locate(ctx, lat, lng)
	fmt.Println(j.Inside, j.Outside.Code, j.Outside.Name, "->", j.Referral.Name)

	j, _ = l.Locate(ctx, -6.2, 106.8) // Jakarta
	fmt.Println(j.Inside, j.Outside == nil, "->", j.Referral.Name)

	_, err = l.Locate(ctx, 112.9, -7.6) // lat and lng swapped
	fmt.Println(err)
	// Output:
	// true 35.75.02.1001 Pohjentrek / Purworejo
	// false 35.14.17 Pohjentrek -> Pemerintah Kabupaten Pasuruan
	// false true -> SP4N-LAPOR!
	// esambat error: code=EINVALID message=Garis lintang harus berupa angka antara -90 dan 90.
}
