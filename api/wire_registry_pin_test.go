package api

import (
	"bytes"
	"encoding/json"

	"ecinema/apikey"
	"ecinema/registry"
)

// The conversions TestRegistryWirePinned checks: registry's plain structs
// to the API's JSON, and a request's JSON to registry's structs.

func pinParty(p registry.Party) any                       { return p }
func pinCinema(c registry.Cinema) any                     { return c }
func pinFilm(f registry.Film) any                         { return f }
func pinFilmView(p apikey.Principal, f registry.Film) any { return viewFilm(p, f) }
func pinRentalTerms(t []registry.RentalTerms) any {
	return listResponse[registry.RentalTerms]{Items: t}
}
func pinRegions(r []registry.Region) any   { return listResponse[registry.Region]{Items: r} }
func pinVersions(v []registry.Version) any { return listResponse[registry.Version]{Items: v} }
func pinParties(ps []registry.Party, next string) any {
	return listResponse[registry.Party]{Items: ps, NextCursor: next}
}

func decodeStrict(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

func readParty(b []byte) (registry.Party, error) {
	var p registry.Party
	return p, decodeStrict(b, &p)
}

func readCinema(b []byte) (registry.Cinema, error) {
	var c registry.Cinema
	return c, decodeStrict(b, &c)
}

func readFilm(b []byte) (registry.Film, error) {
	var f registry.Film
	return f, decodeStrict(b, &f)
}

func readRentalTerms(b []byte) (registry.RentalTerms, error) {
	var t registry.RentalTerms
	return t, decodeStrict(b, &t)
}
