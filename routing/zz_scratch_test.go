package routing

import (
	"fmt"
	"os"
	"testing"

	"github.com/esambat/esambat/refdata"
)

func loadAll(t *testing.T) ([]Example, []Example) {
	f, err := os.Open("testdata/reports.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ex, err := ReadExamples(f)
	if err != nil {
		t.Fatal(err)
	}
	return Split(ex, 4)
}

func cv(tc trainConfig, train []Example, seeds any) (float64, float64) {
	return 0, 0
}

func TestScratchCompare(t *testing.T) {
	set, _ := refdata.New("")
	seeds, err := set.Categories()
	if err != nil {
		t.Fatal(err)
	}
	train, test := loadAll(t)
	fmt.Println(len(train), len(test))
	for _, tc := range []trainConfig{
		defaultTrain,
		{Method: "nb", Alpha: 0.1, SeedWeight: 3, Temp: 1, Features: featureConfig{Unigram: 1, Title: 2}},
		{Method: "nb", Alpha: 0.1, SeedWeight: 3, Temp: 1, Features: featureConfig{Unigram: 1, Bigram: 0.5, Title: 2}},
		{Method: "nb", Alpha: 0.1, SeedWeight: 3, Temp: 1, Features: featureConfig{Char: 0.1, MinN: 3, MaxN: 5, Title: 2}},
		{Method: "lr", Lambda: 1e-4, Iter: 300, LR: 0.5, SeedWeight: 3, Temp: 1, Features: defaultFeatures},
	} {
		m := tc.train(train, seeds)
		a, b := evaluate(m, test)
		m0 := tc.train(nil, seeds)
		c, d := evaluate(m0, test)
		fmt.Printf("%+v temp=%.2f held %.3f %.3f  seeds %.3f %.3f feats=%d\n", tc, m.temp, a, b, c, d, len(m.weights))
	}
}
