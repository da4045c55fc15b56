package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

// TestSignUpWithRegistryFlag: the server started with --nik-registry-url
// asks that adapter about each NIK at sign-up, with the token from
// $ESAMBAT_NIK_REGISTRY_TOKEN, and its record decides the domicile: the
// wiring from the flag to the sign-up.
func TestSignUpWithRegistryFlag(t *testing.T) {
	var asked atomic.Int32
	registry := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in struct{ NIK string }
		if json.NewDecoder(r.Body).Decode(&in) != nil || r.Header.Get("Authorization") != "Bearer kunci-dukcapil" {
			http.Error(w, "no", http.StatusUnauthorized)
			return
		}
		asked.Add(1)
		w.Write([]byte(`{"found": true, "name_matches": true, "kab_kota": "35.75"}`)) // lives in the city
	}))
	defer registry.Close()
	getenv := env("ESAMBAT_DATA_DIR", t.TempDir(), "ESAMBAT_NIK_REGISTRY_TOKEN", "kunci-dukcapil")
	base, _ := boot(t, getenv, "--nik-registry-url", registry.URL)
	resp, err := http.Post(base+"/api/v1/auth/register", "application/json", strings.NewReader(`{"nik":"3171014506850002","name":"Dewi",
		"phone":"081234567881","password":"kata-sandi-rahasia","kelurahan_code":"35.75.02.1001"}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var u struct {
		DomicileVerified bool `json:"domicile_verified"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&u); err != nil || resp.StatusCode != 201 {
		t.Fatalf("register = %d, %v", resp.StatusCode, err)
	}
	if asked.Load() != 1 || !u.DomicileVerified {
		t.Errorf("asked the registry %d times; domicile verified %v, want once and true (a Jakarta NIK living in the city)", asked.Load(), u.DomicileVerified)
	}
}

// TestRegistryURLMustBeSafe: a NIK does not cross a network in clear
// text: http:// is for an adapter on this host only.
func TestRegistryURLMustBeSafe(t *testing.T) {
	for url, ok := range map[string]bool{
		"https://dukcapil.pasuruankota.go.id/cek": true,
		"http://127.0.0.1:9000/cek":               true,
		"http://localhost:9000/cek":               true,
		"http://[::1]:9000/cek":                   true,
		"http://10.0.0.5/cek":                     false,
		"http://dukcapil.example/cek":             false,
		"ftp://127.0.0.1/cek":                     false,
		"dukcapil.example":                        false,
	} {
		_, _, err := parseConfig("serve", []string{"--nik-registry-url", url}, env(), io.Discard)
		if (err == nil) != ok {
			t.Errorf("--nik-registry-url %s: %v, want ok %v", url, err, ok)
		}
	}
}
