// Package geo decides jurisdiction from coordinates: it implements
// esambat.Locator over the boundary polygons of the city's kelurahan and of
// the neighbouring region's kecamatan.
//
// Jurisdiction is decided by where a point lies, never by a typed place
// name. Names repeat across the border: Pohjentrek is a kelurahan of Kota
// Pasuruan (35.75.02.1001) and a kecamatan of Kabupaten Pasuruan (35.14.17);
// Sebani, Karanganyar and Bakalan exist on both sides too. A name says
// nothing about which government must act; a point does.
//
// The model is three layers, tried in order:
//
//  1. The city's kelurahan polygons (fine, 12-115 vertices each). A point in
//     one is inside the city; its kelurahan and kecamatan follow from the
//     polygon's code and the wilayah table.
//  2. The neighbour's kecamatan polygons (coarse, and they may overlap the
//     city, which is why the city is tried first). A point in one is
//     outside the city and the resident is referred to the neighbour's
//     government, naming the kecamatan.
//  3. Anything else (the sea, another province) is outside both and is
//     referred to the national channel, SP4N-LAPOR!.
//
// Coordinates in GeoJSON are [lng, lat]; the Locator's methods take and
// return lat before lng, as people write them.
package geo
