package api

import (
	"math"
	"strconv"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"golang.org/x/time/rate"
)

// keyLimiters holds one token bucket per API key.
type keyLimiters struct {
	mu    sync.Mutex
	limit rate.Limit
	burst int
	byKey map[string]*keyLimiter
}

type keyLimiter struct {
	*rate.Limiter
	lastSeen time.Time
}

func (k *keyLimiters) get(key string, now time.Time) *rate.Limiter {
	k.mu.Lock()
	defer k.mu.Unlock()
	l, ok := k.byKey[key]
	if !ok {
		if len(k.byKey) > 10000 { // forget idle keys so the map stays small
			for id, old := range k.byKey {
				if now.Sub(old.lastSeen) > time.Minute {
					delete(k.byKey, id)
				}
			}
		}
		l = &keyLimiter{Limiter: rate.NewLimiter(k.limit, k.burst)}
		k.byKey[key] = l
	}
	l.lastSeen = now
	return l.Limiter
}

// rateLimit answers 429 with Retry-After when an API key sends faster than
// Deps.RateLimit requests per second (with bursts of Deps.RateBurst).
func (s *Server) rateLimit() echo.MiddlewareFunc {
	if s.deps.RateLimit <= 0 {
		return func(next echo.HandlerFunc) echo.HandlerFunc { return next }
	}
	burst := max(s.deps.RateBurst, 1)
	lims := &keyLimiters{limit: rate.Limit(s.deps.RateLimit), burst: burst, byKey: map[string]*keyLimiter{}}
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			now := time.Now()
			r := lims.get(principal(c).KeyID, now).ReserveN(now, 1)
			if d := r.DelayFrom(now); d > 0 {
				r.CancelAt(now)
				c.Response().Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(d.Seconds()))))
				return errRateLimited
			}
			return next(c)
		}
	}
}
