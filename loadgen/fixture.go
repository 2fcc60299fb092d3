package loadgen

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// fixture is what registerFixture made.
type fixture struct {
	film    string
	cinemas []string
	posKeys []string // posKeys[i] acts for cinemas[i]
	halls   int      // halls per cinema
}

func hallID(i int) string { return fmt.Sprintf("h%d", i+1) }

// registerFixture registers the parties, cinemas and film of a run through
// the admin API and makes one pos key per cinema.
func registerFixture(ctx context.Context, hc *http.Client, cfg Config, loc *time.Location) (*fixture, error) {
	p := cfg.Prefix
	today := time.Now().In(loc)
	fx := &fixture{film: p + "-film", halls: (cfg.Workers + cfg.Cinemas - 1) / cfg.Cinemas}
	parties := []struct{ id, kind, name, bin string }{
		{p + "-exh", "exhibitor", "Bench Cinemas " + p, "000000000101"},
		{p + "-prod", "producer", "Bench Producer " + p, "100000000001"},
		{p + "-dist", "distributor", "Bench Distribution " + p, "070440000096"},
	}
	for _, pt := range parties {
		if err := adminPut(ctx, hc, cfg, "/v1/parties/"+pt.id, map[string]string{"kind": pt.kind, "name": pt.name, "bin": pt.bin}); err != nil {
			return nil, err
		}
	}
	film := map[string]any{
		"title":        map[string]string{"kk": "Бенч " + p, "ru": "Бенч " + p, "en": "Bench " + p},
		"origin":       "national",
		"countries":    []string{"KZ"},
		"release_date": today.Format(time.DateOnly),
		"runtime_min":  int(filmRuntime / time.Minute),
		"age_rating":   "12+",
		"certificate": map[string]string{"number": "BENCH-" + p, "valid_from": today.AddDate(0, 0, -30).Format(time.DateOnly),
			"valid_to": "2099-12-31"},
		"producer_id": p + "-prod", "distributor_id": p + "-dist",
		"distribution_fee_pct": "15", "recoupable_expenses": "0.00", "royalty_pct": "0",
		"rental_terms": []map[string]any{{"from_week": 1, "distributor_pct": "55"}, {"from_week": 3, "distributor_pct": "50"}},
	}
	if err := adminPut(ctx, hc, cfg, "/v1/films/"+fx.film, film); err != nil {
		return nil, err
	}
	halls := make([]map[string]any, fx.halls)
	for i := range halls {
		halls[i] = map[string]any{"id": hallID(i), "name": fmt.Sprintf("Зал %d", i+1), "seats": hallSeats}
	}
	for i := range cfg.Cinemas {
		id := fmt.Sprintf("%s-c%d", p, i+1)
		c := map[string]any{"name": fmt.Sprintf("Bench %s %d", p, i+1), "exhibitor_id": p + "-exh",
			"region": "KZ-75", "city": "Almaty", "vat_payer": true, "halls": halls}
		if err := adminPut(ctx, hc, cfg, "/v1/cinemas/"+id, c); err != nil {
			return nil, err
		}
		key, err := cfg.NewPOSKey(ctx, id)
		if err != nil {
			return nil, fmt.Errorf("loadgen: pos key for cinema %s: %w", id, err)
		}
		fx.cinemas, fx.posKeys = append(fx.cinemas, id), append(fx.posKeys, key)
	}
	return fx, nil
}

// adminPut sends one registry write with the admin key and wants a 2xx.
func adminPut(ctx context.Context, hc *http.Client, cfg Config, path string, body any) error {
	b, err := json.Marshal(body)
	if err != nil {
		return fmt.Errorf("loadgen: PUT %s: %w", path, err)
	}
	u := strings.TrimRight(cfg.URL, "/") + path
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, u, bytes.NewReader(b))
	if err != nil {
		return fmt.Errorf("loadgen: PUT %s: %w", path, err)
	}
	req.Header.Set("Authorization", "Bearer "+cfg.AdminKey)
	req.Header.Set("Content-Type", "application/json")
	res, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("loadgen: fixture: PUT %s: %w", path, err)
	}
	defer res.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(res.Body, 4096))
	if res.StatusCode/100 != 2 {
		return fmt.Errorf("loadgen: fixture: PUT %s: HTTP %d: %s", path, res.StatusCode, bytes.TrimSpace(msg))
	}
	return nil
}
