package routing

import (
	"math"
	"sort"
	"strings"

	"github.com/esambat/esambat"
)

// Example is a report whose category a verifier has confirmed.
type Example struct {
	Category    string
	Title       string
	Description string
}

// Suggestion is a category the model proposes for a report, with its
// estimated probability of being the right one.
type Suggestion struct {
	Category   string
	Confidence float64
}

// Model is a multinomial Naive Bayes classifier over report text; see the
// package documentation. A Model is never changed after Train or Load and
// is safe for concurrent use.
//
// The counts are sparse: a feature (a word, a pair of words, a character
// n-gram) is seen in one or two categories, so a row keeps only the
// categories it was counted in, and every other category gets the
// smoothed weight of a count of zero (base). A dense row per feature cost
// about 450 bytes per feature, and a city's history holds tens of
// thousands of them.
type Model struct {
	classes  []string  // category codes, sorted
	examples []float64 // real reports per class
	alpha    float64   // Laplace smoothing
	temp     float64   // softmax temperature
	trained  int
	fc       featureConfig

	rows  map[string]int32 // feature → row, rows numbered in feature-name order
	start []int32          // row r's counts are cls, cnt and logw[start[r]:start[r+1]]
	cls   []int32          // class of each count
	cnt   []float64        // weighted count

	// Derived from the above by derive.
	bias []float64 // log prior per class
	base []float64 // log P(feature | class) of a feature never counted in class
	logw []float64 // log P(feature | class), parallel to cnt
}

// trainConfig holds the learning settings.
type trainConfig struct {
	Alpha      float64 // Laplace smoothing added to every count
	SeedWeight float64 // how many reports a category's keywords count as
	Temp       float64 // softmax temperature; 0 = fit by cross-validation
	Features   featureConfig
}

// defaultTrain was chosen by 5-fold cross-validation on the training part
// of testdata/reports.csv (never on the held-out part); results within
// about two points of each other formed a wide plateau around it.
var defaultTrain = trainConfig{Alpha: 1, SeedWeight: 15, Features: defaultFeatures}

const (
	// untrainedTemp is the temperature of a model with too few reports to
	// fit one: the value that fits seeds-only scores to the training part
	// of testdata/reports.csv.
	untrainedTemp = 6.0
	// minFitTemp is the number of reports from which the temperature is
	// fitted by cross-validation rather than fixed.
	minFitTemp = 50
	folds      = 5
)

// Train builds a model from verified reports and the category table.
// Each seed category contributes its name and keywords as a pseudo-report
// worth several real ones, so that a model trained on no reports at all
// (Trained() == 0) still suggests something useful, and real reports
// progressively outweigh it. Examples with an empty Category are ignored;
// examples whose category is not among the seeds still count (a category
// removed from the table keeps its history). Training is deterministic:
// the same examples in the same order give the same model.
func Train(examples []Example, seeds []esambat.Category) *Model {
	return defaultTrain.train(examples, seeds)
}

// doc is a report or a seed turned into features: feature ids[i] (see
// vocab) with weight ws[i], 12 bytes each where a string took 40.
type doc struct {
	class  int
	weight float64 // seeds count SeedWeight times, reports once
	real   bool
	ids    []int32
	ws     []float64
}

// corpus is the training set.
type corpus struct {
	classes []string
	vocab   vocab
	docs    []doc
}

func (tc trainConfig) train(examples []Example, seeds []esambat.Category) *Model {
	set := map[string]bool{}
	for _, s := range seeds {
		if s.Code != "" {
			set[s.Code] = true
		}
	}
	for _, e := range examples {
		if e.Category != "" {
			set[e.Category] = true
		}
	}
	cp := &corpus{vocab: newVocab()}
	for c := range set {
		cp.classes = append(cp.classes, c)
	}
	sort.Strings(cp.classes)
	index := make(map[string]int, len(cp.classes))
	for i, c := range cp.classes {
		index[c] = i
	}
	for _, s := range seeds {
		if s.Code != "" {
			d := doc{class: index[s.Code], weight: tc.SeedWeight}
			for _, f := range tc.Features.seedFeatures(s.Name, s.Keywords) {
				d.ids = append(d.ids, cp.vocab.id([]byte(f.name)))
				d.ws = append(d.ws, f.weight)
			}
			cp.docs = append(cp.docs, d)
		}
	}
	var acc accumulator
	for _, e := range examples {
		if e.Category != "" {
			d := doc{class: index[e.Category], weight: 1, real: true}
			d.ids, d.ws = acc.features(tc.Features, &cp.vocab, e.Title, e.Description)
			cp.docs = append(cp.docs, d)
		}
	}
	var t table
	t.count(cp, -1)
	m := &Model{classes: cp.classes, alpha: tc.Alpha, temp: tc.Temp, fc: tc.Features, examples: t.examples, trained: t.trained}
	m.setCounts(len(cp.vocab.names), func(yield func(string, []float64) bool) {
		order := make([]int32, len(cp.vocab.names))
		for i := range order {
			order[i] = int32(i)
		}
		sort.Slice(order, func(i, j int) bool { return cp.vocab.names[order[i]] < cp.vocab.names[order[j]] })
		k := len(cp.classes)
		for _, id := range order {
			if t.seen[id] && !yield(cp.vocab.names[id], t.cnt[int(id)*k:int(id+1)*k]) {
				return
			}
		}
	})
	if m.temp == 0 {
		m.temp = tc.fitTemperature(cp)
	}
	return m
}

