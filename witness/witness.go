package witness

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"

	"github.com/transparency-dev/formats/log"
	tnote "github.com/transparency-dev/formats/note"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// Errors of addCheckpoint; the HTTP handler maps them to C2SP statuses.
var (
	errUnknownLog   = errors.New("witness: unknown log origin")                  // 404
	errBadSignature = errors.New("witness: the log's signature does not verify") // 403
	errBadRequest   = errors.New("witness: malformed request")                   // 400
	errBadProof     = errors.New("witness: consistency proof does not verify")   // 422
)

// conflictError is a request whose old size is not the witness's size, or
// a same-size checkpoint with another root (409 with Size).
type conflictError struct {
	Size int64 // the size of the latest checkpoint the witness cosigned
	Msg  string
}

func (e *conflictError) Error() string { return "witness: conflict: " + e.Msg }

// maxProofLines bounds the consistency proof of one request (a proof
// between two 64-bit sizes has fewer hashes).
const maxProofLines = 63

// GenerateKey returns a new witness signer key and its cosignature/v1
// verifier key, both named name.
func GenerateKey(name string) (signerKey, verifierKey string, err error) {
	skey, vkey, err := note.GenerateKey(rand.Reader, name)
	if err != nil {
		return "", "", fmt.Errorf("witness: generate key: %w", err)
	}
	cvkey, err := tnote.VKeyToCosignatureV1(vkey)
	if err != nil {
		return "", "", fmt.Errorf("witness: generate key: %w", err)
	}
	return skey, cvkey, nil
}

// VerifierKeyOf returns the cosignature/v1 verifier key of a signer key
// (what ecinema witness keygen printed).
func VerifierKeyOf(signerKey string) (string, error) {
	parts := strings.SplitN(strings.TrimSpace(signerKey), "+", 5)
	if len(parts) != 5 || parts[0] != "PRIVATE" || parts[1] != "KEY" {
		return "", errors.New("witness: signer key: not PRIVATE+KEY+name+hash+key")
	}
	key, err := base64.StdEncoding.DecodeString(parts[4])
	if err != nil || len(key) != 1+ed25519.SeedSize || key[0] != 1 {
		return "", errors.New("witness: signer key: not an Ed25519 note key")
	}
	pub := append([]byte{1}, ed25519.NewKeyFromSeed(key[1:]).Public().(ed25519.PublicKey)...)
	h := sha256.Sum256(append([]byte(parts[2]+"\n"), pub...))
	vkey := fmt.Sprintf("%s+%08x+%s", parts[2], binary.BigEndian.Uint32(h[:4]), base64.StdEncoding.EncodeToString(pub))
	return tnote.VKeyToCosignatureV1(vkey)
}

// NewVerifier parses a witness's cosignature/v1 verifier key.
func NewVerifier(vkey string) (note.Verifier, error) {
	v, err := tnote.NewVerifierForCosignatureV1(strings.TrimSpace(vkey))
	if err != nil {
		return nil, fmt.Errorf("witness: verifier key: %w", err)
	}
	return v, nil
}

// Config configures a Witness.
type Config struct {
	SignerKey string          // the witness's note signer key
	Logs      []note.Verifier // the logs it witnesses; each key's name is the log's origin
	StateDir  string          // where cosigned checkpoints are kept
}

// Witness checks and cosigns checkpoints, keeping its state in a directory.
type Witness struct {
	signer note.Signer
	name   string
	logs   map[string]note.Verifier
	dir    string
	lock   *os.File

	mu    sync.Mutex
	state map[string]logState
}

// logState is what the witness remembers of a log: the latest checkpoint it
// cosigned.
type logState struct {
	Origin     string `json:"origin"`
	Size       int64  `json:"size"`
	Root       []byte `json:"root"`
	Checkpoint string `json:"checkpoint"` // the log-signed note it cosigned
}

