package settlement

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"

	"ecinema/registry"
)

// The bytes settlement writes into the ledger. A period_close entry's body
// is a CloseBody; each party's entry in it carries the SHA-256 of that
// party's TotalsBody. The fiscal_totals entry's records are FiscalRecordBody
// (fiscal_upload.go). These encodings never change by one byte: the
// ledger's history is hashed over them, and a party checks its statement's
// totals against the close (TestCloseEntryBodyPinned). The API's JSON is
// api's (api/wire_statement.go, api/wire_tax.go).

// PartyTotal is one party's statement totals in a closed period and their hash.
type PartyTotal struct {
	PartyID    string `json:"party_id"`
	Kind       string `json:"kind"`
	TotalsHash string `json:"totals_hash"`
	totalsJSON string
	name       string
}

// CloseBody is the body of a period_close ledger entry.
type CloseBody struct {
	Period string `json:"period"`
	// LedgerSize is the ledger size the close was computed at: late sales
	// and refunds for closed days in entries below it are settled by now.
	LedgerSize int64        `json:"ledger_size"`
	Lines      int          `json:"lines"`
	Gross      string       `json:"gross"`
	Parties    []PartyTotal `json:"parties"`
}

// TotalsBody returns the canonical JSON of a party's statement totals: an
// object with sorted keys (as encoding/json writes a map), money as strings
// with two fraction digits; a rights holder's has lines and royalty (its
// parts) only, an exhibitor's no recoupment or producer_share. Its SHA-256
// is the party's totals_hash in a period_close entry, and the statement
// document of GET /v1/statements carries these bytes as its "totals".
func TotalsBody(kind string, t Totals) json.RawMessage {
	var m map[string]any
	if kind == registry.KindRightsHolder {
		m = map[string]any{"lines": t.Lines, "royalty": money(t.RoyaltyAmount)}
	} else {
		m = map[string]any{
			"lines": t.Lines, "admissions": t.Admissions, "gross": money(t.Gross), "vat": money(t.VAT), "net": money(t.Net),
			"royalty": money(t.Royalty), "exhibitor_share": money(t.ExhibitorShare), "distribution_fee": money(t.DistributionFee),
			"producer_gross": money(t.ProducerGross), "recoupment": money(t.Recoupment), "producer_share": money(t.ProducerShare),
		}
		if kind == registry.KindExhibitor {
			delete(m, "recoupment")
			delete(m, "producer_share")
		}
	}
	b, err := json.Marshal(m)
	if err != nil {
		panic(err) // strings and integers only
	}
	return b
}

// totalsHash returns a party's TotalsBody and its SHA-256 in hex.
func totalsHash(kind string, t Totals) (string, string) {
	b := TotalsBody(kind, t)
	h := sha256.Sum256(b)
	return string(b), hex.EncodeToString(h[:])
}
