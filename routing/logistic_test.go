package routing

import (
	"math"
	"sort"
	"testing"

	"github.com/esambat/esambat"
)

// TestLogisticBaseline records why the package uses Naive Bayes: a
// softmax (multinomial logistic) regression over the same features,
// trained with full-batch AdaGrad and an L2 penalty, with the best settings
// 5-fold cross-validation on the training part found, does worse on the
// held-out part. It only logs; it guards no threshold.
func TestLogisticBaseline(t *testing.T) {
	if testing.Short() {
		t.Skip("slow")
	}
	cats := seeds(t)
	train, test := Split(reports(t), holdOut)
	nb1, nb3 := Evaluate(train, test, cats)
	fc := featureConfig{Unigram: 1, Bigram: 0.5, Char: 0.1, MinN: 3, MaxN: 5, Title: 1}
	lr := trainLogistic(train, cats, fc, 3, 1e-3, 0.5, 300)
	var n1, n3 int
	for _, e := range test {
		for i, c := range lr.rank(e.Title, e.Description) {
			if i == 3 {
				break
			}
			if c == e.Category {
				if i == 0 {
					n1++
				}
				n3++
			}
		}
	}
	t.Logf("held-out top-1/top-3: naive Bayes %.3f/%.3f, logistic regression %.3f/%.3f",
		nb1, nb3, float64(n1)/float64(len(test)), float64(n3)/float64(len(test)))
}

type logistic struct {
	classes []string
	fc      featureConfig
	bias    []float64
	index   map[string]int // feature → row of w
	w       []float64      // row-major, one row of len(classes) per feature
}

// sparse is a unit-length feature vector as rows of logistic.w.
type sparse struct {
	class  int
	weight float64
	idx    []int
	val    []float64
}

func trainLogistic(examples []Example, seeds []esambat.Category, fc featureConfig, seedWeight, lambda, rate float64, iter int) *logistic {
	m := &logistic{fc: fc, index: map[string]int{}}
	m.classes = trainConfig{Alpha: 1, SeedWeight: seedWeight, Temp: 1, Features: fc}.train(examples, seeds).classes
	k := len(m.classes)
	class := map[string]int{}
	for i, c := range m.classes {
		class[c] = i
	}
	var docs []sparse
	add := func(c string, weight float64, fs []feature) {
		d := sparse{class: class[c], weight: weight}
		for _, f := range unit(fs) {
			j, ok := m.index[f.name]
			if !ok {
				j = len(m.index)
				m.index[f.name] = j
			}
			d.idx = append(d.idx, j)
			d.val = append(d.val, f.weight)
		}
		docs = append(docs, d)
	}
	for _, s := range seeds {
		add(s.Code, seedWeight, fc.seedFeatures(s.Name, s.Keywords))
	}
	for _, e := range examples {
		add(e.Category, 1, fc.extract(e.Title, e.Description))
	}
	n := len(m.index) * k
	m.w, m.bias = make([]float64, n), make([]float64, k)
	gw, hw := make([]float64, n), make([]float64, n)
	gb, hb := make([]float64, k), make([]float64, k)
	var wsum float64
	for _, d := range docs {
		wsum += d.weight
	}
	p := make([]float64, k)
	for it := 0; it < iter; it++ {
		clear(gw)
		clear(gb)
		for _, d := range docs {
			m.scores(d.idx, d.val, p)
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
		adagrad(m.w, gw, hw, lambda, rate)
		adagrad(m.bias, gb, hb, 0, rate)
	}
	return m
}

func adagrad(w, g, h []float64, lambda, rate float64) {
	for i := range w {
		x := g[i] + lambda*w[i]
		h[i] += x * x
		if h[i] > 0 {
			w[i] -= rate * x / math.Sqrt(h[i])
		}
	}
}

func unit(fs []feature) []feature {
	var n float64
	for _, f := range fs {
		n += f.weight * f.weight
	}
	n = math.Sqrt(n)
	for i := range fs {
		fs[i].weight /= n
	}
	return fs
}

func (m *logistic) scores(idx []int, val []float64, p []float64) {
	k := len(p)
	copy(p, m.bias)
	for t, j := range idx {
		row := m.w[j*k : j*k+k]
		for c := range p {
			p[c] += val[t] * row[c]
		}
	}
}

// rank returns the classes best first.
func (m *logistic) rank(title, description string) []string {
	var idx []int
	var val []float64
	for _, f := range unit(m.fc.extract(title, description)) {
		if j, ok := m.index[f.name]; ok {
			idx = append(idx, j)
			val = append(val, f.weight)
		}
	}
	p := make([]float64, len(m.classes))
	m.scores(idx, val, p)
	out := append([]string(nil), m.classes...)
	order := make([]int, len(p))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return p[order[a]] > p[order[b]] })
	for i, c := range order {
		out[i] = m.classes[c]
	}
	return out
}