// New opens a witness on cfg.StateDir (created when missing), taking an
// exclusive lock on it.
func New(cfg Config) (*Witness, error) {
	s, err := tnote.NewSignerForCosignatureV1(strings.TrimSpace(cfg.SignerKey))
	if err != nil {
		return nil, fmt.Errorf("witness: signer key: %w", err)
	}
	if cfg.StateDir == "" {
		return nil, errors.New("witness: a state directory is required")
	}
	if err := os.MkdirAll(cfg.StateDir, 0o700); err != nil {
		return nil, fmt.Errorf("witness: state directory: %w", err)
	}
	lock, err := os.OpenFile(filepath.Join(cfg.StateDir, "LOCK"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("witness: state lock: %w", err)
	}
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		lock.Close()
		return nil, fmt.Errorf("witness: state directory %s is in use by another witness: %w", cfg.StateDir, err)
	}
	w := &Witness{signer: s, name: s.Name(), logs: map[string]note.Verifier{}, dir: cfg.StateDir, lock: lock, state: map[string]logState{}}
	for _, v := range cfg.Logs {
		w.logs[v.Name()] = v
	}
	for origin := range w.logs {
		b, err := os.ReadFile(w.statePath(origin))
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			w.Close()
			return nil, fmt.Errorf("witness: read state of %q: %w", origin, err)
		}
		var st logState
		if err := json.Unmarshal(b, &st); err != nil || st.Origin != origin || len(st.Root) != 32 {
			w.Close()
			return nil, fmt.Errorf("witness: state of %q in %s is corrupt; refusing to start (a witness that forgets what it cosigned is no witness)", origin, w.statePath(origin))
		}
		w.state[origin] = st
	}
	return w, nil
}

// Close releases the state directory.
func (w *Witness) Close() error { return w.lock.Close() }

// Name is the witness's key name.
func (w *Witness) Name() string { return w.name }

// size returns the size of the latest checkpoint of origin the witness
// cosigned (0 when none).
func (w *Witness) size(origin string) int64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.state[origin].Size
}

func (w *Witness) statePath(origin string) string {
	h := sha256.Sum256([]byte(origin))
	return filepath.Join(w.dir, hex.EncodeToString(h[:])+".json")
}

// addCheckpoint checks a signed checkpoint against what the witness
// cosigned before and, when it is consistent, records it durably and
// returns the cosignature line(s) ("— name base64\n").
func (w *Witness) addCheckpoint(old int64, proof [][]byte, checkpoint []byte) ([]byte, error) {
	origin, _, _ := strings.Cut(string(checkpoint), "\n")
	v, ok := w.logs[origin]
	if !ok {
		return nil, fmt.Errorf("%w: %q", errUnknownLog, origin)
	}
	cp, _, n, err := log.ParseCheckpoint(checkpoint, origin, v)
	if err != nil {
		var unverified *note.UnverifiedNoteError
		if errors.As(err, &unverified) || strings.Contains(err.Error(), "signature") {
			return nil, fmt.Errorf("%w: %v", errBadSignature, err)
		}
		return nil, fmt.Errorf("%w: checkpoint: %v", errBadRequest, err)
	}
	if len(cp.Hash) != 32 || cp.Size > 1<<62 {
		return nil, fmt.Errorf("%w: checkpoint root of %d bytes", errBadRequest, len(cp.Hash))
	}
	size := int64(cp.Size)
	if old < 0 || old > size {
		return nil, fmt.Errorf("%w: old size %d is larger than the checkpoint's %d", errBadRequest, old, size)
	}
	if len(proof) > maxProofLines {
		return nil, fmt.Errorf("%w: %d proof lines", errBadRequest, len(proof))
	}

	w.mu.Lock()
	defer w.mu.Unlock()
	st := w.state[origin]
	if old != st.Size {
		return nil, &conflictError{Size: st.Size, Msg: fmt.Sprintf("old size %d, the witness holds %d", old, st.Size)}
	}
	switch {
	case old == 0:
		if len(proof) != 0 {
			return nil, fmt.Errorf("%w: a proof from size 0 must be empty", errBadProof)
		}
	case old == size:
		if !bytes.Equal(st.Root, cp.Hash) {
			return nil, &conflictError{Size: st.Size, Msg: fmt.Sprintf("size %d with another root than the one cosigned: a fork", size)}
		}
		if len(proof) != 0 {
			return nil, fmt.Errorf("%w: a proof between equal sizes must be empty", errBadProof)
		}
	default:
		tp := make(tlog.TreeProof, len(proof))
		for i, p := range proof {
			if len(p) != 32 {
				return nil, fmt.Errorf("%w: proof line %d is not a 32-byte hash", errBadRequest, i)
			}
			copy(tp[i][:], p)
		}
		var oldRoot, newRoot tlog.Hash
		copy(oldRoot[:], st.Root)
		copy(newRoot[:], cp.Hash)
		if err := tlog.CheckTree(tp, size, newRoot, old, oldRoot); err != nil {
			return nil, fmt.Errorf("%w: from %d to %d: %v", errBadProof, old, size, err)
		}
	}
	// Persist before answering: a cosignature the witness might forget
	// after a crash would let it cosign a fork later.
	next := logState{Origin: origin, Size: size, Root: cp.Hash, Checkpoint: string(checkpoint)}
	if err := w.persist(next); err != nil {
		return nil, err
	}
	w.state[origin] = next

	signed, err := note.Sign(&note.Note{Text: n.Text}, w.signer)
	if err != nil {
		return nil, fmt.Errorf("witness: cosign: %w", err)
	}
	// note.Sign appends our line after the (empty) list of the note's
	// signatures: the cosignature is the last line.
	_, sigs, _ := bytes.Cut(signed, []byte("\n\n"))
	return sigs, nil
}

