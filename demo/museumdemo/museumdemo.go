// Package museumdemo is the museum part of ecinema demo (CULTURE.md
// section 4): the catalogues of three museums, about 300 objects with
// pictures drawn at load time and their custody events, written through
// culture/museum like any curator's requests. The National Museum (Astana)
// and the Central State Museum (Almaty) are the e-ticketing demo's
// museums, whose timed-entry sessions and sales that demo loads; the
// regional museum in Karaganda is this package's own venue, with
// two-hour timed-entry sessions Tuesday to Sunday and their sales through
// culture/ticketing. An object, its
// pictures and events depend only on the seed; a load interrupted part way
// is finished by the next run (what is there is skipped).
package museumdemo

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image/jpeg"
	"io"
	"math/rand/v2"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"ecinema/culture/blobstore"
	"ecinema/culture/idempotency"
	"ecinema/culture/langmap"
	"ecinema/culture/museum"
	"ecinema/culture/ticketing"
	"ecinema/demo"
	"ecinema/internal/each"
	"ecinema/ledger"
)

// Config says what the museum demo loads.
type Config struct {
	Blobs  blobstore.Store
	Sealer *ticketing.Sealer // the venues' signing keys are sealed with it
	Seed   uint64
	Days   int       // days of timed-entry sessions, ending Last
	Last   time.Time // last day (midnight UTC of the local date)
	Now    func() time.Time
	// Scale is the share of the catalogue loaded (default 1: 300 objects);
	// PictureWidth the width of the generated pictures (default 640).
	// Tests load less and smaller.
	Scale        float64
	PictureWidth int
	// PictureWorkers is how many pictures are drawn and stored at once,
	// default 2.
	PictureWorkers int
	// Progress receives a line per museum; nil for none.
	Progress io.Writer
}

// Stats count what the museum demo wrote.
type Stats struct {
	Museums, Objects, Images, Events, Sessions, Tickets int
	Skipped                                             int // objects an earlier run had finished
	Elapsed                                             time.Duration
}

type demoMuseum struct {
	id, region, city string
	name             langmap.Map
	objects          int
	ownVenue         bool   // this demo writes the venue, its sessions and sales
	capacity         int    // visitors per slot (own venue)
	adult            string // adult entry price (own venue)
	idPrefix         string // of object ids
	invPrefix        string // of inventory numbers
	mix              []int  // indexes into objectTemplates, drawn at random
	halls            []string
	store            string
}

var demoMuseums = []demoMuseum{
	{id: "national-museum", region: "KZ-71", city: "Астана", objects: 140, idPrefix: "kp", invPrefix: "КП",
		name:  langmap.Map{"kk": "Қазақстан Республикасының Ұлттық музейі", "ru": "Национальный музей Республики Казахстан", "en": "National Museum of Kazakhstan"},
		mix:   []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13},
		halls: []string{"Зал «Алтын Адам»", "Зал древней и средневековой истории", "Зал этнографии", "Зал истории Независимого Казахстана"},
		store: "Фондохранилище №1"},
	{id: "central-state-museum", region: "KZ-75", city: "Алматы", objects: 100, idPrefix: "csm", invPrefix: "ЦГМ",
		name:  langmap.Map{"kk": "Қазақстан Республикасының Орталық мемлекеттік музейі", "ru": "Центральный государственный музей Республики Казахстан", "en": "Central State Museum of Kazakhstan"},
		mix:   []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 11, 12, 13, 9, 10},
		halls: []string{"Зал археологии", "Зал этнографии", "Зал истории XX века"},
		store: "Основной фонд"},
	{id: "karaganda-museum", region: "KZ-35", city: "Караганда", objects: 60, ownVenue: true, capacity: 25, adult: "800.00", idPrefix: "of", invPrefix: "ОФ",
		name:  langmap.Map{"kk": "Қарағанды облыстық тарихи-өлкетану музейі", "ru": "Карагандинский областной историко-краеведческий музей", "en": "Karaganda Regional Museum of History and Local Lore"},
		mix:   []int{0, 6, 7, 8, 11, 12, 13, 1, 4, 9},
		halls: []string{"Зал археологии", "Зал этнографии", "Зал истории Карлага"},
		store: "Фондохранилище"},
}

