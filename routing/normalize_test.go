package routing

import (
	"fmt"
	"strings"
	"testing"
)

func TestStem(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		// The examples the design asks for.
		{"berlubang", "lubang"},
		{"tersumbat", "sumbat"},
		{"pengangkutan", "angkut"},
		// Particles and possessives.
		{"lubangnya", "lubang"},
		{"sampahnya", "sampah"},
		{"rumahku", "rumah"},
		{"bagaimanakah", "bagaimana"},
		// Suffixes, prefixes and confixes.
		{"diangkut", "angkut"},
		{"dilaporkan", "lapor"},
		{"diperbaiki", "baik"},
		{"memperbaiki", "baik"},
		{"perbaikan", "baik"},
		{"kerusakan", "rusak"},
		{"kebakaran", "bakar"},
		{"kebersihan", "bersih"},
		{"kemacetan", "macet"},
		{"genangan", "genang"},
		{"tagihan", "tagih"},
		{"bantuan", "bantu"},
		{"pelayanan", "layan"},
		{"layanan", "layan"},
		{"kelurahan", "lurah"},
		{"kecamatan", "camat"},
		{"perizinan", "izin"},
		{"perusahaan", "usaha"},
		{"pekerjaan", "kerja"},
		{"bekerja", "kerja"},
		{"pedagang", "dagang"},
		{"petugas", "tugas"},
		{"pendidikan", "didik"},
		{"ketertiban", "tertib"},
		{"keterlambatan", "lambat"},
		{"setempat", "tempat"},
		{"berobat", "obat"},
		{"perawat", "rawat"},
		{"jalanan", "jalan"},
		// Nasal rules.
		{"menyapu", "sapu"},
		{"penyakit", "sakit"},
		{"memotong", "potong"},
		{"pemadaman", "padam"},
		{"membuang", "buang"},
		{"pembuangan", "buang"},
		{"menutup", "tutup"},
		{"penerangan", "terang"},
		{"mendaftar", "daftar"},
		{"mengurus", "urus"},
		{"mengirim", "kirim"},
		{"mengecek", "cek"},
		{"melayani", "layan"},
		{"merusak", "rusak"},
		{"meminta", "minta"},
		{"dicari", "cari"},
		// Roots that look affixed stay whole.
		{"jalan", "jalan"},
		{"taman", "taman"},
		{"selokan", "selokan"},
		{"sekolah", "sekolah"},
		{"bersih", "bersih"},
		{"terminal", "terminal"},
		{"dinas", "dinas"},
		{"kereta", "kereta"},
		{"keruh", "keruh"},
		{"mati", "mati"},
		{"sungai", "sungai"},
		{"petani", "tani"},
		{"pegawai", "pegawai"},
		{"semprot", "semprot"},
		// Too short to touch.
		{"air", "air"},
		{"di", "di"},
		{"", ""},
	} {
		if got := Stem(tt.in); got != tt.want {
			t.Errorf("Stem(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestNormalize(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"Jalan berlubang parahhh di Jl. Veteran No. 12!!", "jalan lubang parah jalan"},
		{"air PDAM gak ngalir dr subuh, gimana nih pak?", "air pdam alir subuh"},
		{"dalane bolong, banyune mati, uwuh numpuk", "jalan lubang air mati sampah tumpuk"},
		{"lampu pju mati, peteng ndedet", "lampu pju mati gelap gelap"},
		{"Selokan mampet, air meluber https://example.com/foto.jpg", "selokan sumbat air luber"},
		{"wit ambruk nimpa omah", "pohon roboh timpa rumah"},
		{"gorong-gorong di alun-alun", "gorong alun"},
		{"anak2 ga bisa sekolah krn jln rusak", "anak sekolah jalan rusak"},
		// Place names say where, not what: "Petamanan" is not a park.
		{"Kelurahan Petamanan, Kec. Panggungrejo", "lurah camat"},
		// "kali" is a river unless it counts times.
		{"sampah di kali", "sampah sungai"},
		{"sudah 3 kali lapor, berkali-kali", ""},
		{"sudah beberapa kali", ""},
		{"", ""},
		{"!!! ??? 123", ""},
	} {
		got := strings.Join(Normalize(tt.in), " ")
		if got != tt.want {
			t.Errorf("Normalize(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestCollapseRepeats(t *testing.T) {
	for in, want := range map[string]string{
		"parahhh": "parah", "keciiil": "kecil", "tolongg": "tolong",
		"saat": "saat", "maaf": "maaf", "kk": "kk", "macettt": "macet",
	} {
		if got := collapseRepeats(in); got != want {
			t.Errorf("collapseRepeats(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestExtractTypoShares(t *testing.T) {
	// A typo still shares most character n-grams with the right word.
	grams := func(s string) map[string]bool {
		out := map[string]bool{}
		for _, f := range defaultFeatures.extract("", s) {
			if strings.HasPrefix(f.name, "c:") {
				out[f.name] = true
			}
		}
		return out
	}
	a, b := grams("sampah"), grams("sampha")
	var shared int
	for g := range a {
		if b[g] {
			shared++
		}
	}
	if shared < 3 {
		t.Errorf("sampah/sampha share %d n-grams, want >= 3", shared)
	}
	feats := defaultFeatures.extract("Jalan berlubang", "")
	var names []string
	for _, f := range feats {
		names = append(names, f.name)
	}
	for _, want := range []string{"w:jalan", "w:lubang", "b:jalan_lubang", "c:<lub", "c:bang>"} {
		if !contains(names, want) {
			t.Errorf("features of %q lack %q: %v", "Jalan berlubang", want, names)
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func ExampleNormalize() {
	fmt.Println(Normalize("Pak, dalane bolong-bolong parahhh nang Jl. Veteran, wis akeh sing tibo!"))
	// Output: [jalan lubang parah jalan jatuh]
}

func ExampleStem() {
	for _, w := range []string{"berlubang", "tersumbat", "pengangkutan", "kebocoran"} {
		fmt.Print(Stem(w), " ")
	}
	fmt.Println()
	// Output: lubang sumbat angkut bocor
}
