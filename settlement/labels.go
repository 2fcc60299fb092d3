package settlement

import (
	"time"

	"ecinema/i18n"
	"ecinema/registry"
)

// label is the readable name of a column or a phrase of the documents, in
// the three languages. Column keys are the JSON field names.
var labels = map[string]i18n.Text{
	"period":           {KK: "Кезең", RU: "Период", EN: "Period"},
	"adjustment":       {KK: "Түзету", RU: "Корректировка", EN: "Adjustment"},
	"film_id":          {KK: "Фильм ID", RU: "ID фильма", EN: "Film ID"},
	"film_title":       {KK: "Фильм", RU: "Фильм", EN: "Film"},
	"cinema_id":        {KK: "Кинотеатр ID", RU: "ID кинотеатра", EN: "Cinema ID"},
	"cinema_name":      {KK: "Кинотеатр", RU: "Кинотеатр", EN: "Cinema"},
	"week":             {KK: "Апта", RU: "Неделя", EN: "Week"},
	"first_day":        {KK: "Бірінші күн", RU: "Первый день", EN: "First day"},
	"last_day":         {KK: "Соңғы күн", RU: "Последний день", EN: "Last day"},
	"days":             {KK: "Күндер", RU: "Дни", EN: "Days"},
	"admissions":       {KK: "Көрермендер", RU: "Зрители", EN: "Admissions"},
	"gross":            {KK: "Жалпы түсім", RU: "Валовой сбор", EN: "Gross"},
	"vat":              {KK: "ҚҚС", RU: "НДС", EN: "VAT"},
	"net":              {KK: "ҚҚС-сыз түсім", RU: "Сбор без НДС", EN: "Net"},
	"royalty":          {KK: "Авторлық сыйақы", RU: "Роялти", EN: "Royalty"},
	"rentable":         {KK: "Бөлінетін сома", RU: "Сумма к распределению", EN: "Rentable"},
	"rental":           {KK: "Прокат төлемі", RU: "Прокатная плата", EN: "Rental"},
	"exhibitor_share":  {KK: "Кинотеатр үлесі", RU: "Доля кинотеатра", EN: "Exhibitor share"},
	"distribution_fee": {KK: "Прокатшы сыйақысы", RU: "Вознаграждение прокатчика", EN: "Distribution fee"},
	"producer_gross":   {KK: "Продюсердің жалпы үлесі", RU: "Валовая доля продюсера", EN: "Producer gross"},
	"recoupment":       {KK: "Шығынды өтеу", RU: "Возмещение расходов", EN: "Recoupment"},
	"producer_share":   {KK: "Продюсер үлесі", RU: "Доля продюсера", EN: "Producer share"},
	"royalty_pool":     {KK: "Сыйақы қоры", RU: "Фонд роялти", EN: "Royalty pool"},
	"role":             {KK: "Рөлі", RU: "Роль", EN: "Role"},
	"share_pct":        {KK: "Үлесі, %", RU: "Доля, %", EN: "Share, %"},
	"amount":           {KK: "Сомасы", RU: "Сумма", EN: "Amount"},
	"remaining":        {KK: "Өтелмеген шығын", RU: "Остаток невозмещённых расходов", EN: "Expenses not yet recouped"},
	"payable":          {KK: "Төленетін сома", RU: "К оплате", EN: "Payable"},
	"total":            {KK: "Барлығы", RU: "Итого", EN: "Total"},
	"subtotal":         {KK: "Фильм бойынша барлығы", RU: "Итого по фильму", EN: "Film subtotal"},

	"title":          {KK: "Есеп айырысу туралы есеп", RU: "Отчёт о взаиморасчётах", EN: "Settlement statement"},
	"title_royalty":  {KK: "Авторлық сыйақы туралы есеп", RU: "Отчёт об авторском вознаграждении (роялти)", EN: "Royalty statement"},
	"party":          {KK: "Тарап", RU: "Сторона", EN: "Party"},
	"party_id":       {KK: "Тарап ID", RU: "ID стороны", EN: "Party id"},
	"kind":           {KK: "Түрі", RU: "Вид", EN: "Kind"},
	"bin":            {KK: "БСН", RU: "БИН", EN: "BIN"},
	"from":           {KK: "Басы", RU: "С", EN: "From"},
	"to":             {KK: "Соңы", RU: "По", EN: "To"},
	"status":         {KK: "Мәртебесі", RU: "Статус", EN: "Status"},
	"currency":       {KK: "Валюта", RU: "Валюта", EN: "Currency"},
	"ledger":         {KK: "Тізілім", RU: "Реестр", EN: "Ledger"},
	"ledger_size":    {KK: "Тізілім ағашының өлшемі", RU: "Размер дерева реестра", EN: "Ledger tree size"},
	"ledger_root":    {KK: "Тізілім ағашының түбірі", RU: "Корень дерева реестра", EN: "Ledger tree root"},
	"closed":         {KK: "жабық", RU: "закрыт", EN: "closed"},
	"open":           {KK: "ашық: сомалар ай жабылғанға дейін өзгеруі мүмкін", RU: "открыт: суммы могут измениться до закрытия месяца", EN: "open: figures may change until the month is closed"},
	"close_entry":    {KK: "жабу жазбасы", RU: "запись закрытия", EN: "close entry"},
	"summary":        {KK: "Фильмдер бойынша жиынтық", RU: "Сводка по фильмам", EN: "Summary by film"},
	"lines":          {KK: "Жолдар", RU: "Строки", EN: "Lines"},
	"adj":            {KK: "түз.", RU: "корр.", EN: "adj."},
	"page":           {KK: "Бет %d / %s", RU: "Страница %d из %s", EN: "Page %d of %s"},
	"tree":           {KK: "ағаш өлшемі %d, түбір %s", RU: "размер дерева %d, корень %s", EN: "tree size %d, root %s"},
	"tree_note":      {KK: "Есеп осы ағаш бойынша есептелді; кейінгі кез келген бақылау нүктесі оны GET /v1/ledger/proofs/consistency?from=%d арқылы растайды.", RU: "Отчёт рассчитан по этому дереву; любая более поздняя контрольная точка подтверждает его через GET /v1/ledger/proofs/consistency?from=%d.", EN: "The statement was computed at this tree; any later checkpoint proves it with GET /v1/ledger/proofs/consistency?from=%d."},
	"prepared":       {KK: "Дайындаған (аты-жөні, қолы, күні)", RU: "Составил (ФИО, подпись, дата)", EN: "Prepared by (name, signature, date)"},
	"accepted":       {KK: "Қабылдаған: %s (аты-жөні, қолы, күні)", RU: "Принял: %s (ФИО, подпись, дата)", EN: "Accepted for %s (name, signature, date)"},
	"notes":          {KK: "Сомалар теңгемен (KZT). ҚҚС билет бағасына кіреді. «түз.» — жабық кезеңнің кешіккен деректері, осы кезеңде бастапқы күндерімен есептелген. Әр жолда: ҚҚС + авторлық сыйақы + кинотеатр үлесі + прокатшы сыйақысы + продюсердің жалпы үлесі = жалпы түсім.", RU: "Суммы в тенге (KZT). НДС включён в цену билетов. «корр.» — поздние данные закрытого периода, учтённые в этом периоде с исходными днями. В каждой строке: НДС + роялти + доля кинотеатра + вознаграждение прокатчика + валовая доля продюсера = валовой сбор.", EN: "Amounts in tenge (KZT). VAT is included in ticket prices. adj. marks late data for a closed period, settled in this period with its original box-office days. On every line: VAT + royalty + exhibitor share + distribution fee + producer gross = gross."},
	"pay_producer":   {KK: "Продюсерге төленетін сома", RU: "Сумма к выплате продюсеру", EN: "Amount payable to the producer"},
	"pay_producer_n": {KK: "продюсердің жалпы үлесі − прокатшының шығынын өтеу", RU: "валовая доля продюсера − возмещение расходов прокатчика", EN: "producer gross − the distributor's recoupment"},
	"pay_dist":       {KK: "Продюсерлерге төленетін сома", RU: "Сумма к выплате продюсерам", EN: "Amount payable to producers"},
	"pay_dist_n":     {KK: "кинотеатрлардан алынатын прокат төлемі %s; прокатшыда қалады (сыйақы + өтеу) %s", RU: "прокатная плата к получению от кинотеатров %s; остаётся у прокатчика (вознаграждение + возмещение) %s", EN: "rental receivable from exhibitors %s; kept by the distributor (fee + recoupment) %s"},
	"pay_exh":        {KK: "Кинотеатрдың прокатшыға төлейтін сомасы (прокат төлемі)", RU: "Сумма к оплате кинотеатром прокатчику (прокатная плата)", EN: "Amount payable by the exhibitor to the distributor (rental)"},
	"pay_exh_n":      {KK: "прокатшы сыйақысы + продюсердің жалпы үлесі; авторлық сыйақы құқық иелеріне %s", RU: "вознаграждение прокатчика + валовая доля продюсера; роялти правообладателям %s", EN: "distribution fee + producer gross; royalty to rights holders %s"},
	"pay_rh":         {KK: "Құқық иесіне төленетін сома", RU: "Сумма к выплате правообладателю", EN: "Amount payable to the rights holder"},
	"pay_rh_n":       {KK: "авторлық сыйақы қорындағы үлесі", RU: "доля в фонде роялти", EN: "its share of the royalty pools"},

	registry.KindProducer:     {KK: "продюсер", RU: "продюсер", EN: "producer"},
	registry.KindDistributor:  {KK: "прокатшы", RU: "прокатчик", EN: "distributor"},
	registry.KindExhibitor:    {KK: "кинотеатр", RU: "кинотеатр", EN: "exhibitor"},
	registry.KindRightsHolder: {KK: "құқық иесі", RU: "правообладатель", EN: "rights holder"},
}

// tr returns the label of key in l (the key itself when unknown).
func tr(l i18n.Lang, key string) string {
	if t, ok := labels[key]; ok {
		return t.In(l)
	}
	return key
}

// dateIn writes a date as l's readers do: 2026-01-31 in English,
// 31.01.2026 in Kazakh and Russian.
func dateIn(l i18n.Lang, t time.Time) string {
	if l == i18n.KK || l == i18n.RU {
		return t.Format("02.01.2006")
	}
	return t.Format(time.DateOnly)
}
