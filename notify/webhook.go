package notify

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/esambat/esambat"
	"github.com/esambat/esambat/internal/redact"
)

// Webhook headers.
const (
	// HeaderTimestamp carries the time of signing in Unix seconds.
	HeaderTimestamp = "X-Esambat-Timestamp"
	// HeaderSignature carries "sha256=" and the hex HMAC-SHA256, keyed with
	// the shared secret, of the timestamp, a dot and the raw body.
	HeaderSignature = "X-Esambat-Signature"
	// HeaderDelivery is the outbox message's ID: the same for every retry
	// of one delivery, so a receiver can drop repeats.
	HeaderDelivery = "X-Esambat-Delivery"
	// HeaderEvent names what happened, e.g. "report.verify".
	HeaderEvent = "X-Esambat-Event"
)

// Webhook posts signed JSON (a WebhookPayload) to agency systems. The URL
// is the message's recipient; the body was fixed when the event was
// stored. Each request carries HeaderTimestamp and HeaderSignature, which
// the receiver checks with VerifyWebhook (a timestamp in the signature
// stops replays of old deliveries). Answers are sorted as for Gateway: 2xx
// sent; 408, 425, 429, 5xx and network errors retried; anything else given
// up.
type Webhook struct {
	// Secret signs every delivery, unless Secrets has one for the URL.
	Secret string
	// Secrets maps a URL to its own secret, so that no agency holds a
	// secret that would let it forge deliveries to another.
	Secrets map[string]string
	// Client defaults to one with a 20-second timeout that does not follow
	// redirects.
	Client *http.Client
	// Now is the clock of the timestamp; default time.Now.
	Now func() time.Time
}

// Send signs and posts the message.
func (w *Webhook) Send(ctx context.Context, m esambat.Message) error {
	secret := w.Secrets[m.To]
	if secret == "" {
		secret = w.Secret
	}
	if secret == "" {
		return Permanent(errors.New("webhook: no secret configured"))
	}
	now := time.Now
	if w.Now != nil {
		now = w.Now
	}
	ts := now().Unix()
	body := []byte(m.Body)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, m.To, bytes.NewReader(body))
	if err != nil {
		return Permanent(fmt.Errorf("webhook: %w", redact.URL(err)))
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "E-Sambat-Webhook/1")
	req.Header.Set(HeaderTimestamp, strconv.FormatInt(ts, 10))
	req.Header.Set(HeaderSignature, SignWebhook(secret, ts, body))
	req.Header.Set(HeaderDelivery, strconv.FormatInt(m.ID, 10))
	if m.Subject != "" {
		req.Header.Set(HeaderEvent, m.Subject)
	}
	return post(httpClient(w.Client), req, "webhook")
}

// SignWebhook returns the HeaderSignature value for body signed at
// timestamp (Unix seconds): "sha256=" followed by the hex HMAC-SHA256 of
// "TIMESTAMP.BODY" keyed with secret.
func SignWebhook(secret string, timestamp int64, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(strconv.FormatInt(timestamp, 10)))
	mac.Write([]byte{'.'})
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// Errors of VerifyWebhook.
var (
	ErrWebhookTimestamp = errors.New("webhook: missing, malformed or expired timestamp")
	ErrWebhookSignature = errors.New("webhook: missing or invalid signature")
)

// VerifyWebhook checks a delivery received from E-Sambat, for the agency
// system's receiving end: h are the request headers, body the raw request
// body exactly as received (before any JSON decoding), secret the shared
// secret and now the receiver's clock. It returns ErrWebhookTimestamp when
// HeaderTimestamp is missing or further than tolerance from now (five
// minutes is a good choice; it bounds replays), and ErrWebhookSignature
// when HeaderSignature does not match. Only after a nil error may the body
// be trusted; deduplicate on HeaderDelivery.
//
//	func receive(w http.ResponseWriter, r *http.Request) {
//		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
//		if err := notify.VerifyWebhook(secret, r.Header, body, time.Now(), 5*time.Minute); err != nil {
//			http.Error(w, "bad signature", http.StatusUnauthorized)
//			return
//		}
//		var p notify.WebhookPayload
//		json.Unmarshal(body, &p)
//		...
//	}
func VerifyWebhook(secret string, h http.Header, body []byte, now time.Time, tolerance time.Duration) error {
	ts, err := strconv.ParseInt(strings.TrimSpace(h.Get(HeaderTimestamp)), 10, 64)
	if err != nil {
		return ErrWebhookTimestamp
	}
	if d := now.Sub(time.Unix(ts, 0)); d > tolerance || d < -tolerance {
		return ErrWebhookTimestamp
	}
	got := strings.TrimSpace(h.Get(HeaderSignature))
	want := SignWebhook(secret, ts, body)
	if secret == "" || !hmac.Equal([]byte(got), []byte(want)) {
		return ErrWebhookSignature
	}
	return nil
}
