package routing

import "strings"

// Stem returns the root of a lower-case Indonesian word by light,
// rule-based affix stripping, in the spirit of Nazief–Adriani without
// their dictionary:
//
//  1. particles -lah, -kah, -tah, -pun, then possessives -nya, -ku, -mu;
//  2. one derivational suffix: -kan, -an or -i ("-an" not after di-,
//     me(N)- or ter-, with which it does not pair, and leaving at least
//     four letters, so "jalan" stays; "-i" only after a verb prefix: di-,
//     me(N)-, ter-, per-);
//  3. up to two prefixes: di-, ke- (with -an), se-, ter-, ber-, per-,
//     me(N)- and pe(N)- with the usual nasal rules (meny+vowel → s,
//     mem+vowel → p, men+vowel → t, meng+vowel → vowel), the outer one
//     first.
//
// A step is skipped when it would leave fewer than three letters, and
// words known to look affixed while they are roots ("jalan", "bersih",
// "selokan", "tertib", "dinas") are kept as they are. Where a nasal rule
// is ambiguous (meng+vowel: "mengirim" → "kirim" or "irim"), a short list
// of roots decides. The stemmer is meant to make spelling variants of one
// word meet ("berlubang", "lubangnya" → "lubang"; "pengangkutan",
// "diangkut" → "angkut"), not to be a linguistic reference: a wrong but
// consistent stem costs the classifier nothing.
func Stem(word string) string {
	if irr, ok := irregular[word]; ok {
		return irr
	}
	if len(word) < 4 || keep[word] || roots[word] {
		return word
	}
	w := word
	for _, s := range []string{"lah", "kah", "tah", "pun"} {
		if cut, ok := cutSuffix(w, s, 3); ok {
			w = cut
			break
		}
	}
	for _, s := range []string{"nya", "ku", "mu"} {
		if cut, ok := cutSuffix(w, s, 3); ok {
			w = cut
			break
		}
	}
	if keep[w] || roots[w] {
		return w
	}
	if irr, ok := irregular[w]; ok {
		return irr
	}
	cut, confix := stripSuffix(w)
	full := stripPrefixes(cut, confix)
	if roots[full] {
		return full
	}
	// Try again without the derivational suffix: "dicari" is di+cari, not
	// di+car+i; "dimakan" is di+makan.
	if bare := stripPrefixes(w, false); bare != full && (roots[bare] || keep[bare]) {
		return bare
	}
	return full
}

// stripSuffix removes one derivational suffix from w when the prefix it
// starts with allows it, and reports whether that was the -an of a ke-an
// confix (the only case in which ke- is a prefix: "kerusakan", not
// "kereta").
func stripSuffix(w string) (string, bool) {
	pre := prefixKind(w)
	an := func() (string, bool) {
		if cut, ok := cutSuffix(w, "an", 4); ok {
			return cut, pre == "ke"
		}
		return w, false
	}
	switch {
	case strings.HasSuffix(w, "kan"):
		// ke-an, pe-an and per-an words whose root ends in k: "kerusakan",
		// "perbaikan", "penindakan"; ke-kan and pe-kan do not exist.
		if pre == "ke" || pre == "pe" || pre == "per" {
			return an()
		}
		cut, _ := cutSuffix(w, "kan", 3)
		return cut, false
	case strings.HasSuffix(w, "an"):
		// di-an, me-an and ter-an do not pair: "dimakan", "menanam".
		if pre == "di" || pre == "me" || pre == "ter" {
			return w, false
		}
		return an()
	case strings.HasSuffix(w, "i"):
		// Only verbs take -i: "diperbaiki", "melayani", but "petani".
		if pre == "di" || pre == "me" || pre == "ter" || pre == "per" {
			cut, _ := cutSuffix(w, "i", 3)
			return cut, false
		}
	}
	return w, false
}

