package main

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"ecinema/culture/blobstore"
	"ecinema/ledger"
	"ecinema/witness"
)

// config is the service's configuration, read from the environment once.
type config struct {
	DatabaseURL     string            // ECINEMA_DATABASE_URL
	Addr            string            // ECINEMA_ADDR
	LogKeyFile      string            // ECINEMA_LOG_KEY_FILE
	LogOrigin       string            // ECINEMA_LOG_ORIGIN
	CheckpointEvery time.Duration     // ECINEMA_CHECKPOINT_INTERVAL
	RateLimit       float64           // ECINEMA_RATE_LIMIT
	RateBurst       int               // ECINEMA_RATE_BURST
	ShutdownTimeout time.Duration     // ECINEMA_SHUTDOWN_TIMEOUT
	LogLevel        string            // ECINEMA_LOG_LEVEL
	BlobDir         string            // ECINEMA_BLOB_DIR
	TicketKeyFile   string            // ECINEMA_TICKET_KEY_FILE
	MaxUpload       int64             // ECINEMA_MAX_UPLOAD
	OAIBaseURL      string            // ECINEMA_OAI_BASE_URL
	DBTimeout       time.Duration     // ECINEMA_DB_TIMEOUT
	DBMaxConns      int               // ECINEMA_DB_MAX_CONNS
	BulkReaders     int               // ECINEMA_BULK_READERS
	PprofAddr       string            // ECINEMA_PPROF_ADDR
	Witnesses       []*witness.Client // ECINEMA_WITNESSES
	WitnessQuorum   int               // ECINEMA_WITNESS_QUORUM (0: all)
	PublicURL       string            // ECINEMA_PUBLIC_URL
	FixityInterval  time.Duration     // ECINEMA_FIXITY_INTERVAL
	BatyrlarURL     string            // ECINEMA_BATYRLAR_URL
	BatyrlarToken   string            // ECINEMA_BATYRLAR_TOKEN
}

// configVars documents every variable with its default; README's table
// repeats it.
var configVars = []struct{ name, def, help string }{
	{"ECINEMA_DATABASE_URL", "", "PostgreSQL URL of the database owner (migrations run as it; the service then acts as role ecinema_app)"},
	{"ECINEMA_ADDR", "127.0.0.1:8080", "address the HTTP API listens on"},
	{"ECINEMA_LOG_KEY_FILE", "", "file with the checkpoint signer key (ecinema logkey generate FILE)"},
	{"ECINEMA_LOG_ORIGIN", ledger.DefaultOrigin, "origin line of the signed checkpoints"},
	{"ECINEMA_CHECKPOINT_INTERVAL", "10s", "how often a checkpoint is signed when the ledger grew"},
	{"ECINEMA_RATE_LIMIT", "200", "requests per second allowed per API key (0 disables)"},
	{"ECINEMA_RATE_BURST", "400", "burst size of the per-key rate limit"},
	{"ECINEMA_SHUTDOWN_TIMEOUT", "30s", "how long in-flight requests may take to finish on shutdown"},
	{"ECINEMA_LOG_LEVEL", "info", "debug, info, warn or error"},
	{"ECINEMA_TICKET_KEY_FILE", "", "file with the key that seals the venues' ticket signing keys (ecinema ticketkey generate FILE); unset: no venues or ticket sales"},
	{"ECINEMA_BLOB_DIR", blobstore.DefaultDir, "directory of the content-addressed file store (bags, images, audio, books)"},
	{"ECINEMA_MAX_UPLOAD", "2147483648", "largest upload accepted, in bytes (2 GiB)"},
	{"ECINEMA_OAI_BASE_URL", "", "absolute URL of /oai as harvesters reach it (taken from each request when empty)"},
	{"ECINEMA_WITNESSES", "", "comma-separated URL|verifier key of the witnesses asked to cosign each checkpoint"},
	{"ECINEMA_WITNESS_QUORUM", "", "cosignatures a checkpoint should gather (default all witnesses)"},
	{"ECINEMA_DB_TIMEOUT", "5s", "deadline of each request's database work (an idle deadline for exports); past it the answer is 503"},
	{"ECINEMA_DB_MAX_CONNS", "20", "size of the connection pool"},
	{"ECINEMA_BULK_READERS", "4", "exports, statements and reconciliations running at once (more wait, then 503); keep it well below ECINEMA_DB_MAX_CONNS"},
	{"ECINEMA_PPROF_ADDR", "", "when set (e.g. 127.0.0.1:6060), serve net/http/pprof there for profiling; off by default"},
	{"ECINEMA_PUBLIC_URL", "", "public base URL of this service (DIP links sent to Batyrlarga tagzym; relative when empty)"},
	{"ECINEMA_FIXITY_INTERVAL", "24h", "every archived file is re-hashed within this interval (a rolling slice every 1/24 of it)"},
	{"ECINEMA_BATYRLAR_URL", "", "Batyrlarga tagzym API base URL; empty turns the person sync off"},
	{"ECINEMA_BATYRLAR_TOKEN", "", "bearer token for Batyrlarga tagzym"},
}

