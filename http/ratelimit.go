package http

import (
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/esambat/esambat"
)

// RateLimits are requests per minute for the API and Open311, per caller:
// an API key, a logged-in user, or otherwise the client address. A zero
// field takes its default.
type RateLimits struct {
	PerIP, PerUser, PerKey int
}

func (l RateLimits) withDefaults() RateLimits {
	if l.PerIP <= 0 {
		l.PerIP = 120
	}
	if l.PerUser <= 0 {
		l.PerUser = 600
	}
	if l.PerKey <= 0 {
		l.PerKey = 1200
	}
	return l
}

// buckets is a token bucket per caller. It is per instance: behind N
// instances a caller gets up to N times the limit, which still stops a
// flood.
type buckets struct {
	mu   sync.Mutex
	m    map[string]*bucket
	now  func() time.Time
	seen int
}

type bucket struct {
	tokens float64
	last   time.Time
}

// take spends one token from key's bucket of capacity perMinute and
// returns how long to wait when it is empty.
func (b *buckets) take(key string, perMinute int) (bool, time.Duration) {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.now()
	if b.m == nil {
		b.m = map[string]*bucket{}
	}
	bk := b.m[key]
	if bk == nil {
		bk = &bucket{tokens: float64(perMinute), last: now}
		b.m[key] = bk
	}
	rate := float64(perMinute) / 60
	bk.tokens = math.Min(float64(perMinute), bk.tokens+now.Sub(bk.last).Seconds()*rate)
	bk.last = now
	b.seen++
	if b.seen%10000 == 0 {
		// Forget callers whose buckets are full again.
		for k, v := range b.m {
			if now.Sub(v.last) > 10*time.Minute {
				delete(b.m, k)
			}
		}
	}
	if bk.tokens >= 1 {
		bk.tokens--
		return true, 0
	}
	return false, time.Duration((1 - bk.tokens) / rate * float64(time.Second))
}

// rateLimit applies the limits to /api/ and /open311/ requests after
// authentication, so a partner's key and a resident's token get their own
// allowance.
func (s *Server) rateLimit(next http.Handler) http.Handler {
	lim := s.RateLimits.withDefaults()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, "/api/") && !strings.HasPrefix(r.URL.Path, "/open311/") {
			next.ServeHTTP(w, r)
			return
		}
		key, per := "ip:"+remoteIP(r), lim.PerIP
		if a := actorFrom(r.Context()); a != nil {
			if a.Role == esambat.RolePartner {
				key, per = "key:"+strconv.FormatInt(a.UserID, 10), lim.PerKey
			} else {
				key, per = "user:"+strconv.FormatInt(a.UserID, 10), lim.PerUser
			}
		}
		if ok, wait := s.limits.take(key, per); !ok {
			secs := int(math.Ceil(wait.Seconds()))
			w.Header().Set("Retry-After", strconv.Itoa(max(secs, 1)))
			s.Metrics.Add("esambat_rate_limited_total", "Requests refused by the rate limits.", 1)
			s.Error(w, r, esambat.Errorf(esambat.ERATELIMIT, "Terlalu banyak permintaan. Coba lagi dalam %d detik.", max(secs, 1)))
			return
		}
		next.ServeHTTP(w, r)
	})
}
