package library_test

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"ecinema/culture/library"
	"ecinema/internal/apptest"
	"ecinema/internal/pgtest"
	"ecinema/ledger"
	"ecinema/registry"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// world is the library service on a fresh database with a clock the test moves.
type world struct {
	*apptest.Env
	svc *library.Service
	mu  sync.Mutex
	now time.Time
}

func newWorld(t *testing.T) *world {
	t.Helper()
	w := &world{Env: apptest.New(t), now: time.Date(2026, 10, 10, 9, 0, 0, 0, time.UTC)}
	w.svc = library.NewService(w.App.Pool, w.App.Writer, w.App.Blobs, library.Config{PasswordCost: 4, Now: func() time.Time {
		w.mu.Lock()
		defer w.mu.Unlock()
		return w.now
	}})
	return w
}

func (w *world) setNow(t time.Time) { w.mu.Lock(); w.now = t; w.mu.Unlock() }

func (w *world) work(t *testing.T, id string, holders ...library.RightsHolder) {
	t.Helper()
	_, err := w.svc.PutWork(context.Background(), "test", id, library.Work{
		Title:   library.LangMap{"kk": "Шығарма " + id, "ru": "Произведение " + id},
		Authors: []library.Contributor{{Name: library.LangMap{"kk": "Автор"}}}, OriginalLanguage: "kk", RightsHolders: holders})
	if err != nil {
		t.Fatal(err)
	}
}

func (w *world) edition(t *testing.T, id, work string, copies int) {
	t.Helper()
	ed := library.Edition{WorkID: work, Language: "kk", Format: "epub", Publisher: "Фолиант", Issued: "2020",
		Access: "loan", Copies: copies, LoanDays: 14}
	if _, err := w.svc.PutEdition(context.Background(), "test", id, ed); err != nil {
		t.Fatal(err)
	}
}

// TestConcurrentBorrows: 20 readers borrow an edition with 3 copies at
// once: exactly 3 loans (3 library_loan entries), 17 ErrNoCopies. A
// returned loan frees a copy; holds come first.
func TestConcurrentBorrows(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	w.work(t, "w1")
	w.edition(t, "e1", "w1", 3)
	var wg sync.WaitGroup
	errs := make([]error, 20)
	loans := make([]library.Loan, 20)
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			loans[i], _, errs[i] = w.svc.Borrow(ctx, fmt.Sprintf("7%011d", i), "e1")
		}()
	}
	wg.Wait()
	ok, noCopies := 0, 0
	var first library.Loan
	for i, err := range errs {
		switch {
		case err == nil:
			ok++
			first = loans[i]
		case errors.Is(err, library.ErrNoCopies):
			noCopies++
		default:
			t.Fatalf("borrow %d: %v", i, err)
		}
	}
	if ok != 3 || noCopies != 17 {
		t.Fatalf("%d loans and %d no_copies, want 3 and 17", ok, noCopies)
	}
	var entries, active int
	if err := w.App.Pool.QueryRow(ctx, `SELECT count(*) FROM ledger_entries WHERE kind = 'library_loan'`).Scan(&entries); err != nil {
		t.Fatal(err)
	}
	if err := w.App.Pool.QueryRow(ctx, `SELECT count(*) FROM library_loans WHERE returned_at IS NULL`).Scan(&active); err != nil {
		t.Fatal(err)
	}
	if entries != 3 || active != 3 {
		t.Fatalf("%d library_loan entries, %d active loans; want 3 and 3", entries, active)
	}
	// Borrowing again returns the reader's current loan.
	again, created, err := w.svc.Borrow(ctx, first.CardNumber, "e1")
	if err != nil || created || again.ID != first.ID {
		t.Fatalf("borrow again: %+v %v %v, want the same loan %s", again, created, err, first.ID)
	}
	// A reader queues; a copy comes back; the queue is served first.
	h, err := w.svc.PlaceHold(ctx, "7999", "e1")
	if err != nil || h.Position != 1 {
		t.Fatalf("hold: %+v %v", h, err)
	}
	if _, err := w.svc.PlaceHold(ctx, "7999", "e1"); !errors.Is(err, library.ErrAlreadyHeld) {
		t.Fatalf("second hold: %v", err)
	}
	if _, err := w.svc.Return(ctx, "test", "7000", first.ID); first.CardNumber != "7000" && !errors.Is(err, library.ErrOtherReader) {
		t.Fatalf("return by another reader: %v", err)
	}
	if _, err := w.svc.Return(ctx, first.CardNumber, first.CardNumber, first.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.Return(ctx, first.CardNumber, first.CardNumber, first.ID); !errors.Is(err, library.ErrLoanClosed) {
		t.Fatalf("second return: %v", err)
	}
	if _, _, err := w.svc.Borrow(ctx, "7555", "e1"); !errors.Is(err, library.ErrNoCopies) {
		t.Fatalf("borrow past the hold queue: %v, want no_copies", err)
	}
	if _, created, err := w.svc.Borrow(ctx, "7999", "e1"); err != nil || !created {
		t.Fatalf("the holder borrows the freed copy: %v", err)
	}
	var open int
	pgtest.Row(t, w.App.Pool, `SELECT count(*) FROM library_holds WHERE closed_seq IS NULL`).Scan(&open)
	if open != 0 {
		t.Fatalf("%d open holds after the holder borrowed", open)
	}
	// A loan past its due day frees its copy without a return.
	w.setNow(w.now.Add(15 * 24 * time.Hour))
	if _, created, err := w.svc.Borrow(ctx, "7555", "e1"); err != nil || !created {
		t.Fatalf("borrow after the loans fell due: %v", err)
	}
	w.deepVerify(t)
}

