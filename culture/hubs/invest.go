package hubs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"ecinema/culture/fund"
	"ecinema/culture/idempotency"
	"ecinema/culture/langmap"
	"ecinema/kztime"
	"ecinema/ledger"
	"ecinema/validate"
)

// kindDeal is the ledger kind of a deal closed after an introduction.
const kindDeal = "hub_deal"

var regionRE = regexp.MustCompile(`^KZ-[0-9]{2}$`)

const (
	upsertInvestor = `INSERT INTO investors (id, version, name, sectors, regions, ticket_min, ticket_max, instruments, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
ON CONFLICT (id) DO UPDATE SET version = EXCLUDED.version, name = EXCLUDED.name, sectors = EXCLUDED.sectors,
  regions = EXCLUDED.regions, ticket_min = EXCLUDED.ticket_min, ticket_max = EXCLUDED.ticket_max,
  instruments = EXCLUDED.instruments, updated_at = EXCLUDED.updated_at`
	investorColumns = `id, version, name, sectors, regions, ticket_min::text, ticket_max::text, instruments`
	selectInvestor  = `SELECT ` + investorColumns + ` FROM investors WHERE id = $1`
	selectInvestors = `SELECT ` + investorColumns + ` FROM investors WHERE id > $1 ORDER BY id LIMIT $2`
	lockInvestor    = `SELECT 1 FROM investors WHERE id = $1 FOR UPDATE`
	// matchInvestors applies the hard filters of a match in SQL.
	matchInvestors = `SELECT ` + investorColumns + ` FROM investors
WHERE $1 = ANY (sectors) AND $2 = ANY (regions) AND $3 = ANY (instruments) AND ticket_min <= $4 AND $4 <= ticket_max`
)

// PutInvestor creates or replaces an investor profile (a new version).
func (s *Service) PutInvestor(ctx context.Context, actor, id string, in Investor) (Investor, error) {
	var v validate.Errors
	v.ID("id", id)
	if in.ID != "" && in.ID != id {
		v.Add("id", "path_mismatch", "must equal the id of the path, %q", id)
	}
	in.ID, in.Version = id, 0
	langmap.Check(&v, "name", in.Name)
	in.Sectors = words(&v, "sectors", in.Sectors)
	if len(in.Sectors) == 0 {
		v.Add("sectors", "required", "name at least one sector")
	}
	in.Regions = words(&v, "regions", in.Regions)
	if len(in.Regions) == 0 {
		v.Add("regions", "required", "name at least one region (ISO 3166-2:KZ)")
	}
	for i, r := range in.Regions {
		if !regionRE.MatchString(r) {
			v.Add(fmt.Sprintf("regions[%d]", i), "invalid_value", "must be an ISO 3166-2:KZ code like KZ-75")
		}
	}
	lo := v.Money("ticket.min", in.Ticket.Min, decimal.NewFromInt(1), maxMoney)
	hi := v.Money("ticket.max", in.Ticket.Max, decimal.NewFromInt(1), maxMoney)
	if hi.LessThan(lo) {
		v.Add("ticket.max", "out_of_range", "must not be below ticket.min")
	}
	in.Ticket = Ticket{lo.StringFixed(2), hi.StringFixed(2)}
	in.Instruments = words(&v, "instruments", in.Instruments)
	if len(in.Instruments) == 0 {
		v.Add("instruments", "required", "name at least one of %s", strings.Join(instruments, ", "))
	}
	for i, x := range in.Instruments {
		v.OneOf(fmt.Sprintf("instruments[%d]", i), x, instruments...)
	}
	if err := v.Err(); err != nil {
		return Investor{}, err
	}
	for i, r := range in.Regions {
		if err := s.checkRegion(ctx, fmt.Sprintf("regions[%d]", i), r); err != nil {
			return Investor{}, err
		}
	}
	var err error
	in.Version, err = s.putVersion(ctx, actor, "investor", id, lockInvestor, []any{id}, func(v int) any { in.Version = v; return in },
		func(tx pgx.Tx, v int, at time.Time) error {
			_, err := tx.Exec(ctx, upsertInvestor, id, v, in.Name, in.Sectors, in.Regions, in.Ticket.Min, in.Ticket.Max, in.Instruments, at)
			return err
		})
	return in, err
}

