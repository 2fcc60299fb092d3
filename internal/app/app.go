// Package app wires ecinema's services together: one ledger writer and
// checkpoint publisher per process, the domain services on top of them and
// the HTTP API in front. cmd/ecinema uses it to serve; tests use it (through
// internal/apptest) to get exactly the wiring production has.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/sync/errgroup"

	"ecinema/api"
	"ecinema/apikey"
	"ecinema/boxoffice"
	"ecinema/culture/archive"
	"ecinema/culture/blobstore"
	"ecinema/culture/fund"
	"ecinema/culture/hubs"
	"ecinema/culture/idempotency"
	"ecinema/culture/library"
	"ecinema/culture/museum"
	"ecinema/culture/ngo"
	"ecinema/culture/oaipmh"
	"ecinema/culture/ticketing"
	"ecinema/ingest"
	"ecinema/ledger"
	"ecinema/registry"
	"ecinema/settlement"
	"ecinema/witness"
)

// Config is what the wiring needs beyond the pool.
type Config struct {
	Logger          *slog.Logger
	Registry        *prometheus.Registry // metrics registry; a new one when nil
	LogID           string               // ledger log id; ledger.DefaultLogID when empty
	LogOrigin       string               // checkpoint origin line; ledger.DefaultOrigin when empty
	Signer          note.Signer          // checkpoint signer
	Verifier        string               // the verifier key served at /v1/ledger/public-key
	CheckpointEvery time.Duration        // publisher interval; 10 s when zero
	RateLimit       float64              // requests per second per API key; 0 disables
	RateBurst       int
	DBTimeout       time.Duration     // each request's database deadline; 0 disables
	BulkReaders     int               // bulk reads at once; 0 means no limit
	Witnesses       []*witness.Client // asked to cosign each checkpoint (SPEC 12)
	WitnessQuorum   int               // cosignatures a checkpoint should gather; 0 means all
	// Ready is an extra readiness check (migrations current).
	Ready func(ctx context.Context) error
	// Blobs is the culture modules' file store (CULTURE.md 0); required.
	Blobs blobstore.Store
	// OAIBaseURL is the absolute URL of /oai; derived from each request when empty.
	OAIBaseURL string
	// OAIPageSize is the records per OAI-PMH list response; 100 when zero.
	OAIPageSize int
	// TicketSealer opens the venues' ticket signing keys (the key of
	// ECINEMA_TICKET_KEY_FILE); nil leaves venue creation and ticket sales
	// answering 503.
	TicketSealer *ticketing.Sealer
	// Archive configures the e-Archive beyond what New fills in (blob
	// store, logger, metrics): fixity interval, public URL, and the
	// Batyrlarga tagzym sync (empty SyncURL: off).
	Archive        archive.Config
	FixityInterval time.Duration        // ECINEMA_FIXITY_INTERVAL; 24 h when zero
	SyncEvery      time.Duration        // how often the sync worker looks for due rows; 2 s when zero; negative: no worker (the caller runs SyncOnce)
	SyncSettings   archive.SyncSettings // batch, lease and reschedule delays
	// LibraryPasswordCost is the bcrypt cost of reader passwords (0: the library's default).
	LibraryPasswordCost int
	// Now is the clock of the fund, the NGO register (which reports are
	// due), and the web pages' and the API's default periods; time.Now
	// when nil. Tests set it to run at a chosen instant.
	Now func() time.Time
}

// App is a wired ecinema process.
type App struct {
	Pool       *pgxpool.Pool
	Writer     *ledger.Writer
	Publisher  *ledger.Publisher
	Keys       *apikey.Store
	Registry   *registry.Service
	API        *api.Server
	Ingest     *ingest.Service
	BoxOffice  *boxoffice.Service
	Settlement *settlement.Service
	// Blobs is the content-addressed file store the culture modules share.
	Blobs blobstore.Store
	// OAI is the OAI-PMH provider served at /oai; modules Register their
	// record sources on it in New.
	OAI *oaipmh.Provider
	NGO *ngo.Service
	// Ticketing is the unified e-ticketing register (CULTURE.md 1).
	Ticketing *ticketing.Service
	// Museum is the museum catalogue (CULTURE 4).
	Museum *museum.Service
	Fund   *fund.Service
	// Archive is the e-Archive (CULTURE.md 2).
	Archive *archive.Service
	cfg     Config
	Library *library.Service
	Hubs    *hubs.Service
}

