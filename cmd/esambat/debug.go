package main

import (
	"net/http"
	"net/http/pprof"
)

// debugHandler serves Go's profiler. It is mounted only on the
// --debug-addr listener (loopback only, see parseConfig), never on the
// public mux: profiles and goroutine dumps show the server's memory.
func debugHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	return mux
}