type objectTemplate struct {
	name             string // object_name
	shape            shape
	title            museum.LangMap
	materials, techs []string
	from, to         int // years
	place, maker     []string
	dateDisplay      func(from, to int) string
}

func centuries(from, to int) string {
	c := func(y int) int { return (y + 99) / 100 }
	if from < 0 {
		return fmt.Sprintf("%d–%d вв. до н. э.", -from/100+1, -to/100+1)
	}
	if c(from) == c(to) {
		return roman(c(from)) + " век"
	}
	return roman(c(from)) + "–" + roman(c(to)) + " века"
}

func years(from, to int) string { return strconv.Itoa(from) + "–" + strconv.Itoa(to) + " гг." }

func roman(n int) string {
	vals := []struct {
		v int
		s string
	}{{10, "X"}, {9, "IX"}, {5, "V"}, {4, "IV"}, {1, "I"}}
	out := ""
	for n >= 10 && len(out) < 4 {
		out += "X"
		n -= 10
	}
	for _, x := range vals[1:] {
		for n >= x.v {
			out += x.s
			n -= x.v
		}
	}
	return out
}

var (
	ethnoPlaces = []string{"Семиречье", "Западный Казахстан", "Центральный Казахстан", "Южный Казахстан", "Восточный Казахстан"}
	masters     = []string{"неизвестный мастер", "мастерская Жетысу", "мастер-ювелир", "народный мастер"}
	painters    = []string{"Абылхан Кастеев", "Айша Галимбаева", "Салихитдин Айтбаев", "Канафия Тельжанов", "Гульфайрус Исмаилова"}
)

