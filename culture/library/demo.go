package library

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"
	"sync"
	"time"

	"ecinema/internal/each"
	"ecinema/registry"
	"ecinema/validate"
)

// ErrDemoLoaded is LoadDemo's answer when the catalogue already has works.
var ErrDemoLoaded = errors.New("library demo: the catalogue already holds works")

// DemoStats count what LoadDemo wrote.
type DemoStats struct {
	Works, Editions, Files, Readers, Loans, Returns, Holds int
	Card, Password                                         string // one reader's sign-in, for trying the shelf
	Elapsed                                                time.Duration
}

// demoWork is a Kazakh classic with its editions.
type demoWork struct {
	id       string
	title    LangMap
	author   LangMap
	subjects []string
	lang     string
	holders  []RightsHolder
	text     []string // the opening of the text, for the generated EPUBs
	editions []demoEdition
}

type demoEdition struct {
	suffix, lang, format, publisher, issued, isbn, access string
	copies                                                int
	translators, narrators                                []string
}

// demoParties are the rights holders of the works still in copyright
// (Auezov died in 1961: life + 70 years runs to 2031).
var demoParties = []struct{ id, name string }{
	{"lib-auezov-heirs", "Мұхтар Әуезовтің мұрагерлері"},
	{"lib-zhazushy", "«Жазушы» баспасы"},
	{"lib-translators", "Қазақстан аудармашылар одағы"},
}

