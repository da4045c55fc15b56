package scrape

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestGauge(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/metrics" {
			http.NotFound(w, r)
			return
		}
		w.Write([]byte("# HELP esambat_sqlite_commits x\n# TYPE esambat_sqlite_commits gauge\nesambat_sqlite_commits_total 9\nesambat_sqlite_commits 42\nesambat_up 1.5\n"))
	}))
	defer srv.Close()
	for name, want := range map[string]float64{"esambat_sqlite_commits": 42, "esambat_up": 1.5} {
		if got, err := Gauge(srv.URL, name); err != nil || got != want {
			t.Errorf("Gauge(%s) = %v, %v; want %v", name, got, err, want)
		}
	}
	if _, err := Gauge(srv.URL, "esambat_missing"); err == nil {
		t.Error("Gauge of a missing metric: no error")
	}
	srv.Close()
	if _, err := Gauge(srv.URL, "esambat_up"); err == nil {
		t.Error("Gauge of a stopped server: no error")
	}
}