func scanInvestor(r pgx.Row) (Investor, error) {
	var in Investor
	err := r.Scan(&in.ID, &in.Version, &in.Name, &in.Sectors, &in.Regions, &in.Ticket.Min, &in.Ticket.Max, &in.Instruments)
	return in, err
}

// Investor returns an investor profile.
func (s *Service) Investor(ctx context.Context, id string) (Investor, error) {
	in, err := scanInvestor(s.pool.QueryRow(ctx, selectInvestor, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return Investor{}, refuse(ErrNotFound, "", fmt.Sprintf("investor %q not found", id))
	}
	if err != nil {
		return Investor{}, fmt.Errorf("hubs: investor %s: %w", id, err)
	}
	return in, nil
}

// Investors returns a page of investors ordered by id.
func (s *Service) Investors(ctx context.Context, p Page) ([]Investor, string, error) {
	return page(ctx, s, selectInvestors, p, scanInvestor, func(i Investor) string { return i.ID })
}

const (
	upsertPitch = `INSERT INTO hub_pitches (hub_id, id, version, bin, title, sector, region, amount, instrument, export_markets, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
ON CONFLICT (hub_id, id) DO UPDATE SET version = EXCLUDED.version, bin = EXCLUDED.bin, title = EXCLUDED.title,
  sector = EXCLUDED.sector, region = EXCLUDED.region, amount = EXCLUDED.amount, instrument = EXCLUDED.instrument,
  export_markets = EXCLUDED.export_markets, updated_at = EXCLUDED.updated_at`
	selectPitch = `SELECT hub_id, id, version, bin, title, sector, region, amount::text, instrument, export_markets
FROM hub_pitches WHERE hub_id = $1 AND id = $2`
	selectPitches = `SELECT hub_id, id, version, bin, title, sector, region, amount::text, instrument, export_markets
FROM hub_pitches WHERE hub_id = $1 AND id > $2 ORDER BY id LIMIT $3`
)

// PutPitch creates or replaces a resident's pitch at a hub (a new version).
func (s *Service) PutPitch(ctx context.Context, actor, hubID, id string, p Pitch) (Pitch, error) {
	var v validate.Errors
	v.ID("pid", id)
	if p.ID != "" && p.ID != id {
		v.Add("id", "path_mismatch", "must equal the id of the path, %q", id)
	}
	p.HubID, p.ID, p.Version = hubID, id, 0
	if v.Required("bin", p.BIN) && !validate.BIN(p.BIN) {
		v.Add("bin", "invalid_bin", "must be 12 digits with a valid check digit")
	}
	langmap.Check(&v, "title", p.Title)
	p.Sector = strings.TrimSpace(p.Sector)
	v.Required("sector", p.Sector)
	v.Required("region", p.Region)
	p.Amount = v.Money("amount", p.Amount, decimal.NewFromInt(1), maxMoney).StringFixed(2)
	v.OneOf("instrument", p.Instrument, instruments...)
	p.ExportMarkets = words(&v, "export_markets", p.ExportMarkets)
	for i, c := range p.ExportMarkets {
		if !validate.Country(c) || c == "KZ" {
			v.Add(fmt.Sprintf("export_markets[%d]", i), "invalid_value", "must be an ISO 3166-1 alpha-2 country other than KZ")
		}
	}
	if err := v.Err(); err != nil {
		return Pitch{}, err
	}
	if err := s.Exists(ctx, hubID); err != nil {
		return Pitch{}, err
	}
	if err := s.checkRegion(ctx, "region", p.Region); err != nil {
		return Pitch{}, err
	}
	var err error
	p.Version, err = s.putVersion(ctx, actor, "pitch", hubID+"/"+id, lockHub, []any{hubID}, func(v int) any { p.Version = v; return p },
		func(tx pgx.Tx, v int, at time.Time) error {
			_, err := tx.Exec(ctx, upsertPitch, hubID, id, v, p.BIN, p.Title, p.Sector, p.Region, p.Amount, p.Instrument, p.ExportMarkets, at)
			return err
		})
	return p, err
}

func scanPitch(r pgx.Row) (Pitch, error) {
	var p Pitch
	err := r.Scan(&p.HubID, &p.ID, &p.Version, &p.BIN, &p.Title, &p.Sector, &p.Region, &p.Amount, &p.Instrument, &p.ExportMarkets)
	return p, err
}

// Pitch returns a pitch of a hub.
func (s *Service) Pitch(ctx context.Context, hubID, id string) (Pitch, error) {
	p, err := scanPitch(s.pool.QueryRow(ctx, selectPitch, hubID, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return Pitch{}, refuse(ErrNotFound, "", fmt.Sprintf("pitch %q of hub %q not found", id, hubID))
	}
	if err != nil {
		return Pitch{}, fmt.Errorf("hubs: pitch: %w", err)
	}
	return p, nil
}

// Pitches returns a page of a hub's pitches ordered by id.
func (s *Service) Pitches(ctx context.Context, hubID string, p Page) ([]Pitch, string, error) {
	if err := s.Exists(ctx, hubID); err != nil {
		return nil, "", err
	}
	return page(ctx, s, selectPitches, p, scanPitch, func(p Pitch) string { return p.ID }, hubID)
}

// score rates how well an investor that fits a pitch suits it, 50..100:
// 100 when the amount sits in the middle of the investor's ticket range,
// falling linearly to 50 at either end; plus nothing else, so that the
// order is easy to explain. A one-amount ticket scores 100.
func score(in Investor, amount decimal.Decimal) int {
	lo, hi := decimal.RequireFromString(in.Ticket.Min), decimal.RequireFromString(in.Ticket.Max)
	half := hi.Sub(lo).Div(decimal.NewFromInt(2))
	if !half.IsPositive() {
		return 100
	}
	off := amount.Sub(lo.Add(half)).Abs().Div(half) // 0 at the middle, 1 at an end
	return int(decimal.NewFromInt(100).Sub(off.Mul(decimal.NewFromInt(50))).Round(0).IntPart())
}

// Matches lists the investors that fit a pitch — its sector among theirs,
// its region among theirs, its amount within their ticket range, its
// instrument among theirs — best score first, then by id.
func (s *Service) Matches(ctx context.Context, hubID, pitchID string) ([]Match, error) {
	p, err := s.Pitch(ctx, hubID, pitchID)
	if err != nil {
		return nil, err
	}
	rows, err := s.pool.Query(ctx, matchInvestors, p.Sector, p.Region, p.Instrument, p.Amount)
	if err != nil {
		return nil, fmt.Errorf("hubs: matches: %w", err)
	}
	invs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Investor, error) { return scanInvestor(r) })
	if err != nil {
		return nil, fmt.Errorf("hubs: matches: %w", err)
	}
	amount := decimal.RequireFromString(p.Amount)
	out := make([]Match, len(invs))
	for i, in := range invs {
		out[i] = Match{InvestorID: in.ID, Score: score(in, amount)}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Score != out[j].Score {
			return out[i].Score > out[j].Score
		}
		return out[i].InvestorID < out[j].InvestorID
	})
	return out, nil
}

