package open311_test

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/esambat/esambat"
	"github.com/esambat/esambat/geo"
	esambathttp "github.com/esambat/esambat/http"
	"github.com/esambat/esambat/internal/testdb"
	"github.com/esambat/esambat/media"
	"github.com/esambat/esambat/open311"
	"github.com/esambat/esambat/password"
	"github.com/esambat/esambat/refdata"
	"github.com/esambat/esambat/secret"
	"github.com/esambat/esambat/sqldb"
)

// env is the whole site (package http with the Open311 handler mounted,
// as cmd/esambat wires it) on a fresh SQLite database.
type env struct {
	t     *testing.T
	srv   *httptest.Server
	base  string // the site's BaseURL
	db    *sqldb.DB
	svc   *esambat.Service
	clock *testClock
	loc   *geo.Locator
	// key is a partner API key with the default scopes.
	key    string
	keyID  int64
	admin  esambat.Actor
	pupr   esambat.Actor // petugas of dinas-pupr
	warga  esambat.Actor // a resident named wargaName
	inside [2]float64    // a point in Kelurahan Pohjentrek (Kota Pasuruan)
	bangil [2]float64    // a point in Kecamatan Bangil (Kabupaten Pasuruan)
}

const wargaName = "Budi Santoso Wibowo"

type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func newEnv(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	clock := &testClock{t: time.Date(2026, 3, 3, 9, 0, 0, 0, esambat.WIB)}
	db, set, wilayah := testdb.SQLite(t, clock.Now)
	loc, err := geo.NewDefaultLocator()
	if err != nil {
		t.Fatal(err)
	}
	holidays, err := set.Holidays()
	if err != nil {
		t.Fatal(err)
	}
	keys, err := secret.Load(t.TempDir(), "")
	if err != nil {
		t.Fatal(err)
	}
	svc := &esambat.Service{
		Reports: db, Audit: db, Users: db, Reference: db, Templates: db, APIKeys: db, Locator: loc,
		Wilayah: wilayah, CityCode: refdata.CityCode,
		Clocks: esambat.Clocks{Calendar: esambat.NewCalendar(holidays), SLA: esambat.DefaultSLA()}, Now: clock.Now,
		Auth: esambat.AuthService{Tokens: db, PhoneCodes: db, Hasher: password.Hasher{Params: password.Params{Memory: 64, Time: 1, Threads: 1}}, Sealer: keys},
	}
	srv := httptest.NewUnstartedServer(nil)
	base := "http://" + srv.Listener.Addr().String()
	server := &esambathttp.Server{Service: svc, DB: db, BaseURL: base, Version: "test",
		Media: media.DirStore{Dir: t.TempDir()}, RateLimits: esambathttp.RateLimits{PerIP: 100000, PerKey: 100000}}
	server.Open311 = &open311.Handler{Service: svc, BaseURL: base, StatusLabels: esambathttp.StatusLabels, StorePhotos: server.StorePhotos}
	server.Open311Error = open311.WriteError
	srv.Config.Handler = server.Handler()
	srv.Start()
	t.Cleanup(srv.Close)

	e := &env{t: t, srv: srv, base: base, db: db, svc: svc, clock: clock, loc: loc}
	secretKey, k, err := svc.IssueAPIKey(ctx, "Aplikasi Lapor Warga", nil)
	if err != nil {
		t.Fatal(err)
	}
	e.key, e.keyID = secretKey, k.ID
	e.admin = e.user(esambat.RoleAdmin, "Admin Kominfo", "admin@pasuruankota.go.id", "")
	e.pupr = e.user(esambat.RolePetugas, "Petugas PUPR", "pupr@pasuruankota.go.id", "dinas-pupr")
	e.warga = e.user(esambat.RoleWarga, wargaName, "", "")
	lat, lng, ok := loc.InteriorPoint("35.75.02.1001")
	blat, blng, ok2 := loc.InteriorPoint("35.14.14")
	if !ok || !ok2 {
		t.Fatal("no interior points")
	}
	e.inside, e.bangil = [2]float64{lat, lng}, [2]float64{blat, blng}
	return e
}

// user creates an account directly in the store.
func (e *env) user(role esambat.Role, name, email, agency string) esambat.Actor {
	e.t.Helper()
	u := &esambat.User{Role: role, Name: name, Email: email, AgencyCode: agency, DomicileVerified: true, PasswordHash: "x"}
	if role == esambat.RoleWarga {
		u.Phone, u.PhoneConfirmed, u.KelurahanCode = "+6281299990001", true, "35.75.02.1001"
	}
	if err := e.db.CreateUser(context.Background(), u); err != nil {
		e.t.Fatal(err)
	}
	return esambat.Actor{UserID: u.ID, Role: role, AgencyCode: agency}
}

