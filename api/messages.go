package api

import (
	"regexp"
	"strings"

	"ecinema/i18n"
)

// messages are the Kazakh and Russian texts of the error codes. English
// answers keep the service's own message, which names the object at fault;
// a code without an entry here answers in English in every language.
var messages = map[string]i18n.Text{
	"invalid_request":          {KK: "Сұраудың кейбір өрістері қате", RU: "В запросе есть неверные поля"},
	"invalid_query":            {KK: "Сұрау параметрі қате", RU: "Неверный параметр запроса"},
	"malformed_json":           {KK: "Сұрау денесі күтілген пішіндегі JSON емес", RU: "Тело запроса не является JSON ожидаемой формы"},
	"unauthenticated":          {KK: "API кілті қажет: Authorization: Bearer <кілт> (белгісіз, мерзімі өткен немесе кері қайтарылған кілт жарамайды)", RU: "Нужен API-ключ: Authorization: Bearer <ключ> (неизвестный, просроченный или отозванный ключ не подходит)"},
	"forbidden":                {KK: "Бұл API кілтінің рөлі немесе аясы бұған рұқсат бермейді", RU: "Роль или область действия этого API-ключа не позволяет это сделать"},
	"not_found":                {KK: "Табылмады", RU: "Не найдено"},
	"method_not_allowed":       {KK: "Бұл маршрутта мұндай әдіс жоқ", RU: "Метод не поддерживается для этого маршрута"},
	"body_too_large":           {KK: "Сұрау денесі тым үлкен", RU: "Тело запроса слишком велико"},
	"rate_limited":             {KK: "Сұраулар тым көп: кейінірек қайталаңыз", RU: "Слишком много запросов: повторите позже"},
	"internal":                 {KK: "Сервердің ішкі қатесі", RU: "Внутренняя ошибка сервера"},
	"not_available":            {KK: "Қызмет қолжетімсіз", RU: "Сервис недоступен"},
	"not_ready":                {KK: "Сервер әлі дайын емес", RU: "Сервер ещё не готов"},
	"database_timeout":         {KK: "Дерекқор уақытында жауап бермеді: кейінірек қайталаңыз", RU: "База данных не ответила вовремя: повторите позже"},
	"database_unavailable":     {KK: "Дерекқор қолжетімсіз: кейінірек қайталаңыз", RU: "База данных недоступна: повторите позже"},
	"bulk_readers_busy":        {KK: "Үлкен экспорттар тым көп: кейінірек қайталаңыз", RU: "Слишком много больших выгрузок одновременно: повторите позже"},
	"shutting_down":            {KK: "Сервер тоқтап жатыр: кейінірек қайталаңыз", RU: "Сервер останавливается: повторите позже"},
	"idempotency_key_required": {KK: "Idempotency-Key тақырыбы қажет", RU: "Нужен заголовок Idempotency-Key"},
	"idempotency_key_reused":   {KK: "Бұл Idempotency-Key басқа сұраумен қолданылған", RU: "Этот Idempotency-Key уже использован с другим запросом"},
	"too_many_tickets":         {KK: "Бір сұраудағы билеттер тым көп", RU: "Слишком много билетов в одном запросе"},
	"too_many_records":         {KK: "Бір жүктеудегі жазбалар тым көп", RU: "Слишком много записей в одной загрузке"},
	"screening_not_found":      {KK: "Сеанс табылмады", RU: "Сеанс не найден"},
	"duplicate_ticket":         {KK: "Бұл билет бұрын тіркелген", RU: "Этот билет уже зарегистрирован"},
	"seat_already_sold":        {KK: "Бұл орын сатылып қойған", RU: "Это место уже продано"},
	"ticket_not_sold":          {KK: "Бұл билет сатылмаған", RU: "Этот билет не продавался"},
	"ticket_already_refunded":  {KK: "Бұл билет қайтарылып қойған", RU: "Этот билет уже возвращён"},
	"ticket_not_in_screening":  {KK: "Билет басқа сеансқа тиесілі", RU: "Билет относится к другому сеансу"},
	"screening_overlap":        {KK: "Сеанс сол залдағы басқа сеанспен қабаттасады", RU: "Сеанс пересекается с другим сеансом в этом зале"},
	"screening_has_sales":      {KK: "Сатылымы бар сеансты ауыстыруға болмайды", RU: "Сеанс с продажами нельзя заменить"},
	"capacity_exceeded":        {KK: "Залдағы орындар саны асып кетті", RU: "Превышена вместимость зала"},
	"sold_at_in_future":        {KK: "Сату уақыты болашақта", RU: "Время продажи в будущем"},
	"sold_after_screening_end": {KK: "Билет сеанс аяқталғаннан кейін сатылған", RU: "Билет продан после окончания сеанса"},
	"refund_after_start":       {KK: "Сеанс басталғаннан кейін қайтару тек screening_cancelled себебімен", RU: "Возврат после начала сеанса только с причиной screening_cancelled"},
	"refunded_at_in_future":    {KK: "Қайтару уақыты болашақта", RU: "Время возврата в будущем"},
	"refunded_before_sale":     {KK: "Қайтару сатудан бұрын", RU: "Возврат раньше продажи"},
	"age_restricted_time":      {KK: "21+ фильм тек 22:00 мен 06:00 аралығында көрсетіледі", RU: "Фильм 21+ показывается только с 22:00 до 06:00"},
	"certificate_not_valid":    {KK: "Фильмнің прокат куәлігі бұл күні жарамсыз", RU: "Прокатное удостоверение фильма недействительно в этот день"},
	"unknown_hall":             {KK: "Мұндай зал жоқ", RU: "Такого зала нет"},
	"unknown_film":             {KK: "Мұндай фильм тіркелмеген", RU: "Такой фильм не зарегистрирован"},
	"unknown_reference":        {KK: "Сілтеме жасалған нысан тіркелмеген", RU: "Указанный объект не зарегистрирован"},
	"hall_in_use":              {KK: "Залда сеанстар бар", RU: "В зале есть сеансы"},
	"party_in_use":             {KK: "Тараптың түрін өзгертуге болмайды: оған сілтемелер бар", RU: "Нельзя изменить вид стороны: на неё есть ссылки"},
	"party_not_found":          {KK: "Тарап табылмады", RU: "Сторона не найдена"},
	"cinema_not_found":         {KK: "Кинотеатр табылмады", RU: "Кинотеатр не найден"},
	"film_not_found":           {KK: "Фильм табылмады", RU: "Фильм не найден"},
	"period_closed":            {KK: "Кезең жабық", RU: "Период закрыт"},
	"period_close_conflict":    {KK: "Кезеңді жабу кезінде деректер өзгерді: қайталаңыз", RU: "Данные изменились во время закрытия периода: повторите"},
	"period_not_ended":         {KK: "Кезең әлі аяқталмаған", RU: "Период ещё не закончился"},
	"earlier_period_open":      {KK: "Алдыңғы кезең әлі ашық", RU: "Предыдущий период ещё открыт"},
	"no_rental_terms":          {KK: "Фильмнің прокат шарттары жоқ", RU: "У фильма нет условий проката"},
	"no_vat_rate":              {KK: "Бұл күнге ҚҚС мөлшерлемесі жоқ", RU: "Нет ставки НДС на эту дату"},
	"invalid_range":            {KK: "Ауқым тізілім ағашынан тыс", RU: "Диапазон вне дерева реестра"},
	"not_in_checkpoint":        {KK: "Жазба бұл бақылау нүктесіне кірмейді", RU: "Запись не входит в эту контрольную точку"},
	"invalid_scope":            {KK: "Кілттің рөлі немесе аясы қате", RU: "Неверная роль или область действия ключа"},
	"invalid_bag":              {KK: "BagIt пакеті толық емес немесе жарамсыз (RFC 8493): әр қате файл мен тексеру details ішінде", RU: "Пакет BagIt неполон или недействителен (RFC 8493): каждый файл и проверка в details"},
	"withdrawn":                {KK: "Мұрағат бірлігі алынып тасталған", RU: "Единица хранения изъята"},
	"unsupported_media_type":   {KK: "Пакет application/zip немесе application/x-tar болуы керек", RU: "Пакет должен быть application/zip или application/x-tar"},
	"sync_state":               {KK: "Тек dead немесе reconcile күйіндегі жолды қайталауға болады", RU: "Повторить можно только строку в состоянии dead или reconcile"},
}

