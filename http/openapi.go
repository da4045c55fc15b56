package http

import (
	_ "embed"
	"encoding/json"
	"net/http"
	"sort"
	"strings"

	"github.com/esambat/esambat"
)

// openAPI is the OpenAPI 3.1 description of /api/v1, written by hand and
// checked against apiRoutes by a test.
//
//go:embed openapi.json
var openAPI []byte

func (s *Server) handleOpenAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Access-Control-Allow-Origin", "*")
	_, _ = w.Write(openAPI)
}

// docOp is one operation as the docs page shows it.
type docOp struct {
	Method, Path, Summary, Auth string
	Params                      []string
	Body                        string
	Responses                   []string
}

// apiDocs reads the OpenAPI document once into what the docs page lists.
func apiDocs() ([]docOp, error) {
	var doc struct {
		Paths map[string]map[string]struct {
			Summary    string `json:"summary"`
			Parameters []struct {
				Name, In string
				Required bool
			} `json:"parameters"`
			RequestBody *struct {
				Content map[string]struct {
					Schema map[string]any `json:"schema"`
				} `json:"content"`
			} `json:"requestBody"`
			Responses map[string]json.RawMessage `json:"responses"`
			Security  []map[string][]string      `json:"security"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(openAPI, &doc); err != nil {
		return nil, err
	}
	var out []docOp
	for path, ops := range doc.Paths {
		for method, o := range ops {
			d := docOp{Method: strings.ToUpper(method), Path: path, Summary: o.Summary, Auth: "—"}
			for _, p := range o.Parameters {
				req := ""
				if p.Required {
					req = " (wajib)"
				}
				d.Params = append(d.Params, p.Name+" ["+p.In+"]"+req)
			}
			if o.RequestBody != nil {
				for ct, c := range o.RequestBody.Content {
					name := ct
					if ref, ok := c.Schema["$ref"].(string); ok {
						name += ": " + ref[strings.LastIndex(ref, "/")+1:]
					}
					d.Body = name
				}
			}
			var auth []string
			for _, sec := range o.Security {
				for k := range sec {
					auth = append(auth, k)
				}
			}
			sort.Strings(auth)
			if len(auth) > 0 {
				d.Auth = strings.Join(auth, ", ")
			}
			for code := range o.Responses {
				d.Responses = append(d.Responses, code)
			}
			sort.Strings(d.Responses)
			out = append(out, d)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Path != out[j].Path {
			return out[i].Path < out[j].Path
		}
		return out[i].Method < out[j].Method
	})
	return out, nil
}

// handleAPIDocs is a readable page of the API, served from the binary.
func (s *Server) handleAPIDocs(w http.ResponseWriter, r *http.Request) {
	ops, err := apiDocs()
	if err != nil {
		s.pageError(w, r, esambat.Internal(err))
		return
	}
	p := s.newPage(w, r, "Dokumentasi API")
	p.Data = ops
	s.render(w, r, http.StatusOK, "api_docs", p)
}
