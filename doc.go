// Package esambat is the domain of E-Sambat, the public-service complaint
// system of Kota Pasuruan: reports (laporan) from residents (warga), the city
// agencies (OPD, organisasi perangkat daerah) that act on them, the rules of
// their lifecycle, jurisdiction and the working-day clocks.
//
// The package holds types, store interfaces and pure rules only. It imports
// nothing from this module and no database driver or HTTP code, so that the
// same rules hold whichever store (sqldb/sqlite, sqldb/postgres) or channel
// (web, JSON API, Open311) is in use.
//
// A few Indonesian words are kept because the officials who use the system
// use them:
//
//   - laporan: a report; its Type is pengaduan (complaint), aspirasi
//     (aspiration), saran (suggestion) or informasi (information request).
//   - disposisi: forwarding a verified report to the agency whose duties
//     (tupoksi, tugas pokok dan fungsi) cover it.
//   - kelurahan / kecamatan: the urban village and the district above it;
//     Kota Pasuruan has 34 kelurahan in 4 kecamatan.
//   - NIK: the 16-digit national identity number (Nomor Induk Kependudukan).
//
// The lifecycle of a report is decided by one pure function, Transition,
// over (role, status, action); see workflow.go. Times are stored in UTC and
// working-day arithmetic happens in WIB (Asia/Jakarta); see calendar.go.
//
// Accounts: residents sign up with a NIK and a phone (auth.go), confirm
// an email by the link mailed to it (email.go), keep their own details,
// take a copy of their data and may close the account (profile.go); admins manage staff accounts and help residents at the
// counter (accounts.go). Every change of an account is an AccountEvent in
// one hash chain, as every change of a report is an Event in its own
// chain; VerifyChains checks both (audit.go).
package esambat
