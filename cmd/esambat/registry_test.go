package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
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
	if _, body := get(t, base+"/metrics"); !strings.Contains(body, "esambat_registry_requests 1\n") || !strings.Contains(body, "esambat_registry_failures 0\n") {
		t.Error("/metrics does not count the questions to the registry")
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

// TestCheckDomicileCommand: "esambat user check-domicile" asks the
// registry about every resident whose domicile waits and confirms those
// it places in the city, naming accounts by ID and masked NIK only; it
// stops, saying so, when the registry does not answer.
func TestCheckDomicileCommand(t *testing.T) {
	dir := t.TempDir()
	getenv := env("ESAMBAT_DATA_DIR", dir)
	base, stop := boot(t, getenv)
	niks := []string{"3171014506850002", "3171014506850010", "3171014506850029", "3575011203900001"}
	for i, nik := range niks {
		code, m := bkPost(base, "/api/v1/auth/register", "", `{"nik":"`+nik+`","name":"Warga","phone":"08123456789`+strconv.Itoa(i)+`",
			"password":"kata-sandi-rahasia","kelurahan_code":"35.75.02.1001"}`)
		if code != 201 {
			t.Fatalf("register %d = %d %v", i, code, m)
		}
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	var asked atomic.Int32
	registry := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in struct{ NIK string }
		json.NewDecoder(r.Body).Decode(&in)
		asked.Add(1)
		kab := "35.75"
		if in.NIK == niks[2] {
			kab = "35.14"
		}
		w.Write([]byte(`{"found": true, "name_matches": true, "kab_kota": "` + kab + `"}`))
	}))
	var out, errb strings.Builder
	if code := run(context.Background(), []string{"user", "check-domicile", "--nik-registry-url", registry.URL}, nil, &out, &errb, getenv); code != 0 {
		t.Fatalf("check-domicile = %d\n%s\n%s", code, out.String(), errb.String())
	}
	if !strings.Contains(out.String(), "3 checked: 2 confirmed, 1 still waiting") || !strings.Contains(out.String(), "(kode wilayah 35.14)") || asked.Load() != 3 {
		t.Errorf("asked %d times:\n%s", asked.Load(), out.String())
	}
	for _, nik := range niks {
		if strings.Contains(out.String()+errb.String(), nik) {
			t.Errorf("the output shows a whole NIK:\n%s", out.String())
		}
	}
	// The registry down: it stops and says so.
	registry.Close()
	out.Reset()
	errb.Reset()
	if code := run(context.Background(), []string{"user", "check-domicile", "--nik-registry-url", registry.URL}, nil, &out, &errb, getenv); code == 0 ||
		!strings.Contains(errb.String(), "Data kependudukan tidak menjawab") || !strings.Contains(out.String(), "0 checked") {
		t.Errorf("with the registry down = %d\n%s\n%s", code, out.String(), errb.String())
	}
	if code := run(context.Background(), []string{"user", "check-domicile"}, nil, &out, &errb, getenv); code == 0 {
		t.Error("without --nik-registry-url it ran")
	}
}
