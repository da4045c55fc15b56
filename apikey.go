package esambat

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"strings"
	"time"
	"unicode/utf8"
)

// API key scopes.
const (
	ScopeReportsWrite = "reports:write" // submit reports (Open311 POST, POST /api/v1/reports)
	ScopeReportsRead  = "reports:read"  // read published reports with higher rate limits
)

// Scopes lists every scope.
var Scopes = []string{ScopeReportsWrite, ScopeReportsRead}

// APIKey lets a partner app (a civic app, a province's system, an
// SP4N-LAPOR! connector) submit reports on behalf of residents. Only the
// SHA-256 of the secret is stored; Prefix (the first characters) lets an
// operator recognise a key without the secret.
type APIKey struct {
	ID        int64
	Name      string
	Prefix    string
	Hash      string
	Scopes    []string
	CreatedAt time.Time
	Revoked   bool
}

// HasScope reports whether the key carries scope.
func (k *APIKey) HasScope(scope string) bool {
	for _, s := range k.Scopes {
		if s == scope {
			return true
		}
	}
	return false
}

// APIKeyStore keeps partner API keys.
type APIKeyStore interface {
	// CreateAPIKey stores k and sets its ID.
	CreateAPIKey(ctx context.Context, k *APIKey) error
	// FindAPIKey returns the key with the hash; ENOTFOUND if none.
	FindAPIKey(ctx context.Context, hash string) (*APIKey, error)
	// ListAPIKeys returns every key, newest first.
	ListAPIKeys(ctx context.Context) ([]APIKey, error)
	// RevokeAPIKey revokes a key; ENOTFOUND if there is no such key.
	RevokeAPIKey(ctx context.Context, id int64) error
}

// IssueAPIKey creates a key for a partner app and returns its secret,
// which is shown once and never stored.
func (s *Service) IssueAPIKey(ctx context.Context, name string, scopes []string) (string, *APIKey, error) {
	var v Validation
	name = strings.TrimSpace(name)
	if n := utf8.RuneCountInString(name); n < 2 || n > 100 || !utf8.ValidString(name) {
		v.Add("name", "Nama aplikasi mitra wajib diisi (2 sampai 100 karakter).")
	}
	if len(scopes) == 0 {
		scopes = []string{ScopeReportsWrite, ScopeReportsRead}
	}
	for _, sc := range scopes {
		known := false
		for _, k := range Scopes {
			known = known || k == sc
		}
		if !known {
			v.Add("scopes", "Cakupan tidak dikenal: "+sc+" (pilih "+strings.Join(Scopes, ", ")+").")
		}
	}
	if err := v.Err(); err != nil {
		return "", nil, err
	}
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", nil, Internal(err)
	}
	secret := "esk_" + base64.RawURLEncoding.EncodeToString(b)
	k := &APIKey{Name: name, Prefix: secret[:12], Hash: TokenHash(secret), Scopes: scopes, CreatedAt: s.now()}
	if err := s.APIKeys.CreateAPIKey(ctx, k); err != nil {
		return "", nil, err
	}
	return secret, k, nil
}

// AuthenticateAPIKey returns the partner actor of a key secret. A missing,
// unknown or revoked key is EFORBIDDEN (Open311 answers 403 for both).
func (s *Service) AuthenticateAPIKey(ctx context.Context, secret string) (*Actor, *APIKey, error) {
	bad := Errorf(EFORBIDDEN, "Kunci API tidak valid atau sudah dicabut.")
	secret = strings.TrimSpace(secret)
	if secret == "" || len(secret) > 200 || s.APIKeys == nil {
		return nil, nil, bad
	}
	k, err := s.APIKeys.FindAPIKey(ctx, TokenHash(secret))
	if ErrorCode(err) == ENOTFOUND {
		return nil, nil, bad
	} else if err != nil {
		return nil, nil, err
	} else if k.Revoked {
		return nil, nil, bad
	}
	return &Actor{UserID: k.ID, Role: RolePartner}, k, nil
}