// New wires every service on pool. Call Run to start the background work.
func New(pool *pgxpool.Pool, cfg Config) (*App, error) {
	if cfg.Signer == nil {
		return nil, errors.New("app: a checkpoint signer is required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Registry == nil {
		cfg.Registry = prometheus.NewRegistry()
	}
	if cfg.Blobs == nil {
		return nil, errors.New("app: a blob store is required")
	}
	a := &App{Pool: pool, Blobs: cfg.Blobs}
	a.OAI = oaipmh.New(oaipmh.Config{RepositoryName: "ecinema — e-Archive, e-Library and museums of Kazakhstan",
		BaseURL: cfg.OAIBaseURL, PageSize: cfg.OAIPageSize, Logger: cfg.Logger})
	a.Writer = ledger.NewWriter(pool, ledger.WriterConfig{GroupByRun: true, LogID: cfg.LogID, Logger: cfg.Logger, Metrics: cfg.Registry})
	a.Publisher = ledger.NewPublisher(pool, ledger.PublisherConfig{
		LogID: cfg.LogID, Origin: cfg.LogOrigin, Signer: cfg.Signer, Interval: cfg.CheckpointEvery, Logger: cfg.Logger,
		Witnesses: cfg.Witnesses, Quorum: cfg.WitnessQuorum, Metrics: cfg.Registry})
	a.Keys = NewKeyStore(pool)
	a.Registry = registry.NewService(pool, a.Writer)
	a.Ingest = ingest.NewService(pool, a.Writer, ingest.Config{Logger: cfg.Logger, Metrics: cfg.Registry})
	a.BoxOffice = boxoffice.NewService(pool)
	a.Settlement = settlement.NewService(pool, a.Writer, settlement.Config{})
	a.Settlement.SetMetrics(cfg.Registry)
	a.Registry.SetClosedThrough(settlement.ClosedThrough)
	a.NGO = ngo.NewService(pool, ngo.Config{Now: cfg.Now})
	a.Ticketing = ticketing.NewService(pool, a.Writer, ticketing.Config{Logger: cfg.Logger, Sealer: cfg.TicketSealer, Metrics: cfg.Registry})
	museumCfg := museum.Config{Logger: cfg.Logger, Museums: museum.Directory(a.Ticketing)}
	if m, ok := cfg.Blobs.(interface{ MaxUpload() int64 }); ok {
		museumCfg.MaxUpload = m.MaxUpload()
	}
	a.Museum = museum.NewService(pool, a.Writer, a.Blobs, museumCfg)
	a.OAI.Register(museum.NewOAISource(a.Museum, a.OAI.Identifier("museum", "")))
	a.Fund = fund.NewService(pool, a.Writer, a.NGO, fund.Config{Now: cfg.Now})
	arc := cfg.Archive
	arc.Blobs, arc.Logger, arc.Metrics = cfg.Blobs, cfg.Logger, cfg.Registry
	if arc.SyncURL != "" && arc.SyncClient == nil {
		arc.SyncClient = archive.NewSyncClient(archive.SyncClientConfig{Logger: cfg.Logger})
	}
	a.Archive = archive.NewService(pool, a.Writer, arc)
	a.OAI.Register(a.Archive.OAISource(a.OAI.Identifier("archive", "")))
	a.cfg = cfg
	a.Library = library.NewService(pool, a.Writer, a.Blobs, library.Config{PasswordCost: cfg.LibraryPasswordCost})
	a.OAI.Register(library.NewOAISource(a.Library, a.OAI.Identifier("library", "")))
	a.Hubs = hubs.NewService(pool, a.Writer, hubs.Config{})
	a.API = api.New(api.Deps{
		Logger: cfg.Logger, Metrics: cfg.Registry, Gatherer: cfg.Registry, Pool: pool, Ready: cfg.Ready,
		Keys: a.Keys, Registry: a.Registry, RateLimit: cfg.RateLimit, RateBurst: cfg.RateBurst,
		DBTimeout: cfg.DBTimeout, BulkReaders: cfg.BulkReaders, Now: cfg.Now,
		Ingest: a.Ingest,
		Ledger: &api.LedgerDeps{Reader: ledger.NewReader(pool, cfg.LogID), Grants: a.Registry, Publisher: a.Publisher, PublicKey: cfg.Verifier,
			WitnessKeys: witnessKeys(cfg.Witnesses), WitnessQuorum: witnessQuorum(cfg)},
		BoxOffice:   a.BoxOffice,
		Settlement:  a.Settlement,
		OAI:         a.OAI,
		NGO:         a.NGO,
		Ticketing:   a.Ticketing,
		Museum:      a.Museum,
		Fund:        a.Fund,
		Archive:     a.Archive,
		Library:     a.Library,
		Hubs:        a.Hubs,
		Investments: a.Hubs.Investments,
	})
	return a, nil
}

func witnessKeys(ws []*witness.Client) []string {
	keys := make([]string, len(ws))
	for i, w := range ws {
		keys[i] = w.Key
	}
	return keys
}

// witnessQuorum is the configured quorum, all witnesses when unset.
func witnessQuorum(cfg Config) int {
	if cfg.WitnessQuorum <= 0 || cfg.WitnessQuorum > len(cfg.Witnesses) {
		return len(cfg.Witnesses)
	}
	return cfg.WitnessQuorum
}

// NewKeyStore returns the API key store with every culture module's scope
// check registered (apikey.Store.SetScopeTarget), so that a key made by the
// CLI or the API names a venue, museum, expert or hub that exists. Modules
// add their check here.
func NewKeyStore(pool *pgxpool.Pool) *apikey.Store {
	keys := apikey.NewStore(pool)
	keys.SetScopeTarget(apikey.RoleNGO, func(ctx context.Context, bin string) error {
		if err := ngo.NewService(pool, ngo.Config{}).Exists(ctx, bin); errors.Is(err, ngo.ErrNotFound) {
			return fmt.Errorf("%w: NGO %s is not registered", apikey.ErrInvalidScope, bin)
		} else if err != nil {
			return fmt.Errorf("app: check ngo scope: %w", err)
		}
		return nil
	})
	keys.SetScopeTarget(apikey.RoleVenue, func(ctx context.Context, id string) error {
		err := ticketing.VenueExists(ctx, pool, id)
		if errors.Is(err, ticketing.ErrNotFound) {
			return fmt.Errorf("%w: venue %q is not registered", apikey.ErrInvalidScope, id)
		}
		return err
	})
	keys.SetScopeTarget(apikey.RoleCurator, func(ctx context.Context, id string) error {
		_, err := museum.Directory(ticketing.NewService(pool, nil, ticketing.Config{}))(ctx, id)
		if errors.Is(err, museum.ErrUnknownMuseum) {
			return fmt.Errorf("%w: %v", apikey.ErrInvalidScope, err)
		}
		return err
	})
	keys.SetScopeTarget(apikey.RoleHubOperator, func(ctx context.Context, id string) error {
		if err := hubs.NewService(pool, nil, hubs.Config{}).Exists(ctx, id); errors.Is(err, hubs.ErrNotFound) {
			return fmt.Errorf("%w: hub %q is not registered", apikey.ErrInvalidScope, id)
		} else if err != nil {
			return fmt.Errorf("app: check hub scope: %w", err)
		}
		return nil
	})
	return keys
}

// Run runs the ledger writer and the checkpoint publisher until ctx ends.
// Appends made after Run returned fail with ledger.ErrWriterClosed.
func (a *App) Run(ctx context.Context) error {
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error { return a.Writer.Run(ctx) })
	g.Go(func() error { return a.Publisher.Run(ctx) })
	g.Go(func() error { a.Ingest.RunJanitor(ctx, time.Hour); return nil })
	g.Go(func() error { a.Ticketing.RunJanitor(ctx, time.Hour); return nil })
	g.Go(func() error { idempotency.RunJanitor(ctx, a.Pool, a.cfg.Logger, time.Hour); return nil })
	g.Go(func() error { a.Archive.RunFixity(ctx, a.cfg.FixityInterval); return nil })
	g.Go(func() error {
		every := a.cfg.SyncEvery
		if every < 0 {
			return nil
		}
		if every == 0 {
			every = 2 * time.Second
		}
		a.Archive.RunSync(ctx, every, a.cfg.SyncSettings)
		return nil
	})
	err := g.Wait()
	if err != nil && !errors.Is(err, context.Canceled) {
		return fmt.Errorf("app: %w", err)
	}
	return nil
}
