package routing

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/esambat/esambat"
)

// Evaluate trains a model on train plus the seed categories and returns the
// share of test reports whose category is the first suggestion (top1) and
// among the first three (top3). It returns zeros for an empty test set.
func Evaluate(train, test []Example, seeds []esambat.Category) (top1, top3 float64) {
	return evaluate(Train(train, seeds), test)
}

func evaluate(m *Model, test []Example) (top1, top3 float64) {
	if len(test) == 0 {
		return 0, 0
	}
	var n1, n3 int
	for _, e := range test {
		for i, s := range m.Suggest(e.Title, e.Description, 3) {
			if s.Category == e.Category {
				if i == 0 {
					n1++
				}
				n3++
				break
			}
		}
	}
	return float64(n1) / float64(len(test)), float64(n3) / float64(len(test))
}

// Split divides labelled reports deterministically into a training and a
// held-out part: within each category, every n-th report (the n-th, 2n-th,
// ... in input order) is held out. n = 4 holds out about a quarter.
func Split(examples []Example, n int) (train, test []Example) {
	seen := map[string]int{}
	for _, e := range examples {
		seen[e.Category]++
		if n > 0 && seen[e.Category]%n == 0 {
			test = append(test, e)
		} else {
			train = append(train, e)
		}
	}
	return train, test
}

// ReadExamples reads labelled reports from CSV with a header naming the
// columns category, title and description (in any order; other columns are
// ignored). It returns an error for a missing column or a row without a
// category.
func ReadExamples(r io.Reader) ([]Example, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	head, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("routing: reading header: %w", err)
	}
	col := map[string]int{}
	for i, h := range head {
		col[strings.TrimSpace(strings.ToLower(h))] = i
	}
	for _, need := range []string{"category", "title", "description"} {
		if _, ok := col[need]; !ok {
			return nil, fmt.Errorf("routing: missing column %q", need)
		}
	}
	var out []Example
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		} else if err != nil {
			return nil, fmt.Errorf("routing: %w", err)
		}
		get := func(name string) string {
			if i := col[name]; i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		e := Example{Category: get("category"), Title: get("title"), Description: get("description")}
		if e.Category == "" {
			return nil, fmt.Errorf("routing: line %d: no category", line)
		}
		out = append(out, e)
	}
}
