package open311

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"strconv"
)

// format is the response format chosen by the path suffix.
type format string

// Formats. XML is the one the specification requires; JSON is optional
// and listed in the discovery document.
const (
	formatXML  format = "xml"
	formatJSON format = "json"
)

// Content types, exactly as the specification spells them.
const (
	contentTypeXML  = "text/xml; charset=utf-8"
	contentTypeJSON = "application/json; charset=utf-8"
)

// xmlHeader starts every XML document.
const xmlHeader = `<?xml version="1.0" encoding="utf-8"?>` + "\n"

// A response is written once as a tree of elems, objects and arrays and
// then encoded as XML or JSON, so that the two formats carry the same
// fields in the same order: the specification's JSON is a mechanical
// mapping of its XML.

// elem is one named field of an object.
type elem struct {
	name  string
	value any // nil, string, bool, int, float64, object or array
}

// object is an XML element's children in order, or a JSON object.
type object []elem

// array is a repeated XML element (item) inside its parent, or a JSON array.
type array struct {
	item   string
	values []any
}

// str returns a pointer-free optional string: nil (JSON null, empty XML
// element) when s is empty.
func str(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// write encodes v under the root element name with the given HTTP status.
// For JSON the root element is dropped: an array document is a bare JSON
// array and an object document a JSON object.
func write(w http.ResponseWriter, f format, status int, root string, v any) {
	var buf bytes.Buffer
	if f == formatJSON {
		writeJSON(&buf, v)
		buf.WriteByte('\n')
		w.Header().Set("Content-Type", contentTypeJSON)
	} else {
		buf.WriteString(xmlHeader)
		enc := xml.NewEncoder(&buf)
		writeXML(enc, root, v)
		_ = enc.Flush()
		buf.WriteByte('\n')
		w.Header().Set("Content-Type", contentTypeXML)
	}
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

func writeJSON(buf *bytes.Buffer, v any) {
	switch x := v.(type) {
	case nil:
		buf.WriteString("null")
	case string:
		b, _ := json.Marshal(x)
		buf.Write(b)
	case bool:
		buf.WriteString(strconv.FormatBool(x))
	case int:
		buf.WriteString(strconv.Itoa(x))
	case float64:
		buf.WriteString(strconv.FormatFloat(x, 'f', -1, 64))
	case object:
		buf.WriteByte('{')
		for i, e := range x {
			if i > 0 {
				buf.WriteByte(',')
			}
			b, _ := json.Marshal(e.name)
			buf.Write(b)
			buf.WriteByte(':')
			writeJSON(buf, e.value)
		}
		buf.WriteByte('}')
	case array:
		buf.WriteByte('[')
		for i, item := range x.values {
			if i > 0 {
				buf.WriteByte(',')
			}
			writeJSON(buf, item)
		}
		buf.WriteByte(']')
	default:
		panic(fmt.Sprintf("open311: cannot encode %T", v))
	}
}

// writeXML writes v as the element name: scalars as text, nil as an
// empty element, objects as child elements and arrays as repeated
// item elements.
func writeXML(enc *xml.Encoder, name string, v any) {
	start := xml.StartElement{Name: xml.Name{Local: name}}
	_ = enc.EncodeToken(start)
	switch x := v.(type) {
	case nil:
	case string:
		_ = enc.EncodeToken(xml.CharData(x))
	case bool:
		_ = enc.EncodeToken(xml.CharData(strconv.FormatBool(x)))
	case int:
		_ = enc.EncodeToken(xml.CharData(strconv.Itoa(x)))
	case float64:
		_ = enc.EncodeToken(xml.CharData(strconv.FormatFloat(x, 'f', -1, 64)))
	case object:
		for _, e := range x {
			writeXML(enc, e.name, e.value)
		}
	case array:
		for _, item := range x.values {
			writeXML(enc, x.item, item)
		}
	default:
		panic(fmt.Sprintf("open311: cannot encode %T", v))
	}
	_ = enc.EncodeToken(start.End())
}
