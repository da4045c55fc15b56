package http

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/esambat/esambat"
)

// SessionCookie is the name of the browser session cookie.
const SessionCookie = "esambat_session"

// SessionTTL is how long a browser session lasts.
const SessionTTL = 30 * 24 * time.Hour

// authenticate puts the actor of a bearer token or session cookie into the
// request context. A bad bearer token is refused (the client asked to be
// someone); a bad cookie is dropped and the request goes on anonymous.
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		key := r.Header.Get("X-API-Key")
		if h := r.Header.Get("Authorization"); strings.HasPrefix(h, "Bearer esk_") {
			key = strings.TrimPrefix(h, "Bearer ")
		}
		if key != "" {
			// A partner app's key. A bad key is refused at once: the
			// client asked to be someone.
			actor, _, err := s.Service.AuthenticateAPIKey(ctx, key)
			if err != nil {
				s.Error(w, r, err)
				return
			}
			next.ServeHTTP(w, r.WithContext(withActor(ctx, actor)))
			return
		}
		if h := r.Header.Get("Authorization"); h != "" {
			scheme, tok, _ := strings.Cut(h, " ")
			if !strings.EqualFold(scheme, "Bearer") {
				s.Error(w, r, esambat.Errorf(esambat.EUNAUTHORIZED, "Gunakan header Authorization: Bearer <token>."))
				return
			}
			actor, _, err := s.Service.Authenticate(ctx, strings.TrimSpace(tok), esambat.TokenBearer)
			if err != nil {
				s.Error(w, r, err)
				return
			}
			next.ServeHTTP(w, r.WithContext(withActor(ctx, actor)))
			return
		}
		if c, err := r.Cookie(SessionCookie); err == nil && c.Value != "" {
			actor, _, err := s.Service.Authenticate(ctx, c.Value, esambat.TokenSession)
			if err == nil {
				ctx = withActor(ctx, actor)
				ctx = withSession(ctx, c.Value)
			} else if esambat.ErrorCode(err) == esambat.EUNAUTHORIZED {
				s.clearSession(w, r)
			} else {
				s.Error(w, r, err)
				return
			}
		}
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

const sessionKey ctxKey = 2

func withSession(ctx context.Context, secret string) context.Context {
	return context.WithValue(ctx, sessionKey, secret)
}

// sessionFrom returns the session secret of a cookie-authenticated request.
func sessionFrom(ctx context.Context) string {
	s, _ := ctx.Value(sessionKey).(string)
	return s
}

// requireActor returns the actor or writes EUNAUTHORIZED.
func (s *Server) requireActor(w http.ResponseWriter, r *http.Request) *esambat.Actor {
	a := actorFrom(r.Context())
	if a == nil {
		s.Error(w, r, esambat.Errorf(esambat.EUNAUTHORIZED, "Silakan masuk terlebih dahulu."))
	}
	return a
}

func (s *Server) setSession(w http.ResponseWriter, r *http.Request, secret string) {
	http.SetCookie(w, &http.Cookie{
		Name: SessionCookie, Value: secret, Path: "/", MaxAge: int(SessionTTL.Seconds()),
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: s.secureCookies(r),
	})
}

func (s *Server) clearSession(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: s.secureCookies(r)})
}

// secureCookies is true when the site is served over https.
func (s *Server) secureCookies(r *http.Request) bool {
	return strings.HasPrefix(s.BaseURL, "https://") || r.TLS != nil
}

// csrfToken derives the form token of a session: forms carry it, and
// POSTs with a session cookie must present it. Cross-origin posts are also
// refused by http.CrossOriginProtection; the token covers old browsers
// that send neither Origin nor Sec-Fetch-Site.
func csrfToken(session string) string {
	if session == "" {
		return ""
	}
	m := hmac.New(sha256.New, []byte(session))
	m.Write([]byte("esambat-csrf"))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// limiter counts events per key in a sliding window: login failures per
// account and per address. It is per instance: behind several instances
// each enforces its own share.
type limiter struct {
	mu     sync.Mutex
	max    int
	window time.Duration
	hits   map[string][]time.Time
	now    func() time.Time
}

func newLimiter(max int, window time.Duration) *limiter {
	return &limiter{max: max, window: window, hits: map[string][]time.Time{}, now: time.Now}
}

// blocked reports whether key reached the limit, and when it frees up.
func (l *limiter) blocked(key string) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	h := l.prune(key, now)
	if len(h) >= l.max {
		return true, h[0].Add(l.window).Sub(now)
	}
	return false, 0
}

// add records one event for key.
func (l *limiter) add(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	l.hits[key] = append(l.prune(key, now), now)
	if len(l.hits) > 100000 {
		// Bound memory under a flood of distinct keys.
		for k := range l.hits {
			delete(l.hits, k)
			if len(l.hits) < 50000 {
				break
			}
		}
	}
}

func (l *limiter) reset(key string) {
	l.mu.Lock()
	delete(l.hits, key)
	l.mu.Unlock()
}

func (l *limiter) prune(key string, now time.Time) []time.Time {
	h := l.hits[key]
	i := 0
	for i < len(h) && now.Sub(h[i]) >= l.window {
		i++
	}
	h = h[i:]
	if len(h) == 0 {
		delete(l.hits, key)
		return nil
	}
	l.hits[key] = h
	return h
}
