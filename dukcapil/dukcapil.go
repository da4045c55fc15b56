// Package dukcapil asks a civil-registry service (Dispendukcapil's
// population data, through the access the ministry grants local
// governments) about a NIK at sign-up: is it issued, does the name match,
// where does its holder live. It implements esambat.NIKVerifier.
//
// The ministry's own web service differs by agreement and version, so
// E-Sambat speaks one small JSON contract and a city puts a thin adapter
// in front of whatever access it has (as with the SMS gateway):
//
//	POST URL
//	Authorization: Bearer TOKEN
//	Content-Type: application/json
//
//	{"nik": "3575011203900001", "name": "Siti Rahayu"}
//
//	200 {"found": true, "name_matches": true, "kab_kota": "35.75"}
//
// found says whether the NIK is on record, name_matches whether the name
// matches it, kab_kota the dotted code of the holder's domicile on record
// (optional). Any other answer, a network error or a timeout is an error,
// and sign-up falls back to the offline rules (see esambat's registry.go).
//
// A NIK is personal data (UU 27/2022): it goes only in the request body,
// over HTTPS (or to an adapter on the same host), and never into an
// error, a log line or the URL.
package dukcapil

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/esambat/esambat"
	"github.com/esambat/esambat/internal/redact"
)

// Timeout bounds one question: a resident is waiting on the sign-up form.
const Timeout = 5 * time.Second

// Client asks the registry adapter at URL.
type Client struct {
	URL   string
	Token string
	// Client defaults to one with Timeout that follows no redirects.
	Client *http.Client
	// Logger records failures (never the NIK); nil = none.
	Logger *slog.Logger

	asked, failed atomic.Int64
}

// Asked is how many questions the client has sent; Failed, how many got
// no usable answer (for the metrics an operator alerts on).
func (c *Client) Asked() int64  { return c.asked.Load() }
func (c *Client) Failed() int64 { return c.failed.Load() }

var _ esambat.NIKVerifier = (*Client)(nil)

// answer is the adapter's JSON answer.
type answer struct {
	Found       *bool  `json:"found"`
	NameMatches *bool  `json:"name_matches"`
	KabKota     string `json:"kab_kota"`
}

// VerifyNIK asks the registry about nik and name.
func (c *Client) VerifyNIK(ctx context.Context, nik esambat.NIK, name string) (esambat.RegistryAnswer, error) {
	start := time.Now()
	c.asked.Add(1)
	ans, err := c.ask(ctx, nik, name)
	if err != nil {
		c.failed.Add(1)
	}
	if err != nil && c.Logger != nil {
		c.Logger.Warn("civil registry unavailable: the NIK's digits decide this sign-up", "err", err, "took", time.Since(start).Round(time.Millisecond))
	}
	return ans, err
}

func (c *Client) ask(ctx context.Context, nik esambat.NIK, name string) (esambat.RegistryAnswer, error) {
	body, err := json.Marshal(struct {
		NIK  string `json:"nik"`
		Name string `json:"name"`
	}{nik.Digits(), name})
	if err != nil {
		return esambat.RegistryAnswer{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.URL, bytes.NewReader(body))
	if err != nil {
		return esambat.RegistryAnswer{}, fmt.Errorf("dukcapil: %w", redact.URL(err))
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	hc := c.Client
	if hc == nil {
		hc = &http.Client{Timeout: Timeout, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	resp, err := hc.Do(req)
	if err != nil {
		return esambat.RegistryAnswer{}, fmt.Errorf("dukcapil: %w", redact.URL(err))
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
		return esambat.RegistryAnswer{}, fmt.Errorf("dukcapil: %s", resp.Status)
	}
	var a answer
	dec := json.NewDecoder(io.LimitReader(resp.Body, 1<<16))
	if err := dec.Decode(&a); err != nil {
		return esambat.RegistryAnswer{}, errors.New("dukcapil: the answer is not the JSON expected")
	}
	if a.Found == nil || (*a.Found && a.NameMatches == nil) {
		return esambat.RegistryAnswer{}, errors.New(`dukcapil: the answer lacks "found" or "name_matches"`)
	}
	out := esambat.RegistryAnswer{Found: *a.Found, KabKota: a.KabKota}
	if a.NameMatches != nil {
		out.NameMatches = *a.NameMatches
	}
	return out, nil
}
