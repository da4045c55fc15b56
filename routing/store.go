package routing

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"

	"github.com/esambat/esambat"
)

// formatVersion is the version of the stored model format.
const formatVersion = 1

// stored is the JSON form of a Model: the counts, not the logarithms
// derived from them, sparse (a feature is seen in few categories) and with
// keys in sorted order, so the same model always gives the same bytes.
type stored struct {
	Version     int      `json:"version"`
	Method      string   `json:"method"`
	Classes     []string `json:"classes"`
	Examples    []int    `json:"examples"` // real reports per class
	Alpha       float64  `json:"alpha"`
	Temperature float64  `json:"temperature"`
	Features    struct {
		Unigram float64 `json:"unigram"`
		Bigram  float64 `json:"bigram"`
		Char    float64 `json:"char"`
		MinN    int     `json:"char_min_n"`
		MaxN    int     `json:"char_max_n"`
		Title   float64 `json:"title"`
	} `json:"features"`
	// Counts maps a feature to pairs of class index and weighted count:
	// [3, 12.5, 7, 0.3] is 12.5 in class 3 and 0.3 in class 7.
	Counts map[string][]float64 `json:"counts"`
}

const methodName = "multinomial-naive-bayes"

// MarshalJSON encodes the model; see Save.
func (m *Model) MarshalJSON() ([]byte, error) {
	var s stored
	s.Version = formatVersion
	s.Method = methodName
	s.Classes = m.classes
	s.Examples = make([]int, len(m.examples))
	for i, e := range m.examples {
		s.Examples[i] = int(e)
	}
	s.Alpha, s.Temperature = m.alpha, m.temp
	f := &s.Features
	f.Unigram, f.Bigram, f.Char, f.MinN, f.MaxN, f.Title = m.fc.Unigram, m.fc.Bigram, m.fc.Char, m.fc.MinN, m.fc.MaxN, m.fc.Title
	s.Counts = make(map[string][]float64, len(m.rows))
	for name, r := range m.rows {
		var pairs []float64
		for j := m.start[r]; j < m.start[r+1]; j++ {
			pairs = append(pairs, float64(m.cls[j]), m.cnt[j])
		}
		s.Counts[name] = pairs
	}
	return json.Marshal(s)
}

// UnmarshalJSON decodes a model written by MarshalJSON; see Load.
func (m *Model) UnmarshalJSON(b []byte) error {
	var s stored
	if err := json.Unmarshal(b, &s); err != nil {
		return invalid(err)
	}
	if s.Version != formatVersion || s.Method != methodName {
		return invalid(fmt.Errorf("unsupported model version %d method %q", s.Version, s.Method))
	}
	k := len(s.Classes)
	if k == 0 || len(s.Examples) != k || !sort.StringsAreSorted(s.Classes) {
		return invalid(errors.New("bad class list"))
	}
	f := s.Features
	if !(s.Alpha > 0) || !(s.Temperature > 0) || math.IsInf(s.Temperature, 0) ||
		f.MinN < 1 || f.MaxN > 10 || (f.Char > 0 && f.MinN > f.MaxN) ||
		f.Unigram < 0 || f.Bigram < 0 || f.Char < 0 || f.Title < 0 {
		return invalid(errors.New("bad settings"))
	}
	n := Model{
		classes:  s.Classes,
		examples: make([]float64, k),
		alpha:    s.Alpha,
		temp:     s.Temperature,
		fc:       featureConfig{Unigram: f.Unigram, Bigram: f.Bigram, Char: f.Char, MinN: f.MinN, MaxN: f.MaxN, Title: f.Title},
	}
	for i, e := range s.Examples {
		if e < 0 {
			return invalid(errors.New("negative example count"))
		}
		n.examples[i] = float64(e)
		n.trained += e
	}
	names := make([]string, 0, len(s.Counts))
	for name, pairs := range s.Counts {
		if len(pairs)%2 != 0 {
			return invalid(fmt.Errorf("feature %q: odd pair list", name))
		}
		for i := 0; i < len(pairs); i += 2 {
			c, x := pairs[i], pairs[i+1]
			if c != math.Trunc(c) || c < 0 || int(c) >= k || !(x >= 0) || math.IsInf(x, 0) {
				return invalid(fmt.Errorf("feature %q: bad count", name))
			}
		}
		names = append(names, name)
	}
	sort.Strings(names)
	n.setCounts(len(names), func(yield func(string, []float64) bool) {
		v := make([]float64, k)
		for _, name := range names {
			clear(v)
			pairs := s.Counts[name]
			for i := 0; i < len(pairs); i += 2 {
				v[int(pairs[i])] = pairs[i+1] // a repeated class: the last count wins
			}
			if !yield(name, v) {
				return
			}
		}
	})
	*m = n
	return nil
}

func invalid(err error) error {
	return &esambat.Error{Code: esambat.EINVALID, Message: "Model klasifikasi laporan rusak atau tidak dikenali.", Err: err}
}

// Save writes the model as JSON, for keeping it in the data directory or
// the database. The same model always gives the same bytes; about 400 KB
// for the shipped test data.
func (m *Model) Save(w io.Writer) error {
	b, err := m.MarshalJSON()
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}

// Load reads a model written by Save. A file that is not one, or that is
// damaged, gives an EINVALID *esambat.Error.
func Load(r io.Reader) (*Model, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	m := new(Model)
	if err := m.UnmarshalJSON(b); err != nil {
		return nil, err
	}
	return m, nil
}