// response is a decoded answer.
type response struct {
	Status int
	Header http.Header
	Body   []byte
}

func (r response) String() string { return strconv.Itoa(r.Status) + " " + string(r.Body) }

func (e *env) do(req *http.Request) response {
	e.t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return response{resp.StatusCode, resp.Header, b}
}

// get fetches a path of the site, e.g. /open311/v2/services.xml.
func (e *env) get(path string) response {
	e.t.Helper()
	req, err := http.NewRequest("GET", e.srv.URL+path, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	return e.do(req)
}

// post sends an urlencoded form; headers are name, value pairs.
func (e *env) post(path string, form url.Values, headers ...string) response {
	e.t.Helper()
	req, err := http.NewRequest("POST", e.srv.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return e.do(req)
}

// postRaw sends body with the given Content-Type ("" = none).
func (e *env) postRaw(path, contentType, body string) response {
	e.t.Helper()
	req, err := http.NewRequest("POST", e.srv.URL+path, strings.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	return e.do(req)
}

// postMultipart sends the form as multipart/form-data with files in the
// media field.
func (e *env) postMultipart(path string, form url.Values, files ...[]byte) response {
	e.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, vs := range form {
		for _, v := range vs {
			_ = mw.WriteField(k, v)
		}
	}
	for i, f := range files {
		fw, err := mw.CreateFormFile("media", "foto"+strconv.Itoa(i)+".jpg")
		if err != nil {
			e.t.Fatal(err)
		}
		_, _ = fw.Write(f)
	}
	_ = mw.Close()
	req, err := http.NewRequest("POST", e.srv.URL+path, &buf)
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return e.do(req)
}

// form is a valid POST requests body for service 101 at the point inside
// the city; mods change it.
func (e *env) form(mods ...func(url.Values)) url.Values {
	v := url.Values{
		"api_key":      {e.key},
		"service_code": {"101"},
		"lat":          {strconv.FormatFloat(e.inside[0], 'f', -1, 64)},
		"long":         {strconv.FormatFloat(e.inside[1], 'f', -1, 64)},
		"description":  {"Jalan berlubang besar di depan SD Negeri Pohjentrek. Sudah dua pengendara motor jatuh minggu ini."},
	}
	for _, m := range mods {
		m(v)
	}
	return v
}

// create posts a request through Open311 and returns its ticket.
func (e *env) create(mods ...func(url.Values)) string {
	e.t.Helper()
	r := e.post("/open311/v2/requests.json", e.form(mods...))
	if r.Status != 200 {
		e.t.Fatalf("POST requests = %s", r)
	}
	var out []struct {
		ID string `json:"service_request_id"`
	}
	if err := json.Unmarshal(r.Body, &out); err != nil || len(out) != 1 || out[0].ID == "" {
		e.t.Fatalf("POST requests answer %s: %v", r.Body, err)
	}
	return out[0].ID
}

// submit stores a report directly as actor (a resident's own report, or
// one the admin enters) with the given visibility.
func (e *env) submit(actor esambat.Actor, vis esambat.Visibility, category string) string {
	e.t.Helper()
	lat, lng := e.inside[0], e.inside[1]
	in := esambat.ReportInput{Type: esambat.TypePengaduan, CategoryCode: category, Title: "Laporan " + string(vis) + " untuk uji",
		Description: "Uraian laporan " + string(vis) + " yang cukup panjang untuk uji Open311.", Lat: &lat, Lng: &lng,
		Address: "Jl. Panglima Sudirman 5", Visibility: vis, Channel: esambat.ChannelWeb}
	if actor.Role == esambat.RoleAdmin {
		in.Channel = esambat.ChannelWalkIn
	}
	r, _, err := e.svc.SubmitReport(context.Background(), actor, in, "")
	if err != nil {
		e.t.Fatal(err)
	}
	return r.Ticket
}

// act takes a workflow step as actor.
func (e *env) act(actor esambat.Actor, ticket string, in esambat.ActionInput) {
	e.t.Helper()
	if _, err := e.svc.Act(context.Background(), actor, ticket, in); err != nil {
		e.t.Fatalf("%s %s: %v", in.Action, ticket, err)
	}
}

// verify verifies a report and disposes it to Dinas PUPR (publishing it
// unless it is rahasia).
func (e *env) verify(ticket string) {
	e.t.Helper()
	e.act(e.admin, ticket, esambat.ActionInput{Action: esambat.ActionVerify, Agency: "dinas-pupr"})
}

// finish takes a verified report to selesai.
func (e *env) finish(ticket string) {
	e.t.Helper()
	e.act(e.pupr, ticket, esambat.ActionInput{Action: esambat.ActionAccept, Plan: "Tambal sulam minggu ini."})
	e.act(e.pupr, ticket, esambat.ActionInput{Action: esambat.ActionFinish, Text: "Lubang sudah ditambal."})
}

// testJPEG returns a small JPEG photo.
func testJPEG(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 320, 240))
	for y := 0; y < 240; y++ {
		for x := 0; x < 320; x++ {
			img.Set(x, y, color.RGBA{uint8(x), uint8(y), 120, 255})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 80}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// Schemas. testdata/schema holds the official GeoReport v2 schemas
// (open311/schema-validation, schema/georeport-v2) unchanged; the
// specification has none for discovery, errors and the POST answer, so
// testdata/schema-esambat holds ours, written from the specification's
// text.
var (
	schemaOnce sync.Once
	schemas    map[string]*jsonschema.Schema
	schemaErr  error
)

func schema(t *testing.T, name string) *jsonschema.Schema {
	t.Helper()
	schemaOnce.Do(func() {
		c := jsonschema.NewCompiler()
		c.AssertFormat()
		schemas = map[string]*jsonschema.Schema{}
		add := func(dir, base string) []string {
			paths, err := filepath.Glob(filepath.Join("testdata", dir, "*.json"))
			if err != nil || len(paths) == 0 {
				schemaErr = err
				if err == nil {
					schemaErr = os.ErrNotExist
				}
				return nil
			}
			var urls []string
			for _, p := range paths {
				f, err := os.Open(p)
				if err != nil {
					schemaErr = err
					return nil
				}
				doc, err := jsonschema.UnmarshalJSON(f)
				f.Close()
				if err != nil {
					schemaErr = err
					return nil
				}
				u := base + filepath.Base(p)
				if err := c.AddResource(u, doc); err != nil {
					schemaErr = err
					return nil
				}
				urls = append(urls, u)
			}
			return urls
		}
		urls := append(add("schema", "https://schema.open311.example/georeport-v2/"), add("schema-esambat", "https://schema.esambat.example/open311/")...)
		for _, u := range urls {
			sch, err := c.Compile(u)
			if err != nil {
				schemaErr = err
				return
			}
			schemas[strings.TrimSuffix(u[strings.LastIndexByte(u, '/')+1:], ".json")] = sch
		}
	})
	if schemaErr != nil {
		t.Fatalf("loading schemas: %v", schemaErr)
	}
	s := schemas[name]
	if s == nil {
		t.Fatalf("no schema %q", name)
	}
	return s
}

// validJSON checks a JSON response's content type and validates its body
// against the named schema.
func validJSON(t *testing.T, r response, name string) {
	t.Helper()
	if ct := r.Header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
		t.Errorf("Content-Type = %q", ct)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(r.Body))
	if err != nil {
		t.Fatalf("bad JSON %s: %v", r.Body, err)
	}
	if err := schema(t, name).Validate(doc); err != nil {
		t.Errorf("%s does not validate against %s: %v", r.Body, name, err)
	}
}

// node is an XML element: its name, text and children.
type node struct {
	name string
	text string
	kids []*node
}

// parseXML checks the declaration, the content type and the absence of
// namespaces, and returns the root element.
func parseXML(t *testing.T, r response) *node {
	t.Helper()
	if ct := r.Header.Get("Content-Type"); ct != "text/xml; charset=utf-8" {
		t.Errorf("Content-Type = %q", ct)
	}
	if !bytes.HasPrefix(r.Body, []byte(`<?xml version="1.0" encoding="utf-8"?>`)) {
		t.Errorf("XML does not start with the declaration: %.60s", r.Body)
	}
	dec := xml.NewDecoder(bytes.NewReader(r.Body))
	var stack []*node
	var root *node
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("bad XML %s: %v", r.Body, err)
		}
		switch x := tok.(type) {
		case xml.StartElement:
			if x.Name.Space != "" || len(x.Attr) > 0 {
				t.Errorf("element %v has a namespace or attributes", x.Name)
			}
			n := &node{name: x.Name.Local}
			if len(stack) > 0 {
				p := stack[len(stack)-1]
				p.kids = append(p.kids, n)
			} else if root != nil {
				t.Fatal("two root elements")
			} else {
				root = n
			}
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].text += string(x)
			}
		}
	}
	if root == nil {
		t.Fatalf("no XML root in %s", r.Body)
	}
	return root
}

