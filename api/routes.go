package api

import (
	"context"
	_ "embed"
	"net/http"

	"github.com/labstack/echo/v4"

	"ecinema/apikey"
	"ecinema/settlement"
	"ecinema/web"
)

//go:embed openapi.yaml
var openapiYAML []byte

// routes is the whole API surface on one screen. Every /v1 route that is
// not public resolves its API key first (authenticate), then allow decides
// by role; handlers check object scope. Bulk reads (s.bulk) run a few at
// a time under an idle deadline, so they never starve the write path.
func (s *Server) routes() {
	e, d := s.echo, s.deps

	e.GET("/livez", handleLivez())
	e.GET("/readyz", s.handleReadyz())
	e.GET("/metrics", handleMetrics(d.Gatherer))
	e.GET("/openapi.yaml", func(c echo.Context) error {
		return c.Blob(http.StatusOK, "application/yaml", openapiYAML)
	})

	pub := e.Group("/v1")
	v1 := authGroup{pub, []echo.MiddlewareFunc{s.authenticate, s.rateLimit()}}

	// API keys: who am I (any key), and the admin's key management.
	v1.GET("/whoami", handleWhoami(d.Keys), allow(anyRole))
	v1.POST("/apikeys", handleAPIKeyCreate(d.Keys), allow(admins))
	v1.GET("/apikeys", handleAPIKeyList(d.Keys), allow(admins))
	v1.DELETE("/apikeys/:id", handleAPIKeyRevoke(d.Keys), allow(admins))

	// Registry (SPEC 4).
	v1.GET("/regions", handleRegionsList(d.Registry), allow(anyRole))
	v1.PUT("/parties/:id", handlePartyPut(d.Registry), allow(admins))
	v1.GET("/parties/:id", handlePartyGet(d.Registry), allow(anyRole))
	v1.GET("/parties", handlePartyList(d.Registry), allow(anyRole))
	v1.PUT("/cinemas/:id", handleCinemaPut(d.Registry), allow(admins))
	v1.GET("/cinemas/:id", handleCinemaGet(d.Registry), allow(anyRole))
	v1.GET("/cinemas", handleCinemaList(d.Registry), allow(anyRole))
	v1.PUT("/films/:id", handleFilmPut(d.Registry), allow(admins))
	v1.GET("/films/:id", handleFilmGet(d.Registry), allow(anyRole))
	v1.GET("/films", handleFilmList(d.Registry), allow(anyRole))
	v1.PUT("/films/:id/rental-terms/:exhibitor_id", handleRentalTermsPut(d.Registry), allow(admins))
	v1.GET("/films/:id/rental-terms/:exhibitor_id", handleRentalTermsGet(d.Registry), allow(contractRoles))
	v1.GET("/parties/:id/versions", handleVersions(d.Registry, "party"), allow(anyRole))
	v1.GET("/cinemas/:id/versions", handleVersions(d.Registry, "cinema"), allow(anyRole))
	v1.GET("/films/:id/versions", handleVersions(d.Registry, "film"), allow(anyRole))

	// Box office (SPEC 6).
	v1.GET("/boxoffice/rankings", handleBoxOfficeRankings(d.BoxOffice), allow(rankingRoles))
	v1.GET("/boxoffice/share", handleBoxOfficeShare(d.BoxOffice), allow(shareRoles))
	v1.GET("/boxoffice/films/:id/daily", handleFilmDaily(d.BoxOffice), allow(rankingRoles))

	// POS ingest (SPEC 4): the key's cinema is the scope; anomalies for admin and analyst.
	v1.PUT("/screenings/:id", handleScreeningPut(d.Ingest), allow(posOnly))
	v1.GET("/screenings", handleScreeningsList(d.Ingest), allow(posOnly))
	v1.GET("/screenings/:id/tickets", handleScreeningTickets(d.Ingest), allow(posOnly))
	v1.POST("/sales", handleSalesCreate(d.Ingest), allow(posOnly))
	v1.POST("/refunds", handleRefundsCreate(d.Ingest), allow(posOnly))
	v1.GET("/anomalies", handleAnomalies(d.Ingest), allow(anomalyRoles))

	// Ledger (SPEC 3, 4): checkpoint and public key are public.
	pub.GET("/ledger/checkpoint", handleLedgerCheckpoint(d.Ledger))
	pub.GET("/ledger/public-key", handleLedgerPublicKey(d.Ledger))
	pub.GET("/ledger/checkpoints", handleLedgerCheckpointAt(d.Ledger))
	pub.GET("/ledger/tickets/:cinema/:ticket", handleLedgerTicketLeaf(d.Ledger, d.Ingest))
	pub.GET("/ledger/leaves/:seq", handleLedgerLeaf(d.Ledger))
	v1.POST("/ledger/checkpoints", handleLedgerPublish(d.Ledger), allow(admins))
	v1.GET("/ledger/entries/:seq", handleLedgerEntry(d.Ledger), allow(ledgerRoles))
	v1.GET("/ledger/proofs/inclusion", handleLedgerInclusion(d.Ledger), allow(ledgerRoles))
	v1.GET("/ledger/proofs/consistency", handleLedgerConsistency(d.Ledger), allow(ledgerRoles))
	v1.GET("/ledger/export", handleLedgerExport(d.Ledger), allow(ledgerRoles), s.bulk)

	// Settlement and tax (SPEC 5, 7): statement scope is checked in the handler.
	v1.GET("/statements", handleStatements(d.Settlement), allow(partyRoles), s.bulk)
	v1.POST("/periods/:period/close", handlePeriodClose(d.Settlement), allow(admins))
	v1.GET("/periods", handlePeriodsList(d.Settlement), allow(partyRoles))
	v1.POST("/tax/fiscal-totals", handleFiscalTotals(d.Settlement), allow(fiscalRoles))
	v1.GET("/tax/reconciliation", handleReconciliation(d.Settlement), allow(taxRoles), s.bulk)
	v1.GET("/tax/vat-summary", handleVATSummary(d.Settlement), allow(vatSummaryRoles), s.bulk)

	// OAI-PMH 2.0 (CULTURE 2): public, protocol errors are answered inside
	// the XML; the provider is package culture/oaipmh.
	e.GET("/oai", handleOAI(d.OAI))
	e.POST("/oai", handleOAI(d.OAI))
	// NGO database (CULTURE 5): reports for the ngo key of that BIN; the ministry (admin) decides.
	v1.PUT("/ngos/:bin", handleNGOPut(d.NGO), allow(admins))
	v1.GET("/ngos", handleNGOList(d.NGO), allow(anyRole))
	v1.GET("/ngos/:bin", handleNGOGet(d.NGO), allow(anyRole))
	v1.GET("/ngos/:bin/versions", handleNGOVersions(d.NGO), allow(anyRole))
	v1.GET("/ngos/:bin/eligibility", handleNGOEligibility(d.NGO), allow(anyRole))
	v1.PUT("/ngos/:bin/reports/:year", handleNGOReportPut(d.NGO), allow(ngoOnly))
	v1.GET("/ngos/:bin/reports/:year", handleNGOReportGet(d.NGO), allow(ngoReportReaders))
	v1.GET("/ngos/:bin/reports/:year/versions", handleNGOReportVersions(d.NGO), allow(ngoReportReaders))
	v1.POST("/ngos/:bin/reports/:year/submit", handleNGOReportSubmit(d.NGO), allow(ngoOnly))
	v1.POST("/ngos/:bin/reports/:year/accept", handleNGOReportDecide(d.NGO, true), allow(admins))
	v1.POST("/ngos/:bin/reports/:year/return", handleNGOReportDecide(d.NGO, false), allow(admins))
	e.GET("/open-data/ngos.json", handleNGOOpenData(d.NGO, "json"))
	e.GET("/open-data/ngos.csv", handleNGOOpenData(d.NGO, "csv"))
	// Web pages (SPEC 11): the same services, and who sees what decided by
	// the role sets and scope functions above, handed to the pages.
	pages := web.New(web.Deps{
		Pool: d.Pool, Keys: d.Keys, BoxOffice: d.BoxOffice, Settlement: d.Settlement, Registry: d.Registry,
		Ledger: d.Ledger.reader(), Logger: d.Logger, Now: d.Now,
		WitnessKeys: d.Ledger.witnessKeys(), WitnessQuorum: d.Ledger.witnessQuorum(), Ticketing: d.Ticketing, Archive: d.Archive,
		Museum: d.Museum, Library: d.Library,
		NGO: d.NGO, Fund: d.Fund, Hubs: d.Hubs,
		Access: web.Access{BoxOffice: rankingRoles, Share: shareRoles, Statements: partyRoles,
			StatementScope: func(ctx context.Context, p apikey.Principal, q *settlement.StatementQuery) error {
				return statementScope(ctx, d.Settlement, p, q)
			},
			LedgerScope: d.Ledger.ledgerScope},
	})
	page(e.GET("/", pages.Home()))
	page(e.GET("/login", pages.LoginForm()))
	page(e.POST("/login", pages.Login()))
	page(e.POST("/logout", pages.Logout()))
	page(e.GET("/boxoffice", pages.BoxOffice()))
	page(e.GET("/boxoffice.csv", pages.BoxOfficeCSV()))
	page(e.GET("/statements", pages.Statements()))
	page(e.GET("/statements/download", pages.StatementDownload()))
	page(e.GET("/verify", pages.Verify()))
	page(e.GET("/tickets", pages.Tickets()))
	page(e.GET("/archive", pages.Archive()))
	page(e.GET("/library", pages.Library()))
	page(e.GET("/museums", pages.Museums()))
	page(e.GET("/museums/:mid/:inv", pages.MuseumObject()))
	page(e.GET("/creative", pages.Creative()))
	page(e.GET("/ngos", pages.NGOs()))
	page(e.GET("/grants", pages.Grants()))
	page(e.GET("/hubs", pages.Hubs()))
	page(e.GET("/verify/entries/:seq", pages.VerifyEntry()))
	page(e.GET("/static/*", pages.Static()))

	// Unified e-ticketing (CULTURE 1): venues by admin; events, sessions,
	// sales, refunds and gates by the venue's key (scope checked by the
	// service); the trust list is public.
	v1.PUT("/venues/:id", handleVenuePut(d.Ticketing), allow(admins))
	v1.GET("/venues/:id", handleVenueGet(d.Ticketing), allow(anyRole))
	v1.GET("/venues", handleVenueList(d.Ticketing), allow(anyRole))
	v1.GET("/venues/:id/versions", handleTicketingVersions(d.Ticketing, "venue"), allow(anyRole))
	v1.POST("/venues/:id/keys/rotate", handleVenueKeyRotate(d.Ticketing), allow(admins))
	v1.PUT("/events/:id", handleEventPut(d.Ticketing), allow(venueWriters))
	v1.GET("/events/:id", handleEventGet(d.Ticketing), allow(anyRole))
	v1.GET("/events", handleEventList(d.Ticketing), allow(anyRole))
	v1.GET("/events/:id/versions", handleTicketingVersions(d.Ticketing, "event"), allow(anyRole))
	v1.PUT("/events/:id/sessions/:sid", handleSessionPut(d.Ticketing), allow(venueWriters))
	v1.GET("/events/:id/sessions/:sid", handleSessionGet(d.Ticketing), allow(anyRole))
	v1.GET("/events/:id/sessions", handleSessionList(d.Ticketing), allow(anyRole))
	v1.GET("/events/:id/sessions/:sid/versions", handleTicketingVersions(d.Ticketing, "session"), allow(anyRole))
	pub.GET("/tickets/keys", handleTicketKeys(d.Ticketing))
	v1.POST("/tickets/sales", handleTicketSales(d.Ticketing), allow(venueOnly))
	v1.POST("/tickets/refunds", handleTicketRefunds(d.Ticketing), allow(venueOnly))
	v1.POST("/tickets/checkins", handleTicketCheckin(d.Ticketing), allow(venueOnly))
	v1.POST("/tickets/checkins/batch", handleTicketCheckinBatch(d.Ticketing), allow(venueOnly))
	v1.GET("/tickets/revocations", handleTicketRevocations(d.Ticketing), allow(venueOnly))
	v1.GET("/tickets/:id", handleTicketGet(d.Ticketing), allow(venueWriters))
	v1.GET("/tickets/:id/qr.png", handleTicketQR(d.Ticketing), allow(venueWriters))
	pub.GET("/tickets/stats", handleTicketStats(d.Ticketing, d.Keys)) // public view without a key; roles checked inside

	// Museums (CULTURE 4): curators write their museum's catalogue; the
	// published catalogue, IIIF (Image API level 0 and Presentation 3) and
	// LIDO are public, with CORS open; a key shows its museum's unpublished
	// objects.
	pub.GET("/museums/objects", handleMuseumSearch(d.Museum))
	pub.GET("/museums/:mid", handleMuseumGet(d.Museum))
	pub.GET("/museums/:mid/objects/:inv", handleMuseumObjectGet(d.Museum), s.optionalKey)
	v1.PUT("/museums/:mid/objects/:inv", handleMuseumObjectPut(d.Museum), allow(curators))
	v1.GET("/museums/:mid/objects/:inv/versions", handleMuseumObjectVersions(d.Museum), allow(museumReaders))
	v1.POST("/museums/:mid/objects/:inv/events", handleMuseumEventCreate(d.Museum), allow(curators))
	v1.GET("/museums/:mid/objects/:inv/events", handleMuseumEventList(d.Museum), allow(museumReaders))
	v1.PUT("/museums/:mid/objects/:inv/images/:n", handleMuseumImagePut(d.Museum), allow(curators))
	iiif := e.Group("/iiif/3", openCORS, s.optionalKey)
	iiif.GET("/manifests/:mid/:inv", handleIIIFManifest(d.Museum))
	iiif.GET("/collections/:mid", handleIIIFCollection(d.Museum))
	iiif.GET("/:image", handleIIIFBase())
	iiif.GET("/:image/info.json", handleIIIFInfo(d.Museum))
	iiif.GET("/:image/:region/:size/:rotation/:file", handleIIIFImage(d.Museum))
	e.GET("/lido/:mid/:inv", handleLIDO(d.Museum), openCORS, s.optionalKey)
	// Creative Industry Development Fund (CULTURE 5): awards and disbursements are ledger entries.
	v1.PUT("/fund/calls/:id", handleFundCallPut(d.Fund), allow(fundOfficers))
	v1.GET("/fund/calls", handleFundCallList(d.Fund), allow(fundCallsReadable))
	v1.GET("/fund/calls/:id", handleFundCallGet(d.Fund), allow(fundCallsReadable))
	v1.POST("/fund/calls/:id/applications", handleFundApply(d.Fund), allow(fundApplicants))
	v1.GET("/fund/calls/:id/applications", handleFundApplications(d.Fund), allow(fundAppReaders))
	v1.GET("/fund/applications/:id", handleFundApplicationGet(d.Fund), allow(fundAppReaders))
	v1.GET("/fund/applications/:id/reviews", handleFundReviews(d.Fund), allow(fundReaders))
	v1.PUT("/fund/applications/:id/reviews/:expert", handleFundReviewPut(d.Fund), allow(fundExperts))
	v1.POST("/fund/applications/:id/decision", handleFundDecision(d.Fund), allow(fundOfficers))
	v1.GET("/fund/grants/:id", handleFundGrantGet(d.Fund), allow(fundGrantReaders))
	v1.POST("/fund/grants/:id/disbursements", handleFundDisburse(d.Fund), allow(fundOfficers))
	v1.GET("/fund/stats", handleFundStats(d.Fund, d.Investments, d.Now), allow(fundStatsReaders))
	e.GET("/open-data/360giving.json", handleFundGiving(d.Fund))
	// e-Archive (CULTURE 2): reads are public with an optional key (an
	// archivist or auditor key also sees restricted units); writes, persons
	// and the sync for archivists.
	arc := e.Group("/v1/archive", s.optionalKey)
	arc.GET("/units", handleArchiveUnits(d.Archive))
	arc.GET("/units/:id", handleArchiveUnitGet(d.Archive))
	arc.GET("/units/:id/versions", handleArchiveUnitVersions(d.Archive))
	arc.GET("/units/:id/events", handleArchiveUnitEvents(d.Archive))
	arc.GET("/units/:id/dip", handleArchiveDIP(d.Archive, s.log))
	v1.PUT("/archive/units/:id", handleArchiveUnitPut(d.Archive), allow(archivists))
	v1.DELETE("/archive/units/:id", handleArchiveUnitDelete(d.Archive), allow(archivists))
	v1.POST("/archive/units/:id/deposits", handleArchiveDeposit(d.Archive), allow(archivists))
	v1.PUT("/archive/persons/:id", handleArchivePersonPut(d.Archive), allow(archivists))
	v1.GET("/archive/persons/:id", handleArchivePersonGet(d.Archive), allow(archivists))
	v1.GET("/archive/persons/:id/versions", handleArchivePersonVersions(d.Archive), allow(archivists))
	v1.GET("/archive/persons", handleArchivePersons(d.Archive), allow(archivists))
	v1.GET("/archive/sync", handleArchiveSyncStatus(d.Archive), allow(archivists))
	v1.POST("/archive/sync/:id/retry", handleArchiveSyncRetry(d.Archive), allow(archivists))

	// e-Library (CULTURE 3): catalogue writes for librarians, public reads;
	// readers sign in with HTTP Basic (card number and password).
	v1.PUT("/library/works/:id", handleLibraryWorkPut(d.Library), allow(librarians))
	pub.GET("/library/works/:id", handleLibraryWorkGet(d.Library))
	pub.GET("/library/works/:id/versions", handleLibraryVersions(d.Library, "work"))
	v1.PUT("/library/editions/:id", handleLibraryEditionPut(d.Library), allow(librarians))
	pub.GET("/library/editions/:id", handleLibraryEditionGet(d.Library))
	pub.GET("/library/editions/:id/versions", handleLibraryVersions(d.Library, "edition"))
	v1.PUT("/library/editions/:id/file", handleLibraryUpload(d.Library, "file"), allow(librarians))
	v1.PUT("/library/editions/:id/cover", handleLibraryUpload(d.Library, "cover"), allow(librarians))
	v1.PUT("/library/editions/:id/tracks/:n", handleLibraryUpload(d.Library, "track"), allow(librarians))
	v1.POST("/library/readers", handleLibraryReaderCreate(d.Library), allow(librarians))
	e.POST("/v1/library/editions/:id/loans", handleLibraryBorrow(d.Library), readerAuth(d.Library))
	e.POST("/v1/library/editions/:id/holds", handleLibraryHold(d.Library), readerAuth(d.Library))
	e.POST("/v1/library/loans/:id/return", handleLibraryReturn(d.Library), s.readerOrKey(d.Library))
	v1.PUT("/library/plr-rates/:from", handleLibraryRatePut(d.Library), allow(admins))
	pub.GET("/library/plr-rates", handleLibraryRates(d.Library))
	v1.GET("/library/remuneration", handleLibraryRemuneration(d.Library), allow(plrRoles))
	// Files for reading apps: covers always, open editions' files and
	// tracks, lent editions' behind signed links (range requests).
	e.GET("/library/editions/:id/cover", handleLibraryPublicFile(d.Library, "cover"))
	e.GET("/library/editions/:id/thumbnail", handleLibraryPublicFile(d.Library, "thumbnail"))
	e.GET("/library/editions/:id/file", handleLibraryPublicFile(d.Library, "file"))
	e.GET("/library/editions/:id/tracks/:n", handleLibraryPublicFile(d.Library, "track"))
	e.GET("/library/editions/:id/manifest.json", handleLibraryOpenManifest(d.Library))
	e.GET("/library/loans/:id/file", handleLibraryLoanFile(d.Library, "file"))
	e.GET("/library/loans/:id/manifest.json", handleLibraryLoanFile(d.Library, "manifest.json"))
	e.GET("/library/loans/:id/tracks/:n", handleLibraryLoanFile(d.Library, "tracks"))
	// OPDS 1.2 (Atom) at /opds and OPDS 2.0 at /opds/v2, from one model.
	for _, o := range []struct {
		base string
		v    opdsVersion
	}{{"/opds", opds1}, {"/opds/v2", opds2}} {
		e.GET(o.base, handleOPDSRoot(d.Library, o.v))
		e.GET(o.base+"/new", handleOPDSAcquisition(d.Library, o.v, "new"))
		e.GET(o.base+"/popular", handleOPDSAcquisition(d.Library, o.v, "popular"))
		e.GET(o.base+"/audiobooks", handleOPDSAcquisition(d.Library, o.v, "audiobooks"))
		e.GET(o.base+"/languages", handleOPDSNav(d.Library, o.v, true))
		e.GET(o.base+"/subjects", handleOPDSNav(d.Library, o.v, false))
		e.GET(o.base+"/subjects/:subject", handleOPDSAcquisition(d.Library, o.v, "subject"))
		e.GET(o.base+"/search", handleOPDSAcquisition(d.Library, o.v, "search"))
		e.GET(o.base+"/books/:id", handleOPDSBook(d.Library, o.v))
		e.GET(o.base+"/shelf", handleOPDSShelf(d.Library, o.v), readerAuth(d.Library))
		e.GET(o.base+"/borrow/:id", handleOPDSBorrow(d.Library, o.v), readerAuth(d.Library))
		e.GET(o.base+"/auth", handleOPDSAuth())
	}
	e.GET("/opds/opensearch.xml", handleOpenSearch(d.Library))
	// Creative hubs (CULTURE 5): a hub_operator key acts for its hub; a deal is a ledger entry.
	v1.PUT("/hubs/:id", handleHubPut(d.Hubs), allow(admins))
	v1.GET("/hubs", handleHubList(d.Hubs), allow(anyRole))
	v1.GET("/hubs/:id", handleHubGet(d.Hubs), allow(anyRole))
	v1.PUT("/hubs/:id/events/:eid", handleHubEventPut(d.Hubs), allow(hubOperators))
	v1.GET("/hubs/:id/events", handleHubEvents(d.Hubs), allow(anyRole))
	v1.GET("/hubs/:id/events/:eid", handleHubEventGet(d.Hubs), allow(anyRole))
	v1.PUT("/investors/:id", handleInvestorPut(d.Hubs), allow(admins))
	v1.GET("/investors", handleInvestorList(d.Hubs), allow(investorReader))
	v1.GET("/investors/:id", handleInvestorGet(d.Hubs), allow(investorReader))
	v1.PUT("/hubs/:id/pitches/:pid", handlePitchPut(d.Hubs), allow(hubOperators))
	v1.GET("/hubs/:id/pitches", handlePitches(d.Hubs), allow(hubPitchRoles))
	v1.GET("/hubs/:id/pitches/:pid", handlePitchGet(d.Hubs), allow(hubPitchRoles))
	v1.GET("/hubs/:id/pitches/:pid/matches", handlePitchMatches(d.Hubs), allow(hubPitchRoles))
	v1.GET("/hubs/:id/pitches/:pid/introductions", handleIntroductions(d.Hubs), allow(hubPitchRoles))
	v1.POST("/hubs/:id/pitches/:pid/introductions", handleIntroduce(d.Hubs), allow(hubOperators))
	v1.GET("/hubs/:id/pitches/:pid/introductions/:iid", handleIntroductionGet(d.Hubs), allow(hubPitchRoles))
	v1.POST("/hubs/:id/pitches/:pid/introductions/:iid/outcome", handleIntroductionOutcome(d.Hubs), allow(hubOperators))
	e.GET("/open-data/hubs.geojson", handleHubsGeoJSON(d.Hubs))
	e.GET("/hubs/:id/events.ics", handleHubICal(d.Hubs))
}

// PageRoute is the name of every web page route: pages are for people and
// stay out of the OpenAPI document.
const PageRoute = "web-page"

func page(r *echo.Route) { r.Name = PageRoute }