var objectTemplates = []objectTemplate{
	{name: "домбыра", shape: shapeInstrument, title: museum.LangMap{"kk": "Домбыра", "ru": "Домбра", "en": "Dombra"},
		materials: []string{"дерево", "жила"}, techs: []string{"долбление", "резьба"}, from: 1850, to: 1950, place: ethnoPlaces, maker: masters, dateDisplay: centuries},
	{name: "қобыз", shape: shapeInstrument, title: museum.LangMap{"kk": "Қылқобыз", "ru": "Кыл-кобыз", "en": "Kyl-kobyz"},
		materials: []string{"дерево", "конский волос", "кожа"}, techs: []string{"долбление"}, from: 1800, to: 1930, place: ethnoPlaces, maker: masters, dateDisplay: centuries},
	{name: "сәукеле", shape: shapeJewel, title: museum.LangMap{"kk": "Сәукеле", "ru": "Саукеле, свадебный головной убор", "en": "Saukele, a bridal headdress"},
		materials: []string{"войлок", "серебро", "сердолик", "бархат"}, techs: []string{"чеканка", "вышивка"}, from: 1850, to: 1920, place: ethnoPlaces, maker: masters, dateDisplay: centuries},
	{name: "білезік", shape: shapeJewel, title: museum.LangMap{"kk": "Білезік", "ru": "Браслет", "en": "Bracelet"},
		materials: []string{"серебро", "сердолик"}, techs: []string{"зернь", "скань"}, from: 1870, to: 1930, place: ethnoPlaces, maker: masters, dateDisplay: centuries},
	{name: "сырмақ", shape: shapeTextile, title: museum.LangMap{"kk": "Сырмақ", "ru": "Сырмак, войлочный ковёр", "en": "Syrmak, a felt rug"},
		materials: []string{"войлок", "шерсть"}, techs: []string{"мозаика", "стёжка"}, from: 1880, to: 1960, place: ethnoPlaces, maker: masters, dateDisplay: centuries},
	{name: "тұскиіз", shape: shapeTextile, title: museum.LangMap{"kk": "Тұскиіз", "ru": "Тускииз, настенный ковёр", "en": "Tuskiiz, a wall hanging"},
		materials: []string{"сукно", "шёлковые нити"}, techs: []string{"тамбурная вышивка"}, from: 1880, to: 1950, place: ethnoPlaces, maker: masters, dateDisplay: centuries},
	{name: "торсық", shape: shapeVessel, title: museum.LangMap{"kk": "Торсық", "ru": "Торсык, сосуд для кумыса", "en": "Torsyk, a kumis vessel"},
		materials: []string{"кожа"}, techs: []string{"тиснение"}, from: 1850, to: 1920, place: ethnoPlaces, maker: masters, dateDisplay: centuries},
	{name: "құмыра", shape: shapeVessel, title: museum.LangMap{"kk": "Отырар құмырасы", "ru": "Кувшин из Отрара", "en": "Jug from Otrar"},
		materials: []string{"глина", "ангоб"}, techs: []string{"гончарный круг", "роспись"}, from: 1100, to: 1300, place: []string{"городище Отрар", "городище Сауран", "Тараз"}, maker: []string{"неизвестный гончар"}, dateDisplay: centuries},
	{name: "тостаған", shape: shapeVessel, title: museum.LangMap{"kk": "Тостаған", "ru": "Чаша", "en": "Bowl"},
		materials: []string{"дерево"}, techs: []string{"резьба"}, from: 1880, to: 1940, place: ethnoPlaces, maker: masters, dateDisplay: centuries},
	{name: "кескіндеме", shape: shapePainting, title: museum.LangMap{"kk": "Таулы өлке", "ru": "Горный пейзаж", "en": "Mountain landscape"},
		materials: []string{"холст", "масло"}, techs: []string{"живопись"}, from: 1935, to: 1985, place: []string{"Алматы", "Заилийский Алатау"}, maker: painters, dateDisplay: years},
	{name: "кескіндеме", shape: shapePainting, title: museum.LangMap{"kk": "Жайлауда", "ru": "На джайляу", "en": "On the summer pasture"},
		materials: []string{"холст", "масло"}, techs: []string{"живопись"}, from: 1940, to: 1990, place: []string{"Алматы", "Семиречье"}, maker: painters, dateDisplay: years},
	{name: "айна", shape: shapeJewel, title: museum.LangMap{"kk": "Қола айна", "ru": "Бронзовое зеркало", "en": "Bronze mirror"},
		materials: []string{"бронза"}, techs: []string{"литьё"}, from: -700, to: -300, place: []string{"Семиречье", "Тасмола", "Берель"}, maker: []string{"сакские мастера"}, dateDisplay: centuries},
	{name: "қазан", shape: shapeVessel, title: museum.LangMap{"kk": "Сақ қазаны", "ru": "Сакский котёл", "en": "Saka cauldron"},
		materials: []string{"бронза"}, techs: []string{"литьё"}, from: -600, to: -300, place: []string{"Семиречье", "Иссык"}, maker: []string{"сакские мастера"}, dateDisplay: centuries},
	{name: "ер-тұрман", shape: shapeJewel, title: museum.LangMap{"kk": "Ер-тұрман әшекейі", "ru": "Накладка конского снаряжения", "en": "Horse harness plaque"},
		materials: []string{"серебро", "железо"}, techs: []string{"чеканка", "гравировка"}, from: 1860, to: 1930, place: ethnoPlaces, maker: masters, dateDisplay: centuries},
}

var demoRights = []string{
	"http://creativecommons.org/licenses/by-nc/4.0/", "http://creativecommons.org/licenses/by-nc/4.0/",
	"http://creativecommons.org/licenses/by/4.0/", "http://creativecommons.org/publicdomain/mark/1.0/",
	"http://rightsstatements.org/vocab/InC/1.0/",
}

var lenders = []string{"Государственный Эрмитаж, Санкт-Петербург", "Музей Востока, Москва", "Музей истории Узбекистана, Ташкент", "Центральный государственный музей, Алматы"}