const (
	openIntroduction = `SELECT id FROM hub_introductions WHERE hub_id = $1 AND pitch_id = $2 AND investor_id = $3 AND state = 'requested'`
	insertIntroCTE   = `WITH n AS (SELECT nextval('hub_introduction_seq') AS seq)
INSERT INTO hub_introductions (id, hub_id, pitch_id, investor_id, state, requested_at, actor)
SELECT 'intro-' || n.seq, $1, $2, $3, 'requested', $4, $5 FROM n RETURNING id, requested_at`
	lockPitch    = `SELECT 1 FROM hub_pitches WHERE hub_id = $1 AND id = $2 FOR UPDATE`
	introColumns = `i.id, i.hub_id, i.pitch_id, i.investor_id, i.state, i.requested_at, i.decided_at, COALESCE(d.amount::text, ''), COALESCE(d.instrument, ''), d.entry_seq`
	selectIntro  = `SELECT ` + introColumns + ` FROM hub_introductions i LEFT JOIN hub_deals d ON d.introduction_id = i.id WHERE i.hub_id = $1 AND i.pitch_id = $2 AND i.id = $3`
	lockIntro    = `SELECT state, investor_id FROM hub_introductions WHERE hub_id = $1 AND pitch_id = $2 AND id = $3 FOR UPDATE`
	closeIntro   = `UPDATE hub_introductions SET state = $2, decided_at = $3 WHERE id = $1`
	insertDeal   = `INSERT INTO hub_deals (introduction_id, hub_id, pitch_id, investor_id, bin, sector, region, amount, instrument, closed_on, entry_seq)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`
	selectPitchIntros = `SELECT ` + introColumns + ` FROM hub_introductions i LEFT JOIN hub_deals d ON d.introduction_id = i.id
WHERE i.hub_id = $1 AND i.pitch_id = $2 ORDER BY i.requested_at, i.id`
)

