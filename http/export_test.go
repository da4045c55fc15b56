package http

// SetListCountMax lowers the most reports a list page counts, for a test
// with a handful of reports; the returned func restores it. Tests that
// call it must not run in parallel.
func SetListCountMax(n int) (restore func()) {
	old := listCountMax
	listCountMax = n
	return func() { listCountMax = old }
}

// SetExportPage sets how many reports the open-data export reads per
// query, so that a test pages through a handful; the returned func
// restores it. Tests that call it must not run in parallel.
func SetExportPage(n int) (restore func()) {
	old := exportPage
	exportPage = n
	return func() { exportPage = old }
}

// HoldExports takes every place for running exports, as that many
// exports running at once would; the returned func gives them back.
func (s *Server) HoldExports() (release func()) {
	for range exportsAtOnce {
		s.exportSem <- struct{}{}
	}
	return func() {
		for range exportsAtOnce {
			<-s.exportSem
		}
	}
}

// ForgetReference drops the server's copy of the reference data, as the
// restart that comes with a change of the reference files would.
func (s *Server) ForgetReference() { s.refs.invalidate() }
