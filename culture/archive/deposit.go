package archive

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"os"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"ecinema/culture/archive/bagit"
	"ecinema/culture/idempotency"
	"ecinema/kztime"
	"ecinema/ledger"
)

// DepositResult is an accepted deposit.
type DepositResult struct {
	AIP    AIP     `json:"aip"`
	Files  []File  `json:"files"`
	Events []Event `json:"events"`
}

// baggingDate checks bag-info.txt's Bagging-Date, "the date (YYYY-MM-DD)
// that the content was prepared for transfer" (RFC 8493 2.2.2): a calendar
// date, not after today (the local date in Kazakhstan). Empty is left to
// the required-label check.
func baggingDate(v string, today time.Time) (bagit.Problem, bool) {
	if v == "" {
		return bagit.Problem{}, true
	}
	d, err := time.Parse(time.DateOnly, v)
	switch {
	case err != nil || len(v) != len(time.DateOnly):
		return bagit.Problem{File: "bag-info.txt", Check: bagit.CheckBagInfo,
			Message: fmt.Sprintf("Bagging-Date %q is not a date YYYY-MM-DD (RFC 8493 2.2.2)", v)}, false
	case d.After(today):
		return bagit.Problem{File: "bag-info.txt", Check: bagit.CheckBagInfo,
			Message: fmt.Sprintf("Bagging-Date %s is after today (%s in Kazakhstan)", v, today.Format(time.DateOnly))}, false
	}
	return bagit.Problem{}, true
}

// FormatOf maps a Content-Type to a container format.
func FormatOf(contentType string) (bagit.Format, error) {
	mt, _, _ := mime.ParseMediaType(contentType)
	switch mt {
	case "application/zip", "application/x-zip-compressed":
		return bagit.Zip, nil
	case "application/x-tar", "application/tar":
		return bagit.Tar, nil
	}
	return "", ErrUnsupportedMedia
}

// Deposit checks a bag and, when it is complete and valid, stores every
// file in the blob store and appends the AIP with its PREMIS events. The
// body is spooled to a temporary file (never held in memory), read once
// to check, and once more to store, so a refused bag leaves nothing.
//
// Under an idempotency key (idem not zero) the request is the bag's
// content (bagContent): the same bag under the same key, packed the same
// way or not, answers the stored result and stores nothing (no blob, no
// row, no entry); another bag under it is ErrKeyReused. The key and the
// answer are stored with the archive_aip entry.
func (s *Service) Deposit(ctx context.Context, actor, unitID string, format bagit.Format, body io.Reader, idem idempotency.Pending) (DepositResult, error) {
	u, err := s.Unit(ctx, unitID, true)
	if err != nil {
		return DepositResult{}, err
	}
	// Without a key a withdrawn unit is refused before the body is read;
	// with one only after the key's lookup, so that a retry after the
	// withdrawal answers the deposit made before it.
	if u.Withdrawn && idem.IsZero() {
		return DepositResult{}, fmt.Errorf("%w: %s", ErrWithdrawn, unitID)
	}
	spool, err := os.CreateTemp(s.cfg.SpoolDir, "deposit-*")
	if err != nil {
		return DepositResult{}, fmt.Errorf("archive: spool: %w", err)
	}
	defer func() { spool.Close(); os.Remove(spool.Name()) }()
	n, err := io.Copy(spool, io.LimitReader(body, s.cfg.MaxUpload+1))
	if err != nil {
		return DepositResult{}, fmt.Errorf("archive: spool: %w", err)
	}
	if n > s.cfg.MaxUpload {
		return DepositResult{}, ErrTooLarge
	}
	var inv *bagit.Inventory
	if format == bagit.Zip {
		inv, err = bagit.ReadZip(spool, n)
	} else {
		inv, err = bagit.ReadTar(io.NewSectionReader(spool, 0, n))
	}
	if errors.Is(err, bagit.ErrContainer) {
		return DepositResult{}, bagError([]bagit.Problem{{Check: bagit.CheckContainer, Message: fmt.Sprintf("not a readable %s file: %v", format, err)}})
	}
	if err != nil {
		return DepositResult{}, err
	}
	res := bagit.Check(inv, requiredBagInfo...)
	if p, ok := baggingDate(res.Info.Get("Bagging-Date"), kztime.LocalDate(s.cfg.Now())); !ok {
		res.Problems = append(res.Problems, p)
	}
	if !res.OK() {
		return DepositResult{}, bagError(res.Problems)
	}
	k, err := idem.Key(bagContent(res))
	if err != nil {
		return DepositResult{}, err
	}
	return idempotency.Do(ctx, s.pool, k, func() (DepositResult, error) {
		if u.Withdrawn {
			return DepositResult{}, fmt.Errorf("%w: %s", ErrWithdrawn, unitID)
		}
		return s.store(ctx, actor, unitID, format, spool, n, inv, res, k)
	})
}

