package archive

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"math/rand/v2"
	"sort"
	"sync"
	"time"

	"ecinema/culture/archive/bagit"
	"ecinema/culture/idempotency"
	"ecinema/internal/each"
)

// ErrDemoLoaded is LoadDemo's answer when the archive already holds units.
var ErrDemoLoaded = errors.New("archive demo: the archive already holds units")

// DemoStats sums up a demo load.
type DemoStats struct {
	Units, Bags, Files, Persons int
	Bytes                       int64
	Elapsed                     time.Duration
}

type demoUnit struct {
	id, kind          string
	kk, ru            string
	inventory, file   string
	sheets            string
	year              string
	access            string
	pages             int
	transcriptionLang string
	transcription     string
}

var (
	demoFamilies = [][2]string{{"Момышұлы", "Момышулы"}, {"Ахметов", "Ахметов"}, {"Жұмабаев", "Жумабаев"}, {"Сәрсенбаев", "Сарсенбаев"},
		{"Қасымов", "Касымов"}, {"Төлеубаев", "Толеубаев"}, {"Оспанов", "Оспанов"}, {"Ермеков", "Ермеков"}, {"Сейітов", "Сеитов"},
		{"Әбдірахманов", "Абдрахманов"}, {"Байсейітов", "Байсеитов"}, {"Тоқтаров", "Токтаров"}, {"Мұсабеков", "Мусабеков"},
		{"Смағұлов", "Смагулов"}, {"Құдайбергенов", "Кудайбергенов"}, {"Омаров", "Омаров"}, {"Шәкенов", "Шакенов"},
		{"Бекмағамбетов", "Бекмагамбетов"}, {"Нұрмағамбетов", "Нурмагамбетов"}, {"Жанкелдин", "Жанкельдин"}, {"Бейсекбаев", "Бейсекбаев"},
		{"Тұрғынбаев", "Тургумбаев"}, {"Есенов", "Есенов"}, {"Ілиясов", "Ильясов"}}
	demoGiven = [][2]string{{"Бауыржан", "Бауыржан"}, {"Қасым", "Касым"}, {"Мәлік", "Малик"}, {"Төлеген", "Толеген"}, {"Нұркен", "Нуркен"},
		{"Сағадат", "Сагадат"}, {"Рахымжан", "Рахимжан"}, {"Қайырбек", "Кайырбек"}, {"Әлия", "Алия"}, {"Мәншүк", "Маншук"},
		{"Жұмабек", "Жумабек"}, {"Серік", "Серик"}, {"Ғабит", "Габит"}, {"Талғат", "Талгат"}, {"Ыбырай", "Ибрай"}}
	demoFathers = [][2]string{{"Ахмет", "Ахметович"}, {"Жұмабай", "Жумабаевич"}, {"Сәрсен", "Сарсенович"}, {"Қасым", "Касымович"},
		{"Оспан", "Оспанович"}, {"Нұрлан", "Нурланович"}, {"Ермек", "Ермекович"}, {"Омар", "Омарович"}}
	demoPlaces = []string{"Алматы облысы, Талғар ауданы", "Ақмола облысы, Ерейментау ауданы", "Қарағанды облысы, Қарқаралы ауданы",
		"Оңтүстік Қазақстан облысы, Түркістан ауданы", "Шығыс Қазақстан облысы, Зайсан ауданы", "Батыс Қазақстан облысы, Орал қаласы"}
	demoRanks  = []string{"қатардағы жауынгер", "ефрейтор", "кіші сержант", "сержант", "аға сержант", "лейтенант", "аға лейтенант", "капитан"}
	demoUnits  = []string{"316-я стрелковая дивизия (8-я гвардейская)", "100-я стрелковая бригада", "101-я стрелковая бригада", "310-я стрелковая дивизия", "391-я стрелковая дивизия"}
	demoAwards = []string{"Қызыл Жұлдыз ордені", "«Ерлігі үшін» медалі", "«Әскери еңбегі үшін» медалі", "Даңқ ордені III дәрежелі", "Отан соғысы ордені II дәрежелі"}
	demoFates  = []string{"returned", "returned", "returned", "killed", "killed", "missing", "pow"}
)

