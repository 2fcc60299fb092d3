package migrations

// Versions is versions, for the external test.
var Versions = versions