// configValue is the variable's value, or its default when it is unset.
func configValue(getenv func(string) string, name string) string {
	if v := strings.TrimSpace(getenv(name)); v != "" {
		return v
	}
	for _, cv := range configVars {
		if cv.name == name {
			return cv.def
		}
	}
	return ""
}

// loadConfig reads and validates the configuration, naming every problem.
func loadConfig(getenv func(string) string) (config, error) {
	get := func(name string) string { return configValue(getenv, name) }
	var c config
	var problems []string
	c.DatabaseURL = get("ECINEMA_DATABASE_URL")
	if c.DatabaseURL == "" {
		problems = append(problems, "ECINEMA_DATABASE_URL is not set: run 'make run' for a local database, or set it")
	}
	c.Addr = get("ECINEMA_ADDR")
	c.LogKeyFile = get("ECINEMA_LOG_KEY_FILE")
	if c.LogKeyFile == "" {
		problems = append(problems, "ECINEMA_LOG_KEY_FILE is not set: create a key with 'ecinema logkey generate FILE' and point it there")
	} else if _, err := os.Stat(c.LogKeyFile); err != nil {
		problems = append(problems, fmt.Sprintf("ECINEMA_LOG_KEY_FILE: %v", err))
	}
	c.LogOrigin = get("ECINEMA_LOG_ORIGIN")
	durations := map[string]*time.Duration{"ECINEMA_CHECKPOINT_INTERVAL": &c.CheckpointEvery, "ECINEMA_SHUTDOWN_TIMEOUT": &c.ShutdownTimeout,
		"ECINEMA_DB_TIMEOUT": &c.DBTimeout}
	for name, dst := range durations {
		d, err := time.ParseDuration(get(name))
		if err != nil || d <= 0 {
			problems = append(problems, fmt.Sprintf("%s=%q is not a positive duration like 10s", name, get(name)))
		}
		*dst = d
	}
	rl, err := strconv.ParseFloat(get("ECINEMA_RATE_LIMIT"), 64)
	if err != nil || rl < 0 {
		problems = append(problems, fmt.Sprintf("ECINEMA_RATE_LIMIT=%q is not a number ≥ 0", get("ECINEMA_RATE_LIMIT")))
	}
	c.RateLimit = rl
	rb, err := strconv.Atoi(get("ECINEMA_RATE_BURST"))
	if err != nil || rb < 1 {
		problems = append(problems, fmt.Sprintf("ECINEMA_RATE_BURST=%q is not an integer ≥ 1", get("ECINEMA_RATE_BURST")))
	}
	c.RateBurst = rb
	for name, dst := range map[string]*int{"ECINEMA_DB_MAX_CONNS": &c.DBMaxConns, "ECINEMA_BULK_READERS": &c.BulkReaders} {
		n, err := strconv.Atoi(get(name))
		if err != nil || n < 1 {
			problems = append(problems, fmt.Sprintf("%s=%q is not an integer ≥ 1", name, get(name)))
		}
		*dst = n
	}
	if c.BulkReaders >= c.DBMaxConns && c.DBMaxConns > 0 {
		problems = append(problems, fmt.Sprintf("ECINEMA_BULK_READERS=%d must be below ECINEMA_DB_MAX_CONNS=%d, so that bulk reads leave connections to the write path", c.BulkReaders, c.DBMaxConns))
	}
	for _, spec := range strings.Split(get("ECINEMA_WITNESSES"), ",") {
		if strings.TrimSpace(spec) == "" {
			continue
		}
		wc, err := witness.ParseWitnessSpec(spec)
		if err != nil {
			problems = append(problems, fmt.Sprintf("ECINEMA_WITNESSES: %v", err))
			continue
		}
		c.Witnesses = append(c.Witnesses, wc)
	}
	if q := get("ECINEMA_WITNESS_QUORUM"); q != "" {
		n, err := strconv.Atoi(q)
		if err != nil || n < 1 || n > len(c.Witnesses) {
			problems = append(problems, fmt.Sprintf("ECINEMA_WITNESS_QUORUM=%q must be between 1 and the number of ECINEMA_WITNESSES (%d)", q, len(c.Witnesses)))
		}
		c.WitnessQuorum = n
	}
	c.LogLevel = get("ECINEMA_LOG_LEVEL")
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		problems = append(problems, fmt.Sprintf("ECINEMA_LOG_LEVEL=%q must be debug, info, warn or error", c.LogLevel))
	}
	c.BlobDir = get("ECINEMA_BLOB_DIR")
	c.TicketKeyFile = get("ECINEMA_TICKET_KEY_FILE")
	if c.TicketKeyFile != "" {
		if _, err := os.Stat(c.TicketKeyFile); err != nil {
			problems = append(problems, fmt.Sprintf("ECINEMA_TICKET_KEY_FILE: %v", err))
		}
	}
	mu, err := strconv.ParseInt(get("ECINEMA_MAX_UPLOAD"), 10, 64)
	if err != nil || mu < 1 {
		problems = append(problems, fmt.Sprintf("ECINEMA_MAX_UPLOAD=%q is not a byte count ≥ 1", get("ECINEMA_MAX_UPLOAD")))
	}
	c.MaxUpload = mu
	c.OAIBaseURL = get("ECINEMA_OAI_BASE_URL")
	c.PprofAddr = get("ECINEMA_PPROF_ADDR")
	c.PublicURL = get("ECINEMA_PUBLIC_URL")
	c.BatyrlarURL, c.BatyrlarToken = get("ECINEMA_BATYRLAR_URL"), get("ECINEMA_BATYRLAR_TOKEN")
	if fi, err := time.ParseDuration(get("ECINEMA_FIXITY_INTERVAL")); err != nil || fi < time.Minute {
		problems = append(problems, fmt.Sprintf("ECINEMA_FIXITY_INTERVAL=%q is not a duration of at least 1m like 24h", get("ECINEMA_FIXITY_INTERVAL")))
	} else {
		c.FixityInterval = fi
	}
	if len(problems) > 0 {
		return c, errors.New("configuration:\n  " + strings.Join(problems, "\n  "))
	}
	return c, nil
}

// databaseURL reads only the database URL, for subcommands that need no more.
func databaseURL(getenv func(string) string) (string, error) {
	u := strings.TrimSpace(getenv("ECINEMA_DATABASE_URL"))
	if u == "" {
		return "", errors.New("ECINEMA_DATABASE_URL is not set: run 'make run' for a local database, or set it")
	}
	return u, nil
}
