package settlement

import (
	"strconv"

	"github.com/shopspring/decimal"

	"ecinema/i18n"
	"ecinema/tabular"
)

var taxLabels = map[string]i18n.Text{
	"bin":               {KK: "БСН", RU: "БИН", EN: "BIN"},
	"exhibitor_ids":     {KK: "Кинотеатр иелері (ID)", RU: "Кинопрокатчики-показчики (ID)", EN: "Exhibitor ids"},
	"exhibitor_id":      {KK: "Кинотеатр иесі (ID)", RU: "Показчик (ID)", EN: "Exhibitor id"},
	"exhibitor_name":    {KK: "Кинотеатр иесі", RU: "Показчик", EN: "Exhibitor"},
	"name":              {KK: "Атауы", RU: "Наименование", EN: "Name"},
	"date":              {KK: "Күні", RU: "Дата", EN: "Date"},
	"ledger_gross":      {KK: "Тізілім бойынша түсім", RU: "Сбор по реестру", EN: "Ledger gross"},
	"ledger_vat":        {KK: "Тізілім бойынша ҚҚС", RU: "НДС по реестру", EN: "Ledger VAT"},
	"ledger_admissions": {KK: "Тізілім бойынша көрермендер", RU: "Зрители по реестру", EN: "Ledger admissions"},
	"fiscal_amount":     {KK: "Фискалдық сома", RU: "Фискальная сумма", EN: "Fiscal amount"},
	"fiscal_receipts":   {KK: "Фискалдық чектер", RU: "Фискальные чеки", EN: "Fiscal receipts"},
	"difference":        {KK: "Айырма (фискалдық − тізілім)", RU: "Разница (фискальная − реестр)", EN: "Difference (fiscal − ledger)"},
	"status":            {KK: "Мәртебесі", RU: "Статус", EN: "Status"},
	"rate":              {KK: "ҚҚС мөлшерлемесі, %", RU: "Ставка НДС, %", EN: "VAT rate, %"},
	"gross":             {KK: "Жалпы түсім", RU: "Валовой сбор", EN: "Gross"},
	"vat":               {KK: "ҚҚС", RU: "НДС", EN: "VAT"},
	"net":               {KK: "ҚҚС-сыз түсім", RU: "Сбор без НДС", EN: "Net"},
	"admissions":        {KK: "Көрермендер", RU: "Зрители", EN: "Admissions"},
	"from":              {KK: "Басы", RU: "С", EN: "From"},
	"to":                {KK: "Соңы", RU: "По", EN: "To"},
	"tolerance":         {KK: "Рұқсат етілген ауытқу", RU: "Допуск", EN: "Tolerance"},
	"rows":              {KK: "Жолдар", RU: "Строк", EN: "Rows"},
}

func taxCol(key string, k tabular.Kind) tabular.Column {
	return tabular.Column{Key: key, Label: taxLabels[key], Kind: k}
}

// ReconTable returns a reconciliation as a table: one row per BIN and
// date, the query as facts and the totals apart.
func ReconTable(rec Reconciliation, q TaxQuery, l i18n.Lang) *tabular.Table {
	t := &tabular.Table{Lang: l,
		Title: l.Pick("Фискалдық деректермен салыстыру", "Сверка с фискальными данными", "Reconciliation with fiscal totals"),
		Facts: [][2]string{{taxLabels["from"].In(l), day(q.From)}, {taxLabels["to"].In(l), day(q.To)},
			{taxLabels["bin"].In(l), q.BIN}, {taxLabels["tolerance"].In(l), money(q.Tolerance)}},
		Columns: []tabular.Column{taxCol("bin", tabular.Text), taxCol("exhibitor_ids", tabular.Text),
			taxCol("exhibitor_name", tabular.Text), taxCol("date", tabular.Date), taxCol("ledger_gross", tabular.Money),
			taxCol("ledger_vat", tabular.Money), taxCol("ledger_admissions", tabular.Int), taxCol("fiscal_amount", tabular.Money),
			taxCol("fiscal_receipts", tabular.Int), taxCol("difference", tabular.Money), taxCol("status", tabular.Text)},
	}
	for _, r := range rec.Rows {
		fam, frc := "", ""
		if r.HasFiscal {
			fam, frc = money(r.FiscalAmount), strconv.FormatInt(r.FiscalReceipts, 10)
		}
		t.Rows = append(t.Rows, []string{r.BIN, r.ExhibitorIDs, r.ExhibitorName, day(r.Date), money(r.LedgerGross), money(r.LedgerVAT),
			strconv.FormatInt(r.LedgerAdmissions, 10), fam, frc, money(r.Difference), r.Status})
	}
	tot := rec.Totals
	t.Totals = []tabular.Total{
		{Key: "rows", Label: taxLabels["rows"], Kind: tabular.Int, Value: strconv.Itoa(len(rec.Rows))},
		{Key: "ledger_gross", Label: taxLabels["ledger_gross"], Kind: tabular.Money, Value: money(tot.LedgerGross)},
		{Key: "ledger_vat", Label: taxLabels["ledger_vat"], Kind: tabular.Money, Value: money(tot.LedgerVAT)},
		{Key: "fiscal_amount", Label: taxLabels["fiscal_amount"], Kind: tabular.Money, Value: money(tot.FiscalAmount)},
		{Key: "difference", Label: taxLabels["difference"], Kind: tabular.Money, Value: money(tot.Difference)},
	}
	return t
}

// VATSummaryTable returns VAT summaries as a table, one row per exhibitor
// and rate.
func VATSummaryTable(sums []VATSummary, q TaxQuery, l i18n.Lang) *tabular.Table {
	t := &tabular.Table{Lang: l,
		Title: l.Pick("ҚҚС бойынша жиынтық", "Сводка по НДС", "VAT summary"),
		Facts: [][2]string{{taxLabels["from"].In(l), day(q.From)}, {taxLabels["to"].In(l), day(q.To)}},
		Columns: []tabular.Column{taxCol("exhibitor_id", tabular.Text), taxCol("name", tabular.Text), taxCol("bin", tabular.Text),
			taxCol("rate", tabular.Pct), taxCol("gross", tabular.Money), taxCol("vat", tabular.Money), taxCol("net", tabular.Money)},
	}
	g, v := decimal.Zero, decimal.Zero
	for _, s := range sums {
		for _, r := range s.ByRate {
			t.Rows = append(t.Rows, []string{s.ExhibitorID, s.Name, s.BIN, r.Rate.String(), money(r.Gross), money(r.VAT), money(r.Gross.Sub(r.VAT))})
			g, v = g.Add(r.Gross), v.Add(r.VAT)
		}
	}
	t.Totals = []tabular.Total{
		{Key: "gross", Label: taxLabels["gross"], Kind: tabular.Money, Value: money(g)},
		{Key: "vat", Label: taxLabels["vat"], Kind: tabular.Money, Value: money(v)},
		{Key: "net", Label: taxLabels["net"], Kind: tabular.Money, Value: money(g.Sub(v))},
	}
	return t
}