// Introduce asks an investor that matches a pitch to meet its team; the
// investor's consent is the outcome (deal or declined). One open request
// per pitch and investor. Under an idempotency key (k not zero) a repeated
// request answers the stored introduction and stores nothing
// (idempotency.Do).
func (s *Service) Introduce(ctx context.Context, actor, hubID, pitchID, investorID string, k idempotency.Key) (Introduction, error) {
	return idempotency.Do(ctx, s.pool, k, func() (Introduction, error) { return s.introduce(ctx, actor, hubID, pitchID, investorID, k) })
}

func (s *Service) introduce(ctx context.Context, actor, hubID, pitchID, investorID string, k idempotency.Key) (Introduction, error) {
	var v validate.Errors
	v.ID("investor_id", investorID)
	if err := v.Err(); err != nil {
		return Introduction{}, err
	}
	if _, err := s.Investor(ctx, investorID); errors.Is(err, ErrNotFound) {
		return Introduction{}, refuse(ErrUnknownInvestor, "investor_id", fmt.Sprintf("investor %q is not registered", investorID))
	} else if err != nil {
		return Introduction{}, err
	}
	ms, err := s.Matches(ctx, hubID, pitchID)
	if err != nil {
		return Introduction{}, err
	}
	if !slices.ContainsFunc(ms, func(m Match) bool { return m.InvestorID == investorID }) {
		return Introduction{}, refuse(ErrNotAMatch, "investor_id", fmt.Sprintf("investor %q does not fit pitch %q (sector, region, ticket or instrument)", investorID, pitchID))
	}
	in := Introduction{HubID: hubID, PitchID: pitchID, InvestorID: investorID, State: "requested"}
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, lockPitch, hubID, pitchID); err != nil {
			return err
		}
		var open string
		if err := tx.QueryRow(ctx, openIntroduction, hubID, pitchID, investorID).Scan(&open); err == nil {
			return refuse(ErrIntroductionOpen, "investor_id", fmt.Sprintf("introduction %s to investor %q is already requested", open, investorID))
		} else if !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		if err := tx.QueryRow(ctx, insertIntroCTE, hubID, pitchID, investorID, s.now(), actor).Scan(&in.ID, &in.RequestedAt); err != nil {
			return err
		}
		return idempotency.Save(ctx, tx, k, in)
	})
	if err != nil {
		return Introduction{}, wrap("introduce", err)
	}
	return in, nil
}

// dealBody is the body of a hub_deal entry.
type dealBody struct {
	IntroductionID string `json:"introduction_id"`
	HubID          string `json:"hub_id"`
	PitchID        string `json:"pitch_id"`
	InvestorID     string `json:"investor_id"`
	BIN            string `json:"bin"`
	Sector         string `json:"sector"`
	Region         string `json:"region"`
	Amount         string `json:"amount"`
	Instrument     string `json:"instrument"`
	ClosedOn       string `json:"closed_on"`
}