// bagFile is one file of a bag in its deposit's idempotency identity.
type bagFile struct {
	Path   string `json:"path"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// bagContent is what makes a checked bag this bag for its deposit's
// Idempotency-Key: every file (payload and tag files, so bag-info.txt
// too) with its size and SHA-256, by path. These are the hashes the check
// computed, so a retry costs no hashing beyond the check; and they are
// the AIP's files exactly, while the container's bytes (zip or tar, the
// base directory's name, timestamps) are not, as spacing is not a JSON
// request's.
func bagContent(res bagit.Result) []bagFile {
	files := make([]bagFile, 0, len(res.Payload)+len(res.Tags))
	for _, group := range [][]*bagit.Entry{res.Payload, res.Tags} {
		for _, e := range group {
			files = append(files, bagFile{Path: e.Path, Size: e.Size, SHA256: e.SHA256})
		}
	}
	slices.SortFunc(files, func(a, b bagFile) int { return strings.Compare(a.Path, b.Path) })
	return files
}

// store puts the checked bag's files into the blob store and appends its
// AIP, with k's answer in the entry's transaction.
func (s *Service) store(ctx context.Context, actor, unitID string, format bagit.Format, spool *os.File, n int64, inv *bagit.Inventory, res bagit.Result, k idempotency.Key) (DepositResult, error) {
	// Second pass: store each file by its hash, checking the bytes stored
	// are the bytes checked.
	stored := map[string]bool{}
	err := bagit.Walk(format, spool, n, inv.Root, func(rel string, r io.Reader) error {
		e := inv.Files[rel]
		if e == nil || stored[rel] {
			return nil
		}
		info, err := s.cfg.Blobs.Put(ctx, r, 0)
		if err != nil {
			return fmt.Errorf("archive: store %s: %w", rel, err)
		}
		if info.Hash != e.SHA256 || info.Size != e.Size {
			return fmt.Errorf("archive: %s changed between check and store", rel)
		}
		stored[rel] = true
		return nil
	})
	if err != nil {
		return DepositResult{}, err
	}
	a := aipBody{UnitID: unitID, ExternalID: res.Info.Get("External-Identifier")}
	for _, kv := range res.Info {
		a.BagInfo = append(a.BagInfo, [2]string{kv.Label, kv.Value})
	}
	for _, e := range res.Payload {
		a.Octets += e.Size
		a.Files++
	}
	for _, group := range [][]*bagit.Entry{res.Payload, res.Tags} {
		for _, e := range group {
			a.AllFiles = append(a.AllFiles, File{Path: e.Path, Payload: strings.HasPrefix(e.Path, "data/"),
				SHA256: e.SHA256, SHA512: e.SHA512, Size: e.Size, MediaType: mediaType(e.Path)})
		}
	}
	algs := manifestAlgorithms(inv)
	a.Events = []eventInput{
		{Type: EventValidation, Outcome: "success", Object: a.ExternalID,
			Detail: fmt.Sprintf("RFC 8493 bag complete and valid: %d payload files, %d octets, manifests %s", a.Files, a.Octets, strings.Join(algs, ", "))},
		{Type: EventDigest, Outcome: "success", Object: a.ExternalID,
			Detail: fmt.Sprintf("SHA-256 and SHA-512 computed for %d files and compared with the bag's manifests", len(a.AllFiles))},
		{Type: EventIngestion, Outcome: "success", Object: a.ExternalID,
			Detail: fmt.Sprintf("AIP stored in the blob store by SHA-256 (%d files) for unit %s", len(a.AllFiles), unitID)},
	}
	bodyJSON, err := json.Marshal(a)
	if err != nil {
		return DepositResult{}, err
	}
	var out DepositResult
	_, err = s.w.Append(ctx, ledger.Record{Kind: kindAIP, Actor: actor, Body: json.RawMessage(bodyJSON),
		Project: func(ctx context.Context, tx pgx.Tx, e ledger.Entry) error {
			var withdrawn bool
			if err := tx.QueryRow(ctx, lockUnit, unitID).Scan(&withdrawn); err != nil {
				return err
			}
			if withdrawn {
				return fmt.Errorf("%w: %s", ErrWithdrawn, unitID)
			}
			if _, err := project(ctx, tx, kindAIP, bodyJSON, e); err != nil {
				return err
			}
			out = depositResult(unitID, a, e)
			return idempotency.Save(ctx, tx, k, out)
		}})
	if err != nil {
		return DepositResult{}, err
	}
	s.metrics.ingestBytes.Add(float64(n))
	return out, nil
}

// depositResult is the answer to the deposit of a appended as e.
func depositResult(unitID string, a aipBody, e ledger.Entry) DepositResult {
	out := DepositResult{AIP: AIP{Seq: e.Seq, UnitID: unitID, ExternalID: a.ExternalID, Octets: a.Octets, Files: a.Files, CreatedAt: e.At}, Files: a.AllFiles}
	for _, ev := range a.Events {
		out.Events = append(out.Events, Event{Type: ev.Type, At: e.At, Outcome: ev.Outcome, Detail: ev.Detail, Object: ev.Object, Seq: e.Seq})
	}
	return out
}

func manifestAlgorithms(inv *bagit.Inventory) []string {
	var algs []string
	for _, a := range []string{"sha256", "sha512"} {
		if _, ok := inv.Tags["manifest-"+a+".txt"]; ok {
			algs = append(algs, a)
		}
	}
	return algs
}

// mediaType guesses from the extension; the bag carries no types.
func mediaType(p string) string {
	ext := strings.ToLower(path.Ext(p))
	switch ext {
	case ".txt":
		return "text/plain"
	case ".xml":
		return "application/xml"
	case ".tif", ".tiff":
		return "image/tiff"
	}
	if t := mime.TypeByExtension(ext); t != "" {
		mt, _, _ := mime.ParseMediaType(t)
		return mt
	}
	return "application/octet-stream"
}
