package ledger

// SetVerifyRangeForTest makes VerifyDB read ranges of n seqs and returns
// the function that restores the default. Only for tests that do not run
// in parallel.
func SetVerifyRangeForTest(n int64) (restore func()) {
	old := verifyRange
	verifyRange = n
	return func() { verifyRange = old }
}
