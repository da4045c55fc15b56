package http

import (
	"io/fs"

	"github.com/esambat/esambat/http/html"
)

func fsSub() (fs.FS, error) { return fs.Sub(html.Static, "static") }