// Outcome records the investor's answer to a requested introduction. A
// deal is a ledger entry (hub_deal) whose projection hub_deals is rebuilt
// by verify --deep; a declined introduction is not money and is only
// recorded on the introduction. An introduction has one outcome. Under an
// idempotency key (k not zero) a repeated request answers the stored
// introduction and records nothing (idempotency.Do); the key is stored
// with the outcome (with the deal's entry).
func (s *Service) Outcome(ctx context.Context, actor, hubID, pitchID, introID string, in OutcomeInput, k idempotency.Key) (Introduction, error) {
	return idempotency.Do(ctx, s.pool, k, func() (Introduction, error) { return s.outcome(ctx, actor, hubID, pitchID, introID, in, k) })
}

func (s *Service) outcome(ctx context.Context, actor, hubID, pitchID, introID string, in OutcomeInput, k idempotency.Key) (Introduction, error) {
	var v validate.Errors
	v.OneOf("status", in.Status, "deal", "declined")
	var amount decimal.Decimal
	if in.Status == "deal" {
		amount = v.Money("amount", in.Amount, decimal.RequireFromString("0.01"), maxMoney)
		v.OneOf("instrument", in.Instrument, instruments...)
	} else if in.Amount != "" || in.Instrument != "" {
		v.Add("amount", "not_allowed", "a declined introduction has no amount or instrument")
	}
	if err := v.Err(); err != nil {
		return Introduction{}, err
	}
	at := s.now()
	if in.Status == "declined" {
		if _, err := s.Introduction(ctx, hubID, pitchID, introID); err != nil {
			return Introduction{}, err
		}
		var out Introduction
		err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
			var state, investor string
			if err := tx.QueryRow(ctx, lockIntro, hubID, pitchID, introID).Scan(&state, &investor); err != nil {
				return err
			}
			if state != "requested" {
				return introductionEnded(introID, state)
			}
			if _, err := tx.Exec(ctx, closeIntro, introID, in.Status, at); err != nil {
				return err
			}
			var err error
			if out, err = scanIntro(tx.QueryRow(ctx, selectIntro, hubID, pitchID, introID)); err != nil {
				return err
			}
			return idempotency.Save(ctx, tx, k, out)
		})
		if err != nil {
			return Introduction{}, wrap("outcome", err)
		}
		return out, nil
	}
	r := &dealReq{body: dealBody{IntroductionID: introID, HubID: hubID, PitchID: pitchID,
		Amount: amount.StringFixed(2), Instrument: in.Instrument, ClosedOn: at.In(kztime.Location).Format(time.DateOnly)}, at: at, key: k}
	if _, err := s.app.Append(ctx, ledger.Record{Kind: kindDeal, Actor: actor, Batch: ledger.Serial, Request: r}); err != nil {
		return Introduction{}, wrap("deal", err)
	}
	return r.out, nil
}

// introductionEnded refuses a second outcome, naming the first.
func introductionEnded(id, state string) error {
	outcome := "was declined"
	if state == "deal" {
		outcome = "ended in a deal"
	}
	return refuse(ErrIntroductionEnded, "", fmt.Sprintf("introduction %s already has its outcome: it %s", id, outcome))
}

// dealReq is a deal on its way through the writer: the introduction (still
// requested, and its investor) and the pitch's BIN, sector and region,
// which the deal copies, are read under the head lock.
type dealReq struct {
	body dealBody
	at   time.Time
	key  idempotency.Key // checked in Decide, stored with the answer in Project
	out  Introduction    // the answer, set by Project
}

const lockPitchTerms = `SELECT bin, sector, region FROM hub_pitches WHERE hub_id = $1 AND id = $2 FOR SHARE`

