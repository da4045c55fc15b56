package routing

import (
	"math"
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
	w       map[string][]float64
}

func trainLogistic(examples []Example, seeds []esambat.Category, fc featureConfig, seedWeight, lambda, rate float64, iter int) *logistic {
	nb := trainConfig{Alpha: 1, SeedWeight: seedWeight, Temp: 1, Features: fc}.train(examples, seeds)
	k := len(nb.classes)
	index := map[string]int{}
	for i, c := range nb.classes {
		index[c] = i
	}
	type sdoc struct {
		class  int
		weight float64
		feats  []feature
	}
	var docs []sdoc
	for _, s := range seeds {
		docs = append(docs, sdoc{index[s.Code], seedWeight, unit(fc.seedFeatures(s.Name, s.Keywords))})
	}
	for _, e := range examples {
		docs = append(docs, sdoc{index[e.Category], 1, unit(fc.extract(e.Title, e.Description))})
	}
	m := &logistic{classes: nb.classes, fc: fc, bias: make([]float64, k), w: map[string][]float64{}}
	for _, d := range docs {
		for _, f := range d.feats {
			if m.w[f.name] == nil {
				m.w[f.name] = make([]float64, k)
			}
		}
	}
	var wsum float64
	for _, d := range docs {
		wsum += d.weight
	}
	grad := map[string][]float64{}
	hist := map[string][]float64{}
	for name := range m.w {
		grad[name] = make([]float64, k)
		hist[name] = make([]float64, k)
	}
	gb, hb := make([]float64, k), make([]float64, k)
	p := make([]float64, k)
	for it := 0; it < iter; it++ {
		for _, g := range grad {
			clear(g)
		}
		clear(gb)
		for _, d := range docs {
			m.scores(d.feats, p)
			softmax(p, 1)
			p[d.class]--
			for c := range p {
				g := p[c] * d.weight / wsum
				gb[c] += g
				for _, f := range d.feats {
					grad[f.name][c] += g * f.weight
				}
			}
		}
		for name, w := range m.w {
			g, h := grad[name], hist[name]
			for c := range w {
				x := g[c] + lambda*w[c]
				h[c] += x * x
				if h[c] > 0 {
					w[c] -= rate * x / math.Sqrt(h[c])
				}
			}
		}
		for c := range m.bias {
			hb[c] += gb[c] * gb[c]
			if hb[c] > 0 {
				m.bias[c] -= rate * gb[c] / math.Sqrt(hb[c])
			}
		}
	}
	return m
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

func (m *logistic) scores(fs []feature, p []float64) {
	copy(p, m.bias)
	for _, f := range fs {
		if w, ok := m.w[f.name]; ok {
			for c := range p {
				p[c] += f.weight * w[c]
			}
		}
	}
}

// rank returns the classes best first.
func (m *logistic) rank(title, description string) []string {
	p := make([]float64, len(m.classes))
	m.scores(unit(m.fc.extract(title, description)), p)
	var out []string
	used := make([]bool, len(p))
	for range p {
		best := -1
		for c := range p {
			if !used[c] && (best < 0 || p[c] > p[best]) {
				best = c
			}
		}
		used[best] = true
		out = append(out, m.classes[best])
	}
	return out
}
