package esambat

// SetTickBatch changes the scheduler's page size for a test and returns a
// function that restores it.
func SetTickBatch(n int) func() {
	old := tickBatch
	tickBatch = n
	return func() { tickBatch = old }
}
