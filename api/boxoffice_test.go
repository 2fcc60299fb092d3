package api_test

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"ecinema/apikey"
	"ecinema/kztime"
)

func TestBoxOfficeEndpoints(t *testing.T) {
	env := registered(t)
	if r := env.Do("PUT", "/v1/cinemas/chaplin-mega", env.AdminKey, cinema()); r.Status != 200 {
		t.Fatalf("PUT cinema: %d %s", r.Status, r.Body)
	}
	if r := env.Do("PUT", "/v1/films/gulsary", env.AdminKey, film()); r.Status != 200 {
		t.Fatalf("PUT film: %d %s", r.Status, r.Body)
	}
	pos := env.Key(apikey.RolePOS, "chaplin-mega", "")
	start := time.Now().Add(-3 * time.Hour).Truncate(time.Minute)
	day := kztime.BoxOfficeDay(start).Format("2006-01-02")
	if r := env.Do("PUT", "/v1/screenings/s1", pos, map[string]string{"hall_id": "h1", "film_id": "gulsary",
		"starts_at": start.UTC().Format(time.RFC3339), "format": "2D", "language": "kk"}); r.Status != 200 && r.Status != 201 {
		t.Fatalf("PUT screening: %d %s", r.Status, r.Body)
	}
	sold := start.Add(-time.Hour).UTC().Format(time.RFC3339)
	var tickets []map[string]string
	for i, price := range []string{"2500.00", "2500.00", "1800.00"} {
		tickets = append(tickets, map[string]string{"id": fmt.Sprintf("t%d", i), "sold_at": sold, "price": price,
			"category": "adult", "seat": fmt.Sprintf("R1-%d", i+1), "channel": "box_office"})
	}
	if r := env.Do("POST", "/v1/sales", pos, map[string]any{"screening_id": "s1", "tickets": tickets}, "Idempotency-Key", "k1"); r.Status != 201 {
		t.Fatalf("POST sales: %d %s", r.Status, r.Body)
	}

	analyst := env.Key(apikey.RoleAnalyst, "", "")
	tax := env.Key(apikey.RoleTax, "", "")
	producer := env.Key(apikey.RoleProducer, "", "prod")
	if r := env.Do("GET", "/v1/boxoffice/rankings?period=day&date="+day, producer, nil); r.Status != 200 {
		t.Errorf("producer rankings: %d %s", r.Status, r.Body)
	}
	r := env.Do("GET", "/v1/boxoffice/rankings?period=day&date="+day, analyst, nil)
	if r.Status != 200 {
		t.Fatalf("rankings: %d %s", r.Status, r.Body)
	}
	var rk struct {
		Period struct{ Kind, From, To string }
		Totals struct {
			Gross      string
			Admissions int64
			Screenings int64
		}
		Items []struct {
			Rank          int
			RankChange    *int `json:"rank_change"`
			New           bool
			FilmID        string `json:"film_id"`
			Title         struct{ KK, RU, EN string }
			Gross         string
			GrossSharePct string `json:"gross_share_pct"`
			Admissions    int64
			Cumulative    string `json:"cumulative_gross"`
		}
	}
	r.JSON(t, &rk)
	if rk.Period.Kind != "day" || rk.Period.From != day || rk.Totals.Gross != "6800.00" || rk.Totals.Admissions != 3 || rk.Totals.Screenings != 1 {
		t.Errorf("rankings head %+v", rk)
	}
	if len(rk.Items) != 1 || rk.Items[0].FilmID != "gulsary" || rk.Items[0].Rank != 1 || rk.Items[0].RankChange != nil || !rk.Items[0].New ||
		rk.Items[0].Gross != "6800.00" || rk.Items[0].GrossSharePct != "100.00" || rk.Items[0].Cumulative != "6800.00" || rk.Items[0].Title.EN != "Farewell, Gulsary" {
		t.Errorf("rankings items %+v", rk.Items)
	}
	if !strings.Contains(string(r.Body), `"rank_change":null`) {
		t.Errorf("rank_change is not null in %s", r.Body)
	}

	r = env.Do("GET", "/v1/boxoffice/rankings?period=week&date="+day+"&format=csv", analyst, nil)
	recs, err := csv.NewReader(strings.NewReader(string(r.Body))).ReadAll()
	if r.Status != 200 || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/csv") || err != nil || len(recs) != 2 ||
		recs[0][3] != "rank" || recs[1][3] != "1" || recs[1][4] != "" || recs[1][11] != "6800.00" {
		t.Errorf("csv: %d %s %v %q", r.Status, r.Header.Get("Content-Type"), err, recs)
	}

	// KOBIS fields, the weekdays period, the daily series.
	r = env.Do("GET", "/v1/boxoffice/rankings?period=weekdays&date="+day, analyst, nil)
	if r.Status != 200 || !strings.Contains(string(r.Body), `"as_of":"`) || !strings.Contains(string(r.Body), `"kind":"weekdays"`) {
		t.Errorf("weekdays rankings: %d %s", r.Status, r.Body)
	}
	r = env.Do("GET", "/v1/boxoffice/rankings?period=day&date="+day, analyst, nil)
	for _, want := range []string{`"screens":1`, `"gross_change":"6800.00"`, `"gross_change_pct":null`, `"admissions_change":3`,
		`"admissions_share_pct":"100.00"`} {
		if !strings.Contains(string(r.Body), want) {
			t.Errorf("rankings lack %s: %s", want, r.Body)
		}
	}
	r = env.Do("GET", "/v1/boxoffice/films/gulsary/daily?from="+day+"&to="+day, producer, nil)
	if r.Status != 200 || !strings.Contains(string(r.Body), `"gross":"6800.00"`) || !strings.Contains(string(r.Body), `"cumulative_admissions":3`) {
		t.Errorf("daily: %d %s", r.Status, r.Body)
	}
	if r := env.Do("GET", "/v1/boxoffice/films/nope/daily?from="+day+"&to="+day, analyst, nil); r.Status != 404 || r.ErrorCode() != "film_not_found" {
		t.Errorf("daily of an unknown film: %d %s", r.Status, r.Body)
	}
	if r := env.Do("GET", "/v1/boxoffice/rankings?period=week&date="+day+"&format=xlsx&lang=kk", analyst, nil); r.Status != 200 ||
		!strings.HasSuffix(r.Header.Get("Content-Disposition"), `.xlsx"`) {
		t.Errorf("xlsx rankings: %d %v", r.Status, r.Header)
	}

	r = env.Do("GET", "/v1/boxoffice/share?from="+day+"&to="+day+"&group_by=month", analyst, nil)
	var sh struct {
		Groups []struct {
			National struct {
				Gross         string
				GrossSharePct string `json:"gross_share_pct"`
			}
			Foreign struct {
				GrossSharePct string `json:"gross_share_pct"`
			}
			NationalInTop10 int `json:"national_in_top10"`
		}
	}
	r.JSON(t, &sh)
	if r.Status != 200 || len(sh.Groups) != 1 || sh.Groups[0].National.Gross != "6800.00" || sh.Groups[0].National.GrossSharePct != "100.00" ||
		sh.Groups[0].Foreign.GrossSharePct != "0.00" || sh.Groups[0].NationalInTop10 != 1 {
		t.Errorf("share: %d %s", r.Status, r.Body)
	}

	// Errors: invalid parameters name the field; a POS key may not read rankings.
	for _, c := range []struct {
		path, key string
		status    int
		code      string
	}{
		{"/v1/boxoffice/rankings?period=day", analyst, http.StatusBadRequest, "invalid_query"},
		{"/v1/boxoffice/rankings?period=fortnight&date=" + day, analyst, http.StatusBadRequest, "invalid_query"},
		{"/v1/boxoffice/rankings?period=day&date=" + day + "&region=KZ-00", analyst, http.StatusBadRequest, "invalid_query"},
		{"/v1/boxoffice/rankings?period=custom&from=2026-02-01&to=2026-01-01", analyst, http.StatusBadRequest, "invalid_query"},
		{"/v1/boxoffice/share?from=2026-01-01&to=2026-02-01&group_by=week", analyst, http.StatusBadRequest, "invalid_query"},
		{"/v1/boxoffice/rankings?period=day&date=" + day, pos, http.StatusForbidden, "forbidden"},
		{"/v1/boxoffice/rankings?period=day&date=" + day, tax, http.StatusForbidden, "forbidden"},
		{"/v1/boxoffice/share?from=2026-01-01&to=2026-02-01&group_by=month", producer, http.StatusForbidden, "forbidden"},
		{"/v1/boxoffice/share?from=2026-01-01&to=2026-02-01&group_by=month", tax, http.StatusForbidden, "forbidden"},
		{"/v1/boxoffice/rankings?period=day&date=" + day + "&limit=0", analyst, http.StatusBadRequest, "invalid_query"},
		{"/v1/boxoffice/rankings?period=day&date=" + day, "", http.StatusUnauthorized, "unauthenticated"},
	} {
		r := env.Do("GET", c.path, c.key, nil)
		if r.Status != c.status || r.ErrorCode() != c.code {
			t.Errorf("GET %s: %d %s, want %d %s", c.path, r.Status, r.Body, c.status, c.code)
		}
	}
}
