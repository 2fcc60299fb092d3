package boxoffice

import (
	"io"
	"strconv"

	"github.com/shopspring/decimal"

	"ecinema/i18n"
	"ecinema/tabular"
)

var colLabels = map[string]i18n.Text{
	"period":                {KK: "Кезең түрі", RU: "Тип периода", EN: "Period"},
	"from":                  {KK: "Басы", RU: "С", EN: "From"},
	"to":                    {KK: "Соңы", RU: "По", EN: "To"},
	"rank":                  {KK: "Орны", RU: "Место", EN: "Rank"},
	"rank_change":           {KK: "Орын өзгерісі", RU: "Изменение места", EN: "Rank change"},
	"new":                   {KK: "Жаңа", RU: "Новинка", EN: "New"},
	"film_id":               {KK: "Фильм ID", RU: "ID фильма", EN: "Film id"},
	"title_kk":              {KK: "Атауы (қаз.)", RU: "Название (каз.)", EN: "Title (kk)"},
	"title_ru":              {KK: "Атауы (орыс.)", RU: "Название (рус.)", EN: "Title (ru)"},
	"title_en":              {KK: "Атауы (ағыл.)", RU: "Название (англ.)", EN: "Title (en)"},
	"origin":                {KK: "Шығуы", RU: "Происхождение", EN: "Origin"},
	"gross":                 {KK: "Жалпы түсім", RU: "Валовой сбор", EN: "Gross"},
	"gross_share_pct":       {KK: "Түсім үлесі, %", RU: "Доля сбора, %", EN: "Gross share, %"},
	"gross_change":          {KK: "Түсім өзгерісі", RU: "Изменение сбора", EN: "Gross change"},
	"gross_change_pct":      {KK: "Түсім өзгерісі, %", RU: "Изменение сбора, %", EN: "Gross change, %"},
	"admissions":            {KK: "Көрермендер", RU: "Зрители", EN: "Admissions"},
	"admissions_share_pct":  {KK: "Көрермендер үлесі, %", RU: "Доля зрителей, %", EN: "Admissions share, %"},
	"admissions_change":     {KK: "Көрермендер өзгерісі", RU: "Изменение числа зрителей", EN: "Admissions change"},
	"admissions_change_pct": {KK: "Көрермендер өзгерісі, %", RU: "Изменение числа зрителей, %", EN: "Admissions change, %"},
	"screenings":            {KK: "Сеанстар", RU: "Сеансы", EN: "Screenings"},
	"screens":               {KK: "Залдар", RU: "Залы", EN: "Screens"},
	"cinemas":               {KK: "Кинотеатрлар", RU: "Кинотеатры", EN: "Cinemas"},
	"cumulative_gross":      {KK: "Жинақталған түсім", RU: "Сбор с начала проката", EN: "Cumulative gross"},
	"cumulative_admissions": {KK: "Жинақталған көрермендер", RU: "Зрители с начала проката", EN: "Cumulative admissions"},
	"group":                 {KK: "Топ", RU: "Группа", EN: "Group"},
	"films":                 {KK: "Фильмдер", RU: "Фильмы", EN: "Films"},
	"films_released":        {KK: "Шыққан фильмдер", RU: "Вышедшие фильмы", EN: "Films released"},
	"national_in_top10":     {KK: "Үздік 10-дағы отандық", RU: "Отечественных в топ-10", EN: "National in top 10"},
	"region":                {KK: "Өңір", RU: "Регион", EN: "Region"},
	"by":                    {KK: "Сұрыптау", RU: "Сортировка", EN: "Ranked by"},
	"as_of":                 {KK: "Соңғы толық күн", RU: "Последний полный день", EN: "As of (last complete day)"},
}

func col(key string, k tabular.Kind) tabular.Column {
	return tabular.Column{Key: key, Label: colLabels[key], Kind: k}
}

// rankingsCSVHeader is the header row of the rankings CSV.
var rankingsCSVHeader = []string{
	"period", "from", "to", "rank", "rank_change", "new", "film_id", "title_kk", "title_ru", "title_en", "origin",
	"gross", "gross_share_pct", "admissions", "screenings", "cinemas", "cumulative_gross", "cumulative_admissions",
	"screens", "gross_change", "gross_change_pct", "admissions_change", "admissions_change_pct", "admissions_share_pct",
}

var rankingKinds = map[string]tabular.Kind{
	"from": tabular.Date, "to": tabular.Date, "rank": tabular.Int, "rank_change": tabular.Int, "new": tabular.Bool,
	"gross": tabular.Money, "gross_share_pct": tabular.Pct, "admissions": tabular.Int, "screenings": tabular.Int,
	"cinemas": tabular.Int, "cumulative_gross": tabular.Money, "cumulative_admissions": tabular.Int,
	"screens": tabular.Int, "gross_change": tabular.Money, "gross_change_pct": tabular.Pct, "admissions_change": tabular.Int,
	"admissions_change_pct": tabular.Pct, "admissions_share_pct": tabular.Pct,
}

func pctText(d *decimal.Decimal) string {
	if d == nil {
		return ""
	}
	return d.StringFixed(2)
}

