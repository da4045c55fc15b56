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
type Model struct {
	classes  []string             // category codes, sorted
	examples []float64            // real reports per class
	counts   map[string][]float64 // feature → weighted count per class
	alpha    float64              // Laplace smoothing
	temp     float64              // softmax temperature
	trained  int
	fc       featureConfig

	// Derived from the above by derive.
	bias    []float64            // log prior per class
	weights map[string][]float64 // feature → log P(feature | class)
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

// doc is a report or a seed turned into features.
type doc struct {
	class  int
	weight float64 // seeds count SeedWeight times, reports once
	real   bool
	feats  []feature
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
	classes := make([]string, 0, len(set))
	for c := range set {
		classes = append(classes, c)
	}
	sort.Strings(classes)
	index := make(map[string]int, len(classes))
	for i, c := range classes {
		index[c] = i
	}
	var docs []doc
	for _, s := range seeds {
		if s.Code != "" {
			docs = append(docs, doc{index[s.Code], tc.SeedWeight, false, tc.Features.seedFeatures(s.Name, s.Keywords)})
		}
	}
	for _, e := range examples {
		if e.Category != "" {
			docs = append(docs, doc{index[e.Category], 1, true, tc.Features.extract(e.Title, e.Description)})
		}
	}
	m := tc.fit(classes, docs)
	m.temp = tc.Temp
	if m.temp == 0 {
		m.temp = tc.fitTemperature(classes, docs)
	}
	return m
}

// fit counts the features of docs per class.
func (tc trainConfig) fit(classes []string, docs []doc) *Model {
	k := len(classes)
	m := &Model{
		classes:  classes,
		examples: make([]float64, k),
		counts:   map[string][]float64{},
		alpha:    tc.Alpha,
		temp:     1,
		fc:       tc.Features,
	}
	for _, d := range docs {
		if d.real {
			m.examples[d.class]++
			m.trained++
		}
		for _, f := range d.feats {
			v := m.counts[f.name]
			if v == nil {
				v = make([]float64, k)
				m.counts[f.name] = v
			}
			v[d.class] += f.weight * d.weight
		}
	}
	m.derive()
	return m
}

// derive computes the log prior and log likelihoods from the counts.
// Classes are summed in feature-name order so that the result does not
// depend on map iteration.
func (m *Model) derive() {
	k := len(m.classes)
	names := make([]string, 0, len(m.counts))
	for name := range m.counts {
		names = append(names, name)
	}
	sort.Strings(names)
	total := make([]float64, k)
	for _, name := range names {
		for c, v := range m.counts[name] {
			total[c] += v
		}
	}
	vocab := float64(len(names))
	m.weights = make(map[string][]float64, len(names))
	for _, name := range names {
		w := make([]float64, k)
		for c, v := range m.counts[name] {
			w[c] = math.Log((v + m.alpha) / (total[c] + m.alpha*vocab))
		}
		m.weights[name] = w
	}
	var n float64
	for _, e := range m.examples {
		n += e
	}
	m.bias = make([]float64, k)
	for c := range m.bias {
		// Laplace-smoothed prior: uniform with no reports, the published
		// mix (water 23%, public works 16%, ...) once reports accumulate.
		m.bias[c] = math.Log((m.examples[c] + 1) / (n + float64(k)))
	}
}

// fitTemperature picks the softmax temperature that minimises the
// log-loss of 5-fold cross-validation on the real reports, so that a
// confidence of 0.8 means about 8 in 10 right. Naive Bayes treats the many
// overlapping features of a word as independent evidence and is wildly
// over-confident at temperature 1; the fitted value is typically 5 to 8.
func (tc trainConfig) fitTemperature(classes []string, docs []doc) float64 {
	var seedDocs, realDocs []doc
	for _, d := range docs {
		if d.real {
			realDocs = append(realDocs, d)
		} else {
			seedDocs = append(seedDocs, d)
		}
	}
	if len(realDocs) < minFitTemp {
		return untrainedTemp
	}
	type scored struct {
		scores []float64
		truth  int
	}
	var all []scored
	for f := 0; f < folds; f++ {
		tr := append([]doc(nil), seedDocs...)
		var te []doc
		for i, d := range realDocs {
			if i%folds == f {
				te = append(te, d)
			} else {
				tr = append(tr, d)
			}
		}
		m := tc.fit(classes, tr)
		for _, d := range te {
			if s, ok := m.score(d.feats); ok {
				all = append(all, scored{s, d.class})
			}
		}
	}
	best, bestLoss := untrainedTemp, math.Inf(1)
	p := make([]float64, len(classes))
	for t := 0.5; t <= 64; t *= 1.05 {
		var loss float64
		for _, s := range all {
			copy(p, s.scores)
			softmax(p, t)
			loss -= math.Log(math.Max(p[s.truth], 1e-300))
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
	for _, f := range feats {
		w, ok := m.weights[f.name]
		if !ok {
			continue // unseen in training: equally unlikely for every class
		}
		known = true
		for c := range s {
			s[c] += f.weight * w[c]
		}
	}
	return s, known
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
		w, ok := m.weights[f.name]
		if !ok || strings.HasPrefix(f.name, "c:") {
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
