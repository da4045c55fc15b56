package esambat

// SetTickBatch changes the scheduler's page size for a test and returns a
// function that restores it.
func SetTickBatch(n int) func() {
	old := tickBatch
	tickBatch = n
	return func() { tickBatch = old }
}

// SetMaxMove changes how many reports one MoveAgencyReports call moves,
// for a test, and returns a function that restores it.
func SetMaxMove(n int) func() {
	old := maxMovePerCall
	maxMovePerCall = n
	return func() { maxMovePerCall = old }
}
