package routing

import (
	"sort"
	"unicode/utf8"
)

// feature is one term of a report's bag of features with its weight.
type feature struct {
	name   string
	weight float64
}

// featureConfig sets how text becomes features. The defaults (see
// defaultFeatures) were chosen by cross-validation on the training part of
// testdata/reports.csv only.
type featureConfig struct {
	Unigram, Bigram, Char float64 // weight of each kind of feature
	MinN, MaxN            int     // character n-gram lengths
	Title                 float64 // title words count this many times
}

var defaultFeatures = featureConfig{Unigram: 1, Bigram: 1, Char: 0.3, MinN: 3, MaxN: 5, Title: 2}

// extract returns the features of a report, merged by name and sorted so
// that sums over them are deterministic:
//
//   - "w:lubang": a stemmed word;
//   - "b:jalan_lubang": two stemmed words in a row (stop words removed);
//   - "c:<lub": a character n-gram of a stemmed word with "<" and ">"
//     marking its ends, so that "berlubag" (a typo) still shares most
//     n-grams with "lubang".
func (fc featureConfig) extract(title, description string) []feature {
	acc := map[string]float64{}
	add := func(name []byte, w float64) { acc[string(name)] += w }
	fc.terms(title, fc.Title, add)
	fc.terms(description, 1, add)
	return sortFeatures(acc)
}

// terms calls emit with every feature of text (see extract) and its weight
// times scale, in text order, repeats included. The name given to emit is
// overwritten after emit returns.
func (fc featureConfig) terms(text string, scale float64, emit func(name []byte, w float64)) {
	var name, word []byte
	var at []int // where each rune of word starts, and its length
	toks := Normalize(text)
	for i, t := range toks {
		if fc.Unigram > 0 {
			name = append(append(name[:0], "w:"...), t...)
			emit(name, fc.Unigram*scale)
		}
		if fc.Bigram > 0 && i > 0 && toks[i-1] != t {
			name = append(append(append(append(name[:0], "b:"...), toks[i-1]...), '_'), t...)
			emit(name, fc.Bigram*scale)
		}
		if fc.Char > 0 {
			if !utf8.ValidString(t) {
				t = string([]rune(t)) // each invalid byte becomes U+FFFD, as in a rune n-gram
			}
			word = append(append(append(word[:0], '<'), t...), '>')
			at = at[:0]
			for j := range string(word) {
				at = append(at, j)
			}
			at = append(at, len(word))
			runes := len(at) - 1
			for n := fc.MinN; n <= fc.MaxN; n++ {
				for j := 0; j+n <= runes; j++ {
					name = append(append(name[:0], "c:"...), word[at[j]:at[j+n]]...)
					emit(name, fc.Char*scale)
				}
			}
		}
	}
}

// vocab numbers the features training meets, in the order it meets them,
// so that a training report holds numbers rather than strings.
type vocab struct {
	ids   map[string]int32
	names []string
}

func newVocab() vocab { return vocab{ids: map[string]int32{}} }

// id returns name's number, adding the name on first sight. The lookup
// does not copy name (only a new name is copied), so a report's hundreds
// of features cost no allocation each.
func (v *vocab) id(name []byte) int32 {
	if id, ok := v.ids[string(name)]; ok {
		return id
	}
	id := int32(len(v.names))
	s := string(name)
	v.ids[s] = id
	v.names = append(v.names, s)
	return id
}

// accumulator merges the repeated features of one report at a time,
// keeping its buffers from one report to the next.
type accumulator struct {
	w       []float64 // weight so far, by feature number
	in      []bool    // the feature occurs in this report
	touched []int32   // this report's features, in order of first occurrence
}

// features returns the numbers and weights of a report's features: the
// same as extract's, numbered by v.
func (a *accumulator) features(fc featureConfig, v *vocab, title, description string) ([]int32, []float64) {
	add := func(name []byte, w float64) {
		id := v.id(name)
		if int(id) >= len(a.w) {
			a.w = append(a.w, make([]float64, int(id)+1-len(a.w))...)
			a.in = append(a.in, make([]bool, int(id)+1-len(a.in))...)
		}
		if !a.in[id] {
			a.in[id] = true
			a.touched = append(a.touched, id)
		}
		a.w[id] += w
	}
	fc.terms(title, fc.Title, add)
	fc.terms(description, 1, add)
	ids := make([]int32, len(a.touched))
	ws := make([]float64, len(a.touched))
	for i, id := range a.touched {
		ids[i], ws[i] = id, a.w[id]
		a.w[id], a.in[id] = 0, false
	}
	a.touched = a.touched[:0]
	return ids, ws
}

// seedFeatures are the features of the pseudo-report a category
// contributes: its name and each keyword taken on its own, so that a
// phrase ("tagihan air") yields its bigram but two neighbouring keywords
// do not.
func (fc featureConfig) seedFeatures(name string, keywords []string) []feature {
	acc := map[string]float64{}
	for _, part := range append([]string{name}, keywords...) {
		for _, f := range fc.extract("", part) {
			acc[f.name] += f.weight
		}
	}
	return sortFeatures(acc)
}

func sortFeatures(acc map[string]float64) []feature {
	out := make([]feature, 0, len(acc))
	for k, v := range acc {
		out = append(out, feature{k, v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}