func (r *dealReq) Decide(ctx context.Context, tx pgx.Tx) (ledger.Prepared, error) {
	if err := idempotency.Check(ctx, tx, r.key); err != nil {
		return ledger.Prepared{Err: err}, nil // a copy of this request (or another under its key) came first
	}
	b := r.body
	var state string
	err := tx.QueryRow(ctx, lockIntro, b.HubID, b.PitchID, b.IntroductionID).Scan(&state, &b.InvestorID)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return ledger.Prepared{Err: refuse(ErrNotFound, "", fmt.Sprintf("introduction %q of pitch %q not found", b.IntroductionID, b.PitchID))}, nil
	case err != nil:
		return ledger.Prepared{}, fmt.Errorf("hubs: introduction: %w", err)
	case state != "requested":
		return ledger.Prepared{Err: introductionEnded(b.IntroductionID, state)}, nil
	}
	if err := tx.QueryRow(ctx, lockPitchTerms, b.HubID, b.PitchID).Scan(&b.BIN, &b.Sector, &b.Region); err != nil {
		return ledger.Prepared{}, fmt.Errorf("hubs: pitch: %w", err)
	}
	return ledger.Prepared{Body: b}, nil
}

func (r *dealReq) Project(ctx context.Context, tx pgx.Tx, e ledger.Entry) error {
	raw, err := ledger.EntryBody(e.Bytes)
	if err != nil {
		return err
	}
	var b dealBody
	if err := json.Unmarshal(raw, &b); err != nil {
		return fmt.Errorf("hubs: deal body: %w", err)
	}
	if _, err := tx.Exec(ctx, closeIntro, b.IntroductionID, "deal", r.at); err != nil {
		return fmt.Errorf("hubs: close introduction: %w", err)
	}
	if err := projectDeal(ctx, tx, e, b); err != nil {
		return err
	}
	if r.out, err = scanIntro(tx.QueryRow(ctx, selectIntro, b.HubID, b.PitchID, b.IntroductionID)); err != nil {
		return fmt.Errorf("hubs: read introduction: %w", err)
	}
	return idempotency.SaveChecked(ctx, tx, r.key, r.out)
}

func projectDeal(ctx context.Context, tx pgx.Tx, e ledger.Entry, b dealBody) error {
	if _, err := tx.Exec(ctx, insertDeal, b.IntroductionID, b.HubID, b.PitchID, b.InvestorID, b.BIN, b.Sector, b.Region,
		b.Amount, b.Instrument, b.ClosedOn, e.Seq); err != nil {
		return fmt.Errorf("hubs: project deal seq %d: %w", e.Seq, err)
	}
	return nil
}

func scanIntro(r pgx.Row) (Introduction, error) {
	var in Introduction
	err := r.Scan(&in.ID, &in.HubID, &in.PitchID, &in.InvestorID, &in.State, &in.RequestedAt, &in.DecidedAt, &in.Amount, &in.Instrument, &in.EntrySeq)
	return in, err
}