// RankingsTable returns r as a table, one row per item. rank_change
// (places moved up: previous rank − rank) is empty when the film was not
// ranked in the previous period; the change percentages are empty when the
// previous figure was zero.
func RankingsTable(r Rankings, l i18n.Lang) *tabular.Table {
	p := r.Query.Period
	t := &tabular.Table{Lang: l,
		Title: l.Pick("Прокат рейтингі", "Рейтинг кассовых сборов", "Box-office ranking"),
		Facts: [][2]string{{colLabels["as_of"].In(l), r.AsOf.Format(DateLayout)},
			{colLabels["period"].In(l), string(p.Kind)}, {colLabels["from"].In(l), p.From.Format(DateLayout)},
			{colLabels["to"].In(l), p.To.Format(DateLayout)}, {colLabels["by"].In(l), string(r.Query.By)},
			{colLabels["region"].In(l), r.Query.Region}, {colLabels["origin"].In(l), r.Query.Origin}},
		Totals: []tabular.Total{
			{Key: "gross", Label: colLabels["gross"], Kind: tabular.Money, Value: r.Totals.Gross.StringFixed(2)},
			{Key: "admissions", Label: colLabels["admissions"], Kind: tabular.Int, Value: strconv.FormatInt(r.Totals.Admissions, 10)},
			{Key: "screenings", Label: colLabels["screenings"], Kind: tabular.Int, Value: strconv.FormatInt(r.Totals.Screenings, 10)},
			{Key: "cinemas", Label: colLabels["cinemas"], Kind: tabular.Int, Value: strconv.FormatInt(r.Totals.Cinemas, 10)},
			{Key: "films", Label: colLabels["films"], Kind: tabular.Int, Value: strconv.Itoa(r.Totals.Films)},
		},
	}
	for _, h := range rankingsCSVHeader {
		t.Columns = append(t.Columns, col(h, rankingKinds[h]))
	}
	for _, it := range r.Items {
		rc := ""
		if it.RankChange != nil {
			rc = strconv.Itoa(*it.RankChange)
		}
		t.Rows = append(t.Rows, []string{
			string(p.Kind), p.From.Format(DateLayout), p.To.Format(DateLayout),
			strconv.Itoa(it.Rank), rc, strconv.FormatBool(it.New), it.FilmID,
			it.Title.KK, it.Title.RU, it.Title.EN, it.Origin,
			it.Gross.StringFixed(2), it.GrossSharePct.StringFixed(2),
			strconv.FormatInt(it.Admissions, 10), strconv.FormatInt(it.Screenings, 10), strconv.FormatInt(it.Cinemas, 10),
			it.CumulativeGross.StringFixed(2), strconv.FormatInt(it.CumulativeAdmissions, 10),
			strconv.FormatInt(it.Screens, 10), it.GrossChange.StringFixed(2), pctText(it.GrossChangePct),
			strconv.FormatInt(it.AdmissionsChange, 10), pctText(it.AdmissionsChangePct), it.AdmissionsSharePct.StringFixed(2),
		})
	}
	return t
}

// WriteRankingsCSV writes r as CSV (package tabular's dialect, comma).
func WriteRankingsCSV(w io.Writer, r Rankings) error {
	return RankingsTable(r, i18n.Default).WriteCSV(w, tabular.CSVOptions{})
}

// shareCSVHeader is the header row of the share CSV.
var shareCSVHeader = []string{
	"group", "from", "to", "origin", "gross", "gross_share_pct", "admissions", "admissions_share_pct",
	"films", "films_released", "national_in_top10",
}

var shareKinds = map[string]tabular.Kind{
	"from": tabular.Date, "to": tabular.Date, "gross": tabular.Money, "gross_share_pct": tabular.Pct,
	"admissions": tabular.Int, "admissions_share_pct": tabular.Pct, "films": tabular.Int, "films_released": tabular.Int,
	"national_in_top10": tabular.Int,
}

// ShareTable returns one row per group and origin.
func ShareTable(r ShareReport, l i18n.Lang) *tabular.Table {
	t := &tabular.Table{Lang: l,
		Title: l.Pick("Отандық және шетелдік фильмдер үлесі", "Доля отечественных и зарубежных фильмов", "National and foreign share"),
		Facts: [][2]string{{colLabels["from"].In(l), r.Query.From.Format(DateLayout)}, {colLabels["to"].In(l), r.Query.To.Format(DateLayout)},
			{colLabels["group"].In(l), string(r.Query.GroupBy)}, {colLabels["region"].In(l), r.Query.Region}},
	}
	for _, h := range shareCSVHeader {
		t.Columns = append(t.Columns, col(h, shareKinds[h]))
	}
	for _, g := range r.Groups {
		for _, o := range g.Origins {
			t.Rows = append(t.Rows, []string{
				g.Key, g.Period.From.Format(DateLayout), g.Period.To.Format(DateLayout), o.Origin,
				o.Gross.StringFixed(2), o.GrossSharePct.StringFixed(2),
				strconv.FormatInt(o.Admissions, 10), o.AdmissionsSharePct.StringFixed(2),
				strconv.Itoa(o.Films), strconv.Itoa(g.FilmsReleased[o.Origin]), strconv.Itoa(g.NationalInTop10),
			})
		}
	}
	return t
}

// WriteShareCSV writes the share report as CSV.
func WriteShareCSV(w io.Writer, r ShareReport) error {
	return ShareTable(r, i18n.Default).WriteCSV(w, tabular.CSVOptions{})
}
