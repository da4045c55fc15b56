package http

import (
	"io/fs"
	"mime/multipart"

	"github.com/esambat/esambat/http/html"
)

func fsSub() (fs.FS, error) { return fs.Sub(html.Static, "static") }

type multipartFile = multipart.FileHeader
