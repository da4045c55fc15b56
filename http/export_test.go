package http

// SetListCountMax lowers the most reports a list page counts, for a test
// with a handful of reports; the returned func restores it. Tests that
// call it must not run in parallel.
func SetListCountMax(n int) (restore func()) {
	old := listCountMax
	listCountMax = n
	return func() { listCountMax = old }
}