var demoWorks = []demoWork{
	{id: "abai-kara-sozder", title: LangMap{"kk": "Қара сөздер", "kk-Latn": "Qara sözder", "ru": "Слова назидания", "en": "The Book of Words"},
		author:   LangMap{"kk": "Абай Құнанбайұлы", "kk-Latn": "Abai Qūnanbaiūly", "ru": "Абай Кунанбаев", "en": "Abai Qunanbaiuly"},
		subjects: []string{"philosophy", "classics"}, lang: "kk",
		text: []string{"Бұл жасқа келгенше жақсы өткіздік пе, жаман өткіздік пе, әйтеуір бірталай өмірімізді өткіздік: алыстық, жұлыстық, айтыстық, тартыстық — әурешілікті көре-көре келдік.",
			"Енді қалған өмірімізді қайтіп, не қылып өткіземіз? Соны таба алмай өзім де қайранмын."},
		editions: []demoEdition{
			{suffix: "kk", lang: "kk", format: formatEPUB, publisher: "Жазушы", issued: "1993", isbn: "978-601-7151-13-3", access: AccessOpen},
			{suffix: "kk-latn", lang: "kk-Latn", format: formatEPUB, publisher: "Jazuşy", issued: "2021", access: AccessOpen},
			{suffix: "ru", lang: "ru", format: formatEPUB, publisher: "Жалын", issued: "1982", access: AccessOpen, translators: []string{"Сатимжан Санбаев"}},
			{suffix: "en", lang: "en", format: formatEPUB, publisher: "Folio", issued: "2005", isbn: "0-306-40615-2", access: accessLoan, copies: 6, translators: []string{"Richard McKane"}},
		}},
	{id: "abai-olender", title: LangMap{"kk": "Өлеңдер", "kk-Latn": "Öleñder", "ru": "Стихотворения", "en": "Poems"},
		author:   LangMap{"kk": "Абай Құнанбайұлы", "kk-Latn": "Abai Qūnanbaiūly", "ru": "Абай Кунанбаев", "en": "Abai Qunanbaiuly"},
		subjects: []string{"poetry", "classics"}, lang: "kk",
		text: []string{"Жасымда ғылым бар деп ескермедім, Пайдасын көре тұра тексермедім.", "Қараңғы түнде тау қалғып, Ұйқыға кетер балбырап."},
		editions: []demoEdition{
			{suffix: "kk", lang: "kk", format: formatEPUB, publisher: "Жазушы", issued: "1995", access: AccessOpen},
			{suffix: "ru", lang: "ru", format: formatEPUB, publisher: "Художественная литература", issued: "1954", access: AccessOpen, translators: []string{"Всеволод Рождественский"}},
			{suffix: "kk-audio", lang: "kk", format: FormatAudiobook, publisher: "Қазақ радиосы", issued: "2019", access: AccessOpen, narrators: []string{"Асанәлі Әшімов"}},
		}},
	{id: "auezov-abai-joly", title: LangMap{"kk": "Абай жолы", "kk-Latn": "Abai joly", "ru": "Путь Абая", "en": "The Path of Abai"},
		author:   LangMap{"kk": "Мұхтар Әуезов", "kk-Latn": "Mūhtar Äuezov", "ru": "Мухтар Ауэзов", "en": "Mukhtar Auezov"},
		subjects: []string{"novel", "classics"}, lang: "kk",
		holders: []RightsHolder{{PartyID: "lib-auezov-heirs", SharePct: "60"}, {PartyID: "lib-zhazushy", SharePct: "25"}, {PartyID: "lib-translators", SharePct: "15"}},
		text:    []string{"Абай Құнанбайұлының жас шағы мен кемелденуі туралы роман-эпопея."},
		editions: []demoEdition{
			{suffix: "kk", lang: "kk", format: formatEPUB, publisher: "Жазушы", issued: "2007", access: accessLoan, copies: 10},
			{suffix: "ru", lang: "ru", format: formatEPUB, publisher: "Жибек жолы", issued: "2012", access: accessLoan, copies: 6, translators: []string{"Анна Никольская"}},
			{suffix: "en", lang: "en", format: formatEPUB, publisher: "Progress", issued: "1975", access: accessLoan, copies: 4, translators: []string{"Leonid Navrozov"}},
		}},
	{id: "auezov-kokserek", title: LangMap{"kk": "Көксерек", "kk-Latn": "Kökserek", "ru": "Серый лютый", "en": "Kokserek"},
		author:   LangMap{"kk": "Мұхтар Әуезов", "kk-Latn": "Mūhtar Äuezov", "ru": "Мухтар Ауэзов", "en": "Mukhtar Auezov"},
		subjects: []string{"short stories", "classics"}, lang: "kk",
		holders:  []RightsHolder{{PartyID: "lib-auezov-heirs", SharePct: "70"}, {PartyID: "lib-zhazushy", SharePct: "30"}},
		text:     []string{"Қасқыр бөлтірігі мен ауыл баласы туралы әңгіме."},
		editions: []demoEdition{{suffix: "kk", lang: "kk", format: formatEPUB, publisher: "Жазушы", issued: "2010", access: accessLoan, copies: 5}}},
	{id: "zhumabayev-batyr-bayan", title: LangMap{"kk": "Батыр Баян", "kk-Latn": "Batyr Baian", "ru": "Батыр Баян", "en": "Batyr Bayan"},
		author:   LangMap{"kk": "Мағжан Жұмабаев", "kk-Latn": "Mağjan Jūmabaev", "ru": "Магжан Жумабаев", "en": "Magzhan Zhumabayev"},
		subjects: []string{"poetry", "classics"}, lang: "kk",
		text: []string{"Ерте, ерте, ертеде, Ешкі жүні бөртеде..."},
		editions: []demoEdition{
			{suffix: "kk", lang: "kk", format: formatEPUB, publisher: "Ана тілі", issued: "1992", access: AccessOpen},
			{suffix: "kk-audio", lang: "kk", format: FormatAudiobook, publisher: "Аудиокітап", issued: "2021", access: accessLoan, copies: 4, narrators: []string{"Нұржұман Ықтымбаев"}},
			{suffix: "ru", lang: "ru", format: formatEPUB, publisher: "Жалын", issued: "1989", access: AccessOpen, translators: []string{"Юрий Кузнецов"}},
		}},
	{id: "baitursynuly-masa", title: LangMap{"kk": "Маса", "kk-Latn": "Masa", "ru": "Комар", "en": "The Mosquito"},
		author:   LangMap{"kk": "Ахмет Байтұрсынұлы", "kk-Latn": "Ahmet Baitūrsynūly", "ru": "Ахмет Байтурсынов", "en": "Akhmet Baitursynuly"},
		subjects: []string{"poetry", "classics"}, lang: "kk",
		text: []string{"Маса да ұшып келеді ызыңдап, Ұйқыдағы кісіні ызыңдап."},
		editions: []demoEdition{
			{suffix: "kk", lang: "kk", format: formatEPUB, publisher: "Ана тілі", issued: "1991", access: AccessOpen},
			{suffix: "kk-latn", lang: "kk-Latn", format: formatEPUB, publisher: "Ana tılı", issued: "2022", access: AccessOpen},
		}},
	{id: "dulatuly-baqytsyz-jamal", title: LangMap{"kk": "Бақытсыз Жамал", "kk-Latn": "Baqytsyz Jamal", "ru": "Несчастная Жамал", "en": "Unhappy Jamal"},
		author:   LangMap{"kk": "Міржақып Дулатұлы", "kk-Latn": "Mırjaqyp Dulatūly", "ru": "Миржакып Дулатов", "en": "Mirzhakyp Dulatuly"},
		subjects: []string{"novel", "classics"}, lang: "kk",
		text: []string{"Қазақ әдебиетіндегі алғашқы роман (1910)."},
		editions: []demoEdition{
			{suffix: "kk", lang: "kk", format: formatEPUB, publisher: "Жазушы", issued: "1991", access: AccessOpen},
			{suffix: "ru", lang: "ru", format: formatPDF, publisher: "Фолиант", issued: "2016", access: accessLoan, copies: 2},
		}},
	{id: "altynsarin-hrestomatiya", title: LangMap{"kk": "Қазақ хрестоматиясы", "kk-Latn": "Qazaq hrestomatiiasy", "ru": "Киргизская хрестоматия", "en": "A Kazakh Reader"},
		author:   LangMap{"kk": "Ыбырай Алтынсарин", "kk-Latn": "Ybyrai Altynsarin", "ru": "Ибрай Алтынсарин", "en": "Ibrai Altynsarin"},
		subjects: []string{"education", "classics"}, lang: "kk",
		text:     []string{"Кел, балалар, оқылық! Оқығанды көңілге тоқылық!"},
		editions: []demoEdition{{suffix: "kk", lang: "kk", format: formatEPUB, publisher: "Мектеп", issued: "1879", access: AccessOpen}}},
	{id: "valikhanov-jongaria", title: LangMap{"kk": "Жоңғария очерктері", "ru": "Очерки Джунгарии", "en": "Sketches of Dzungaria"},
		author:   LangMap{"kk": "Шоқан Уәлиханов", "kk-Latn": "Şoqan Uälihanov", "ru": "Чокан Валиханов", "en": "Chokan Valikhanov"},
		subjects: []string{"history", "classics"}, lang: "ru",
		text: []string{"Очерки Джунгарии — путевые записки 1856 года."},
		editions: []demoEdition{
			{suffix: "ru", lang: "ru", format: formatEPUB, publisher: "Наука", issued: "1961", access: AccessOpen},
			{suffix: "kk", lang: "kk", format: formatEPUB, publisher: "Ғылым", issued: "1985", access: AccessOpen},
		}},
}

