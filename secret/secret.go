// Package secret holds the server's master key and what is derived from
// it: the NIK cipher (AES-256-GCM; the NIK is personal data under UU
// 27/2022 and is stored encrypted) and the keyed hash (HMAC-SHA256) used to
// look NIKs and one-time codes up without storing them in clear. A plain
// SHA-256 of a 16-digit NIK with a known structure could be reversed by
// brute force; a keyed hash cannot without the key.
//
// The key lives in the data directory (secret.key, created on first start,
// mode 0600) or comes from ESAMBAT_SECRET_KEY, which several instances on
// PostgreSQL must share. Losing it makes stored NIKs unreadable: back it up
// with the database.
package secret

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Keys implements esambat.Sealer.
type Keys struct {
	aead cipher.AEAD
	mac  []byte
}

// New derives the keys from a 32-byte master key.
func New(master []byte) (*Keys, error) {
	if len(master) != 32 {
		return nil, errors.New("secret: master key must be 32 bytes")
	}
	derive := func(label string) []byte {
		h := hmac.New(sha256.New, master)
		h.Write([]byte("esambat/" + label))
		return h.Sum(nil)
	}
	block, err := aes.NewCipher(derive("nik-encryption"))
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Keys{aead: aead, mac: derive("lookup-hash")}, nil
}

// Load reads the master key from hexKey when set (64 hex digits), else
// from dir/secret.key, creating that file with a random key on first start.
func Load(dir, hexKey string) (*Keys, error) {
	if hexKey = strings.TrimSpace(hexKey); hexKey != "" {
		k, err := hex.DecodeString(hexKey)
		if err != nil || len(k) != 32 {
			return nil, errors.New("secret: ESAMBAT_SECRET_KEY must be 64 hexadecimal digits (32 bytes)")
		}
		return New(k)
	}
	path := filepath.Join(dir, "secret.key")
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("secret: %w", err)
		}
		k := make([]byte, 32)
		if _, err := rand.Read(k); err != nil {
			return nil, err
		}
		// O_EXCL: two processes starting at once must not both write.
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err == nil {
			_, werr := f.WriteString(hex.EncodeToString(k) + "\n")
			serr := f.Sync()
			cerr := f.Close()
			if err := errors.Join(werr, serr, cerr); err != nil {
				return nil, fmt.Errorf("secret: write %s: %w", path, err)
			}
			return New(k)
		} else if !errors.Is(err, os.ErrExist) {
			return nil, fmt.Errorf("secret: %w", err)
		}
		data, err = os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("secret: %w", err)
		}
	} else if err != nil {
		return nil, fmt.Errorf("secret: %w", err)
	}
	k, err := hex.DecodeString(strings.TrimSpace(string(data)))
	if err != nil || len(k) != 32 {
		return nil, fmt.Errorf("secret: %s is damaged (want 64 hexadecimal digits)", path)
	}
	return New(k)
}

// Seal encrypts plain with a random nonce.
func (k *Keys) Seal(plain []byte) ([]byte, error) {
	nonce := make([]byte, k.aead.NonceSize(), k.aead.NonceSize()+len(plain)+k.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	return k.aead.Seal(nonce, nonce, plain, nil), nil
}

// Open decrypts what Seal produced.
func (k *Keys) Open(sealed []byte) ([]byte, error) {
	n := k.aead.NonceSize()
	if len(sealed) < n+k.aead.Overhead() {
		return nil, errors.New("secret: sealed value too short")
	}
	return k.aead.Open(nil, sealed[:n], sealed[n:], nil)
}

// Hash returns the hex HMAC-SHA256 of plain under the lookup key.
func (k *Keys) Hash(plain []byte) string {
	h := hmac.New(sha256.New, k.mac)
	h.Write(plain)
	return hex.EncodeToString(h.Sum(nil))
}
