// Package scrape reads one figure from a running esambat's /metrics, for
// the programs that drive a server from outside (the benchmark harness
// and the crash test), which share no other code.
package scrape

import (
	"bufio"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// Gauge returns the value of the unlabelled metric name on the server at
// base (http://host:port), or an error when the server does not answer
// or does not have it.
func Gauge(base, name string) (float64, error) {
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), name+" "); ok {
			return strconv.ParseFloat(strings.TrimSpace(v), 64)
		}
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, fmt.Errorf("metric %s not found", name)
}
