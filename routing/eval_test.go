package routing

import (
	"bytes"
	"math"
	"os"
	"sync"
	"testing"

	"github.com/esambat/esambat"
	"github.com/esambat/esambat/refdata"
)

// Thresholds the held-out accuracy must reach (see DESIGN.md, "Routing by
// tupoksi"): below them a suggestion is more noise than help.
const (
	minTop1 = 0.70
	minTop3 = 0.90
	// holdOut: every 4th report of each category is held out (~25%).
	holdOut = 4
)

// seeds returns the shipped category table.
func seeds(t testing.TB) []esambat.Category {
	t.Helper()
	set, err := refdata.New("")
	if err != nil {
		t.Fatal(err)
	}
	cats, err := set.Categories()
	if err != nil {
		t.Fatal(err)
	}
	return cats
}

// reports returns testdata/reports.csv.
func reports(t testing.TB) []Example {
	t.Helper()
	f, err := os.Open("testdata/reports.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ex, err := ReadExamples(f)
	if err != nil {
		t.Fatal(err)
	}
	return ex
}

var (
	fullOnce  sync.Once
	fullModel *Model
)

// trainedModel returns a model trained on every test report, built once.
func trainedModel(t testing.TB) *Model {
	fullOnce.Do(func() { fullModel = Train(reports(t), seeds(t)) })
	return fullModel
}

func TestDataset(t *testing.T) {
	ex := reports(t)
	if len(ex) < 320 {
		t.Errorf("%d reports, want at least 320", len(ex))
	}
	per := map[string]int{}
	for _, e := range ex {
		per[e.Category]++
		if e.Title == "" || e.Description == "" {
			t.Errorf("report without title or description: %+v", e)
		}
	}
	for _, c := range seeds(t) {
		if per[c.Code] < 10 {
			t.Errorf("category %s has %d reports, want at least 10", c.Code, per[c.Code])
		}
		delete(per, c.Code)
	}
	for c := range per {
		t.Errorf("reports use unknown category %q", c)
	}
}

// TestAccuracy trains on ~75% of testdata/reports.csv plus the category
// keywords and measures top-1 and top-3 accuracy on the held-out rest.
func TestAccuracy(t *testing.T) {
	cats := seeds(t)
	train, test := Split(reports(t), holdOut)
	top1, top3 := Evaluate(train, test, cats)
	s1, s3 := Evaluate(nil, test, cats)
	t.Logf("dataset: %d reports, %d categories; split: every %dth report per category held out: train %d, test %d",
		len(train)+len(test), len(cats), holdOut, len(train), len(test))
	t.Logf("trained (reports + keywords): top-1 %.3f  top-3 %.3f", top1, top3)
	t.Logf("untrained (keywords only):    top-1 %.3f  top-3 %.3f", s1, s3)

	m := Train(train, cats)
	var conf, right float64
	hits, seen := map[string]int{}, map[string]int{}
	for _, e := range test {
		seen[e.Category]++
		if s := m.Suggest(e.Title, e.Description, 1); len(s) == 1 {
			conf += s[0].Confidence
			if s[0].Category == e.Category {
				right++
				hits[e.Category]++
			}
		}
	}
	t.Logf("calibration: mean top-1 confidence %.3f vs top-1 accuracy %.3f (temperature %.2f)",
		conf/float64(len(test)), right/float64(len(test)), m.temp)
	for _, c := range cats {
		t.Logf("  %-26s top-1 %d/%d", c.Code, hits[c.Code], seen[c.Code])
	}

	if top1 < minTop1 || top3 < minTop3 {
		t.Errorf("held-out accuracy top-1 %.3f top-3 %.3f, want >= %.2f and >= %.2f", top1, top3, minTop1, minTop3)
	}
}

func TestSplit(t *testing.T) {
	var ex []Example
	for i := 0; i < 8; i++ {
		ex = append(ex, Example{Category: "a"}, Example{Category: "b"})
	}
	ex = append(ex, Example{Category: "c"})
	train, test := Split(ex, 4)
	if len(train) != 13 || len(test) != 4 {
		t.Errorf("Split: %d/%d, want 13/4", len(train), len(test))
	}
	if train, test := Split(ex, 0); len(train) != len(ex) || len(test) != 0 {
		t.Errorf("Split(n=0): %d/%d", len(train), len(test))
	}
}

func TestUntrained(t *testing.T) {
	m := Train(nil, seeds(t))
	if m.Trained() != 0 {
		t.Errorf("Trained() = %d", m.Trained())
	}
	for _, tt := range []struct{ title, desc, want string }{
		{"Air PDAM mati", "sudah dua hari air tidak mengalir", "air-bersih"},
		{"Jalan berlubang", "aspal rusak di depan pasar", "jalan-jembatan"},
		{"Selokan mampet", "got tersumbat sampah, banjir kalau hujan", "drainase-banjir"},
		{"Lampu PJU mati", "jalan gelap", "penerangan-jalan"},
		{"Gaji di bawah UMK", "pekerja pabrik", "ketenagakerjaan"},
		{"KTP belum jadi", "", "administrasi-kependudukan"},
	} {
		s := m.Suggest(tt.title, tt.desc, 3)
		if len(s) == 0 || s[0].Category != tt.want {
			t.Errorf("Suggest(%q) = %v, want %s first", tt.title, s, tt.want)
		}
	}
}

func TestSuggest(t *testing.T) {
	m := trainedModel(t)
	if m.Trained() != len(reports(t)) {
		t.Errorf("Trained() = %d, want %d", m.Trained(), len(reports(t)))
	}
	s := m.Suggest("banyune butek", "banyu pdam nang omahku butek, ora iso gawe masak", 3)
	if len(s) != 3 || s[0].Category != "air-bersih" {
		t.Fatalf("Suggest = %v", s)
	}
	checkSuggestions(t, s, 3)
	if got := m.Suggest("", "", 3); got != nil {
		t.Errorf("Suggest of empty text = %v, want nil", got)
	}
	if got := m.Suggest("zzqx", "", 3); got != nil {
		t.Errorf("Suggest of unknown text = %v, want nil", got)
	}
	if got := m.Suggest("air mati", "", 0); got != nil {
		t.Errorf("Suggest with k=0 = %v, want nil", got)
	}
	if got := m.Suggest("air mati", "", 100); len(got) != len(m.Categories()) {
		t.Errorf("Suggest with k=100 returned %d, want all %d", len(got), len(m.Categories()))
	}
	why := m.Explain("Air PDAM mati", "air tidak mengalir sejak pagi", "air-bersih", 3)
	if len(why) == 0 || !contains(why, "pdam") {
		t.Errorf("Explain = %v, want pdam among the reasons", why)
	}
	if got := m.Explain("Air PDAM mati", "", "no-such", 3); got != nil {
		t.Errorf("Explain of unknown category = %v", got)
	}
}

// checkSuggestions checks the promises Suggest makes about its output.
func checkSuggestions(t *testing.T, s []Suggestion, k int) {
	t.Helper()
	if len(s) > k {
		t.Errorf("%d suggestions for k=%d", len(s), k)
	}
	var sum float64
	for i, x := range s {
		if !(x.Confidence >= 0 && x.Confidence <= 1) || x.Category == "" {
			t.Errorf("bad suggestion %+v", x)
		}
		if i > 0 && x.Confidence > s[i-1].Confidence {
			t.Errorf("not sorted: %v", s)
		}
		sum += x.Confidence
	}
	if sum > 1+1e-9 {
		t.Errorf("confidences sum to %v > 1", sum)
	}
}

func TestTrainDeterministic(t *testing.T) {
	ex, cats := reports(t), seeds(t)
	var a, b bytes.Buffer
	if err := Train(ex, cats).Save(&a); err != nil {
		t.Fatal(err)
	}
	if err := Train(ex, cats).Save(&b); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Error("two trainings on the same data differ")
	}
	t.Logf("stored model: %d bytes", a.Len())
}

