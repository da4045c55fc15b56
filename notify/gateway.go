package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/esambat/esambat"
	"github.com/esambat/esambat/internal/redact"
)

// Gateway sends SMS and WhatsApp messages through an HTTP gateway (most
// Indonesian providers offer one; a small adapter in front of any other
// fits too). Each message is one request:
//
//	POST URL
//	Authorization: Bearer TOKEN
//	Content-Type: application/json
//	Idempotency-Key: esambat-outbox-ID
//
//	{"to": "+6281234567890", "channel": "sms", "text": "..."}
//
// Any 2xx answer means sent. 429, 408, 5xx and network errors are retried;
// any other answer (a 400 for an invalid number, 401 for a bad token) gives
// the message up at once. The Idempotency-Key stays the same across
// retries, so a gateway that honours it never sends twice.
type Gateway struct {
	URL   string
	Token string
	// Client defaults to one with a 20-second timeout.
	Client *http.Client
}

// Send posts the message to the gateway.
func (g *Gateway) Send(ctx context.Context, m esambat.Message) error {
	if m.Channel != esambat.MessageSMS && m.Channel != esambat.MessageWhatsApp {
		return Permanent(fmt.Errorf("gateway: cannot send channel %q", m.Channel))
	}
	body, err := json.Marshal(struct {
		To      string `json:"to"`
		Channel string `json:"channel"`
		Text    string `json:"text"`
	}{m.To, m.Channel, m.Body})
	if err != nil {
		return Permanent(err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, g.URL, bytes.NewReader(body))
	if err != nil {
		return Permanent(fmt.Errorf("gateway: %w", redact.URL(err)))
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", messageKey(m))
	if g.Token != "" {
		req.Header.Set("Authorization", "Bearer "+g.Token)
	}
	return post(httpClient(g.Client), req, "gateway")
}

// httpClient returns c, or a client with a timeout that does not follow
// redirects (a redirected POST loses its body or goes somewhere else).
func httpClient(c *http.Client) *http.Client {
	if c != nil {
		return c
	}
	return &http.Client{
		Timeout:       20 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// post sends req and sorts the answer into sent, retry or give up.
func post(c *http.Client, req *http.Request, what string) error {
	resp, err := c.Do(req)
	if err != nil {
		return fmt.Errorf("%s: %w", what, redact.URL(err))
	}
	defer resp.Body.Close()
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 300))
	io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16)) // let the connection be reused
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return nil
	}
	err = fmt.Errorf("%s: %s: %s", what, resp.Status, strings.TrimSpace(strings.ToValidUTF8(string(snippet), "?")))
	switch {
	case resp.StatusCode == http.StatusTooManyRequests, resp.StatusCode == http.StatusRequestTimeout,
		resp.StatusCode == http.StatusTooEarly, resp.StatusCode >= 500:
		return err
	}
	return Permanent(err)
}
