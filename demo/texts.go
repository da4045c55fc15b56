package demo

import (
	_ "embed"
	"encoding/csv"
	"fmt"
	"sort"
	"strings"
)

// reportsCSV holds hand-written Indonesian (partly Javanese-flavoured)
// reports with category,title,description: a copy of the routing
// evaluation set, so the binary carries its own and neither package
// depends on the other's test data.
//
//go:embed reports.csv
var reportsCSV string

// template is one report text a demo report is made from.
type template struct {
	title, description string
	// names are the kelurahan names the text mentions; they are replaced
	// by the demo report's own kelurahan, so a text never names a place
	// other than where its point lies.
	names []string
}

// parseTemplates returns the embedded reports by category code.
func parseTemplates(kelurahanNames []string) (map[string][]template, error) {
	rows, err := csv.NewReader(strings.NewReader(reportsCSV)).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("demo: reports.csv: %w", err)
	}
	// Longest first, so "Bugul Kidul" is replaced before a shorter name
	// inside it could be.
	names := append([]string(nil), kelurahanNames...)
	sort.Slice(names, func(i, j int) bool { return len(names[i]) > len(names[j]) })
	out := map[string][]template{}
	for i, r := range rows {
		if i == 0 {
			continue
		}
		if len(r) != 3 {
			return nil, fmt.Errorf("demo: reports.csv line %d: want 3 fields", i+1)
		}
		t := template{title: r[1], description: r[2]}
		for _, n := range names {
			if strings.Contains(t.title, n) || strings.Contains(t.description, n) {
				t.names = append(t.names, n)
			}
		}
		out[r[0]] = append(out[r[0]], t)
	}
	return out, nil
}

// categoryWeight is how common each category is among the demo reports,
// after what cities publish about their complaint channels: roads,
// drainage, water, waste and street lights lead. Categories not listed (a
// city's own) get weight 2.
var categoryWeight = map[string]float64{
	"jalan-jembatan": 14, "drainase-banjir": 10, "air-bersih": 9, "sampah-kebersihan": 9,
	"penerangan-jalan": 8, "administrasi-kependudukan": 7, "lalu-lintas-parkir": 6, "bantuan-sosial": 6,
	"kesehatan-puskesmas": 4, "pendidikan": 4, "ketertiban-pkl": 4, "lainnya": 4,
	"taman": 3, "rumah-sakit": 3, "pelayanan-kelurahan": 3,
	"perizinan": 2, "bencana-kebakaran": 2, "pajak-daerah": 2, "ketenagakerjaan": 2, "perumahan-permukiman": 2,
}

// rainySeason marks the categories that rise in the rainy season
// (November to March).
var rainySeason = map[string]bool{"drainase-banjir": true, "jalan-jembatan": true, "bencana-kebakaran": true}

var streets = []string{
	"Jl. Veteran", "Jl. Soekarno Hatta", "Jl. Pahlawan", "Jl. Hayam Wuruk", "Jl. Gajah Mada",
	"Jl. Panglima Sudirman", "Jl. Ir. H. Juanda", "Jl. KH. Wachid Hasyim", "Jl. Airlangga", "Jl. Balaikota",
	"Jl. Dr. Wahidin Sudirohusodo", "Jl. Lombok", "Jl. Sumatera", "Jl. Kyai Sepuh", "Jl. Slagah",
	"Jl. Untung Suropati", "Jl. Diponegoro", "Jl. Pattimura", "Jl. Halmahera", "Jl. Ki Hajar Dewantara",
	"Jl. Urip Sumoharjo", "Jl. Patiunus", "Jl. Panglima Polim", "Jl. Kartini", "Jl. Anjasmoro",
	"Jl. Niaga", "Jl. Pelabuhan", "Jl. Raya Tapa'an", "Jl. Sultan Agung", "Jl. Ahmad Yani",
	"Jl. Kom. Yos Sudarso", "Jl. Bromo", "Jl. Semeru", "Jl. Kawi", "Jl. Welirang",
	"Gg. Masjid", "Gg. Melati", "Gg. Mawar", "Gg. Kenanga", "Gg. Pesantren", "Gg. Makam", "Gg. Buntu",
}

var landmarks = []string{
	"dekat masjid", "depan SD negeri", "samping musala", "dekat pos kamling", "depan toko kelontong",
	"dekat jembatan", "samping lapangan", "dekat balai RW", "depan puskesmas pembantu", "dekat makam umum",
	"seberang pasar", "dekat pangkalan ojek", "belakang kantor kelurahan", "dekat rel kereta", "depan warung kopi",
}