// Load loads the museum demo through the real services.
func Load(ctx context.Context, pool *pgxpool.Pool, w *ledger.Writer, cfg Config) (Stats, error) {
	start := time.Now()
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Days <= 0 {
		cfg.Days = 30
	}
	if cfg.Last.IsZero() {
		cfg.Last = cfg.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, -1)
	}
	if cfg.Scale <= 0 {
		cfg.Scale = 1
	}
	if cfg.PictureWidth <= 0 {
		cfg.PictureWidth = 640
	}
	if cfg.PictureWorkers <= 0 {
		cfg.PictureWorkers = 2
	}
	if cfg.Sealer == nil {
		return Stats{}, errors.New("demo: museums are venues and need the ticket key (ECINEMA_TICKET_KEY_FILE)")
	}
	clock := &movedClock{}
	tk := ticketing.NewService(pool, w, ticketing.Config{Sealer: cfg.Sealer, Now: clock.now})
	ms := museum.NewService(pool, w, cfg.Blobs, museum.Config{Museums: museum.Directory(tk), Now: cfg.Now})
	var st Stats
	for _, m := range demoMuseums {
		if err := museumVenue(ctx, tk, clock, m, cfg); err != nil {
			return st, err
		}
	}
	// The own venue's sessions and sales, beside the catalogues.
	var mu sync.Mutex // st
	sessions := make(chan error, 1)
	go func() {
		var err error
		for _, m := range demoMuseums {
			if m.ownVenue && err == nil {
				err = museumSessions(ctx, pool, w, m, cfg, &mu, &st)
			}
		}
		sessions <- err
	}()
	// Every museum's objects at once (the ledger writer groups their
	// entries; the pictures are drawn on every core).
	type job struct{ mi, i int }
	var jobs []job
	left := make([]int, len(demoMuseums))
	for mi, m := range demoMuseums {
		left[mi] = max(1, int(float64(m.objects)*cfg.Scale))
		for i := range left[mi] {
			jobs = append(jobs, job{mi, i})
		}
	}
	// The pictures (drawn, encoded, then scaled and re-encoded by the
	// museum service: nearly all of this demo's CPU) are made
	// PictureWorkers at a time, so that beside the cinema load they take
	// about one core, not both; 12 objects are in flight, so that the
	// writer groups their appends.
	pictures := make(chan struct{}, cfg.PictureWorkers)
	ferr := each.Do(ctx, len(jobs), 12, func(k int) error {
		j := jobs[k]
		m := demoMuseums[j.mi]
		n, err := demoObject(ctx, ms, m, j.mi, j.i, cfg, pictures)
		mu.Lock()
		defer mu.Unlock()
		st.Objects++
		st.Images += n.images
		st.Events += n.events
		if n.skipped {
			st.Skipped++
		}
		if left[j.mi]--; left[j.mi] == 0 && err == nil {
			st.Museums++
			if cfg.Progress != nil {
				fmt.Fprintf(cfg.Progress, "demo: museum %s: %d objects\n", m.id, max(1, int(float64(m.objects)*cfg.Scale)))
			}
		}
		return err
	})
	serr := <-sessions
	if ferr != nil && ferr != ctx.Err() { // an object's error, not the context's
		return st, ferr
	}
	if serr != nil {
		return st, serr
	}
	if err := ctx.Err(); err != nil {
		return st, err
	}
	st.Elapsed = time.Since(start)
	return st, nil
}

// movedClock is the ticketing clock of the demo: sales happen on the days
// before their sessions, as they did.
type movedClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *movedClock) now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *movedClock) set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

// museumVenue makes sure the museum is a venue and, for its own venue,
// that the permanent exhibition is an event.
func museumVenue(ctx context.Context, tk *ticketing.Service, clock *movedClock, m demoMuseum, cfg Config) error {
	no, yes := false, true
	first := cfg.Last.AddDate(0, 0, -(cfg.Days - 1))
	clock.set(first.AddDate(0, 0, -30))
	admin := ticketing.Caller{KeyID: demo.Actor}
	if _, err := tk.Venue(ctx, m.id); errors.Is(err, ticketing.ErrNotFound) {
		v := ticketing.Venue{Kind: "museum", Name: m.name, OperatorBIN: "180140000107", Region: m.region, City: m.city, VATPayer: &no,
			Zones: []ticketing.Zone{{ID: "main", Name: langmap.Map{"kk": "Тұрақты экспозиция", "ru": "Постоянная экспозиция", "en": "Permanent exhibition"}, Capacity: max(m.capacity, 100)}}}
		if _, err := tk.PutVenue(ctx, admin, m.id, v); err != nil {
			return fmt.Errorf("demo: museum venue %s: %w", m.id, err)
		}
	} else if err != nil {
		return err
	}
	if !m.ownVenue {
		return nil
	}
	venue := ticketing.Caller{KeyID: "demo-venue-" + m.id, VenueID: m.id}
	evID := m.id + "-entry"
	if _, err := tk.Event(ctx, evID); errors.Is(err, ticketing.ErrNotFound) {
		ev := ticketing.Event{VenueID: m.id, Kind: "museum_entry", AgeRating: "0+", National: &yes,
			Title: langmap.Map{"kk": "Тұрақты экспозицияға кіру", "ru": "Вход в постоянную экспозицию", "en": "Entry to the permanent exhibition"}}
		if _, err := tk.PutEvent(ctx, venue, evID, ev); err != nil {
			return fmt.Errorf("demo: museum event %s: %w", evID, err)
		}
	} else if err != nil {
		return err
	}
	return nil
}

