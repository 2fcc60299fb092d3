package archive

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"

	"ecinema/culture/archive/bagit"
	"ecinema/culture/blobstore"
	"ecinema/ledger"
	"ecinema/validate"
)

// Ledger kinds of the archive (ledger/doc.go lists them).
const (
	kindUnit   = "archive_unit"
	kindAIP    = "archive_aip"
	kindEvent  = "archive_event"
	kindPerson = "archive_person"
)

// requiredBagInfo are the bag-info.txt labels a deposit must carry.
var requiredBagInfo = []string{"Source-Organization", "External-Identifier", "Bagging-Date"}

var (
	// ErrNotFound is an unknown (or, for the public, restricted or withdrawn) unit or person.
	ErrNotFound = errors.New("not found")
	// ErrWithdrawn is a write to a withdrawn unit.
	ErrWithdrawn = errors.New("the unit is withdrawn")
	// ErrTooLarge is an upload over ECINEMA_MAX_UPLOAD.
	ErrTooLarge = errors.New("the upload is larger than the limit")
	// ErrUnsupportedMedia is a deposit that is neither zip nor tar.
	ErrUnsupportedMedia = errors.New("a deposit is application/zip or application/x-tar")
	// ErrInvalidBag is a deposit that is not a complete and valid bag; the
	// error is a *validate.Errors with a field per problem (bagError).
	ErrInvalidBag = errors.New("the bag is not complete and valid (RFC 8493)")
	// ErrUnknownReference is a person's source that names no unit.
	ErrUnknownReference = errors.New("unknown reference")
	// ErrBadQuery is a bad list or search parameter.
	ErrBadQuery = errors.New("invalid query")
	// ErrSyncNotFound is an unknown outbox row.
	ErrSyncNotFound = errors.New("no such sync row")
	// ErrSyncState is a retry of a row that is not dead or in reconcile.
	ErrSyncState = errors.New("only dead or reconcile rows can be retried")
)

// Config configures the archive service.
type Config struct {
	Blobs     blobstore.Store
	MaxUpload int64  // bytes; blobstore.DefaultMaxUpload when 0
	SpoolDir  string // where uploads are spooled while checked; os.TempDir() when ""
	// PublicURL prefixes the DIP links sent to Batyrlarga tagzym
	// (e.g. https://ecinema.kz); links are relative when empty.
	PublicURL string
	// Organization is the Source-Organization of DIPs.
	Organization string
	Logger       *slog.Logger
	Metrics      prometheus.Registerer
	Now          func() time.Time
	// Sync (empty URL: off).
	SyncURL     string
	SyncToken   string
	SyncClient  *http.Client // built by cmd from go-retryablehttp; see NewSyncClient
	SyncTimeout time.Duration
}

// Service is the e-Archive.
type Service struct {
	pool    *pgxpool.Pool
	w       ledger.Appender
	cfg     Config
	log     *slog.Logger
	metrics *metrics
}

// NewService returns the archive on pool, writing through w.
func NewService(pool *pgxpool.Pool, w ledger.Appender, cfg Config) *Service {
	if cfg.MaxUpload <= 0 {
		cfg.MaxUpload = blobstore.DefaultMaxUpload
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Organization == "" {
		cfg.Organization = "ecinema e-Archive of the Republic of Kazakhstan"
	}
	if cfg.SyncTimeout <= 0 {
		cfg.SyncTimeout = 30 * time.Second
	}
	return &Service{pool: pool, w: w, cfg: cfg, log: cfg.Logger, metrics: newMetrics(cfg.Metrics)}
}

// MaxUpload is the largest deposit accepted, in bytes.
func (s *Service) MaxUpload() int64 { return s.cfg.MaxUpload }

// bagError is a refused deposit (ErrInvalidBag) with every problem as a
// field at fault: the file as field, the check as code.
func bagError(problems []bagit.Problem) error {
	e := &validate.Errors{Class: ErrInvalidBag,
		Message: fmt.Sprintf("the bag is not complete and valid (RFC 8493): %d problems", len(problems)),
		Fields:  make([]validate.FieldError, len(problems))}
	for i, p := range problems {
		e.Fields[i] = validate.FieldError{Field: p.File, Code: p.Check, Message: p.Message}
	}
	return e
}

type metrics struct {
	fixityFailures prometheus.Counter
	fixityChecked  prometheus.Counter
	syncRows       *prometheus.GaugeVec
	syncAttempts   prometheus.Counter
	ingestBytes    prometheus.Counter
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		fixityFailures: prometheus.NewCounter(prometheus.CounterOpts{Name: "ecinema_archive_fixity_failures_total",
			Help: "AIPs whose scheduled fixity check found a changed or missing file."}),
		fixityChecked: prometheus.NewCounter(prometheus.CounterOpts{Name: "ecinema_archive_fixity_checks_total",
			Help: "AIPs checked by the scheduled fixity runs."}),
		syncRows: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "ecinema_archive_sync_rows",
			Help: "Batyrlarga tagzym outbox rows by state (pending, done, dead, reconcile)."}, []string{"state"}),
		syncAttempts: prometheus.NewCounter(prometheus.CounterOpts{Name: "ecinema_archive_sync_attempts_total",
			Help: "Sends of person versions to Batyrlarga tagzym (each round of retries counts once)."}),
		ingestBytes: prometheus.NewCounter(prometheus.CounterOpts{Name: "ecinema_archive_ingest_bytes_total",
			Help: "Bytes of bags accepted into the archive."}),
	}
	if reg != nil {
		for _, c := range []prometheus.Collector{m.fixityFailures, m.fixityChecked, m.syncRows, m.syncAttempts, m.ingestBytes} {
			if err := reg.Register(c); err != nil {
				var are prometheus.AlreadyRegisteredError
				if !errors.As(err, &are) {
					panic(err)
				}
			}
		}
	}
	return m
}