// persist writes st to its file durably: a temporary file, fsync, rename
// over the old one, fsync of the directory.
func (w *Witness) persist(st logState) error {
	b, err := json.Marshal(st)
	if err != nil {
		return err
	}
	path := w.statePath(st.Origin)
	tmp, err := os.CreateTemp(w.dir, ".state-*")
	if err != nil {
		return fmt.Errorf("witness: persist: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return fmt.Errorf("witness: persist: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("witness: persist: fsync: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("witness: persist: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("witness: persist: %w", err)
	}
	d, err := os.Open(w.dir)
	if err != nil {
		return fmt.Errorf("witness: persist: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("witness: persist: fsync directory: %w", err)
	}
	return nil
}

// formatRequest builds a tlog-witness add-checkpoint body.
func formatRequest(old int64, proof [][32]byte, checkpoint []byte) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "old %d\n", old)
	for _, h := range proof {
		b.WriteString(base64.StdEncoding.EncodeToString(h[:]) + "\n")
	}
	b.WriteString("\n")
	b.Write(checkpoint)
	return b.Bytes()
}

// parseRequest reads a tlog-witness add-checkpoint body.
func parseRequest(body []byte) (old int64, proof [][]byte, checkpoint []byte, err error) {
	head, cp, ok := bytes.Cut(body, []byte("\n\n"))
	if !ok {
		return 0, nil, nil, fmt.Errorf("%w: no blank line before the checkpoint", errBadRequest)
	}
	lines := strings.Split(string(head), "\n")
	sizeStr, ok := strings.CutPrefix(lines[0], "old ")
	if !ok {
		return 0, nil, nil, fmt.Errorf("%w: the first line must be \"old <size>\"", errBadRequest)
	}
	old, err = strconv.ParseInt(sizeStr, 10, 64)
	if err != nil || old < 0 || (len(sizeStr) > 1 && sizeStr[0] == '0') {
		return 0, nil, nil, fmt.Errorf("%w: old size %q", errBadRequest, sizeStr)
	}
	for _, l := range lines[1:] {
		h, err := base64.StdEncoding.DecodeString(l)
		if err != nil || len(h) != 32 {
			return 0, nil, nil, fmt.Errorf("%w: proof line %q is not a base64 hash", errBadRequest, l)
		}
		proof = append(proof, h)
	}
	return old, proof, cp, nil
}
