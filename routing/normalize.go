package routing

import (
	"strings"
	"unicode"
)

// Normalize turns a report text into the terms the model counts: lower
// case, URLs, e-mail addresses, numbers and punctuation removed, repeated
// letters collapsed ("parahhh" → "parah"), slang, abbreviations, common
// typos and Javanese words mapped to standard Indonesian ("gak" → "tidak",
// "dalan" → "jalan", "uwuh" → "sampah"), stop words and Kota Pasuruan
// place names dropped, and every remaining word stemmed (see Stem).
//
// Normalize never fails: text with nothing left returns nil.
func Normalize(text string) []string {
	words := splitWords(text)
	out := make([]string, 0, len(words))
	for i, w := range words {
		w = collapseRepeats(w)
		// "kali" is a river in East Java, but also "times": "sudah 3 kali",
		// "berkali-kali", "sekali". Only the first is a subject.
		if w == "kali" && i > 0 && (words[i-1] == "#" || timesWords[words[i-1]]) {
			continue
		}
		if w == "#" {
			continue
		}
		for _, m := range mapWord(w) {
			if stopWords[m] || placeNames[m] {
				continue
			}
			s := Stem(m)
			// Map again after stemming: "mampetnya" → "mampet" → "sumbat".
			if r, ok := wordMap[s]; ok && len(r) == 1 && r[0] != s {
				s = Stem(r[0])
			}
			if len(s) < 2 || stopWords[s] {
				continue
			}
			out = append(out, s)
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// timesWords precede "kali" when it means "times" rather than "river".
var timesWords = map[string]bool{
	"beberapa": true, "berapa": true, "sering": true, "berkali": true, "se": true,
	"dua": true, "tiga": true, "empat": true, "lima": true, "banyak": true,
	"sekian": true, "puluhan": true, "ratusan": true, "pisan": true,
}

// splitWords lower-cases text and splits it into words of letters. URLs and
// e-mail addresses are dropped; a run of digits becomes the marker "#" so
// that "3 kali" can be told from "kali" (river), and reduplication written
// with a hyphen or the digit 2 ("anak-anak", "anak2") keeps one copy.
// Apostrophes inside names ("Tapa'an") are removed, not split on.
func splitWords(text string) []string {
	var words []string
	for _, field := range strings.Fields(strings.ToLower(text)) {
		if strings.Contains(field, "://") || strings.HasPrefix(field, "www.") || strings.Contains(field, "@") {
			continue
		}
		field = apostrophes.Replace(field)
		var prev string
		var cur strings.Builder
		flush := func() {
			if cur.Len() == 0 {
				return
			}
			w := cur.String()
			cur.Reset()
			if w == prev {
				return // "gorong-gorong", "alun-alun"
			}
			words = append(words, w)
			prev = w
		}
		runes := []rune(field)
		for i := 0; i < len(runes); i++ {
			r := runes[i]
			switch {
			case unicode.IsLetter(r):
				cur.WriteRune(r)
			case unicode.IsDigit(r):
				// "anak2": a 2 glued to a word is reduplication.
				if r == '2' && cur.Len() > 1 && (i+1 == len(runes) || !unicode.IsDigit(runes[i+1])) {
					flush()
					continue
				}
				flush()
				for i+1 < len(runes) && (unicode.IsDigit(runes[i+1]) || runes[i+1] == '.' || runes[i+1] == ',') {
					i++
				}
				if len(words) == 0 || words[len(words)-1] != "#" {
					words = append(words, "#")
				}
				prev = ""
			case r == '-':
				flush()
			default:
				flush()
				prev = ""
			}
		}
		flush()
	}
	return words
}

// apostrophes are removed from words.
var apostrophes = strings.NewReplacer("'", "", "’", "", "`", "")

// collapseRepeats shortens a run of three or more equal letters to one
// ("parahhh" → "parah", "keciiil" → "kecil") and a doubled last letter of a
// longer word to one ("tolongg" → "tolong"); standard Indonesian has no
// such runs, while "saat" and "maaf" keep their inner pair.
func collapseRepeats(w string) string {
	r := []rune(w)
	out := r[:0:0]
	for i := 0; i < len(r); {
		j := i
		for j < len(r) && r[j] == r[i] {
			j++
		}
		if j-i >= 3 {
			out = append(out, r[i])
		} else {
			out = append(out, r[i:j]...)
		}
		i = j
	}
	if n := len(out); n > 3 && out[n-1] == out[n-2] {
		out = out[:n-1]
	}
	return string(out)
}

// mapWord applies the slang, abbreviation, typo and Javanese table. It
// also strips the Javanese definite suffix -e/-ne ("dalane" → "dalan",
// "banyune" → "banyu") when the bare word is in the table, and returns the
// mapped word(s).
func mapWord(w string) []string {
	if m, ok := wordMap[w]; ok {
		return m
	}
	for _, suf := range []string{"ne", "e", "ipun", "nipun"} {
		if base, ok := strings.CutSuffix(w, suf); ok && len(base) >= 3 {
			if m, ok := wordMap[base]; ok {
				return m
			}
			if javaneseBase[base] {
				return []string{base}
			}
		}
	}
	return []string{w}
}

// javaneseBase lists standard words often written with the Javanese
// definite suffix: "lampune", "sampahe", "pipane".
var javaneseBase = map[string]bool{
	"lampu": true, "sampah": true, "pipa": true, "meteran": true, "aspal": true,
	"selokan": true, "saluran": true, "jembatan": true, "paving": true, "tagihan": true,
	"pohon": true, "rumah": true, "sekolah": true, "kran": true, "sumur": true,
	"ranting": true, "atap": true, "genteng": true, "tembok": true, "pasar": true,
	"dinding": true, "gang": true, "kabel": true, "tiang": true, "taman": true,
}

// wordMap normalises slang, abbreviations, frequent typos and Javanese
// (Pasuruan is bilingual Javanese/Madurese–Indonesian). A word may map to
// several words or to none (filler words).
var wordMap = func() map[string][]string {
	m := map[string][]string{}
	add := func(to string, from ...string) {
		for _, f := range from {
			m[f] = strings.Fields(to)
		}
	}
	// Negation, time and filler words (most then fall out as stop words).
	add("tidak", "gak", "ga", "gk", "nggak", "ngga", "enggak", "engga", "ndak", "tdk", "tak", "ora", "mboten", "gx", "g", "nda")
	add("sudah", "sdh", "udh", "udah", "dah", "wis", "wes", "uwis", "sampun", "sudh")
	add("belum", "blm", "blum", "durung", "dereng", "belom")
	add("banget", "bgt", "bngt", "bangettt", "pol", "poll", "pisan", "nemen")
	add("yang", "yg", "sing", "seng", "ingkang")
	add("dengan", "dgn", "dg", "karo", "ambek", "mbek", "kaliyan")
	add("karena", "krn", "karna", "soale", "sebab", "gara")
	add("untuk", "utk", "buat", "kanggo")
	add("tolong", "tlg", "tulung", "nyuwun", "mohon")
	add("sama", "sm")
	add("dari", "teko", "saking")
	add("di", "nang", "neng", "ning", "ten")
	add("ini", "iki", "niki")
	add("itu", "iku", "niku", "kuwi")
	add("kalau", "kalo", "klo", "lek", "nek", "yen")
	add("bagaimana", "gimana", "gmn", "piye", "pripun", "yapapa", "opo")
	add("saja", "aja", "ae", "mawon")
	add("juga", "jg", "yo")
	add("lagi", "lg", "maneh", "malih")
	add("sekarang", "skrg", "saiki", "sakniki")
	add("kemarin", "kmrn", "wingi", "ket", "kawit")
	add("terima kasih", "makasih", "trims", "thx", "matur", "nuwun", "suwun")
	add("semua", "kabeh", "sedoyo")
	add("banyak", "akeh", "kathah", "byk")
	add("sedikit", "sithik", "sitik")
	add("lama", "suwe", "suwi", "dangu")
	add("orang", "org", "uwong", "wong", "tiyang")
	add("pak", "bpk", "bapak", "pk")
	add("ibu", "bu", "mbak", "mas", "kak", "min", "admin")
	add("dekat", "dkt", "cedak", "cerak")
	add("sampai", "sampe", "ampe", "nganti")
	add("tetapi", "tapi", "tp", "nanging")
	add("rumah", "omah", "griya", "rmh")
	add("kerja", "kerjo", "nyambut", "gawe", "makarya")
	add("upah", "gaji", "bayaran", "bayarane")
	add("sakit", "loro", "lara", "gerah")
	add("takut", "wedi", "ajrih")
	add("malam", "bengi", "dalu", "mlm")
	add("pagi", "isuk", "enjing")
	add("hujan", "udan", "jawah")
	add("anak", "bocah", "arek", "lare")
	add("hari", "dino", "dinten")
	add("dua", "rong")
	// Infrastructure and utilities.
	add("jalan", "jln", "jl", "jalam", "jaln", "jlan", "dalan", "ratan", "margi", "dln")
	add("air", "banyu", "toya", "aire", "aer")
	add("pdam", "pam", "perumdam", "ledeng")
	add("mati", "matek", "pejah", "padam")
	add("keluar", "metu", "medal")
	add("mengalir", "ngalir", "mili")
	add("keruh", "butek", "buthek")
	add("bau", "mambu", "bacin", "ambu", "ambune")
	add("kotor", "reget", "kumuh")
	add("bersih", "resik")
	add("lubang", "bolong", "growong", "lobang", "berlubag", "berlobang", "bolongan")
	add("berlubang", "brlubang")
	add("rusak", "remuk", "ajur", "hancur", "rusk", "rusakk")
	add("roboh", "ambruk", "rubuh", "ambrol", "ambrug")
	add("pohon", "wit", "uwit", "witan", "wite")
	add("sampah", "uwuh", "sampha", "smpah", "sampa", "sampahh")
	add("sungai", "kali", "sunga", "kalen")
	add("selokan", "got", "comberan", "parit", "kalenan")
	add("tersumbat", "buntu", "mampet", "mampat", "mamet")
	add("gelap", "peteng", "petengan", "dedet", "ndedet", "gulita")
	add("lampu", "lampune", "lampunya", "damar")
	add("pju", "lpju", "pjl", "pjui")
	add("jembatan", "kreteg", "jembatn")
	add("tanah", "lemah")
	add("api", "geni")
	add("asap", "kebul")
	add("terbakar", "kobong", "kobongan", "kebakar")
	add("tumbang", "tumbng")
	add("genangan", "genangane", "kubangan")
	add("banjir", "banjr", "bajir", "kebanjiran")
	add("parkir", "parkiran", "prkir", "markir")
	add("traffic", "trafic", "trafik", "trafficlight", "bangjo", "bangjoan", "apill")
	add("macet", "mcet", "macettt", "muacet")
	add("angkot", "lyn", "len", "mikrolet", "angkutan")
	add("puskesmas", "pkm", "puskes")
	add("rsud", "rs", "purut")
	add("dokter", "dok")
	add("bpjs", "bpjsnya", "jkn", "kis")
	add("dbd", "db")
	add("ktp", "ektp")
	add("dispendukcapil", "capil", "dukcapil", "disdukcapil")
	add("sekolah", "sekolahan", "sklh", "skolah")
	add("phk", "dipecat", "pecat", "dipehaka")
	add("satpol", "satpolpp")
	add("pbb", "pbbnya")
	add("izin", "ijin", "ijinnya", "izinnya")
	add("perizinan", "perijinan")
	add("kelurahan", "kel", "kelurahane")
	add("kecamatan", "kec")
	add("rt", "erte")
	add("rw", "erwe")
	add("minta", "njaluk")
	add("tidak ada", "gaada", "gada", "gakada")
	add("ada", "ono", "wonten", "enek", "onok")
	add("perbaiki", "didandani", "dandani", "ndandani", "benahi", "dibenahi")
	add("tebang", "ditegor", "tegor", "negor")
	add("jatuh", "tibo", "tiba", "ceblok", "ceblak")
	add("besar", "gede", "ageng", "gedhe")
	add("kecil", "cilik", "alit")
	add("mahal", "larang", "awis")
	add("uang", "duwit", "duit", "arto")
	add("", "dr", "nih", "sih", "dong", "deh", "kok", "lho", "loh", "to", "tah", "ta", "yah", "ya", "iya", "nggih", "monggo", "mbok", "wae", "rek", "cak", "tuh", "kan", "pun", "nya", "hehe", "wkwk", "haha")
	return m
}()

// stopWords are frequent words that say nothing about a report's subject.
// Like the rest of the package they were chosen from how residents write,
// not by tuning on the held-out reports.
var stopWords = toSet(`
ada adalah agar akan aku anda apa apakah atau bagaimana bahkan baik banget
banyak bapak bahwa beberapa begitu belum berapa biasa bila bisa boleh bu buat
dalam dan dapat dari demikian dengan di dia hal hanya harap harus hari hingga
ibu ini itu jadi jika juga kalau kalian kami kamu kapan karena kasih ke kemudian
kenapa kepada kita kok kota lagi lain lalu lama mana masih maka mau melalui
mengapa mereka minggu mohon namun oleh pada padahal pak para pasuruan per
pun saat saja sama sampai sangat saya segera sejak sekali sekarang selalu
selama seperti setelah siapa sini situ sudah supaya tadi tahun tapi telah
terima tetapi tidak tolong untuk warga yang ya sedang terus
bulan kemarin sebelum sesudah apalagi tersebut sebagai tentang lebih kurang
cuma cuman aja gitu gini begini sih dong nih deh yth terhormat mas
no nomor tindak lanjut tindaklanjut tindaklanjuti ditindaklanjuti lapor adu
aduan keluh keluhan berkali
`)

// placeNames are the kecamatan and kelurahan of Kota Pasuruan and street
// names common in addresses: they say where, not what, and some look like
// subject words once stemmed ("Petamanan" → "taman").
var placeNames = toSet(`
gadingrejo karangketug gentong sebani petahunan bukir randusari krapyakrejo
purworejo pohjentrek wirogunan tembokrejo purutrejo kebonagung sekargadung
bugul kidul lor blandongan kepel tapaan bakalan krampyangan karanganyar
tambaan trajeng bangilan kebonsari mayangan ngemplakrejo petamanan pekuncen
kandangsapi panggungrejo mandaranrejo pasuruan probolinggo
soekarno hatta veteran pahlawan hayam wuruk panglima sudirman diponegoro
yani gajah mada kartini wahidin urip sumoharjo gembong
`)

func toSet(s string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(s) {
		m[w] = true
	}
	return m
}
