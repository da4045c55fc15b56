package routing

import "sort"

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
	add := func(text string, scale float64) {
		toks := Normalize(text)
		for i, t := range toks {
			if fc.Unigram > 0 {
				acc["w:"+t] += fc.Unigram * scale
			}
			if fc.Bigram > 0 && i > 0 && toks[i-1] != t {
				acc["b:"+toks[i-1]+"_"+t] += fc.Bigram * scale
			}
			if fc.Char > 0 {
				r := []rune("<" + t + ">")
				for n := fc.MinN; n <= fc.MaxN; n++ {
					for j := 0; j+n <= len(r); j++ {
						acc["c:"+string(r[j:j+n])] += fc.Char * scale
					}
				}
			}
		}
	}
	add(title, fc.Title)
	add(description, 1)
	return sortFeatures(acc)
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