// prefixKind names the prefix family w starts with, for suffix pairing.
func prefixKind(w string) string {
	switch {
	case keep[w]:
		return ""
	case strings.HasPrefix(w, "di"):
		return "di"
	case strings.HasPrefix(w, "ke"):
		return "ke"
	case strings.HasPrefix(w, "me"):
		return "me"
	case strings.HasPrefix(w, "ter"):
		return "ter"
	case strings.HasPrefix(w, "per"):
		return "per"
	case strings.HasPrefix(w, "pe"):
		return "pe"
	case strings.HasPrefix(w, "ber"), strings.HasPrefix(w, "be"):
		return "ber"
	case strings.HasPrefix(w, "se"):
		return "se"
	}
	return ""
}

// stripPrefixes removes up to two prefixes. di-, ke- and se- may only be
// outermost, so "pendidik" stops at "didik"; ke- only when confix says the
// word had the ke-an confix.
func stripPrefixes(w string, confix bool) string {
	for i := 0; i < 2; i++ {
		if keep[w] || roots[w] {
			return w
		}
		if irr, ok := irregular[w]; ok {
			return irr
		}
		next, ok := stripPrefix(w, i == 0, confix)
		if !ok {
			return w
		}
		w = next
	}
	return w
}

// stripPrefix removes one prefix from w. outer allows di-, se- and
// colloquial ng-, and ke- when confix is set.
func stripPrefix(w string, outer, confix bool) (string, bool) {
	pick := func(cands ...string) (string, bool) {
		for _, c := range cands {
			if roots[c] {
				return c, true
			}
		}
		for _, c := range cands {
			if len(c) >= 3 && validStart(c) {
				return c, true
			}
		}
		return w, false
	}
	at := func(i int) byte {
		if i < len(w) {
			return w[i]
		}
		return 0
	}
	switch {
	case outer && strings.HasPrefix(w, "di"):
		return pick(w[2:])
	case outer && confix && strings.HasPrefix(w, "ke"):
		return pick(w[2:])
	case outer && strings.HasPrefix(w, "se") && len(w) >= 6:
		return pick(w[2:])
	case outer && strings.HasPrefix(w, "nge") && !isVowel(at(3)):
		return pick(w[3:])
	case outer && strings.HasPrefix(w, "ng") && isVowel(at(2)):
		return pick(w[2:])
	case strings.HasPrefix(w, "ter"):
		if isVowel(at(3)) {
			return pick("r"+w[3:], w[3:])
		}
		return pick(w[3:])
	case strings.HasPrefix(w, "ber"):
		return pick(w[3:], "r"+w[3:])
	case strings.HasPrefix(w, "per"):
		if isVowel(at(3)) {
			return pick("r"+w[3:], w[3:])
		}
		return pick(w[3:])
	case strings.HasPrefix(w, "me") || strings.HasPrefix(w, "pe"):
		return stripNasal(w, pick, at)
	}
	return w, false
}

// stripNasal handles me(N)- and pe(N)-, whose nasal changes with the
// root's first letter.
func stripNasal(w string, pick func(...string) (string, bool), at func(int) byte) (string, bool) {
	rest := w[2:]
	switch {
	case strings.HasPrefix(rest, "nge") && !isVowel(at(5)):
		// menge-/penge- before one-syllable roots: "mengecek" → "cek".
		return pick(w[5:], w[4:], "k"+w[4:])
	case strings.HasPrefix(rest, "ng") && isVowel(at(4)):
		return pick(w[4:], "k"+w[4:])
	case strings.HasPrefix(rest, "ng"):
		return pick(w[4:])
	case strings.HasPrefix(rest, "ny") && isVowel(at(4)):
		return pick("s"+w[4:], w[2:])
	case strings.HasPrefix(rest, "m") && strings.ContainsRune("bfpv", rune(at(3))):
		return pick(w[3:])
	case strings.HasPrefix(rest, "m") && isVowel(at(3)):
		return pick("p"+w[3:], "m"+w[3:])
	case strings.HasPrefix(rest, "n") && strings.ContainsRune("cdjstz", rune(at(3))):
		return pick(w[3:])
	case strings.HasPrefix(rest, "n") && isVowel(at(3)):
		return pick("t"+w[3:], "n"+w[3:])
	case strings.ContainsRune("lmnrwy", rune(at(2))):
		return pick(w[2:])
	case w[0] == 'p' && !isVowel(at(2)):
		// pe- without a nasal: "pedagang", "petugas", "pekerja".
		return pick(w[2:])
	}
	return w, false
}

