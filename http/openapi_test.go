package http

import (
	"encoding/json"
	"sort"
	"strings"
	"testing"
)

// TestOpenAPIMatchesRoutes: every route registered under /api/v1 is in
// openapi.json and every documented operation is registered, so partners
// can trust the document.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	var doc struct {
		OpenAPI    string                                `json:"openapi"`
		Paths      map[string]map[string]json.RawMessage `json:"paths"`
		Components struct {
			Schemas   map[string]json.RawMessage `json:"schemas"`
			Responses map[string]json.RawMessage `json:"responses"`
		} `json:"components"`
	}
	if err := json.Unmarshal(openAPI, &doc); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	if doc.OpenAPI != "3.1.0" {
		t.Errorf("openapi = %q, want 3.1.0", doc.OpenAPI)
	}
	documented := map[string]bool{}
	for path, ops := range doc.Paths {
		for method, op := range ops {
			key := strings.ToUpper(method) + " " + path
			documented[key] = true
			var o struct {
				OperationID string                     `json:"operationId"`
				Summary     string                     `json:"summary"`
				Responses   map[string]json.RawMessage `json:"responses"`
			}
			json.Unmarshal(op, &o)
			if o.OperationID == "" || o.Summary == "" || len(o.Responses) < 3 {
				t.Errorf("%s: missing operationId, summary or error responses", key)
			}
			for _, code := range []string{"400", "429", "500"} {
				if _, ok := o.Responses[code]; !ok {
					t.Errorf("%s: error response %s not documented", key, code)
				}
			}
		}
	}
	var s Server
	registered := map[string]bool{}
	for _, rt := range s.apiRoutes() {
		registered[rt.Method+" "+rt.Path] = true
	}
	var problems []string
	for k := range registered {
		if !documented[k] {
			problems = append(problems, "undocumented route: "+k)
		}
	}
	for k := range documented {
		if !registered[k] {
			problems = append(problems, "documented but not registered: "+k)
		}
	}
	sort.Strings(problems)
	for _, p := range problems {
		t.Error(p)
	}
	// Every $ref points at something that exists.
	for _, ref := range refRe(string(openAPI)) {
		name := ref[strings.LastIndex(ref, "/")+1:]
		_, s1 := doc.Components.Schemas[name]
		_, s2 := doc.Components.Responses[name]
		if !s1 && !s2 {
			t.Errorf("dangling $ref %s", ref)
		}
	}
}

func refRe(s string) []string {
	var out []string
	for {
		i := strings.Index(s, `"$ref": "`)
		if i < 0 {
			return out
		}
		s = s[i+9:]
		out = append(out, s[:strings.IndexByte(s, '"')])
	}
}