// museumSessions writes the own venue's permanent exhibition's timed-entry
// sessions (10:00 to 18:00 in two-hour slots, Tuesday to Sunday) and sells
// each new session's tickets two days before it. The days are planned
// from one random stream first (a session an earlier run wrote is
// skipped, its draws still taken, so a finished load equals a straight
// one), then load a few at a time, each on a ticketing Service whose clock
// is that day's.
func museumSessions(ctx context.Context, pool *pgxpool.Pool, w *ledger.Writer, m demoMuseum, cfg Config, mu *sync.Mutex, st *Stats) error {
	first := cfg.Last.AddDate(0, 0, -(cfg.Days - 1))
	venue := ticketing.Caller{KeyID: "demo-venue-" + m.id, VenueID: m.id}
	evID := m.id + "-entry"
	tariffs := []ticketing.Tariff{
		{Code: "adult", Name: langmap.Map{"kk": "Ересек", "ru": "Взрослый", "en": "Adult"}, Price: m.adult, Admissions: 1},
		{Code: "student", Name: langmap.Map{"kk": "Студент", "ru": "Студенческий", "en": "Student"}, Price: halfPrice(m.adult), Admissions: 1},
		{Code: "child", Name: langmap.Map{"kk": "Бала", "ru": "Детский", "en": "Child"}, Price: "0.00", Admissions: 1},
	}
	type sale struct {
		session string
		tickets []ticketing.SaleTicket
		idem    string
	}
	type session struct {
		id    string
		start time.Time
		sales []sale
	}
	type plan struct {
		day      time.Time
		sessions []session
	}
	var days []plan
	rng := rand.New(rand.NewPCG(cfg.Seed, 7))
	for d := 0; d < cfg.Days; d++ {
		day := first.AddDate(0, 0, d)
		if day.Weekday() == time.Monday { // museums close on Mondays
			continue
		}
		p := plan{day: day}
		for h := 10; h < 18; h += 2 {
			s := session{id: fmt.Sprintf("%s-%s-%02d", m.id, day.Format("20060102"), h),
				start: time.Date(day.Year(), day.Month(), day.Day(), h, 0, 0, 0, kzTime)}
			occupancy := 0.3 + 0.5*rng.Float64()
			n := int(float64(m.capacity) * occupancy)
			for k, seq := 0, 0; n > 0; k++ {
				size := min(n, 1+rng.IntN(4))
				n -= size
				ts := make([]ticketing.SaleTicket, size)
				for i := range ts {
					seq++
					tariff, price := "adult", m.adult
					switch r := rng.IntN(10); {
					case r < 2:
						tariff, price = "student", halfPrice(m.adult)
					case r < 4:
						tariff, price = "child", "0.00"
					}
					ts[i] = ticketing.SaleTicket{ID: fmt.Sprintf("%s-%d", s.id, seq), Tariff: tariff, Price: price}
				}
				s.sales = append(s.sales, sale{s.id, ts, fmt.Sprintf("demo-%s-%d", s.id, k)})
			}
			p.sessions = append(p.sessions, s)
		}
		days = append(days, p)
	}
	return each.Do(ctx, len(days), 6, func(di int) error {
		p := days[di]
		clock := &movedClock{}
		clock.set(time.Date(p.day.Year(), p.day.Month(), p.day.Day(), 9, 0, 0, 0, kzTime).AddDate(0, 0, -2))
		tk := ticketing.NewService(pool, w, ticketing.Config{Sealer: cfg.Sealer, Now: clock.now})
		var news []session
		var sales []sale
		for _, s := range p.sessions {
			if _, err := tk.Session(ctx, s.id); err == nil {
				continue // written, and sold, by an earlier run
			} else if !errors.Is(err, ticketing.ErrNotFound) {
				return err
			}
			news = append(news, s)
			sales = append(sales, s.sales...)
		}
		if err := each.Do(ctx, len(news), len(news), func(i int) error {
			s := news[i]
			in := ticketing.Session{ZoneID: "main", StartsAt: s.start.Format(time.RFC3339), EndsAt: s.start.Add(2 * time.Hour).Format(time.RFC3339),
				Capacity: m.capacity, Tariffs: slices.Clone(tariffs)} // PutSession normalises its tariffs in place
			if _, err := tk.PutSession(ctx, venue, evID, s.id, in); err != nil {
				return fmt.Errorf("demo: session %s: %w", s.id, err)
			}
			return nil
		}); err != nil {
			return err
		}
		if err := each.Do(ctx, len(sales), 8, func(i int) error { // concurrent sales, grouped by the ledger writer
			sl := sales[i]
			if _, err := tk.Sell(ctx, venue, sl.idem, ticketing.SaleRequest{SessionID: sl.session, Tickets: sl.tickets}); err != nil {
				return fmt.Errorf("demo: sale %s: %w", sl.idem, err)
			}
			return nil
		}); err != nil {
			return err
		}
		mu.Lock()
		st.Sessions += len(news)
		for _, sl := range sales {
			st.Tickets += len(sl.tickets)
		}
		mu.Unlock()
		return nil
	})
}