func isVowel(b byte) bool { return b == 'a' || b == 'e' || b == 'i' || b == 'o' || b == 'u' }

// validStart reports whether w can begin an Indonesian root: a vowel, a
// consonant before a vowel, or a common onset cluster. It stops "semprot"
// from losing "se-".
func validStart(w string) bool {
	if len(w) < 2 {
		return false
	}
	if isVowel(w[0]) || isVowel(w[1]) {
		return true
	}
	switch w[:2] {
	case "ng", "ny", "sy", "kh", "tr", "pr", "kr", "br", "dr", "gr", "fr",
		"pl", "bl", "kl", "gl", "fl", "sp", "st", "sk", "sl", "sw", "kw":
		return true
	}
	return false
}

// cutSuffix removes suffix s when at least min letters remain.
func cutSuffix(w, s string, min int) (string, bool) {
	if cut, ok := strings.CutSuffix(w, s); ok && len(cut) >= min {
		return cut, true
	}
	return w, false
}

// keep lists roots that look affixed, so the stemmer leaves them alone.
var keep = toSet(`
jalan jembatan selokan saluran sekolah sehat sedang segera semua seragam sering selama
sebab serius sertifikat sewa sepeda sembako sempit sendiri senin selasa sepi
seperti semen sekarang setelah sesak selesai segel sedot seni sektor selatan
sepatu setor sedikit sejak sembuh sengaja sesuai sekitar sebelah
dinas dinkes dinsos dishub diare disabilitas distribusi diskon digital dini
dingin diam direksi direktur dispendukcapil diskominfo dindik dinding diri
terminal terang teras terus terima tertib ternak teror tetangga tengah
beras berat berita bersih besar beton bensin benar bencana bengkel berkas
bekas bebas belakang bisa belanda bersama berapa berisik
merah mesin meja media medis menara menit mereka meter meteran
penuh pelan perlu pernah pertama peserta pesan pensiun pendek perempuan
pemilu pesisir petak perdana persen perda pegawai perkara pemuda pesangon
kereta kepala kertas kering keruh kerja keluh keluar kena kecil kemarau
ketua kebun kemah kelas kendaraan keluarga karyawan lapangan pelabuhan
taman hujan aman ikan makan bulan tuhan badan teman insan ruangan jamban
lingkungan bangunan perumahan kawasan pekan pesawat
memang menang mentah
`)

// irregular maps words the rules get wrong to their roots.
var irregular = map[string]string{
	"belajar": "ajar", "pelajar": "ajar", "pelajaran": "ajar", "mengajar": "ajar",
	"bekerja": "kerja", "pekerja": "kerja", "pekerjaan": "kerja",
	"antrian": "antre", "antri": "antre", "antrean": "antre", "mengantri": "antre",
	"numpuk": "tumpuk", "nutup": "tutup", "nambal": "tambal", "nyapu": "sapu",
	"mbuang": "buang", "mbayar": "bayar", "nimpa": "timpa", "nyumbat": "sumbat",
	"lubang": "lubang", "berlubang": "lubang",
	"pemukiman": "mukim", "permukiman": "mukim",
	"penduduk": "duduk", "kependudukan": "duduk",
	"beritahu": "tahu", "pemberitahuan": "tahu", "diberitahu": "tahu",
}

// roots settles ambiguous nasal and vowel-initial prefixes ("mengirim" →
// "kirim", "perizinan" → "izin") and ends stripping once reached.
var roots = toSet(`
izin atur ubah usaha air obat urus angkut abai isi cari beli mati tinggi
ganti kunci bagi kirim keluh keluar nyala minta masak nilai nikah rupa
renang empat alir ajar umum ingat olah ukur angkat antar adu ikut ambil
alami awas rawat rusak sumbat tebang tanam tutup tunggu pakai potong
pasang lapor layan buang bakar bersih tambal timpa tumpuk genang salur
tagih sambung bantu bocor lurah camat sehat macet celaka padam terang
tarik pungut periksa putus tindak lanjut proses daftar ajukan atas
aspal anak tahu nikah ambles amblas operasi indah erat usul
`)