// Introduction returns an introduction of a pitch with its outcome.
func (s *Service) Introduction(ctx context.Context, hubID, pitchID, id string) (Introduction, error) {
	in, err := scanIntro(s.pool.QueryRow(ctx, selectIntro, hubID, pitchID, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return Introduction{}, refuse(ErrNotFound, "", fmt.Sprintf("introduction %q of pitch %q not found", id, pitchID))
	}
	if err != nil {
		return Introduction{}, fmt.Errorf("hubs: introduction: %w", err)
	}
	return in, nil
}

// Introductions lists a pitch's introductions in the order they were asked.
func (s *Service) Introductions(ctx context.Context, hubID, pitchID string) ([]Introduction, error) {
	if _, err := s.Pitch(ctx, hubID, pitchID); err != nil {
		return nil, err
	}
	rows, err := s.pool.Query(ctx, selectPitchIntros, hubID, pitchID)
	if err != nil {
		return nil, fmt.Errorf("hubs: introductions: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Introduction, error) { return scanIntro(r) })
}

const yearDeals = `SELECT sector, region, amount FROM hub_deals WHERE extract(year FROM closed_on) = $1`

// Investments lists the year's deals for the fund's statistics.
func (s *Service) Investments(ctx context.Context, year int) ([]fund.Investment, error) {
	rows, err := s.pool.Query(ctx, yearDeals, year)
	if err != nil {
		return nil, fmt.Errorf("hubs: investments: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (fund.Investment, error) {
		var i fund.Investment
		err := r.Scan(&i.Sector, &i.Region, &i.Amount)
		return i, err
	})
}

var dealTables = []ledger.ShadowTable{{Name: "hub_deals",
	Columns:   "introduction_id, hub_id, pitch_id, investor_id, bin, sector, region, amount, instrument, closed_on, entry_seq",
	SeqColumn: "entry_seq"}}

// deepCheck rebuilds hub_deals from the hub_deal entries for
// `ecinema verify --deep`. A deal is decided under the head lock from
// hub_introductions (the introduction still requested, then closed as a
// deal) and copies its investor; introductions are not ledger facts, so
// the check reads them as they stand (an introduction's outcome is final)
// and reports a deal entry whose introduction is not a deal with the
// entry's hub, pitch and investor, or that closed an introduction already
// closed by an earlier deal: a row changed for one deal and put back is a
// mismatch at that entry.
type deepCheck struct {
	intros map[string]deepIntro
	deals  map[string]int64 // introduction → its deal entry
}

type deepIntro struct{ hub, pitch, investor, state string }

// NewDeepCheck returns the hubs' projection rebuild.
func NewDeepCheck() ledger.DeepCheck { return &deepCheck{} }

// Name names the check.
func (*deepCheck) Name() string { return "hubs" }

const sqlDeepIntros = `SELECT id, hub_id, pitch_id, investor_id, state FROM hub_introductions`

// Begin reads the introductions and creates the temporary table.
func (d *deepCheck) Begin(ctx context.Context, tx pgx.Tx) error {
	d.intros, d.deals = map[string]deepIntro{}, map[string]int64{}
	rows, err := tx.Query(ctx, sqlDeepIntros)
	if err == nil {
		var id string
		var in deepIntro
		_, err = pgx.ForEachRow(rows, []any{&id, &in.hub, &in.pitch, &in.investor, &in.state}, func() error {
			d.intros[id] = in
			return nil
		})
	}
	if err != nil {
		return fmt.Errorf("hubs: deep check: introductions: %w", err)
	}
	return ledger.CreateShadows(ctx, tx, dealTables)
}

// Entry checks a hub_deal entry against its introduction, then replays it.
func (d *deepCheck) Entry(ctx context.Context, tx pgx.Tx, e ledger.Entry, p ledger.ParsedEntry) error {
	if p.Kind != kindDeal {
		return nil
	}
	var b dealBody
	if err := json.Unmarshal(p.Body, &b); err != nil {
		return fmt.Errorf("hubs: deal body: %w", err)
	}
	if seq, ok := d.deals[b.IntroductionID]; ok {
		return &ledger.ProjectionMismatch{Table: "hub_deals", Seq: e.Seq,
			Detail: fmt.Sprintf("deal entry %d: introduction %q was closed by deal entry %d", e.Seq, b.IntroductionID, seq)}
	}
	d.deals[b.IntroductionID] = e.Seq
	if in := d.intros[b.IntroductionID]; in != (deepIntro{b.HubID, b.PitchID, b.InvestorID, "deal"}) {
		return &ledger.ProjectionMismatch{Table: "hub_introductions", Seq: e.Seq,
			Detail: fmt.Sprintf("deal entry %d: introduction %q of hub %q, pitch %q, investor %q; hub_introductions holds hub %q, pitch %q, investor %q in state %q",
				e.Seq, b.IntroductionID, b.HubID, b.PitchID, b.InvestorID, in.hub, in.pitch, in.investor, in.state)}
	}
	return projectDeal(ctx, tx, e, b)
}

// Compare compares the rebuilt table with the stored one.
func (*deepCheck) Compare(ctx context.Context, tx pgx.Tx) error {
	return ledger.CompareShadows(ctx, tx, dealTables)
}
