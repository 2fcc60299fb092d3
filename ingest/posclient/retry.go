package posclient

import (
	"context"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/go-retryablehttp"
)

// checkRetry is the retry policy. Every request this client sends is safe to
// repeat (PUT, or POST with an Idempotency-Key fixed for the call), so the
// question is only whether repeating can help:
//   - the caller's context is done: stop now;
//   - no response (connection refused or reset, timeout): retry, except for
//     errors that cannot heal (bad scheme, untrusted certificate, redirect loop);
//   - 408, 429 and 5xx other than 501: retry, unless a Retry-After is longer
//     than MaxRetryAfter or than the context's remaining time;
//   - anything else (2xx, 3xx, other 4xx): a definite answer, never retried.
func (c *Client) checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	if err != nil {
		return retryablehttp.DefaultRetryPolicy(ctx, resp, err)
	}
	switch s := resp.StatusCode; {
	case s == http.StatusRequestTimeout:
		return true, nil
	case s == http.StatusTooManyRequests || s == http.StatusServiceUnavailable:
		if d, ok := c.retryAfter(resp); ok {
			if d > c.maxWait {
				return false, nil
			}
			if dl, ok := ctx.Deadline(); ok && time.Until(dl) < d {
				return false, nil
			}
		}
		return true, nil
	case s >= 500 && s != http.StatusNotImplemented:
		return true, nil
	}
	return false, nil
}

// backoff returns the wait before retry number attempt+1: the server's
// Retry-After on 429 and 503 when it sent one, otherwise "equal jitter"
// exponential backoff — a random duration in [d/2, d] with d = min·2^attempt
// capped at max — so that many POS terminals that failed together do not
// retry together.
func (c *Client) backoff(min, max time.Duration, attempt int, resp *http.Response) time.Duration {
	if resp != nil && (resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable) {
		if d, ok := c.retryAfter(resp); ok {
			return d
		}
	}
	return jitteredBackoff(min, max, attempt)
}

// jitteredBackoff is the exponential part of backoff, for tests.
func jitteredBackoff(min, max time.Duration, attempt int) time.Duration {
	d := min
	for i := 0; i < attempt && d < max; i++ {
		d *= 2
	}
	if d > max || d <= 0 {
		d = max
	}
	half := d / 2
	return half + rand.N(d-half+1)
}

// retryAfter parses the Retry-After header of a 429 or 503 response, in
// seconds or as an HTTP date (RFC 9110 section 10.2.3).
func (c *Client) retryAfter(resp *http.Response) (time.Duration, bool) {
	if resp.StatusCode != http.StatusTooManyRequests && resp.StatusCode != http.StatusServiceUnavailable {
		return 0, false
	}
	return parseRetryAfter(resp.Header.Get("Retry-After"), c.now())
}

func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs < 0 {
			return 0, false
		}
		// Clamp absurd values before they overflow a Duration.
		return time.Duration(min(secs, int64(24*time.Hour/time.Second))) * time.Second, true
	}
	at, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	return max(at.Sub(now), 0), true
}
