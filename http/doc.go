// Package http serves E-Sambat over HTTP: the health and metrics
// endpoints, the JSON API under /api/v1 (its OpenAPI document is
// openapi.json, checked against the routes), Open311 through package
// open311, open data, and the server-rendered pages of residents and
// staff (templates and static files embedded from html/). Handlers
// decode input, call esambat.Service and encode the result; business
// rules stay in the domain.
//
// Errors are written in one place (Error): an *esambat.Error's code maps
// to an HTTP status and the documented JSON shape
// {"error":{"code","message","fields"}}; anything else is logged in full
// and answered with a generic EINTERNAL. Pages show the same messages in
// Bahasa Indonesia, or in English (i18n_en.go) when the visitor chose it.
//
// Sessions are cookies holding a token whose hash the store keeps
// (auth.go); every form carries a CSRF token tied to the session. Rate
// limits (ratelimit.go) guard sign-in, sign-up, codes and the API. A few
// things that only pass through the browser are sealed with the server's
// key rather than stored: a generated password on its way to the page
// that shows it once (shown.go).
package http
