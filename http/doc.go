// Package http serves E-Sambat over HTTP: the health and metrics endpoints,
// the JSON API under /api/v1 and (with later work) the resident and staff
// pages. Handlers decode input, call esambat.Service and encode the
// result; business rules stay in the domain.
//
// Errors are written in one place (Error): an *esambat.Error's code maps
// to an HTTP status and the documented JSON shape
// {"error":{"code","message","fields"}}; anything else is logged in full
// and answered with a generic EINTERNAL.
package http