// TestSignedLinks: a download link works until it expires, and not after
// its loan is returned or when altered.
func TestSignedLinks(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	w.work(t, "w1")
	w.edition(t, "e1", "w1", 1)
	l, _, err := w.svc.Borrow(ctx, "7001", "e1")
	if err != nil {
		t.Fatal(err)
	}
	href, err := w.svc.DownloadURL(ctx, l, "file")
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(href)
	exp, sig := u.Query().Get("exp"), u.Query().Get("sig")
	if !strings.HasPrefix(u.Path, "/library/loans/"+l.ID+"/file") {
		t.Fatalf("link %s", href)
	}
	if _, err := w.svc.CheckLink(ctx, l.ID, "file", exp, sig); err != nil {
		t.Fatalf("fresh link refused: %v", err)
	}
	other := "A"
	if sig[0] == 'A' {
		other = "B"
	}
	for _, c := range []struct{ name, id, what, exp, sig string }{
		{"other resource", l.ID, "tracks/1", exp, sig},
		{"later expiry", l.ID, "file", exp + "0", sig},
		{"altered signature", l.ID, "file", exp, other + sig[1:]},
		{"other loan", "ln_0", "file", exp, sig},
	} {
		if _, err := w.svc.CheckLink(ctx, c.id, c.what, c.exp, c.sig); !errors.Is(err, library.ErrBadLink) {
			t.Errorf("%s: %v, want ErrBadLink", c.name, err)
		}
	}
	w.setNow(w.now.Add(61 * time.Minute)) // LinkTTL is one hour
	if _, err := w.svc.CheckLink(ctx, l.ID, "file", exp, sig); !errors.Is(err, library.ErrBadLink) {
		t.Fatalf("expired link: %v, want ErrBadLink", err)
	}
	href, _ = w.svc.DownloadURL(ctx, l, "file")
	u, _ = url.Parse(href)
	if _, err := w.svc.Return(ctx, "7001", "7001", l.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.CheckLink(ctx, l.ID, "file", u.Query().Get("exp"), u.Query().Get("sig")); !errors.Is(err, library.ErrBadLink) {
		t.Fatalf("link of a returned loan: %v, want ErrBadLink", err)
	}
}

// TestRemunerationWorkedExample: October 2026, rates 50.00 from 1 October
// and 60.00 from 16 October. "Abai" (three rights holders at 33.3333,
// 33.3333 and 33.3334 %) is lent 4 times on 10 October and 3 times on 20
// October: 4 × 50.00 + 3 × 60.00 = 380.00, split once: exact parts
// 126.66654, 126.66654, 126.66692 floor to 379.98; the two missing tiyn go
// to the largest remainders, holder 3 (.692) and then holder 1 (tie with
// holder 2, broken by party id): 126.67 + 126.66 + 126.67 = 380.00.
// A public-domain work lent twice earns an unallocated 100.00.
func TestRemunerationWorkedExample(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	for i, bin := range []string{"070440000096", "100000000001", "000000000101"} {
		id := fmt.Sprintf("rh%d", i+1)
		if _, err := w.App.Registry.PutParty(ctx, "test", id, registry.Party{Kind: "rights_holder", Name: "Holder " + id, BIN: bin}); err != nil {
			t.Fatal(err)
		}
	}
	w.work(t, "abai", library.RightsHolder{PartyID: "rh1", SharePct: "33.3333"},
		library.RightsHolder{PartyID: "rh2", SharePct: "33.3333"}, library.RightsHolder{PartyID: "rh3", SharePct: "33.3334"})
	w.work(t, "pd")
	w.edition(t, "abai-kk", "abai", 10)
	w.edition(t, "pd-kk", "pd", 10)
	for from, rate := range map[string]string{"2026-10-01": "50.00", "2026-10-16": "60.00"} {
		if _, err := w.svc.PutRate(ctx, "test", from, rate); err != nil {
			t.Fatal(err)
		}
	}
	borrow := func(day int, edition string, n int) {
		// 20:00 UTC is already the next day in Kazakhstan (UTC+5).
		w.setNow(time.Date(2026, 10, day-1, 20, 0, 0, 0, time.UTC))
		for i := range n {
			l, _, err := w.svc.Borrow(ctx, fmt.Sprintf("7%d%d%s", day, i, edition), edition)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := w.svc.Return(ctx, "test", "", l.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
	borrow(10, "abai-kk", 4)
	borrow(20, "abai-kk", 3)
	borrow(12, "pd-kk", 2)
	borrow(1+31, "abai-kk", 5) // 1 November: outside the period
	rep, err := w.svc.Remuneration(ctx, "2026-10-01", "2026-10-31", "", "en")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"rh1": "126.67", "rh2": "126.66", "rh3": "126.67"}
	sum := decimal.Zero
	for _, h := range rep.Holders {
		if h.Amount.StringFixed(2) != want[h.PartyID] || h.Loans != 7 {
			t.Errorf("%s: %s for %d loans, want %s for 7", h.PartyID, h.Amount.StringFixed(2), h.Loans, want[h.PartyID])
		}
		sum = sum.Add(h.Amount.Decimal)
	}
	if len(rep.Holders) != 3 || sum.StringFixed(2) != "380.00" || rep.Allocated.StringFixed(2) != "380.00" {
		t.Fatalf("holders %d, sum %s, allocated %s; want 3, 380.00, 380.00", len(rep.Holders), sum, rep.Allocated)
	}
	if rep.Loans != 9 || rep.Pool.StringFixed(2) != "480.00" || rep.Unallocated.StringFixed(2) != "100.00" {
		t.Fatalf("loans %d pool %s unallocated %s; want 9, 480.00, 100.00", rep.Loans, rep.Pool.StringFixed(2), rep.Unallocated.StringFixed(2))
	}
	one, err := w.svc.Remuneration(ctx, "2026-10-01", "2026-10-31", "rh2", "en")
	if err != nil {
		t.Fatal(err)
	}
	if len(one.Holders) != 1 || one.Holders[0].PartyID != "rh2" || len(one.Works) != 1 || one.Allocated.StringFixed(2) != "126.66" {
		t.Fatalf("rh2 only: %+v", one)
	}
	var csv strings.Builder
	if err := rep.WriteCSV(&csv); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(csv.String()), "\n")
	if len(lines) != 5 || lines[len(lines)-1] != "total,,,,,21,,,380.00" {
		t.Fatalf("CSV:\n%s", csv.String())
	}
	w.deepVerify(t)
}

// TestVersionsAndValidation: a work's versions are kept; bad input names
// its fields; an ISBN belongs to one edition.
func TestVersionsAndValidation(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	w.work(t, "w1")
	w.work(t, "w1")
	vs, err := w.svc.Versions(ctx, "work", "w1")
	if err != nil || len(vs) != 2 || vs[1].Version != 2 {
		t.Fatalf("versions: %+v %v", vs, err)
	}
	ed := library.Edition{WorkID: "w1", Language: "kk-latn", ISBN: "0-306-40615-2", Format: "epub", Publisher: "P", Issued: "2021", Access: "open"}
	got, err := w.svc.PutEdition(ctx, "test", "e1", ed)
	if err != nil || got.ISBN != "9780306406157" || got.Language != "kk-Latn" || got.LoanDays != 14 {
		t.Fatalf("edition: %+v %v", got, err)
	}
	if _, err := w.svc.PutEdition(ctx, "test", "e2", ed); !errors.Is(err, library.ErrISBNTaken) {
		t.Fatalf("same ISBN twice: %v", err)
	}
	ed.WorkID = "nope"
	if _, err := w.svc.PutEdition(ctx, "test", "e3", ed); !errors.Is(err, library.ErrUnknownReference) {
		t.Fatalf("unknown work: %v", err)
	}
	bad := library.Edition{WorkID: "w1", Language: "kazakh", ISBN: "9790260000438", Format: "mobi", Access: "loan", Copies: 0}
	_, err = w.svc.PutEdition(ctx, "test", "e4", bad)
	for _, f := range []string{"language", "isbn", "format", "publisher", "issued", "copies"} {
		if err == nil || !strings.Contains(err.Error(), f) {
			t.Errorf("bad edition: %v does not name %s", err, f)
		}
	}
	w.deepVerify(t)
}

// deepVerify runs verify --deep's library rebuild and then checks that a
// tampered projection row is found.
func (w *world) deepVerify(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	owner := pgtest.OwnerPool(t, w.DBURL)
	if _, err := w.App.Publisher.Publish(ctx); err != nil {
		t.Fatal(err)
	}
	verifier, err := ledger.NewVerifier(w.Verifier)
	if err != nil {
		t.Fatal(err)
	}
	verify := func() error {
		_, err := ledger.VerifyDB(ctx, owner, ledger.VerifyOptions{Verifier: verifier, Origin: "ecinema.test/ledger",
			Deep: []ledger.DeepCheck{registry.NewDeepCheck(), library.NewDeepCheck()}})
		return err
	}
	if err := verify(); err != nil {
		t.Fatalf("verify --deep: %v", err)
	}
	if _, err := owner.Exec(ctx, `UPDATE library_works SET original_language = 'xx' WHERE id = (SELECT min(id) FROM library_works)`); err != nil {
		t.Fatal(err)
	}
	var ve *ledger.VerifyError
	if err := verify(); !errors.As(err, &ve) || ve.Reason != ledger.ReasonProjection || !strings.Contains(ve.Detail, "library_works") {
		t.Fatalf("tampered library_works: verify = %v", err)
	}
	if _, err := owner.Exec(ctx, `UPDATE library_works SET original_language = 'kk' WHERE original_language = 'xx'`); err != nil {
		t.Fatal(err)
	}
}