var closings = []string{
	"Mohon segera ditindaklanjuti.", "Terima kasih.", "Mohon bantuannya, Pak/Bu.", "Matur nuwun.",
	"Kami tunggu tindak lanjutnya.", "Mohon dicek ke lokasi.", "Sudah lapor RT tapi belum ada tindakan.",
	"Warga sekitar sangat resah.", "Mohon perhatiannya.", "",
}

// plans are what an agency writes when it accepts a report, by category;
// "" is the fallback.
var plans = map[string][]string{
	"jalan-jembatan": {
		"Tim pemeliharaan jalan akan menambal lubang dengan aspal dingin.",
		"Lokasi masuk jadwal pemeliharaan rutin; tim akan survei lalu menambal.",
		"Perbaikan paving oleh UPT pemeliharaan jalan minggu ini.",
	},
	"drainase-banjir": {
		"Normalisasi saluran dan pengangkatan sedimen oleh tim drainase.",
		"Pembersihan gorong-gorong yang tersumbat bersama kelurahan.",
		"Survei saluran dan pengerukan oleh satgas drainase.",
	},
	"air-bersih": {
		"Petugas PDAM akan memeriksa jaringan pipa dan meteran di lokasi.",
		"Perbaikan pipa bocor oleh tim teknik PDAM.",
		"Pengecekan tekanan air dan pembersihan jaringan distribusi.",
	},
	"sampah-kebersihan": {
		"Pengangkutan sampah dijadwalkan ulang oleh armada DLHKP.",
		"Petugas kebersihan akan membersihkan lokasi dan memasang papan larangan.",
	},
	"penerangan-jalan": {
		"Penggantian lampu PJU yang padam oleh tim Dishub.",
		"Perbaikan instalasi kabel dan lampu PJU.",
	},
	"lalu-lintas-parkir": {
		"Penertiban parkir liar dan pemasangan rambu oleh Dishub.",
		"Pengaturan lalu lintas dan pengecekan lampu APILL.",
	},
	"administrasi-kependudukan": {
		"Berkas pelapor diperiksa dan dokumen diproses ulang oleh Dispendukcapil.",
		"Petugas akan menghubungi pelapor untuk verifikasi data kependudukan.",
	},
	"bantuan-sosial": {
		"Verifikasi data penerima oleh pendamping sosial bersama kelurahan.",
		"Pengecekan status DTKS dan usulan pemutakhiran data.",
	},
	"": {
		"Laporan ditindaklanjuti oleh bidang terkait; petugas akan meninjau lokasi.",
		"Koordinasi dengan kelurahan dan peninjauan lapangan.",
		"Petugas akan menghubungi pelapor untuk klarifikasi lalu menindaklanjuti.",
	},
}

// results are what an agency writes when it finishes, by category.
var results = map[string][]string{
	"jalan-jembatan": {
		"Lubang jalan sudah ditambal. Terima kasih atas laporannya.",
		"Paving yang rusak sudah diganti dan dirapikan.",
	},
	"drainase-banjir": {
		"Saluran sudah dinormalisasi dan sedimen diangkat; air kembali mengalir.",
		"Gorong-gorong sudah dibersihkan dari sampah dan lumpur.",
	},
	"air-bersih": {
		"Pipa yang bocor sudah diganti, aliran air sudah normal kembali.",
		"Meteran sudah diperiksa dan diganti; tagihan dikoreksi.",
	},
	"sampah-kebersihan": {
		"Sampah sudah diangkut dan lokasi dibersihkan.",
		"Jadwal pengangkutan sudah dinormalkan; papan larangan buang sampah dipasang.",
	},
	"penerangan-jalan": {
		"Lampu PJU sudah diganti dan menyala kembali.",
		"Instalasi kabel diperbaiki; lampu sudah menyala.",
	},
	"": {
		"Laporan sudah ditindaklanjuti sesuai kewenangan. Terima kasih.",
		"Penanganan sudah selesai dilakukan; mohon konfirmasi bila masih ada kendala.",
		"Petugas sudah ke lokasi dan masalah sudah diselesaikan.",
	},
}

var answers = []string{
	"Laporan sudah kami terima dan sedang dijadwalkan penanganannya.",
	"Petugas sudah meninjau lokasi; penanganan menunggu ketersediaan material.",
	"Mohon bersabar, penanganan dijadwalkan minggu depan.",
	"Terima kasih, laporan sedang kami koordinasikan dengan pihak kelurahan.",
}

