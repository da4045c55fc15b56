package secret_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/esambat/esambat/secret"
)

func TestLoadCreatesAndReusesKey(t *testing.T) {
	dir := t.TempDir()
	k1, err := secret.Load(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(filepath.Join(dir, "secret.key"))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("secret.key: %v, mode %v", err, st.Mode())
	}
	k2, err := secret.Load(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := k1.Seal([]byte("3575010101900001"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, []byte("3575")) {
		t.Error("sealed value contains the plaintext")
	}
	plain, err := k2.Open(sealed)
	if err != nil || string(plain) != "3575010101900001" {
		t.Errorf("Open after reload = %q, %v", plain, err)
	}
	if k1.Hash([]byte("x")) != k2.Hash([]byte("x")) {
		t.Error("keyed hash differs after reload")
	}
	sealed[len(sealed)-1] ^= 1
	if _, err := k2.Open(sealed); err == nil {
		t.Error("tampered ciphertext opened")
	}
}

func TestKeyFromEnvAndErrors(t *testing.T) {
	hexKey := strings.Repeat("ab", 32)
	a, err := secret.Load(t.TempDir(), hexKey)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := secret.Load(t.TempDir(), hexKey)
	if a.Hash([]byte("nik")) != b.Hash([]byte("nik")) {
		t.Error("two instances with the same ESAMBAT_SECRET_KEY disagree")
	}
	other, _ := secret.Load(t.TempDir(), strings.Repeat("cd", 32))
	if a.Hash([]byte("nik")) == other.Hash([]byte("nik")) {
		t.Error("different keys give the same hash")
	}
	if _, err := secret.Load(t.TempDir(), "short"); err == nil {
		t.Error("short key accepted")
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "secret.key"), []byte("rusak"), 0o600)
	if _, err := secret.Load(dir, ""); err == nil || !strings.Contains(err.Error(), "damaged") {
		t.Errorf("damaged key file: %v", err)
	}
}
