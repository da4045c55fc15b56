package esambat

import (
	"errors"
	"fmt"
	"maps"
	"slices"
)

// Error codes. They are stable: API clients switch on them.
const (
	EINVALID      = "EINVALID"      // bad input; Fields names the fields
	ENOTFOUND     = "ENOTFOUND"     // no such thing, or not visible to the caller
	ECONFLICT     = "ECONFLICT"     // already exists, or the state has moved on
	EUNAUTHORIZED = "EUNAUTHORIZED" // not logged in, or bad credentials
	EFORBIDDEN    = "EFORBIDDEN"    // logged in but not allowed
	EOUTOFAREA    = "EOUTOFAREA"    // the location is outside the city
	ETOOLARGE     = "ETOOLARGE"     // body, file or image too large
	ERATELIMIT    = "ERATELIMIT"    // too many requests
	EUNAVAILABLE  = "EUNAVAILABLE"  // a dependency (the database) is down; retry later
	EINTERNAL     = "EINTERNAL"     // a bug or an unexpected failure
)

// Error is the domain error. Message is safe to show to a resident (it is
// written in Bahasa Indonesia); internal causes are kept in Err and are only
// logged, never shown.
type Error struct {
	Code    string
	Message string
	// Fields maps a field name (as the API spells it) to what is wrong with it.
	Fields map[string]string
	// Referral is set with EOUTOFAREA: where the resident should report instead.
	Referral *Referral
	// Err is the underlying cause, for logs only.
	Err error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("esambat error: code=%s message=%s: %v", e.Code, e.Message, e.Err)
	}
	return fmt.Sprintf("esambat error: code=%s message=%s", e.Code, e.Message)
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with the given code and formatted message.
func Errorf(code string, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// FieldError returns an EINVALID error naming one field.
func FieldError(field, message string) *Error {
	return &Error{Code: EINVALID, Message: message, Fields: map[string]string{field: message}}
}

// Internal wraps an unexpected error as EINTERNAL. The cause is logged, the
// resident sees a generic message.
func Internal(err error) *Error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Code: EINTERNAL, Message: "Terjadi kesalahan internal.", Err: err}
}

// ErrorCode returns the code of err: the Code of an *Error in its chain,
// EINTERNAL for any other non-nil error and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the message of err safe to show: the Message of an
// *Error in its chain, a generic text otherwise.
func ErrorMessage(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) && e.Code != EINTERNAL {
		return e.Message
	}
	return "Terjadi kesalahan internal."
}

// Validation collects field errors so that a form can show all of them at
// once instead of one per round trip.
type Validation struct {
	fields map[string]string
	order  []string
}

// Add records a problem with field; the first problem per field wins.
func (v *Validation) Add(field, message string) {
	if v.fields == nil {
		v.fields = map[string]string{}
	}
	if _, ok := v.fields[field]; ok {
		return
	}
	v.fields[field] = message
	v.order = append(v.order, field)
}

// AddError records err under field when err is an EINVALID *Error; other
// errors are recorded with their safe message.
func (v *Validation) AddError(field string, err error) {
	if err == nil {
		return
	}
	var e *Error
	if errors.As(err, &e) && len(e.Fields) > 0 {
		for _, msg := range e.Fields {
			v.Add(field, msg)
			return
		}
	}
	v.Add(field, ErrorMessage(err))
}

// AddAll records each field problem of err, an EINVALID *Error (another
// check's Err), in the order of the fields' names; any other error under
// "" with its safe message.
func (v *Validation) AddAll(err error) {
	var e *Error
	if !errors.As(err, &e) || len(e.Fields) == 0 {
		if err != nil {
			v.Add("", ErrorMessage(err))
		}
		return
	}
	for _, k := range slices.Sorted(maps.Keys(e.Fields)) {
		v.Add(k, e.Fields[k])
	}
}

// Err returns nil when nothing was added, or an EINVALID *Error whose
// message lists the first problem and whose Fields has all of them.
func (v *Validation) Err() error {
	if len(v.fields) == 0 {
		return nil
	}
	e := &Error{Code: EINVALID, Fields: v.fields}
	if len(v.order) == 1 {
		e.Message = v.fields[v.order[0]]
	} else {
		e.Message = fmt.Sprintf("%s (dan %d masalah lain)", v.fields[v.order[0]], len(v.order)-1)
	}
	return e
}