// detailMessages translate the per-field detail codes.
var detailMessages = map[string]i18n.Text{
	"required":         {KK: "міндетті өріс", RU: "обязательное поле"},
	"invalid_format":   {KK: "пішімі қате", RU: "неверный формат"},
	"invalid_date":     {KK: "күн қате (YYYY-MM-DD)", RU: "неверная дата (YYYY-MM-DD)"},
	"invalid_time":     {KK: "уақыт қате (RFC 3339)", RU: "неверное время (RFC 3339)"},
	"invalid_amount":   {KK: "сома қате (ең көбі 2 ондық таңба)", RU: "неверная сумма (не более 2 знаков после запятой)"},
	"out_of_range":     {KK: "рұқсат етілген ауқымнан тыс", RU: "вне допустимого диапазона"},
	"invalid":          {KK: "мәні қате", RU: "неверное значение"},
	"invalid_value":    {KK: "мәні қате", RU: "неверное значение"},
	"unknown_field":    {KK: "белгісіз өріс", RU: "неизвестное поле"},
	"invalid_bin":      {KK: "БСН қате (12 цифр, бақылау цифры)", RU: "неверный БИН (12 цифр, контрольная цифра)"},
	"role_not_allowed": {KK: "бұл кілттің рөліне рұқсат жоқ", RU: "роли этого ключа это не разрешено"},
	"wrong_type":       {KK: "мәннің JSON түрі қате", RU: "неверный тип значения JSON"},
	"in_future":        {KK: "күн болашақта", RU: "дата в будущем"},
}

