package boxoffice

import (
	"io"
	"strconv"

	"ecinema/internal/csvsafe"
)

// RankingsCSVHeader is the header row of WriteRankingsCSV.
var RankingsCSVHeader = []string{
	"period", "from", "to", "rank", "rank_change", "new", "film_id", "title_kk", "title_ru", "title_en", "origin",
	"gross", "gross_share_pct", "admissions", "screenings", "cinemas", "cumulative_gross", "cumulative_admissions",
}

// WriteRankingsCSV writes r as CSV (RFC 4180): a header, one row per item.
// rank_change is empty when the film was not ranked in the previous period.
func WriteRankingsCSV(w io.Writer, r Rankings) error {
	cw := csvsafe.NewWriter(w)
	if err := cw.Write(RankingsCSVHeader); err != nil {
		return err
	}
	p := r.Query.Period
	for _, it := range r.Items {
		rc := ""
		if it.RankChange != nil {
			rc = strconv.Itoa(*it.RankChange)
		}
		rec := []string{
			string(p.Kind), p.From.Format(DateLayout), p.To.Format(DateLayout),
			strconv.Itoa(it.Rank), rc, strconv.FormatBool(it.New), it.FilmID,
			it.Title.KK, it.Title.RU, it.Title.EN, it.Origin,
			it.Gross.StringFixed(2), it.GrossSharePct.StringFixed(2),
			strconv.FormatInt(it.Admissions, 10), strconv.FormatInt(it.Screenings, 10), strconv.FormatInt(it.Cinemas, 10),
			it.CumulativeGross.StringFixed(2), strconv.FormatInt(it.CumulativeAdmissions, 10),
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// ShareCSVHeader is the header row of WriteShareCSV.
var ShareCSVHeader = []string{
	"group", "from", "to", "origin", "gross", "gross_share_pct", "admissions", "admissions_share_pct",
	"films", "films_released", "national_in_top10",
}

// WriteShareCSV writes one row per group and origin.
func WriteShareCSV(w io.Writer, r ShareReport) error {
	cw := csvsafe.NewWriter(w)
	if err := cw.Write(ShareCSVHeader); err != nil {
		return err
	}
	for _, g := range r.Groups {
		for _, o := range g.Origins {
			rec := []string{
				g.Key, g.Period.From.Format(DateLayout), g.Period.To.Format(DateLayout), o.Origin,
				o.Gross.StringFixed(2), o.GrossSharePct.StringFixed(2),
				strconv.FormatInt(o.Admissions, 10), o.AdmissionsSharePct.StringFixed(2),
				strconv.Itoa(o.Films), strconv.Itoa(g.FilmsReleased[o.Origin]), strconv.Itoa(g.NationalInTop10),
			}
			if err := cw.Write(rec); err != nil {
				return err
			}
		}
	}
	cw.Flush()
	return cw.Error()
}