// items names the repeated element inside each list element.
var items = map[string]string{
	"services": "service", "service_requests": "request", "errors": "error",
	"endpoints": "endpoint", "formats": "format", "attributes": "attribute", "values": "value",
	"service_request_updates": "request_update",
}

// sameDoc checks that an XML document carries exactly what its JSON twin
// does: the same fields, empty elements where JSON has null, and text
// that reads as the JSON value (numbers, booleans, strings).
func sameDoc(t *testing.T, x *node, j []byte) {
	t.Helper()
	var v any
	dec := json.NewDecoder(bytes.NewReader(j))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("bad JSON %s: %v", j, err)
	}
	if err := compare(x, v, x.name); err != "" {
		t.Errorf("XML and JSON differ: %s", err)
	}
}

func compare(x *node, v any, path string) string {
	switch jv := v.(type) {
	case nil:
		if strings.TrimSpace(x.text) != "" || len(x.kids) > 0 {
			return path + ": JSON null, XML " + strconv.Quote(x.text)
		}
	case string:
		if x.text != jv || len(x.kids) > 0 {
			return path + ": JSON " + strconv.Quote(jv) + ", XML " + strconv.Quote(x.text)
		}
	case bool:
		if x.text != strconv.FormatBool(jv) {
			return path + ": JSON " + strconv.FormatBool(jv) + ", XML " + strconv.Quote(x.text)
		}
	case json.Number:
		a, err1 := strconv.ParseFloat(x.text, 64)
		b, err2 := jv.Float64()
		if err1 != nil || err2 != nil || a != b {
			return path + ": JSON " + jv.String() + ", XML " + strconv.Quote(x.text)
		}
	case []any:
		item := items[x.name]
		if item == "" {
			return path + ": no item name known for list " + x.name
		}
		if len(x.kids) != len(jv) {
			return path + ": JSON has " + strconv.Itoa(len(jv)) + " items, XML " + strconv.Itoa(len(x.kids))
		}
		for i, k := range x.kids {
			if k.name != item {
				return path + ": XML item " + k.name + ", want " + item
			}
			if d := compare(k, jv[i], path+"/"+item+"["+strconv.Itoa(i)+"]"); d != "" {
				return d
			}
		}
	case map[string]any:
		var xn, jn []string
		byName := map[string]*node{}
		for _, k := range x.kids {
			xn = append(xn, k.name)
			byName[k.name] = k
		}
		for k := range jv {
			jn = append(jn, k)
		}
		sort.Strings(xn)
		sort.Strings(jn)
		if !reflect.DeepEqual(xn, jn) {
			return path + ": XML fields " + strings.Join(xn, ",") + ", JSON fields " + strings.Join(jn, ",")
		}
		for k, val := range jv {
			if d := compare(byName[k], val, path+"/"+k); d != "" {
				return d
			}
		}
	default:
		return path + ": unexpected JSON value"
	}
	return ""
}

