package api

import (
	"bytes"
	"encoding/json"

	"ecinema/apikey"
	"ecinema/registry"
)

// The conversions TestRegistryWirePinned checks: registry's plain structs
// to the API's JSON (wire_registry.go), and a request's JSON to registry's
// structs, as the handlers of registry.go do them.

func pinParty(p registry.Party) any                       { return partyWire(p) }
func pinCinema(c registry.Cinema) any                     { return cinemaWire(c) }
func pinFilm(f registry.Film) any                         { return filmWire(f) }
func pinFilmView(p apikey.Principal, f registry.Film) any { return viewFilm(p, f) }
func pinRentalTerms(t []registry.RentalTerms) any {
	return listResponse[rentalTermsJSON]{Items: convertSlice(t, rentalTermsWire)}
}
func pinRegions(r []registry.Region) any {
	return listResponse[regionJSON]{Items: convertSlice(r, regionWire)}
}
func pinVersions(v []registry.Version) any {
	return listResponse[versionJSON]{Items: convertSlice(v, versionWire)}
}
func pinParties(ps []registry.Party, next string) any {
	return listResponse[partyJSON]{Items: convertSlice(ps, partyWire), NextCursor: next}
}

func decodeStrict(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

func readParty(b []byte) (registry.Party, error) {
	var p partyJSON
	err := decodeStrict(b, &p)
	return p.party(), err
}

func readCinema(b []byte) (registry.Cinema, error) {
	var c cinemaJSON
	err := decodeStrict(b, &c)
	return c.cinema(), err
}

func readFilm(b []byte) (registry.Film, error) {
	var f filmJSON
	err := decodeStrict(b, &f)
	return f.film(), err
}

func readRentalTerms(b []byte) (registry.RentalTerms, error) {
	var t rentalTermsJSON
	err := decodeStrict(b, &t)
	return t.rentalTerms(), err
}
