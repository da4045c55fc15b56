package routing

import (
	"math"
	"testing"
)

// TestTrainingFeatures: training numbers a report's features (vocab,
// accumulator) instead of naming them (extract); both must give the same
// features with the same weights.
func TestTrainingFeatures(t *testing.T) {
	v := newVocab()
	var acc accumulator
	for _, e := range append(reports(t), Example{Title: "Jalan rusak ÁÉÍ \xff\xfe jalan", Description: "jalan2 rusak rusak berlubang-berlubang"}) {
		want := map[string]float64{}
		for _, f := range defaultFeatures.extract(e.Title, e.Description) {
			want[f.name] = f.weight
		}
		ids, ws := acc.features(defaultFeatures, &v, e.Title, e.Description)
		if len(ids) != len(want) {
			t.Fatalf("%q: %d features, want %d", e.Title, len(ids), len(want))
		}
		for i, id := range ids {
			if name := v.names[id]; want[name] != ws[i] {
				t.Fatalf("%q: feature %q weight %v, want %v", e.Title, name, ws[i], want[name])
			}
		}
	}
}

// TestSparseScore: the model keeps only the classes a feature was counted
// in (Model.score adds the rest as base); the result must be the dense sum
// of each known feature's log weight in every class.
func TestSparseScore(t *testing.T) {
	m := trainedModel(t)
	for _, e := range reports(t)[:80] {
		feats := m.fc.extract(e.Title, e.Description)
		got, ok := m.score(feats)
		if !ok {
			t.Fatalf("%q: no known feature", e.Title)
		}
		want := append([]float64(nil), m.bias...)
		for _, f := range feats {
			if w, ok := m.row(f.name); ok {
				for c := range want {
					want[c] += f.weight * w[c]
				}
			}
		}
		for c := range want {
			if math.Abs(got[c]-want[c]) > 1e-9*math.Abs(want[c]) {
				t.Fatalf("%q: class %s score %v, want %v", e.Title, m.classes[c], got[c], want[c])
			}
		}
	}
}