var kzTime = time.FixedZone("UTC+5", 5*3600)

func halfPrice(p string) string {
	f, _ := strconv.ParseFloat(p, 64)
	return strconv.FormatFloat(float64(int(f/2)), 'f', 2, 64)
}

type objectResult struct {
	images, events int
	skipped        bool
}

// demoObject writes object i of museum m: its record, its pictures and
// its events, each step only when an earlier run has not.
func demoObject(ctx context.Context, ms *museum.Service, m demoMuseum, mi, i int, cfg Config, pictures chan struct{}) (objectResult, error) {
	rng := rand.New(rand.NewPCG(cfg.Seed, uint64(mi)<<32|uint64(i)))
	t := objectTemplates[m.mix[rng.IntN(len(m.mix))]]
	from := t.from + rng.IntN(max(1, (t.to-t.from)/2))
	to := min(t.to, from+10+rng.IntN(40))
	if t.from < 0 {
		to = from + 100
	}
	id := fmt.Sprintf("%s-%05d", m.idPrefix, 1000+i*7)
	inv := fmt.Sprintf("%s-%05d", m.invPrefix, 1000+i*7)
	if m.invPrefix == "ОФ" {
		inv = fmt.Sprintf("ОФ-%d/%d", 1000+i*7, 1+rng.IntN(4))
	}
	published := rng.IntN(100) < 92
	maker := t.maker[rng.IntN(len(t.maker))]
	place := t.place[rng.IntN(len(t.place))]
	title := museum.LangMap{}
	for k, v := range t.title {
		title[k] = v
	}
	if t.shape == shapePainting {
		title["ru"] += " (" + maker + ")"
	}
	acqYear := 1938 + rng.IntN(85)
	o := museum.Object{
		InventoryNumber: inv, ObjectName: t.name, Title: title,
		Description: museum.LangMap{
			"ru": fmt.Sprintf("%s. %s, %s. Поступил(а) в собрание в %d году.", t.title["ru"], place, centuriesOrYears(t, from, to), acqYear),
			"kk": fmt.Sprintf("%s. %s. Қорға %d жылы түскен.", t.title["kk"], place, acqYear),
		},
		Maker: maker, Date: &museum.Date{Display: t.dateDisplay(from, to), Earliest: &from, Latest: &to},
		Place: place, Materials: t.materials, Techniques: t.techs,
		Dimensions:      fmt.Sprintf("%d × %d см", 10+rng.IntN(120), 8+rng.IntN(90)),
		NumberOfObjects: 1,
		Acquisition:     &museum.Acquisition{Method: []string{"дар", "закупка", "экспедиционный сбор", "передача"}[rng.IntN(4)], Date: strconv.Itoa(acqYear)},
		Rights:          demoRights[rng.IntN(len(demoRights))],
		CreditLine:      museum.LangMap{"ru": fmt.Sprintf("%s, %d", m.name["ru"], acqYear), "kk": fmt.Sprintf("%s, %d", m.name["kk"], acqYear)},
		Published:       &published,
	}
	if rng.IntN(3) == 0 {
		o.StateRegisterNo = fmt.Sprintf("ГК-%07d", 100000+mi*100000+i)
	}
	nImages := 1 + rng.IntN(10)/8 // about one in five has two
	events := demoEvents(rng, m, acqYear, cfg.Now())

	var res objectResult
	existing, err := ms.Object(ctx, m.id, id, true)
	switch {
	case errors.Is(err, museum.ErrNotFound):
		if _, err := ms.PutObject(ctx, demo.Actor, m.id, id, o); err != nil {
			return res, fmt.Errorf("demo: object %s/%s: %w", m.id, id, err)
		}
	case err != nil:
		return res, err
	}
	done := 0
	if err == nil {
		evs, err := ms.Events(ctx, m.id, id)
		if err != nil {
			return res, err
		}
		done = len(evs)
		if len(existing.Images) >= nImages && done >= len(events) {
			res.skipped = true
			return res, nil
		}
	}
	for n := len(existing.Images) + 1; n <= nImages; n++ {
		w, h := cfg.PictureWidth, cfg.PictureWidth*3/4
		if t.shape == shapeInstrument {
			w, h = h, w
		}
		pictures <- struct{}{}
		var buf bytes.Buffer
		err := jpeg.Encode(&buf, objectPicture(rng, t.shape, w, h), &jpeg.Options{Quality: 85})
		if err == nil {
			_, err = ms.PutImage(ctx, demo.Actor, m.id, id, n, &buf)
		}
		<-pictures
		if err != nil {
			return res, fmt.Errorf("demo: image %s/%s/%d: %w", m.id, id, n, err)
		}
		res.images++
	}
	for _, ev := range events[done:] {
		if _, err := ms.AddEvent(ctx, demo.Actor, m.id, id, ev, idempotency.Key{}); err != nil {
			return res, fmt.Errorf("demo: event %s on %s/%s: %w", ev.Type, m.id, id, err)
		}
		res.events++
	}
	return res, nil
}