func TestSaveLoad(t *testing.T) {
	m := trainedModel(t)
	var buf bytes.Buffer
	if err := m.Save(&buf); err != nil {
		t.Fatal(err)
	}
	saved := append([]byte(nil), buf.Bytes()...)
	n, err := Load(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if n.Trained() != m.Trained() || n.temp != m.temp {
		t.Errorf("loaded Trained %d temp %v, want %d %v", n.Trained(), n.temp, m.Trained(), m.temp)
	}
	for _, e := range reports(t)[:60] {
		a, b := m.Suggest(e.Title, e.Description, 3), n.Suggest(e.Title, e.Description, 3)
		if len(a) != len(b) {
			t.Fatalf("%q: %v vs %v", e.Title, a, b)
		}
		for i := range a {
			if a[i] != b[i] {
				t.Fatalf("%q: %v vs %v", e.Title, a, b)
			}
		}
	}
	var again bytes.Buffer
	if err := n.Save(&again); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(saved, again.Bytes()) {
		t.Error("Save(Load(Save(m))) differs from Save(m)")
	}
}

func TestLoadInvalid(t *testing.T) {
	for _, in := range []string{
		``, `{}`, `[]`, `not json`,
		`{"version":2,"method":"multinomial-naive-bayes"}`,
		`{"version":1,"method":"multinomial-naive-bayes","classes":["a"],"examples":[0],"alpha":0,"temperature":1,"features":{"char_min_n":3,"char_max_n":5}}`,
		`{"version":1,"method":"multinomial-naive-bayes","classes":["a"],"examples":[0],"alpha":1,"temperature":1,"features":{"char_min_n":3,"char_max_n":5},"counts":{"w:x":[5,1]}}`,
		`{"version":1,"method":"multinomial-naive-bayes","classes":["a"],"examples":[0],"alpha":1,"temperature":1,"features":{"char_min_n":3,"char_max_n":5},"counts":{"w:x":[0]}}`,
		`{"version":1,"method":"multinomial-naive-bayes","classes":["b","a"],"examples":[0,0],"alpha":1,"temperature":1,"features":{"char_min_n":3,"char_max_n":5}}`,
	} {
		if _, err := Load(bytes.NewReader([]byte(in))); esambat.ErrorCode(err) != esambat.EINVALID {
			t.Errorf("Load(%.40q) = %v, want EINVALID", in, err)
		}
	}
}

func FuzzSuggest(f *testing.F) {
	for _, s := range []string{"", "air pdam mati", "dalane bolong", "!!!", "http://x", "2222", "anak2", "kali kali kali",
		"mengeeeeeee", "ke-an", "pe", "menge", "\xff\xfe", "ÁÉÍ jalan", "جالان", "berlubang-berlubang"} {
		f.Add(s, s)
	}
	m := Train(nil, seeds(f))
	f.Fuzz(func(t *testing.T, title, desc string) {
		s := m.Suggest(title, desc, 3)
		checkSuggestions(t, s, 3)
		for _, w := range Normalize(title + " " + desc) {
			_ = Stem(w)
		}
		for _, c := range s {
			if math.IsNaN(c.Confidence) {
				t.Fatalf("NaN confidence for %q %q", title, desc)
			}
		}
	})
}

func BenchmarkSuggest(b *testing.B) {
	m := trainedModel(b)
	ex := reports(b)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		e := ex[i%len(ex)]
		m.Suggest(e.Title, e.Description, 3)
	}
}

func BenchmarkTrain(b *testing.B) {
	ex, cats := reports(b), seeds(b)
	for b.Loop() {
		Train(ex, cats)
	}
}

// BenchmarkTrainLarge trains on 20,000 reports, the most the server trains
// on (cmd/esambat maxTrainingReports): the test reports over and over.
// B/op is what one training allocates; see BENCHMARKS.md.
func BenchmarkTrainLarge(b *testing.B) {
	ex, cats := reports(b), seeds(b)
	large := make([]Example, 20000)
	for i := range large {
		large[i] = ex[i%len(ex)]
	}
	b.ReportAllocs()
	for b.Loop() {
		Train(large, cats)
	}
}
