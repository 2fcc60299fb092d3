package web

import (
	"net/http"
	"strings"

	"github.com/shopspring/decimal"

	"ecinema/i18n"
)

// Langs are the page languages, in fallback order (CULTURE.md section 0:
// kk, then ru, then en).
var Langs = []string{"kk", "ru", "en"}

// pickLang chooses the page language: ?lang= wins, then the lang cookie,
// then Accept-Language, then kk.
func pickLang(r *http.Request) string {
	if l := r.URL.Query().Get("lang"); isLang(l) {
		return l
	}
	if c, err := r.Cookie("lang"); err == nil && isLang(c.Value) {
		return c.Value
	}
	if l, ok := i18n.Match(r.Header.Get("Accept-Language")); ok {
		return string(l)
	}
	return "kk"
}

func isLang(s string) bool { return s == "kk" || s == "ru" || s == "en" }

// catalog holds every string the pages show, in kk, ru and en. A test
// checks that no entry lacks a language.
var catalog = map[string][3]string{
	"site.title":            {"Ұлттық e-кино тізілімі", "Национальный реестр e-кино", "National e-cinema ledger"},
	"site.tagline":          {"Қазақстан кинопрокатының кірістері мен авторлық құқықтары", "Доходы кинопроката и авторские права Казахстана", "Kazakhstan's box-office revenue and copyright"},
	"nav.home":              {"Басты бет", "Главная", "Home"},
	"nav.boxoffice":         {"Кинопрокат", "Кассовые сборы", "Box office"},
	"nav.statements":        {"Есептер", "Отчёты", "Statements"},
	"nav.verify":            {"Тексеру", "Проверка", "Verify"},
	"nav.tickets":           {"Мәдениет билеттері", "Билеты в культуру", "Culture tickets"},
	"nav.archive":           {"Электрондық мұрағат", "Электронный архив", "e-Archive"},
	"nav.creative":          {"Креативті индустриялар", "Креативные индустрии", "Creative industries"},
	"cr.title":              {"ҮЕҰ, Креативті индустрияларды дамыту қоры, креативті хабтар", "НКО, Фонд развития креативных индустрий, креативные хабы", "NGOs, the Creative Industry Development Fund, creative hubs"},
	"cr.lead":               {"Коммерциялық емес ұйымдардың тізілімі, қордың гранттары және өңірлердегі креативті хабтар — бәрі ашық деректер ретінде.", "Реестр некоммерческих организаций, гранты фонда и креативные хабы в регионах — всё в виде открытых данных.", "The register of non-commercial organisations, the fund's grants and the creative hubs in the regions — all as open data."},
	"cr.ngos":               {"Коммерциялық емес ұйымдар", "Некоммерческие организации", "Non-commercial organisations"},
	"cr.ngos_registered":    {"Тіркелген", "Зарегистрировано", "Registered"},
	"cr.ngos_reporting":     {"Есебі қабылданғандар", "С принятым отчётом", "With an accepted report"},
	"cr.fund":               {"Креативті индустрияларды дамыту қорының гранттары", "Гранты Фонда развития креативных индустрий", "Grants of the Creative Industry Development Fund"},
	"cr.grants":             {"Гранттар", "Грантов", "Grants"},
	"cr.awarded":            {"Берілді", "Присуждено", "Awarded"},
	"cr.disbursed":          {"Төленді", "Выплачено", "Disbursed"},
	"cr.project":            {"Жоба", "Проект", "Project"},
	"cr.recipient":          {"Алушы", "Получатель", "Recipient"},
	"cr.region":             {"Өңір", "Регион", "Region"},
	"cr.date":               {"Шешім күні", "Дата решения", "Award date"},
	"cr.amount":             {"Грант, ₸", "Грант, ₸", "Grant, ₸"},
	"cr.paid":               {"Төленді, ₸", "Выплачено, ₸", "Paid, ₸"},
	"cr.no_awards":          {"Әзірге грант жоқ.", "Грантов пока нет.", "No grants yet."},
	"cr.hubs":               {"Креативті хабтар", "Креативные хабы", "Creative hubs"},
	"cr.hub":                {"Хаб", "Хаб", "Hub"},
	"cr.city":               {"Қала", "Город", "City"},
	"cr.sectors":            {"Салалар", "Отрасли", "Sectors"},
	"cr.calendar":           {"Іс-шаралар", "События", "Events"},
	"cr.ics":                {"Күнтізбе (iCalendar)", "Календарь (iCalendar)", "Calendar (iCalendar)"},
	"ar.title":              {"Электрондық мұрағат", "Электронный архив", "e-Archive"},
	"ar.lead":               {"Ашық мұрағат бірліктері: Дублин ядросымен сипатталған, BagIt пакеттері ретінде сақталған, тұтастығы үнемі тексеріледі.", "Открытые единицы хранения: описаны в Дублинском ядре, хранятся как пакеты BagIt, целостность проверяется по расписанию.", "Open archival units: described in Dublin Core, kept as BagIt bags, their fixity checked on a schedule."},
	"ar.search":             {"Іздеу (қазақша, орысша)", "Поиск (на казахском, русском)", "Search (Kazakh, Russian)"},
	"ar.fond":               {"Қор", "Фонд", "Fond"},
	"ar.find":               {"Табу", "Найти", "Find"},
	"ar.units":              {"Сақтау бірліктері", "Единицы хранения", "Archival units"},
	"ar.none":               {"Ештеңе табылмады.", "Ничего не найдено.", "Nothing found."},
	"ar.unit_title":         {"Атауы", "Заголовок", "Title"},
	"ar.citation":           {"Шифры", "Шифр", "Citation"},
	"ar.date":               {"Күні", "Дата", "Date"},
	"ar.files":              {"Файлдар", "Файлы", "Files"},
	"ar.dip":                {"BagIt пакеті (zip)", "Пакет BagIt (zip)", "BagIt bag (zip)"},
	"ar.events":             {"Оқиғалар (PREMIS)", "События (PREMIS)", "Events (PREMIS)"},
	"ar.more":               {"Тағы", "Ещё", "More"},
	"nav.museums":           {"Музейлер", "Музеи", "Museums"},
	"nav.library":           {"Электрондық кітапхана", "Электронная библиотека", "e-Library"},
	"lib.title":             {"Электрондық кітапхана", "Электронная библиотека", "e-Library"},
	"lib.lead":              {"Қазақ классикасы қазақ, орыс және ағылшын тілдерінде: кітаптар мен аудиокітаптар.", "Казахская классика на казахском, русском и английском: книги и аудиокниги.", "Kazakh classics in Kazakh, Russian and English: books and audiobooks."},
	"lib.apps":              {"Бұл мекенжайды оқу қосымшаңызға қосыңыз", "Добавьте этот адрес в своё приложение для чтения", "Add this URL to your reading app"},
	"lib.opds1":             {"OPDS 1.2 (KOReader, Foliate, Calibre):", "OPDS 1.2 (KOReader, Foliate, Calibre):", "OPDS 1.2 (KOReader, Foliate, Calibre):"},
	"lib.opds2":             {"OPDS 2.0 (Thorium):", "OPDS 2.0 (Thorium):", "OPDS 2.0 (Thorium):"},
	"lib.signin":            {"Кітапты алу үшін: пайдаланушы аты — оқырман билетінің нөмірі, құпиясөз — билеттің құпиясөзі.", "Чтобы взять книгу: имя пользователя — номер читательского билета, пароль — его пароль.", "To borrow: the user name is your library card number, the password its password."},
	"lib.search":            {"Атауы немесе авторы", "Название или автор", "Title or author"},
	"lib.language":          {"Басылым тілі", "Язык издания", "Edition language"},
	"lib.all":               {"Барлығы", "Все", "All"},
	"lib.find":              {"Табу", "Найти", "Find"},
	"lib.books":             {"Басылымдар", "Издания", "Editions"},
	"lib.none":              {"Ештеңе табылмады.", "Ничего не найдено.", "Nothing found."},
	"lib.audiobook":         {"аудиокітап", "аудиокнига", "audiobook"},
	"lib.open":              {"Ашық қолжетімді: жүктеу", "Открытый доступ: скачать", "Open access: download"},
	"lib.copies":            {"Бос даналар", "Свободные экземпляры", "Copies free"},
	"mu.title":              {"Музей қорлары", "Музейные собрания", "Museum collections"},
	"mu.lead":               {"Қазақстан музейлерінің жарияланған экспонаттары: суреттер IIIF арқылы, жазбалар LIDO форматында.", "Опубликованные предметы музеев Казахстана: изображения по IIIF, записи в формате LIDO.", "Published objects of Kazakhstan's museums: images over IIIF, records in LIDO."},
	"mu.q":                  {"Іздеу", "Поиск", "Search"},
	"mu.museum":             {"Музей", "Музей", "Museum"},
	"mu.all":                {"Барлық музейлер", "Все музеи", "All museums"},
	"mu.from_year":          {"Жылдан", "С года", "From year"},
	"mu.to_year":            {"Жылға дейін", "По год", "To year"},
	"mu.results":            {"Экспонаттар", "Предметы", "Objects"},
	"mu.inv":                {"түг. №", "инв. №", "inv. no."},
	"mu.next":               {"Келесі бет", "Следующая страница", "Next page"},
	"mu.collection":         {"IIIF жинағы", "Коллекция IIIF", "IIIF collection"},
	"tk.title":              {"Мәдениет ұйымдарының бірыңғай электрондық билеті", "Единый электронный билет организаций культуры", "Unified e-ticketing for culture"},
	"tk.lead":               {"Театрлар, музейлер мен концерт залдарының барлық билеттері бір тізілімде: сатылымдар, кірулер, толымдылық.", "Все билеты театров, музеев и концертных залов в одном реестре: продажи, проходы, заполняемость.", "Every ticket of theatres, museums and concert halls in one register: sales, admissions, occupancy."},
	"tk.from":               {"Айдан", "С месяца", "From month"},
	"tk.to":                 {"Айға дейін", "По месяц", "To month"},
	"tk.stats":              {"Түрі мен өңірі бойынша", "По видам и регионам", "By kind and region"},
	"tk.month":              {"Ай", "Месяц", "Month"},
	"tk.kind":               {"Түрі", "Вид", "Kind"},
	"tk.sold":               {"Сатылды", "Продано", "Sold"},
	"tk.refunded":           {"Қайтарылды", "Возвращено", "Refunded"},
	"tk.admitted":           {"Кірді", "Прошли", "Admitted"},
	"tk.occupancy":          {"Толымдылық, %", "Заполняемость, %", "Occupancy, %"},
	"tk.keys":               {"Билет кілттері (офлайн тексеру үшін)", "Ключи билетов (для офлайн-проверки)", "Ticket keys (for offline checks)"},
	"tk.venues":             {"Мекемелер", "Площадки", "Venues"},
	"tk.kind.performance":   {"Қойылым", "Спектакль", "Performance"},
	"tk.kind.concert":       {"Концерт", "Концерт", "Concert"},
	"tk.kind.exhibition":    {"Көрме", "Выставка", "Exhibition"},
	"tk.kind.museum_entry":  {"Музейге кіру", "Вход в музей", "Museum entry"},
	"tk.venue.theatre":      {"театр", "театр", "theatre"},
	"tk.venue.museum":       {"музей", "музей", "museum"},
	"tk.venue.concert_hall": {"концерт залы", "концертный зал", "concert hall"},
	"tk.venue.philharmonic": {"филармония", "филармония", "philharmonic"},
	"tk.venue.circus":       {"цирк", "цирк", "circus"},
	"tk.venue.gallery":      {"галерея", "галерея", "gallery"},
	"tk.venue.other":        {"басқа", "другое", "other"},
	"nav.login":             {"Кіру", "Войти", "Sign in"},
	"nav.logout":            {"Шығу", "Выйти", "Sign out"},
	"nav.language":          {"Тіл", "Язык", "Language"},
	"nav.signed_in_as":      {"Кірген кілт", "Вы вошли как", "Signed in as"},
	"nav.skip":              {"Мазмұнға өту", "Перейти к содержанию", "Skip to content"},

	"home.weekend":        {"Соңғы демалыс күндерінің үздік 10-ы (жұма–жексенбі)", "Топ-10 последних выходных (пятница–воскресенье)", "Top 10 of the last weekend (Friday–Sunday)"},
	"home.week":           {"Соңғы аптаның үздік 10-ы (бейсенбі–сәрсенбі)", "Топ-10 последней недели (четверг–среда)", "Top 10 of the last week (Thursday–Wednesday)"},
	"home.share":          {"Отандық және шетелдік фильмдердің үлесі, %d жыл", "Доля отечественных и зарубежных фильмов, %d год", "National vs foreign share, %d"},
	"home.share_chart":    {"Айлар бойынша жалпы кірістің үлесі", "Доля валовых сборов по месяцам", "Share of gross by month"},
	"ngo.title":           {"Коммерциялық емес ұйымдар тізілімі", "Реестр некоммерческих организаций", "Register of non-commercial organisations"},
	"ngo.lead":            {"Тіркелген ҮЕҰ-лар және олардың соңғы қабылданған жылдық есебі — ашық деректер:", "Зарегистрированные НКО и их последний принятый годовой отчёт — открытые данные:", "Registered NGOs and their last accepted annual report — open data:"},
	"ngo.name":            {"Атауы", "Наименование", "Name"},
	"ngo.bin":             {"БСН", "БИН", "BIN"},
	"ngo.form":            {"Ұйымдық-құқықтық нысаны", "Организационно-правовая форма", "Legal form"},
	"ngo.status":          {"Мәртебесі", "Статус", "Status"},
	"ngo.last_report":     {"Соңғы қабылданған есеп", "Последний принятый отчёт", "Last accepted report"},
	"ngo.none":            {"Тізілім әзірге бос.", "Реестр пока пуст.", "The register is empty so far."},
	"ngo.next":            {"Келесі бет", "Следующая страница", "Next page"},
	"ngo.first":           {"Бірінші бет", "Первая страница", "First page"},
	"gr.title":            {"Креативті индустрияларды дамыту қорының гранттары", "Гранты Фонда развития креативных индустрий", "Grants of the Creative Industry Development Fund"},
	"gr.lead":             {"Қордың әр гранты: жоба, алушы, сома және төленгені — 360Giving деректерімен бірдей:", "Каждый грант фонда: проект, получатель, сумма и выплачено — те же данные, что в 360Giving:", "Every award of the fund: project, recipient, amount and paid — the same data as the 360Giving export:"},
	"gr.total":            {"Барлығы", "Итого", "Total"},
	"hb.title":            {"Креативті хабтар картасы", "Карта креативных хабов", "Map of creative hubs"},
	"hb.lead":             {"Өңірлердегі креативті хабтар, әрқайсысының іс-шаралар күнтізбесі. Деректер:", "Креативные хабы в регионах, у каждого — календарь событий. Данные:", "The creative hubs in the regions, each with its calendar of events. Data:"},
	"hb.map":              {"Қазақстан картасындағы креативті хабтар (46–88° ш.б., 40–56° с.е.)", "Креативные хабы на карте Казахстана (46–88° в.д., 40–56° с.ш.)", "Creative hubs on a map of Kazakhstan (46–88°E, 40–56°N)"},
	"hb.caption":          {"Әр нүкте — хаб; толығырақ кестеде.", "Каждая точка — хаб; подробности в таблице.", "Each point is a hub; details in the table."},
	"home.ngos":           {"ҮЕҰ тізілімі", "Реестр НКО", "NGO register"},
	"home.grants":         {"Қор гранттары", "Гранты фонда", "Fund grants"},
	"home.hubs":           {"Креативті хабтар картасы", "Карта креативных хабов", "Map of creative hubs"},
	"mo.images":           {"Суреттер (IIIF)", "Изображения (IIIF)", "Images (IIIF)"},
	"mo.image":            {"сурет", "изображение", "image"},
	"mo.full_size":        {"Толық өлшемі", "Полный размер", "Full size"},
	"mo.manifest":         {"IIIF манифесі (кез келген IIIF қарау құралында ашыңыз)", "IIIF-манифест (откройте в любом просмотрщике IIIF)", "IIIF manifest (open it in any IIIF viewer)"},
	"mo.record":           {"Сипаттама", "Описание", "Record"},
	"mo.object_name":      {"Заттың түрі", "Вид предмета", "Object type"},
	"mo.maker":            {"Авторы", "Автор", "Maker"},
	"mo.date":             {"Уақыты", "Датировка", "Date"},
	"mo.place":            {"Жасалған жері", "Место создания", "Place"},
	"mo.materials":        {"Материалдары", "Материалы", "Materials"},
	"mo.dimensions":       {"Өлшемдері", "Размеры", "Dimensions"},
	"mo.description":      {"Сипаттамасы", "Описание", "Description"},
	"mo.rights":           {"Құқықтар", "Права", "Rights"},
	"mo.open":             {"Экспонат беті", "Страница предмета", "Object page"},
	"lib.listen":          {"Тыңдау", "Слушать", "Listen"},
	"lib.loan_audio":      {"аудиокітапты оқу қосымшасында кітапхана билетімен алып тыңдаңыз", "возьмите аудиокнигу по читательскому билету в приложении для чтения", "borrow the audiobook with a reader's card in a reading app"},
	"home.modules":        {"Мәдениет жүйелері", "Системы культуры", "Culture systems"},
	"home.open_data":      {"Ашық деректер мен API", "Открытые данные и API", "Open data and API"},
	"home.no_data":        {"Бұл кезеңде деректер жоқ.", "За этот период данных нет.", "No data for this period."},
	"home.verify_promise": {"Әр билет ұлттық тізілімде: оны өз браузеріңізде тексеріңіз.", "Каждый билет в национальном реестре: проверьте его в своём браузере.", "Every ticket is in the national ledger: check it in your own browser."},

	"col.rank":       {"Орын", "Место", "Rank"},
	"col.change":     {"Өзгеріс", "Изменение", "Change"},
	"col.film":       {"Фильм", "Фильм", "Film"},
	"col.origin":     {"Шығу тегі", "Происхождение", "Origin"},
	"col.gross":      {"Жалпы кіріс, ₸", "Валовой сбор, ₸", "Gross, ₸"},
	"col.admissions": {"Көрермендер", "Зрители", "Admissions"},
	"col.share":      {"Үлес, %", "Доля, %", "Share, %"},
	"col.screenings": {"Сеанстар", "Сеансы", "Screenings"},
	"col.cinemas":    {"Кинотеатрлар", "Кинотеатры", "Cinemas"},
	"col.cumulative": {"Барлығы, ₸", "Всего, ₸", "Total to date, ₸"},
	"col.month":      {"Ай", "Месяц", "Month"},
	"col.cinema":     {"Кинотеатр", "Кинотеатр", "Cinema"},
	"col.week":       {"Апта", "Неделя", "Week"},
	"col.vat":        {"ҚҚС, ₸", "НДС, ₸", "VAT, ₸"},
	"col.royalty":    {"Роялти, ₸", "Роялти, ₸", "Royalty, ₸"},
	"col.exhibitor":  {"Кинотеатр үлесі, ₸", "Доля кинотеатра, ₸", "Exhibitor share, ₸"},
	"col.fee":        {"Прокат сыйақысы, ₸", "Вознаграждение дистрибьютора, ₸", "Distribution fee, ₸"},
	"col.producer":   {"Продюсер үлесі, ₸", "Доля продюсера, ₸", "Producer gross, ₸"},
	"col.amount":     {"Сома, ₸", "Сумма, ₸", "Amount, ₸"},
	"col.status":     {"Күйі", "Статус", "Status"},
	"col.total":      {"Барлығы", "Итого", "Total"},

	"origin.national":     {"Отандық", "Отечественный", "National"},
	"origin.coproduction": {"Бірлескен", "Совместный", "Co-production"},
	"origin.foreign":      {"Шетелдік", "Зарубежный", "Foreign"},
	"change.new":          {"жаңа", "новый", "new"},

	"bo.title":       {"Кинопрокат статистикасы", "Статистика кинопроката", "Box-office statistics"},
	"bo.period":      {"Кезең", "Период", "Period"},
	"bo.date":        {"Күні", "Дата", "Date"},
	"bo.region":      {"Өңір", "Регион", "Region"},
	"bo.all":         {"Барлығы", "Все", "All"},
	"bo.by":          {"Сұрыптау", "Сортировка", "Rank by"},
	"bo.show":        {"Көрсету", "Показать", "Show"},
	"bo.csv":         {"CSV жүктеу", "Скачать CSV", "Download CSV"},
	"bo.totals":      {"Кезеңнің барлығы", "Итого за период", "Period totals"},
	"bo.share":       {"Үлес уақыт бойынша", "Доля во времени", "Share over time"},
	"bo.share_csv":   {"Үлесті CSV жүктеу", "Скачать долю в CSV", "Download share as CSV"},
	"period.day":     {"Күн", "День", "Day"},
	"period.weekend": {"Демалыс (жұма–жексенбі)", "Выходные (пт–вс)", "Weekend (Fri–Sun)"},
	"period.week":    {"Апта (бс–ср)", "Неделя (чт–ср)", "Week (Thu–Wed)"},
	"period.month":   {"Ай", "Месяц", "Month"},
	"period.year":    {"Жыл", "Год", "Year"},

	"st.title":    {"Есептер", "Отчёты", "Statements"},
	"st.party":    {"Тарап", "Сторона", "Party"},
	"st.month":    {"Ай", "Месяц", "Month"},
	"st.download": {"Жүктеу", "Скачать", "Download"},
	"st.closed":   {"жабық", "закрыт", "closed"},
	"st.open":     {"ашық (алдын ала)", "открыт (предварительно)", "open (provisional)"},
	"st.lines":    {"Жолдар", "Строки", "Lines"},
	"st.totals":   {"Қорытынды", "Итоги", "Totals"},
	"st.none":     {"Бұл айда жолдар жоқ.", "За этот месяц строк нет.", "No lines for this month."},
	"st.pick":     {"Тарап пен айды таңдаңыз.", "Выберите сторону и месяц.", "Pick a party and a month."},
	"st.bin":      {"БСН", "БИН", "BIN"},

	"login.title":   {"API кілтімен кіру", "Вход по API-ключу", "Sign in with an API key"},
	"login.key":     {"API кілті", "API-ключ", "API key"},
	"login.submit":  {"Кіру", "Войти", "Sign in"},
	"login.bad":     {"Кілт белгісіз немесе кері қайтарылған.", "Ключ неизвестен или отозван.", "The key is unknown or revoked."},
	"login.explain": {"Кілт серверде тек хэш ретінде сақталады; сессия 8 сағаттан кейін аяқталады.", "Ключ хранится на сервере только как хэш; сессия истекает через 8 часов.", "The server keeps only a hash of the key; the session expires after 8 hours."},

	"verify.title":       {"Билетті тізілімнен тексеру", "Проверка билета в реестре", "Check a ticket in the ledger"},
	"verify.explain":     {"Браузеріңіз жазбаны, оның қосылу дәлелін және қол қойылған бақылау нүктесін жария кілтпен өзі тексереді (WebCrypto: SHA-256, Ed25519). Серверге сену қажет емес.", "Ваш браузер сам проверяет запись, доказательство включения и подписанную контрольную точку по открытому ключу (WebCrypto: SHA-256, Ed25519). Доверять серверу не нужно.", "Your browser checks the entry, its inclusion proof and the signed checkpoint against the public key itself (WebCrypto: SHA-256, Ed25519). You need not trust the server."},
	"verify.cinema":      {"Кинотеатр коды", "Код кинотеатра", "Cinema id"},
	"verify.ticket":      {"Билет нөмірі", "Номер билета", "Ticket id"},
	"verify.or_seq":      {"немесе тізілім жазбасының нөмірі (seq)", "или номер записи реестра (seq)", "or a ledger entry number (seq)"},
	"verify.submit":      {"Тексеру", "Проверить", "Verify"},
	"verify.needs_js":    {"Бұл бет тексеруді браузерде жасайды, сондықтан JavaScript қажет.", "Эта страница проверяет в браузере, поэтому нужен JavaScript.", "This page verifies in your browser, so it needs JavaScript."},
	"verify.ok":          {"Тексерілді: билет ұлттық тізілімде.", "Проверено: билет в национальном реестре.", "Verified: the ticket is in the national ledger."},
	"verify.fail":        {"ТЕКСЕРУ СӘТСІЗ: ", "ПРОВЕРКА НЕ ПРОЙДЕНА: ", "VERIFICATION FAILED: "},
	"verify.s_lookup":    {"Жазба табылды", "Запись найдена", "Entry found"},
	"verify.s_entry":     {"Жазба байттарының хэші (браузерде есептелді)", "Хэш байтов записи (вычислен в браузере)", "Hash of the entry bytes (computed in the browser)"},
	"verify.s_nocontent": {"Мазмұн тексерілмеді: оны оқи алатын кілтпен кіріңіз; тек жапырақ хэші мен дәлел жария.", "Содержимое не проверено: войдите с ключом, который может его читать; публичны только хэш листа и доказательство.", "Content not checked: sign in with a key that may read it; only the leaf hash and its proof are public."},
	"verify.s_proof":     {"Қосылу дәлелі түбірге апарады", "Доказательство включения ведёт к корню", "Inclusion proof leads to the root"},
	"verify.s_sig":       {"Бақылау нүктесінің қолтаңбасы (Ed25519)", "Подпись контрольной точки (Ed25519)", "Checkpoint signature (Ed25519)"},
	"verify.s_witness":   {"Куәгерлердің қолтаңбалары", "Подписи свидетелей", "Witness cosignatures"},
	"verify.bad_input":   {"Кинотеатр мен билетті немесе seq енгізіңіз.", "Введите кинотеатр и билет или seq.", "Enter a cinema and a ticket, or a seq."},

	"err.title":     {"Қате", "Ошибка", "Error"},
	"err.forbidden": {"Бұл бетті ашуға кілтіңіздің рөлі жеткіліксіз.", "Роль вашего ключа не позволяет открыть эту страницу.", "Your key's role may not open this page."},
	"err.bad":       {"Сұрауда қате бар: ", "Ошибка в запросе: ", "The request has a mistake: "},
	"err.internal":  {"Ішкі қате. Кейінірек қайталаңыз.", "Внутренняя ошибка. Повторите позже.", "Internal error. Try again later."},
	"err.notfound":  {"Бет табылмады.", "Страница не найдена.", "Page not found."},
	"err.csrf":      {"Форма ескірген. Бетті жаңартып, қайталаңыз.", "Форма устарела. Обновите страницу и повторите.", "The form has expired. Reload the page and try again."},
}

// T returns the catalogue string key in lang (the key itself if missing,
// which the catalogue test forbids).
func T(lang, key string) string {
	s, ok := catalog[key]
	if !ok {
		return key
	}
	for i, l := range Langs {
		if l == lang && s[i] != "" {
			return s[i]
		}
	}
	return s[0]
}

// money formats an amount for lang: "1 234 567,89" in kk and ru (no-break
// space groups, decimal comma), "1,234,567.89" in en.
func money(lang string, d decimal.Decimal) string {
	return group(lang, d.StringFixed(2))
}

// count formats a whole number for lang.
func count(lang string, n int64) string {
	return group(lang, decimal.NewFromInt(n).String())
}

// pct formats a percentage with one decimal for lang.
func pct(lang string, d decimal.Decimal) string {
	return group(lang, d.StringFixed(1))
}

// group groups the digits of a decimal text as i18n does for the
// language, with a typographic minus for negative figures on pages.
func group(lang, s string) string {
	out := i18n.Lang(lang).FormatMoney(s)
	if rest, ok := strings.CutPrefix(out, "-"); ok {
		return "−" + rest
	}
	return out
}
