// Package redact keeps secrets out of the errors of outgoing HTTP calls:
// a URL's query or user part may carry an API key, and those errors are
// logged, stored with a failed message and shown to admins.
package redact

import (
	"errors"
	"net/url"
)

// URL drops the query, user and fragment of the URL in err, when err is
// a *url.Error; any other error is returned as it is.
func URL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		if u, perr := url.Parse(ue.URL); perr == nil {
			u.RawQuery, u.User, u.Fragment = "", nil, ""
			return &url.Error{Op: ue.Op, URL: u.String(), Err: ue.Err}
		}
	}
	return err
}