func centuriesOrYears(t objectTemplate, from, to int) string { return t.dateDisplay(from, to) }

// demoEvents is an object's custody history: accession into the store
// (some after an object entry), moves to the halls, checks, now and then a
// loan out and back, rarely an exit, in time order and never after now.
func demoEvents(rng *rand.Rand, m demoMuseum, acqYear int, now time.Time) []museum.Event {
	at := time.Date(max(acqYear, 2015), time.Month(1+rng.IntN(12)), 1+rng.IntN(28), 10+rng.IntN(7), 0, 0, 0, time.UTC)
	step := func(days int) time.Time {
		at = at.Add(time.Duration(1+rng.IntN(days)) * 24 * time.Hour)
		return at
	}
	var evs []museum.Event
	add := func(typ, loc, note string) {
		if at.After(now.Add(-time.Hour)) {
			return
		}
		evs = append(evs, museum.Event{Type: typ, At: at, Location: loc, Note: note})
	}
	store := fmt.Sprintf("%s, стеллаж %d", m.store, 1+rng.IntN(40))
	if rng.IntN(3) == 0 {
		add(museum.EventObjectEntry, store, "акт приёма на временное хранение")
		step(60)
	}
	add(museum.EventAccession, store, "решение фондово-закупочной комиссии")
	hall := m.halls[rng.IntN(len(m.halls))]
	if rng.IntN(10) < 6 {
		step(300)
		add(museum.EventLocationChange, hall, "")
	}
	if rng.IntN(2) == 0 {
		step(400)
		add(museum.EventConditionCheck, "", "состояние удовлетворительное")
	}
	if rng.IntN(20) == 0 {
		step(200)
		add(museum.EventLoanOut, lenders[rng.IntN(len(lenders))], "временная выставка")
		if rng.IntN(5) < 4 {
			step(120)
			add(museum.EventLoanReturn, "", "")
		}
	}
	if len(evs) > 0 && evs[len(evs)-1].Type != museum.EventLoanOut {
		step(300)
		add(museum.EventInventoryCheck, "", "сверка с книгой поступлений")
		if rng.IntN(100) == 0 {
			step(100)
			add(museum.EventExit, "", "передача в другой музей")
		}
	}
	return evs
}