// both fetches path in XML and JSON, validates the JSON against the
// schema (when named) and checks that the two say the same. It returns
// the JSON answer.
func (e *env) both(path string, status int, schemaName string) response {
	e.t.Helper()
	j := e.get(path + ".json")
	x := e.get(path + ".xml")
	if j.Status != status || x.Status != status {
		e.t.Fatalf("GET %s = %d (JSON) %d (XML), want %d: %s", path, j.Status, x.Status, status, j.Body)
	}
	if schemaName != "" {
		validJSON(e.t, j, schemaName)
	}
	sameDoc(e.t, parseXML(e.t, x), j.Body)
	return j
}

// requests decodes a service_requests JSON answer.
func requests(t *testing.T, r response) []map[string]any {
	t.Helper()
	var out []map[string]any
	if err := json.Unmarshal(r.Body, &out); err != nil {
		t.Fatalf("bad JSON %s: %v", r.Body, err)
	}
	return out
}

// errorsOf decodes an error list and checks it against the schema.
func errorsOf(t *testing.T, r response) []string {
	t.Helper()
	validJSON(t, r, "errors")
	var out []struct {
		Code        int    `json:"code"`
		Description string `json:"description"`
	}
	if err := json.Unmarshal(r.Body, &out); err != nil {
		t.Fatalf("bad JSON %s: %v", r.Body, err)
	}
	var d []string
	for _, e := range out {
		if e.Code != r.Status {
			t.Errorf("error code %d, HTTP status %d", e.Code, r.Status)
		}
		d = append(d, e.Description)
	}
	return d
}