// table is the dense count of a corpus, all of it or all but one fold of
// the real reports: cnt[id*k+class].
type table struct {
	cnt      []float64
	seen     []bool // the feature occurs in a counted document
	examples []float64
	trained  int
}

// count counts the features of cp's documents per class into t, reusing
// its storage, leaving out the real reports of fold skip (-1 leaves none
// out). Documents are counted in corpus order, so the sums are the same
// from one run to the next.
func (t *table) count(cp *corpus, skip int) {
	k, v := len(cp.classes), len(cp.vocab.names)
	if len(t.cnt) != v*k || len(t.examples) != k {
		t.cnt, t.seen, t.examples = make([]float64, v*k), make([]bool, v), make([]float64, k)
	} else {
		clear(t.cnt)
		clear(t.seen)
		clear(t.examples)
	}
	t.trained = 0
	n := 0 // real reports so far
	for _, d := range cp.docs {
		if d.real {
			n++
			if (n-1)%folds == skip {
				continue
			}
			t.examples[d.class]++
			t.trained++
		}
		for i, id := range d.ids {
			t.cnt[int(id)*k+d.class] += d.ws[i] * d.weight
			t.seen[id] = true
		}
	}
}

// setCounts fills the model's rows from each feature's dense counts, given
// in feature-name order, and derives the weights.
func (m *Model) setCounts(n int, rows func(yield func(name string, counts []float64) bool)) {
	m.rows = make(map[string]int32, n)
	m.start = make([]int32, 0, n+1)
	for name, v := range rows {
		m.rows[name] = int32(len(m.start))
		m.start = append(m.start, int32(len(m.cls)))
		for c, x := range v {
			if x != 0 {
				m.cls = append(m.cls, int32(c))
				m.cnt = append(m.cnt, x)
			}
		}
	}
	m.start = append(m.start, int32(len(m.cls)))
	m.derive()
}

// derive computes the log prior and log likelihoods from the counts.
// Classes are summed in feature-name order so that the result does not
// depend on map iteration.
func (m *Model) derive() {
	k := len(m.classes)
	total := make([]float64, k)
	for j, c := range m.cls {
		total[c] += m.cnt[j]
	}
	vocab := float64(len(m.rows))
	m.base = make([]float64, k)
	for c := range m.base {
		m.base[c] = math.Log(m.alpha / (total[c] + m.alpha*vocab))
	}
	m.logw = make([]float64, len(m.cnt))
	for j, c := range m.cls {
		m.logw[j] = math.Log((m.cnt[j] + m.alpha) / (total[c] + m.alpha*vocab))
	}
	m.bias = logPrior(m.examples)
}

// logPrior is the Laplace-smoothed log prior: uniform with no reports,
// the published mix (water 23%, public works 16%, ...) once reports
// accumulate.
func logPrior(examples []float64) []float64 {
	var n float64
	for _, e := range examples {
		n += e
	}
	p := make([]float64, len(examples))
	for c := range p {
		p[c] = math.Log((examples[c] + 1) / (n + float64(len(examples))))
	}
	return p
}

// fitTemperature picks the softmax temperature that minimises the
// log-loss of 5-fold cross-validation on the real reports, so that a
// confidence of 0.8 means about 8 in 10 right. Naive Bayes treats the many
// overlapping features of a word as independent evidence and is wildly
// over-confident at temperature 1; the fitted value is typically 5 to 8.
func (tc trainConfig) fitTemperature(cp *corpus) float64 {
	n := 0
	for _, d := range cp.docs {
		if d.real {
			n++
		}
	}
	if n < minFitTemp {
		return untrainedTemp
	}
	// Each held-out report's scores less their maximum, the first step of
	// softmax, which does not depend on the temperature.
	type scored struct {
		diffs []float64
		truth int
	}
	var all []scored
	k := len(cp.classes)
	var t table // one table for every fold
	for f := range folds {
		// The fold's model, dense: the seeds and the other folds' reports.
		t.count(cp, f)
		total := make([]float64, k)
		vocab := 0
		for id, seen := range t.seen {
			if seen {
				vocab++
				for c, v := range t.cnt[id*k : (id+1)*k] {
					total[c] += v
				}
			}
		}
		logw := t.cnt // each count becomes its log weight in place
		for id, seen := range t.seen {
			if seen {
				for c := range k {
					logw[id*k+c] = math.Log((logw[id*k+c] + tc.Alpha) / (total[c] + tc.Alpha*float64(vocab)))
				}
			}
		}
		bias := logPrior(t.examples)
		i := 0
		for _, d := range cp.docs {
			if !d.real {
				continue
			}
			i++
			if (i-1)%folds != f {
				continue
			}
			s := append([]float64(nil), bias...)
			known := false
			for j, id := range d.ids {
				if !t.seen[id] {
					continue // unseen in training: equally unlikely for every class
				}
				known = true
				for c := range s {
					s[c] += d.ws[j] * logw[int(id)*k+c]
				}
			}
			if known {
				hi := math.Inf(-1)
				for _, v := range s {
					hi = math.Max(hi, v)
				}
				for c := range s {
					s[c] -= hi
				}
				all = append(all, scored{s, d.class})
			}
		}
	}
	best, bestLoss := untrainedTemp, math.Inf(1)
	for t := 0.5; t <= 64; t *= 1.05 {
		var loss float64
		for _, s := range all {
			// -log softmax(s, t)[truth], as softmax computes it.
			var sum, truth float64
			for c, d := range s.diffs {
				e := math.Exp(d / t)
				sum += e
				if c == s.truth {
					truth = e
				}
			}
			loss -= math.Log(math.Max(truth/sum, 1e-300))
		}
		if loss < bestLoss {
			best, bestLoss = t, loss
		}
	}
	return best
}