// localize turns an error body into the request's language: kk and ru get
// the catalogue's texts (codes and fields stay as they are), en the
// service's own message.
func localize(b *errorBody, l i18n.Lang) {
	if l == i18n.EN {
		return
	}
	if t, ok := messages[b.Error.Code]; ok {
		msg := t.In(l)
		if b.Error.Code == "forbidden" && strings.Contains(b.Error.Message, "allowed roles: ") {
			_, roles, _ := strings.Cut(b.Error.Message, "allowed roles: ")
			msg += l.Pick(" (рұқсат етілген рөлдер: ", " (разрешённые роли: ", "") + roles + ")"
		}
		b.Error.Message = msg
	}
	for i, d := range b.Error.Details {
		if t, ok := detailMessages[d.Code]; ok {
			b.Error.Details[i].Message = t.In(l) + " — " + d.Message
		}
	}
}

// packagePrefix matches the "pkg: " prefixes that wrapping adds inside the
// service ("ledger: entry 7: ledger: not found"); clients see messages
// without them. A prefix starts the message or follows another wrap's
// ": ", so a sentence's own word ("already used in this museum: ...")
// stays.
var packagePrefix = regexp.MustCompile(`(^|: )(ledger|ingest|registry|settlement|boxoffice|apikey|validate|api|museum|ticketing|ngo|fund|archive|library|hubs|blobstore|oaipmh|posclient): `)

// appendPrefix matches what the ledger writer puts before a refusal
// decided inside an append ("ledger: append museum_object: "): the
// client's request is no append of a kind.
var appendPrefix = regexp.MustCompile(`\bledger: append [a-z0-9_.]+: `)

// cleanMessage drops the ledger writer's and the packages' prefixes from a message.
func cleanMessage(s string) string {
	s = appendPrefix.ReplaceAllString(s, "")
	for {
		t := packagePrefix.ReplaceAllString(s, "$1")
		if t == s {
			return s
		}
		s = t
	}
}
