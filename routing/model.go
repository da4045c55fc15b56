package routing

import (
	"math"
	"sort"

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

// Model suggests a report's category from its text. A Model is immutable
// once trained and safe for concurrent use.
type Model struct {
	classes []string             // category codes, sorted
	bias    []float64            // per class
	weights map[string][]float64 // feature → per class
	unit    bool                 // scale feature vectors to unit length
	temp    float64              // softmax temperature
	trained int
	fc      featureConfig
}

// trainConfig holds the learning settings; defaultTrain was chosen by
// cross-validation on the training part of testdata/reports.csv.
type trainConfig struct {
	Method     string  // "nb" or "lr"
	Alpha      float64 // NB: Laplace smoothing
	SeedWeight float64 // how many reports a category's keywords count as
	Lambda     float64 // LR: L2 penalty
	Iter       int     // LR: gradient steps
	LR         float64 // LR: step size
	Temp       float64 // softmax temperature; 0 = fit by cross-validation
	Features   featureConfig
}

var defaultTrain = trainConfig{Method: "nb", Alpha: 0.1, SeedWeight: 3, Lambda: 1e-4, Iter: 300, LR: 0.5, Temp: 0, Features: defaultFeatures}

// Train builds a model from verified reports and the category table.
// Each seed category contributes its name and keywords as a pseudo-report,
// so a model trained on no reports at all still suggests something useful;
// examples whose category is not among the seeds still count (a category
// added later keeps its history). Training is deterministic: the same
// examples in the same order give the same model.
func Train(examples []Example, seeds []esambat.Category) *Model {
	return defaultTrain.train(examples, seeds)
}

type doc struct {
	class  int
	weight float64
	feats  []feature
}

func (tc trainConfig) train(examples []Example, seeds []esambat.Category) *Model {
	set := map[string]bool{}
	for _, s := range seeds {
		set[s.Code] = true
	}
	for _, e := range examples {
		if e.Category != "" {
			set[e.Category] = true
		}
	}
	m := &Model{fc: tc.Features, temp: 1}
	for c := range set {
		m.classes = append(m.classes, c)
	}
	sort.Strings(m.classes)
	index := map[string]int{}
	for i, c := range m.classes {
		index[c] = i
	}
	var docs []doc
	for _, s := range seeds {
		docs = append(docs, doc{index[s.Code], tc.SeedWeight, tc.Features.seedFeatures(s.Name, s.Keywords)})
	}
	counts := make([]float64, len(m.classes))
	for _, e := range examples {
		if e.Category == "" {
			continue
		}
		docs = append(docs, doc{index[e.Category], 1, tc.Features.extract(e.Title, e.Description)})
		counts[index[e.Category]]++
		m.trained++
	}
	switch tc.Method {
	case "lr":
		m.fitLR(docs, tc)
	default:
		m.fitNB(docs, counts, tc)
	}
	m.temp = tc.Temp
	if m.temp == 0 {
		m.temp = tc.fitTemperature(examples, seeds)
	}
	return m
}

func (m *Model) fitNB(docs []doc, counts []float64, tc trainConfig) {
	k := len(m.classes)
	cnt := map[string][]float64{}
	total := make([]float64, k)
	for _, d := range docs {
		for _, f := range d.feats {
			v := cnt[f.name]
			if v == nil {
				v = make([]float64, k)
				cnt[f.name] = v
			}
			v[d.class] += f.weight * d.weight
			total[d.class] += f.weight * d.weight
		}
	}
	vocab := float64(len(cnt))
	m.weights = make(map[string][]float64, len(cnt))
	for name, v := range cnt {
		w := make([]float64, k)
		for c := range w {
			w[c] = math.Log((v[c] + tc.Alpha) / (total[c] + tc.Alpha*vocab))
		}
		m.weights[name] = w
	}
	var n float64
	for _, c := range counts {
		n += c
	}
	m.bias = make([]float64, k)
	for c := range m.bias {
		m.bias[c] = math.Log((counts[c] + 1) / (n + float64(k)))
	}
}

func (m *Model) fitLR(docs []doc, tc trainConfig) {
	m.unit = true
	k := len(m.classes)
	names := map[string]int{}
	var order []string
	type sdoc struct {
		class  int
		weight float64
		idx    []int
		val    []float64
	}
	sd := make([]sdoc, len(docs))
	for i, d := range docs {
		var norm float64
		for _, f := range d.feats {
			norm += f.weight * f.weight
		}
		norm = math.Sqrt(norm)
		s := sdoc{class: d.class, weight: d.weight}
		for _, f := range d.feats {
			j, ok := names[f.name]
			if !ok {
				j = len(order)
				names[f.name] = j
				order = append(order, f.name)
			}
			s.idx = append(s.idx, j)
			s.val = append(s.val, f.weight/norm)
		}
		sd[i] = s
	}
	nf := len(order)
	w := make([]float64, nf*k)
	b := make([]float64, k)
	gw := make([]float64, nf*k)
	gb := make([]float64, k)
	hw := make([]float64, nf*k) // AdaGrad accumulators
	hb := make([]float64, k)
	p := make([]float64, k)
	var wsum float64
	for _, d := range sd {
		wsum += d.weight
	}
	for it := 0; it < tc.Iter; it++ {
		clear(gw)
		clear(gb)
		for _, d := range sd {
			copy(p, b)
			for t, j := range d.idx {
				row := w[j*k : j*k+k]
				for c := range p {
					p[c] += d.val[t] * row[c]
				}
			}
			softmax(p, 1)
			p[d.class]--
			for c := range p {
				g := p[c] * d.weight / wsum
				gb[c] += g
				for t, j := range d.idx {
					gw[j*k+c] += g * d.val[t]
				}
			}
		}
		for i := range w {
			g := gw[i] + tc.Lambda*w[i]
			hw[i] += g * g
			if hw[i] > 0 {
				w[i] -= tc.LR * g / math.Sqrt(hw[i])
			}
		}
		for c := range b {
			hb[c] += gb[c] * gb[c]
			if hb[c] > 0 {
				b[c] -= tc.LR * gb[c] / math.Sqrt(hb[c])
			}
		}
	}
	m.bias = b
	m.weights = make(map[string][]float64, nf)
	for j, name := range order {
		m.weights[name] = w[j*k : j*k+k : j*k+k]
	}
}

// fitTemperature picks the softmax temperature that minimises the
// log-loss of 5-fold cross-validation on the examples, so that a
// confidence of 0.8 means about 8 in 10 right. With few examples it
// returns a fixed default.
func (tc trainConfig) fitTemperature(examples []Example, seeds []esambat.Category) float64 {
	const folds = 5
	def := 1.0
	if tc.Method != "lr" {
		def = 8
	}
	if len(examples) < 50 {
		return def
	}
	sub := tc
	sub.Temp = 1
	type scored struct {
		scores []float64
		truth  int
	}
	var all []scored
	for f := 0; f < folds; f++ {
		var tr, te []Example
		for i, e := range examples {
			if i%folds == f {
				te = append(te, e)
			} else {
				tr = append(tr, e)
			}
		}
		m := sub.train(tr, seeds)
		for _, e := range te {
			s, ok := m.scores(e.Title, e.Description)
			t := m.classIndex(e.Category)
			if ok && t >= 0 {
				all = append(all, scored{s, t})
			}
		}
	}
	best, bestLoss := def, math.Inf(1)
	p := []float64{}
	for t := 0.25; t <= 64; t *= 1.1 {
		var loss float64
		for _, s := range all {
			p = append(p[:0], s.scores...)
			softmax(p, t)
			loss -= math.Log(math.Max(p[s.truth], 1e-12))
		}
		if loss < bestLoss {
			best, bestLoss = t, loss
		}
	}
	return best
}

func (m *Model) classIndex(code string) int {
	i := sort.SearchStrings(m.classes, code)
	if i < len(m.classes) && m.classes[i] == code {
		return i
	}
	return -1
}

// scores returns the raw per-class scores of a report, and false when none
// of its features is known to the model.
func (m *Model) scores(title, description string) ([]float64, bool) {
	feats := m.fc.extract(title, description)
	s := append([]float64(nil), m.bias...)
	var norm float64
	if m.unit {
		for _, f := range feats {
			norm += f.weight * f.weight
		}
		norm = math.Sqrt(norm)
	}
	known := false
	for _, f := range feats {
		w, ok := m.weights[f.name]
		if !ok {
			continue
		}
		known = true
		x := f.weight
		if m.unit {
			x /= norm
		}
		for c := range s {
			s[c] += x * w[c]
		}
	}
	return s, known
}

// Suggest returns up to k categories for a report, most likely first, with
// confidences that are probabilities (they sum to at most 1 over the k
// returned). It returns nil when k < 1 or when the text has no word or
// fragment the model has seen: there is then nothing to go on.
func (m *Model) Suggest(title, description string, k int) []Suggestion {
	if k < 1 || len(m.classes) == 0 {
		return nil
	}
	s, ok := m.scores(title, description)
	if !ok {
		return nil
	}
	softmax(s, m.temp)
	out := make([]Suggestion, len(s))
	for c, p := range s {
		out[c] = Suggestion{m.classes[c], p}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Confidence > out[j].Confidence })
	if k < len(out) {
		out = out[:k]
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
	max := math.Inf(-1)
	for _, v := range s {
		max = math.Max(max, v)
	}
	var sum float64
	for i, v := range s {
		s[i] = math.Exp((v - max) / t)
		sum += s[i]
	}
	for i := range s {
		s[i] /= sum
	}
}