// score returns the per-class log posterior (up to a constant) of a
// report's features, and false when none of them is known to the model.
func (m *Model) score(feats []feature) ([]float64, bool) {
	s := append([]float64(nil), m.bias...)
	known := false
	var sum float64 // weight of the known features: each counts base in every class...
	for _, f := range feats {
		r, ok := m.rows[f.name]
		if !ok {
			continue // unseen in training: equally unlikely for every class
		}
		known = true
		sum += f.weight
		for j := m.start[r]; j < m.start[r+1]; j++ {
			c := m.cls[j]
			s[c] += f.weight * (m.logw[j] - m.base[c]) // ...but its own weight where it was counted
		}
	}
	for c := range s {
		s[c] += sum * m.base[c]
	}
	return s, known
}

// row returns a feature's log weight in every class, and false for a
// feature the model does not know.
func (m *Model) row(name string) ([]float64, bool) {
	r, ok := m.rows[name]
	if !ok {
		return nil, false
	}
	w := append([]float64(nil), m.base...)
	for j := m.start[r]; j < m.start[r+1]; j++ {
		w[m.cls[j]] = m.logw[j]
	}
	return w, true
}

// Suggest returns up to k categories for a report, most likely first, with
// confidences that are probabilities: each between 0 and 1, together at
// most 1. It returns nil when k < 1, or when neither the title nor the
// description has a word or word fragment the model has seen, since there
// is then nothing to go on.
func (m *Model) Suggest(title, description string, k int) []Suggestion {
	if k < 1 || len(m.classes) == 0 {
		return nil
	}
	s, ok := m.score(m.fc.extract(title, description))
	if !ok {
		return nil
	}
	softmax(s, m.temp)
	out := make([]Suggestion, len(s))
	for c, p := range s {
		out[c] = Suggestion{m.classes[c], p}
	}
	// Stable on sorted codes: ties break alphabetically.
	sort.SliceStable(out, func(i, j int) bool { return out[i].Confidence > out[j].Confidence })
	if k < len(out) {
		out = out[:k]
	}
	return out
}

// Explain returns up to n words or word pairs of a report that most favour
// category over the others, strongest first, for showing an officer why a
// suggestion was made ("pdam", "air mati"). Words are shown stemmed. It
// returns nil for a category the model does not know.
func (m *Model) Explain(title, description, category string, n int) []string {
	c := sort.SearchStrings(m.classes, category)
	if n < 1 || c == len(m.classes) || m.classes[c] != category {
		return nil
	}
	type term struct {
		text string
		gain float64
	}
	var terms []term
	for _, f := range m.fc.extract(title, description) {
		if strings.HasPrefix(f.name, "c:") {
			continue
		}
		w, ok := m.row(f.name)
		if !ok {
			continue
		}
		var mean float64
		for _, v := range w {
			mean += v
		}
		mean /= float64(len(w))
		if g := f.weight * (w[c] - mean); g > 0 {
			terms = append(terms, term{strings.ReplaceAll(f.name[2:], "_", " "), g})
		}
	}
	sort.SliceStable(terms, func(i, j int) bool { return terms[i].gain > terms[j].gain })
	var out []string
	for _, t := range terms {
		if len(out) == n {
			break
		}
		out = append(out, t.text)
	}
	return out
}

// Trained returns the number of real (verified) reports the model learnt
// from, not counting the category keywords.
func (m *Model) Trained() int { return m.trained }

// Categories returns the category codes the model can suggest, sorted.
func (m *Model) Categories() []string { return append([]string(nil), m.classes...) }

// softmax turns scores into probabilities in place, dividing by the
// temperature t first.
func softmax(s []float64, t float64) {
	hi := math.Inf(-1)
	for _, v := range s {
		hi = math.Max(hi, v)
	}
	var sum float64
	for i, v := range s {
		s[i] = math.Exp((v - hi) / t)
		sum += s[i]
	}
	for i := range s {
		s[i] /= sum
	}
}