var notes = []string{
	"Sudah dikoordinasikan dengan lurah setempat.",
	"Menunggu anggaran pemeliharaan triwulan ini.",
	"Lokasi sama dengan laporan bulan lalu; cek ulang pekerjaan kontraktor.",
	"Pelapor sudah dihubungi lewat telepon.",
}

var returnTexts = []string{
	"Mohon lengkapi lokasi persisnya (nama jalan/gang dan patokan terdekat).",
	"Mohon lampirkan foto kondisi di lokasi.",
	"Mohon jelaskan sejak kapan masalah ini terjadi dan nomor pelanggan bila ada.",
	"Uraian belum jelas; mohon tuliskan apa yang terjadi dan di mana.",
}

var disputeTexts = []string{
	"Belum selesai, masih sama seperti sebelumnya.",
	"Hanya diperbaiki sebagian, sisi yang lain masih rusak.",
	"Dua hari setelah diperbaiki sudah rusak lagi.",
	"Petugas belum pernah datang ke lokasi.",
}

var handbackReasons = []string{
	"Bukan tupoksi kami; lokasi merupakan aset instansi lain.",
	"Jalan tersebut jalan provinsi, bukan kewenangan dinas kota.",
	"Masalah ini ditangani perangkat daerah lain sesuai tupoksi.",
}

// rejectReasons are esambat.RejectReasons with their weights, for reports
// with a point (luar_wilayah cannot apply: the point is in the city) and
// without.
var rejectReasons = []struct {
	reason   string
	weight   float64
	needsOut bool
}{
	{"bukan_kewenangan_pemkot", 40, false},
	{"urusan_pribadi", 25, false},
	{"spam_sara_hoaks", 20, false},
	{"luar_wilayah", 15, true},
}

var maleNames = []string{
	"Ahmad", "Muhammad", "Slamet", "Budi", "Agus", "Hadi", "Imam", "Rizky", "Dimas", "Fajar",
	"Bagus", "Yusuf", "Abdul", "Moch.", "Sugeng", "Joko", "Eko", "Heri", "Wahyu", "Arif",
	"Bambang", "Didik", "Hariyanto", "Samsul", "Nur Kholis", "Rudi", "Anang", "Teguh", "Yoga", "Ilham",
}

var femaleNames = []string{
	"Siti", "Sri", "Dewi", "Nur", "Rina", "Lestari", "Ayu", "Fitri", "Indah", "Putri",
	"Anis", "Umi", "Nurul", "Yuli", "Endang", "Wahyuni", "Kartika", "Laila", "Ratna", "Dian",
	"Eka", "Maya", "Novi", "Rohmah", "Aisyah", "Fatimah", "Khusnul", "Tri", "Winarti", "Zahra",
}

var lastNames = []string{
	"Hidayat", "Santoso", "Wijaya", "Rahmawati", "Setiawan", "Prasetyo", "Kurniawan", "Maulana", "Ramadhan",
	"Hasanah", "Fauziah", "Nugroho", "Susanti", "Wulandari", "Saputra", "Firmansyah", "Syaifuddin", "Mahmud",
	"Ismail", "Zainal", "Hakim", "Basuki", "Suryani", "Handayani", "Purnomo", "Efendi", "Anwar", "Ma'ruf", "",
}

var relations = []string{"Ibu", "Bapak", "Nenek", "Kakek", "Tetangga", "Saudara"}

// pick returns a random element of xs.
func pick[T any](g *chunkGen, xs []T) T { return xs[g.r.IntN(len(xs))] }

// textFor returns the category's list or the fallback under "".
func textFor(m map[string][]string, category string) []string {
	if xs := m[category]; len(xs) > 0 {
		return xs
	}
	return m[""]
}

// Text is one of the embedded hand-written reports.
type Text struct{ Category, Title, Description string }

// Texts returns the embedded hand-written reports, for load drivers that
// submit realistic reports over HTTP (esambat-bench).
func Texts() ([]Text, error) {
	ts, err := parseTemplates(nil)
	if err != nil {
		return nil, err
	}
	var out []Text
	for cat, list := range ts {
		for _, t := range list {
			out = append(out, Text{Category: cat, Title: t.title, Description: t.description})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Category != out[j].Category {
			return out[i].Category < out[j].Category
		}
		return out[i].Title+out[i].Description < out[j].Title+out[j].Description
	})
	return out, nil
}