// demoBIN returns a valid BIN derived from n.
func demoBIN(n int) string {
	for i := n; ; i += 7 {
		if b, ok := validate.CompleteBIN(fmt.Sprintf("%011d", 1900000000+i*7919)); ok {
			return b
		}
	}
}

// LoadDemo writes the demo library through the real write path: Kazakh
// classics in kk, kk-Latn, ru and en editions with generated covers and
// EPUBs, two audiobooks with short generated tracks, rights holders for
// the works in copyright, per-loan rates, readers and a month of loans,
// returns and holds ending on last. reg registers the rights holders.
func (s *Service) LoadDemo(ctx context.Context, reg *registry.Service, last time.Time, progress io.Writer) (DemoStats, error) {
	start := time.Now()
	var n int
	if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM library_works`).Scan(&n); err != nil {
		return DemoStats{}, fmt.Errorf("library demo: %w", err)
	}
	if n > 0 {
		return DemoStats{}, ErrDemoLoaded
	}
	if progress == nil {
		progress = io.Discard
	}
	const actor = "system"
	var st DemoStats
	var mu sync.Mutex // st
	if err := each.Do(ctx, len(demoParties), 16, func(i int) error {
		p := demoParties[i]
		if _, err := reg.PutParty(ctx, actor, p.id, registry.Party{Kind: "rights_holder", Name: p.name, BIN: demoBIN(i + 1)}); err != nil {
			return fmt.Errorf("library demo: party %s: %w", p.id, err)
		}
		return nil
	}); err != nil {
		return st, err
	}
	// The demo's own clock walks through the month of loans.
	var clockMu sync.Mutex
	now := last.Add(-30 * 24 * time.Hour)
	d := NewService(s.pool, s.app, s.blobs, Config{PasswordCost: s.cfg.PasswordCost, LinkTTL: s.cfg.LinkTTL,
		MaxUpload: s.cfg.MaxUpload, Now: func() time.Time { clockMu.Lock(); defer clockMu.Unlock(); return now }})
	setNow := func(t time.Time) { clockMu.Lock(); now = t; clockMu.Unlock() }
	if _, err := d.PutRate(ctx, actor, last.AddDate(-1, 0, 0).Format(time.DateOnly), "45.00"); err != nil {
		return st, err
	}
	if _, err := d.PutRate(ctx, actor, last.AddDate(0, 0, -14).Format(time.DateOnly), "50.00"); err != nil {
		return st, err
	}
	// The catalogue, many writes at a time (the ledger writer groups
	// them): every work, then every edition with its cover and files.
	var lent []string
	type demoEd struct {
		w demoWork
		e demoEdition
	}
	var eds []demoEd
	for _, w := range demoWorks {
		for _, e := range w.editions {
			eds = append(eds, demoEd{w, e})
			if e.access == accessLoan {
				lent = append(lent, w.id+"-"+e.suffix)
			}
		}
	}
	if err := each.Do(ctx, len(demoWorks), 16, func(i int) error {
		w := demoWorks[i]
		work := Work{Title: w.title, Authors: []Contributor{{Name: w.author, Role: "author"}}, Subjects: w.subjects,
			OriginalLanguage: w.lang, RightsHolders: w.holders}
		if _, err := d.PutWork(ctx, actor, w.id, work); err != nil {
			return fmt.Errorf("library demo: work %s: %w", w.id, err)
		}
		return nil
	}); err != nil {
		return st, err
	}
	st.Works = len(demoWorks)
	if err := each.Do(ctx, len(eds), 16, func(i int) error {
		w, e := eds[i].w, eds[i].e
		id := w.id + "-" + e.suffix
		ed := Edition{WorkID: w.id, Language: e.lang, ISBN: e.isbn, Format: e.format, Publisher: e.publisher, Issued: e.issued,
			Translators: e.translators, Narrators: e.narrators, Access: e.access, Copies: e.copies}
		if _, err := d.PutEdition(ctx, actor, id, ed); err != nil {
			return fmt.Errorf("library demo: edition %s: %w", id, err)
		}
		if _, err := d.UploadCover(ctx, actor, id, "image/png", bytesReader(GenerateCover(id))); err != nil {
			return err
		}
		files := 2
		title, _ := w.title.In(e.lang)
		author, _ := w.author.In(e.lang)
		switch e.format {
		case formatEPUB:
			if _, err := d.UploadFile(ctx, actor, id, mediaEPUB, bytesReader(GenerateEPUB(id, title, author, e.lang, w.text))); err != nil {
				return err
			}
			files++
		case formatPDF:
			if _, err := d.UploadFile(ctx, actor, id, mediaPDF, bytesReader(generatePDF(title, author))); err != nil {
				return err
			}
			files++
		case FormatAudiobook:
			for i, secs := range []float64{20, 35, 28} {
				name := map[string]string{"kk": "Бөлім", "ru": "Часть"}[e.lang] + " " + strconv.Itoa(i+1)
				if _, err := d.UploadTrack(ctx, actor, id, i+1, "audio/mpeg", name, secs, bytesReader(GenerateMP3(secs))); err != nil {
					return err
				}
				files++
			}
		}
		mu.Lock()
		st.Editions++
		st.Files += files
		mu.Unlock()
		return nil
	}); err != nil {
		return st, err
	}
	fmt.Fprintf(progress, "library demo: %d works, %d editions, %d files\n", st.Works, st.Editions, st.Files)
	// Readers, at once (their passwords are hashed on every core).
	cards := make([]string, len(demoReaders))
	if err := each.Do(ctx, len(demoReaders), 16, func(i int) error {
		r, err := d.CreateReader(ctx, demoReaders[i])
		if err != nil {
			return err
		}
		cards[i] = r.CardNumber
		if i == 0 {
			st.Card, st.Password = r.CardNumber, r.Password
		}
		return nil
	}); err != nil {
		return st, err
	}
	st.Readers = len(demoReaders)
	// A month of loans: every day a few readers borrow lent editions;
	// most return after some days; when no copy is free some join the queue.
	rng := rand.New(rand.NewPCG(20261130, 7))
	type open struct {
		loan Loan
		back time.Time
	}
	var out []open
	day0 := last.Add(-29 * 24 * time.Hour).Truncate(24 * time.Hour)
	for day := range 30 {
		for k := range 6 + rng.IntN(8) {
			t := day0.Add(time.Duration(day)*24*time.Hour + time.Duration(4+k)*time.Hour + time.Duration(rng.IntN(3600))*time.Second)
			setNow(t)
			keep := out[:0]
			for _, o := range out {
				if !o.back.After(t) {
					if _, err := d.Return(ctx, o.loan.CardNumber, o.loan.CardNumber, o.loan.ID); err == nil {
						st.Returns++
					}
					continue
				}
				keep = append(keep, o)
			}
			out = keep
			card := cards[rng.IntN(len(cards))]
			ed := lent[rng.IntN(len(lent))]
			l, created, err := d.Borrow(ctx, card, ed)
			switch {
			case errors.Is(err, ErrNoCopies):
				if rng.IntN(4) == 0 {
					if _, err := d.PlaceHold(ctx, card, ed); err == nil {
						st.Holds++
					}
				}
				continue
			case err != nil:
				return st, err
			}
			if created {
				st.Loans++
				if rng.IntN(10) < 8 {
					out = append(out, open{l, t.Add(time.Duration(1+rng.IntN(9)) * 24 * time.Hour)})
				}
			}
		}
	}
	st.Elapsed = time.Since(start)
	return st, nil
}

var demoReaders = []string{"Айгерім Сәрсенова", "Ерлан Қасымов", "Дина Нұрланқызы", "Асхат Жұмабеков", "Мадина Оспанова",
	"Нұрсұлтан Ахметов", "Әсел Төлеуова", "Бауыржан Сейітов", "Гүлнар Әбенова", "Тимур Ибраев", "Анна Ковалёва",
	"Сергей Ким", "Жанна Мұқанова", "Ислам Бекенов", "Ольга Петренко", "Данияр Смағұлов"}
