package dukcapil_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/esambat/esambat"
	"github.com/esambat/esambat/dukcapil"
)

const digits = "3171014506850002" // Jakarta, female, 05-06-1985

func nik(t *testing.T) esambat.NIK {
	t.Helper()
	n, err := esambat.ParseNIK(digits, nil, time.Date(2026, 12, 7, 0, 0, 0, 0, esambat.WIB))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestVerifyNIK: the request carries the NIK, the name and the token in
// the contract's shape, and each answer is read as it says.
func TestVerifyNIK(t *testing.T) {
	var got struct{ NIK, Name string }
	var auth, ctype string
	reply := `{"found": true, "name_matches": true, "kab_kota": "35.75"}`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth, ctype = r.Header.Get("Authorization"), r.Header.Get("Content-Type")
		if err := json.NewDecoder(r.Body).Decode(&got); err != nil || r.Method != http.MethodPost {
			http.Error(w, "bad", 400)
			return
		}
		io.WriteString(w, reply)
	}))
	defer srv.Close()
	c := &dukcapil.Client{URL: srv.URL, Token: "kunci"}
	for _, tc := range []struct {
		reply string
		want  esambat.RegistryAnswer
	}{
		{`{"found": true, "name_matches": true, "kab_kota": "35.75"}`, esambat.RegistryAnswer{Found: true, NameMatches: true, KabKota: "35.75"}},
		{`{"found": true, "name_matches": false}`, esambat.RegistryAnswer{Found: true}},
		{`{"found": false}`, esambat.RegistryAnswer{}},
	} {
		reply = tc.reply
		ans, err := c.VerifyNIK(context.Background(), nik(t), "Dewi Lestari")
		if err != nil || ans != tc.want {
			t.Errorf("answer %s = %+v, %v; want %+v", tc.reply, ans, err, tc.want)
		}
	}
	if c.Asked() != 3 || c.Failed() != 0 {
		t.Errorf("counted %d asked, %d failed; want 3 and 0", c.Asked(), c.Failed())
	}
	if got.NIK != digits || got.Name != "Dewi Lestari" || auth != "Bearer kunci" || ctype != "application/json" {
		t.Errorf("the request: %+v, %q, %q", got, auth, ctype)
	}
}

// TestVerifyNIKFailures: every answer outside the contract is an error
// (sign-up then falls back to the offline rules), and neither the error
// nor the log holds the NIK or the token.
func TestVerifyNIKFailures(t *testing.T) {
	for name, h := range map[string]http.HandlerFunc{
		"500": func(w http.ResponseWriter, r *http.Request) { http.Error(w, digits, http.StatusInternalServerError) },
		"redirect": func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "https://elsewhere.example/", http.StatusFound)
		},
		"not JSON": func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "<html>"+digits) },
		"no found": func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, `{"kab_kota": "35.75"}`) },
		"no match": func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, `{"found": true}`) },
		"found as str": func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, `{"found": "ya", "name_matches": true}`)
		},
		"too slow": func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-time.After(time.Second):
			}
		},
	} {
		t.Run(name, func(t *testing.T) {
			srv := httptest.NewServer(h)
			defer srv.Close()
			var logged bytes.Buffer
			c := &dukcapil.Client{URL: srv.URL + "/cek?key=rahasia", Token: "kunci", Logger: slog.New(slog.NewTextHandler(&logged, nil))}
			ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
			defer cancel()
			_, err := c.VerifyNIK(ctx, nik(t), "Dewi")
			if err == nil {
				t.Fatal("no error")
			}
			for _, secret := range []string{digits, "rahasia", "kunci"} {
				if strings.Contains(err.Error(), secret) || strings.Contains(logged.String(), secret) {
					t.Errorf("%q leaks in the error %q or the log %q", secret, err, logged.String())
				}
			}
			if c.Failed() != 1 {
				t.Errorf("counted %d failures, want 1", c.Failed())
			}
			if !strings.Contains(logged.String(), "civil registry unavailable") {
				t.Errorf("the failure was not logged: %q", logged.String())
			}
		})
	}
}