// LoadDemo loads a fond of WWII documents (award sheets, conscription
// lists, letters from the front) as real bags with small generated scans,
// deposited through the same check as any upload, and a few hundred
// persons with kk/ru names linked to them. The sync worker stays off
// unless ECINEMA_BATYRLAR_URL is set, so their outbox rows wait.
func (s *Service) LoadDemo(ctx context.Context, persons int, progress io.Writer) (DemoStats, error) {
	start := time.Now()
	var n int
	if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM archive_units`).Scan(&n); err != nil {
		return DemoStats{}, err
	}
	if n > 0 {
		return DemoStats{}, ErrDemoLoaded
	}
	rng := rand.New(rand.NewPCG(1941, 1945))
	var units []demoUnit
	for i := 1; i <= 8; i++ {
		units = append(units, demoUnit{id: fmt.Sprintf("R-1487-1-%d", i), kind: "award",
			kk: fmt.Sprintf("Марапат парақтары, %d-бума", i), ru: fmt.Sprintf("Наградные листы, связка %d", i),
			inventory: "1", file: fmt.Sprint(i), sheets: fmt.Sprintf("1-%d", 3+i%4), year: fmt.Sprint(1942 + i%3), access: "open", pages: 2 + i%2,
			transcriptionLang: "ru", transcription: "Наградной лист. Представляется к ордену Красной Звезды за проявленные мужество и отвагу в боях под Москвой."})
	}
	for i := 1; i <= 4; i++ {
		units = append(units, demoUnit{id: fmt.Sprintf("R-1487-2-%d", i), kind: "conscription",
			kk: fmt.Sprintf("Әскерге шақырылғандар тізімі, %d", i), ru: fmt.Sprintf("Призывные списки, %d", i),
			inventory: "2", file: fmt.Sprint(i), sheets: "1-12", year: "1941", access: "open", pages: 3,
			transcriptionLang: "ru", transcription: "Список призванных Талгарским райвоенкоматом в ряды РККА, август 1941 года."})
	}
	for i := 1; i <= 4; i++ {
		units = append(units, demoUnit{id: fmt.Sprintf("R-1487-3-%d", i), kind: "letter",
			kk: fmt.Sprintf("Майдан хаттары, %d", i), ru: fmt.Sprintf("Фронтовые письма, %d", i),
			inventory: "3", file: fmt.Sprint(i), sheets: "1-4", year: "1943", access: "open", pages: 2,
			transcriptionLang: "kk", transcription: "Қымбатты анашым! Біз жеңіспен ораламыз. Сәлеммен, ұлың."})
	}
	units = append(units, demoUnit{id: "R-1487-4-1", kind: "personal", kk: "Жеке іс: госпиталь құжаттары", ru: "Личное дело: госпитальные документы",
		inventory: "4", file: "1", sheets: "1-6", year: "1944", access: "restricted", pages: 2,
		transcriptionLang: "ru", transcription: "Выписка из истории болезни (ограниченный доступ: персональные данные)."})

	var st DemoStats
	var ids []string
	for i := 0; i < persons; i++ {
		ids = append(ids, fmt.Sprintf("ww2-%05d", i+1))
	}
	// Everything is drawn first, in one random stream (each unit's scans,
	// then the persons), then written many at a time, so that the ledger
	// writer groups the entries: the units with their deposits, then the
	// persons (whose sources are the units).
	type unitLoad struct {
		rec UnitRecord
		bag []byte
	}
	loads := make([]unitLoad, len(units))
	for i, u := range units {
		var linked []string
		for j := i; j < len(ids); j += len(units) {
			linked = append(linked, ids[j])
		}
		rec := UnitRecord{
			Title:       map[string]string{"kk": u.kk, "ru": u.ru},
			Creator:     "Қазақ КСР әскери комиссариаты",
			Date:        u.year,
			Description: map[string]string{"kk": "1941–1945 жылдардағы Ұлы Отан соғысы құжаттары, батырлар туралы", "ru": "Документы Великой Отечественной войны 1941–1945 годов о батырах"},
			Language:    []string{"ru", "kk"},
			Subject:     []string{"Ұлы Отан соғысы", "Великая Отечественная война", u.kind},
			Coverage:    "Қазақ КСР, 1941–1945",
			Type:        "Text",
			Rights:      "CC BY 4.0",
			Citation:    Citation{Archive: "CGA-RK", Fond: "R-1487", Inventory: u.inventory, File: u.file, Sheets: u.sheets},
			Access:      u.access,
			Persons:     linked,
		}
		files := map[string][]byte{"transcription-" + u.transcriptionLang + ".txt": []byte(u.transcription + "\n")}
		for pg := 1; pg <= u.pages; pg++ {
			files[fmt.Sprintf("scans/sheet-%02d.png", pg)] = demoScan(rng, u.kind, pg)
		}
		var bag bytes.Buffer
		if err := writeDemoBag(&bag, u.id, files); err != nil {
			return st, err
		}
		loads[i] = unitLoad{rec, bag.Bytes()}
	}
	people := make([]PersonRecord, persons)
	for i := range people {
		fam := demoFamilies[rng.IntN(len(demoFamilies))]
		giv := demoGiven[rng.IntN(len(demoGiven))]
		fat := demoFathers[rng.IntN(len(demoFathers))]
		p := PersonRecord{
			Names: []PersonName{{Lang: "kk", Family: fam[0], Given: giv[0], Patronymic: fat[0] + "ұлы"},
				{Lang: "ru", Family: fam[1], Given: giv[1], Patronymic: fat[1]}},
			Birth:        &Birth{Year: 1900 + rng.IntN(26), Place: demoPlaces[rng.IntN(len(demoPlaces))]},
			Conscription: &Conscription{Date: fmt.Sprintf("1941-%02d-%02d", 6+rng.IntN(6), 1+rng.IntN(28)), Office: "Талғар аудандық әскери комиссариаты"},
			Rank:         demoRanks[rng.IntN(len(demoRanks))],
			Unit:         demoUnits[rng.IntN(len(demoUnits))],
			Fate:         demoFates[rng.IntN(len(demoFates))],
		}
		if rng.IntN(3) == 0 {
			p.Awards = []Award{{Name: demoAwards[rng.IntN(len(demoAwards))], Date: fmt.Sprintf("194%d-%02d-%02d", 2+rng.IntN(4), 1+rng.IntN(12), 1+rng.IntN(28))}}
		}
		if u := units[i%len(units)]; u.access == "open" {
			p.Sources = []string{u.id}
		}
		people[i] = p
	}
	var mu sync.Mutex
	err := each.Do(ctx, len(units), 32, func(i int) error {
		u := units[i]
		if _, err := s.PutUnit(ctx, "system", u.id, loads[i].rec); err != nil {
			return fmt.Errorf("archive demo: unit %s: %w", u.id, err)
		}
		res, err := s.Deposit(ctx, "system", u.id, bagit.Tar, bytes.NewReader(loads[i].bag), idempotency.Pending{})
		if err != nil {
			return fmt.Errorf("archive demo: deposit %s: %w", u.id, err)
		}
		mu.Lock()
		defer mu.Unlock()
		st.Units++
		st.Bags++
		st.Files += len(res.Files)
		st.Bytes += int64(len(loads[i].bag))
		if progress != nil && st.Bags%5 == 0 {
			fmt.Fprintf(progress, "archive demo: %d of %d units deposited\n", st.Bags, len(units))
		}
		return nil
	})
	if err != nil {
		return st, err
	}
	err = each.Do(ctx, len(people), 32, func(i int) error {
		id := ids[i]
		if _, err := s.PutPerson(ctx, "system", id, people[i]); err != nil {
			return fmt.Errorf("archive demo: person %s: %w", id, err)
		}
		mu.Lock()
		st.Persons++
		mu.Unlock()
		return nil
	})
	if err != nil {
		return st, err
	}
	st.Elapsed = time.Since(start)
	return st, nil
}

func writeDemoBag(w io.Writer, id string, files map[string][]byte) error {
	var payload []bagit.PayloadFile
	for _, name := range sortedKeys(files) {
		data := files[name]
		payload = append(payload, bagit.PayloadFile{Path: name, Size: int64(len(data)),
			Open: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }})
	}
	info := bagit.Info{
		{Label: "Source-Organization", Value: "Central State Archive of the Republic of Kazakhstan (CGA RK)"},
		{Label: "External-Identifier", Value: id},
		{Label: "External-Description", Value: "Digitised WWII documents, fond R-1487"},
		{Label: "Bagging-Date", Value: "2026-11-29"},
	}
	return bagit.Write(w, bagit.Tar, id, info, payload, nil, time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC), "sha256", "sha512")
}

func sortedKeys(m map[string][]byte) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// demoScan draws a small "scan" of an aged sheet: yellowed paper with
// noise, ruled lines of handwriting-like strokes and a stamp.
func demoScan(rng *rand.Rand, kind string, page int) []byte {
	const w, h = 240, 320
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	paper := color.RGBA{226, 212, 176, 255}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, paper)
		}
	}
	for i := 0; i < w*h/40; i++ { // foxing and dust
		n := uint8(20 + rng.IntN(40))
		img.Set(rng.IntN(w), rng.IntN(h), color.RGBA{226 - n, 212 - n, 176 - n, 255})
	}
	ink := color.RGBA{40, 45, 90, 255}
	for line := 40; line < h-30; line += 16 {
		x := 20 + rng.IntN(10)
		for x < w-20 {
			word := 8 + rng.IntN(30)
			for i := 0; i < word && x < w-20; i++ {
				img.Set(x, line+rng.IntN(3), ink)
				img.Set(x, line+1+rng.IntN(3), ink)
				x++
			}
			x += 4 + rng.IntN(6)
		}
	}
	if kind == "award" || page == 1 {
		cx, cy := w-50, h-50
		for a := 0; a < 360; a += 2 {
			for r := 18; r <= 20; r++ {
				x := cx + int(float64(r)*cos(a))
				y := cy + int(float64(r)*sin(a))
				img.Set(x, y, color.RGBA{150, 30, 40, 255})
			}
		}
	}
	var b bytes.Buffer
	png.Encode(&b, img)
	return b.Bytes()
}
