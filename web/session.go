package web

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/labstack/echo/v4"

	"ecinema/apikey"
)

// sessionTTL is how long a sign-in lasts.
const sessionTTL = 8 * time.Hour

const (
	sessionCookie = "ecinema_session"
	csrfField     = "csrf"
)

const (
	sqlSessionInsert = `INSERT INTO web_sessions (token_hash, key_id, csrf, expires_at) VALUES ($1, $2, $3, $4)`
	sqlSessionGet    = `SELECT key_id, csrf FROM web_sessions WHERE token_hash = $1 AND expires_at > now()`
	sqlSessionDelete = `DELETE FROM web_sessions WHERE token_hash = $1 OR expires_at <= now()`
)

// session is who a page request acts as: a signed-in key, or nobody.
type session struct {
	signedIn  bool
	principal apikey.Principal
	csrf      string // the form token: per session, or per anonymous visitor (cookie)
}

func randomToken() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func tokenHash(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// loadSession resolves the session cookie. An unknown, expired or revoked
// session is no session; a database failure is an error.
func (p *Pages) loadSession(ctx context.Context, r *http.Request) (session, error) {
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return session{}, nil
	}
	var keyID, csrf string
	err = p.d.Pool.QueryRow(ctx, sqlSessionGet, tokenHash(c.Value)).Scan(&keyID, &csrf)
	if errors.Is(err, pgx.ErrNoRows) {
		return session{}, nil
	}
	if err != nil {
		return session{}, fmt.Errorf("web: session: %w", err)
	}
	pr, err := p.d.Keys.Principal(ctx, keyID)
	if errors.Is(err, apikey.ErrUnauthenticated) {
		return session{}, nil
	}
	if err != nil {
		return session{}, err
	}
	return session{signedIn: true, principal: pr, csrf: csrf}, nil
}

// signIn resolves an API key secret and starts a session for it.
func (p *Pages) signIn(c echo.Context, secret string) error {
	ctx := c.Request().Context()
	pr, err := p.d.Keys.Resolve(ctx, secret)
	if err != nil {
		return err
	}
	token := randomToken()
	if _, err := p.d.Pool.Exec(ctx, sqlSessionInsert, tokenHash(token), pr.KeyID, randomToken(), time.Now().Add(sessionTTL)); err != nil {
		return fmt.Errorf("web: sign in: %w", err)
	}
	c.SetCookie(&http.Cookie{Name: sessionCookie, Value: token, Path: "/", HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: c.IsTLS(), MaxAge: int(sessionTTL / time.Second)})
	return nil
}

// signOut ends the session (and sweeps expired ones).
func (p *Pages) signOut(c echo.Context) error {
	if ck, err := c.Cookie(sessionCookie); err == nil {
		if _, err := p.d.Pool.Exec(c.Request().Context(), sqlSessionDelete, tokenHash(ck.Value)); err != nil {
			return fmt.Errorf("web: sign out: %w", err)
		}
	}
	c.SetCookie(&http.Cookie{Name: sessionCookie, Value: "", Path: "/", HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: c.IsTLS(), MaxAge: -1})
	return nil
}

// anonCSRF gives a visitor without a session a form token kept in its own
// cookie (double submit), so that the sign-in form is protected too.
func anonCSRF(c echo.Context) string {
	if ck, err := c.Cookie("ecinema_csrf"); err == nil && len(ck.Value) >= 32 {
		return ck.Value
	}
	t := randomToken()
	c.SetCookie(&http.Cookie{Name: "ecinema_csrf", Value: t, Path: "/", HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: c.IsTLS()})
	return t
}

// checkCSRF compares a form's token with the session's.
func checkCSRF(c echo.Context, s session) bool {
	got := c.FormValue(csrfField)
	return s.csrf != "" && got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(s.csrf)) == 1
}

// securityHeaders are sent with every page: a strict Content-Security-Policy
// (only this origin's scripts, styles and fetches; no framing), no sniffing,
// no referrer.
func securityHeaders(h http.Header) {
	h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
}
