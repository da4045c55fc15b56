// Package html holds the page templates and static files of E-Sambat,
// embedded in the binary so that one file runs the whole site with no CDN.
package html

import "embed"

// Templates are the page templates (Go html/template).
//
//go:embed templates/*.html
var Templates embed.FS

// Static holds CSS, scripts and the vendored Leaflet.
//
//go:embed static
var Static embed.FS
