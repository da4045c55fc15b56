package notify_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/esambat/esambat"
	"github.com/esambat/esambat/notify"
)

func TestWebhookSignedAndVerified(t *testing.T) {
	const secret = "rahasia-bersama-pupr"
	type received struct {
		header http.Header
		body   []byte
		err    error
	}
	var mu sync.Mutex
	var got []received
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		err := notify.VerifyWebhook(secret, r.Header, body, time.Now(), 5*time.Minute)
		mu.Lock()
		got = append(got, received{r.Header.Clone(), body, err})
		mu.Unlock()
		if err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()

	m := esambat.Message{ID: 77, Channel: esambat.MessageWebhook, To: srv.URL, Subject: "report.verify",
		Body: `{"type":"report.event","ticket":"ES-26-000123","status":"didisposisi"}`}
	wh := &notify.Webhook{Secret: secret}
	if err := wh.Send(context.Background(), m); err != nil {
		t.Fatalf("Send: %v", err)
	}
	if len(got) != 1 || got[0].err != nil || string(got[0].body) != m.Body {
		t.Fatalf("receiver got %+v", got)
	}
	h := got[0].header
	if h.Get(notify.HeaderDelivery) != "77" || h.Get(notify.HeaderEvent) != "report.verify" || h.Get("Content-Type") != "application/json" {
		t.Errorf("headers = %v", h)
	}
	ts, _ := strconv.ParseInt(h.Get(notify.HeaderTimestamp), 10, 64)
	if want := notify.SignWebhook(secret, ts, []byte(m.Body)); h.Get(notify.HeaderSignature) != want || len(want) != len("sha256=")+64 {
		t.Errorf("signature = %q, want %q", h.Get(notify.HeaderSignature), want)
	}

	// The receiver rejects tampering, other secrets and old deliveries.
	body := []byte(m.Body)
	now := time.Unix(ts, 0)
	if err := notify.VerifyWebhook(secret, h, body, now.Add(4*time.Minute), 5*time.Minute); err != nil {
		t.Errorf("valid delivery within tolerance refused: %v", err)
	}
	cases := []struct {
		name   string
		secret string
		header func(http.Header)
		body   []byte
		now    time.Time
		want   error
	}{
		{"body changed", secret, nil, []byte(`{"type":"report.event","ticket":"ES-26-000124","status":"didisposisi"}`), now, notify.ErrWebhookSignature},
		{"other secret", "rahasia-dinkes", nil, body, now, notify.ErrWebhookSignature},
		{"empty secret", "", nil, body, now, notify.ErrWebhookSignature},
		{"timestamp changed", secret, func(h http.Header) { h.Set(notify.HeaderTimestamp, strconv.FormatInt(ts+1, 10)) }, body, now, notify.ErrWebhookSignature},
		{"signature missing", secret, func(h http.Header) { h.Del(notify.HeaderSignature) }, body, now, notify.ErrWebhookSignature},
		{"timestamp missing", secret, func(h http.Header) { h.Del(notify.HeaderTimestamp) }, body, now, notify.ErrWebhookTimestamp},
		{"replayed later", secret, nil, body, now.Add(6 * time.Minute), notify.ErrWebhookTimestamp},
		{"from the future", secret, nil, body, now.Add(-6 * time.Minute), notify.ErrWebhookTimestamp},
	}
	for _, c := range cases {
		hh := h.Clone()
		if c.header != nil {
			c.header(hh)
		}
		if err := notify.VerifyWebhook(c.secret, hh, c.body, c.now, 5*time.Minute); !errors.Is(err, c.want) {
			t.Errorf("%s: VerifyWebhook = %v, want %v", c.name, err, c.want)
		}
	}

	// A receiver with another secret answers 401: given up, not retried.
	wrong := &notify.Webhook{Secret: "salah", Secrets: map[string]string{"https://other.example/": "x"}}
	if err := wrong.Send(context.Background(), m); err == nil || !notify.IsPermanent(err) {
		t.Errorf("Send with the wrong secret = %v, want a permanent error", err)
	}
	// Per-URL secrets win over the shared one.
	perURL := &notify.Webhook{Secret: "salah", Secrets: map[string]string{srv.URL: secret}}
	if err := perURL.Send(context.Background(), m); err != nil {
		t.Errorf("Send with the URL's own secret = %v", err)
	}
	if err := (&notify.Webhook{}).Send(context.Background(), m); !notify.IsPermanent(err) {
		t.Errorf("Send without a secret = %v, want a permanent error", err)
	}
}

func TestWebhookRetriesServerErrors(t *testing.T) {
	codes := []int{http.StatusServiceUnavailable, http.StatusTooManyRequests, http.StatusNotFound, http.StatusMovedPermanently}
	for _, code := range codes {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if code == http.StatusMovedPermanently {
				http.Redirect(w, r, "https://elsewhere.example/", code)
				return
			}
			w.WriteHeader(code)
		}))
		err := (&notify.Webhook{Secret: "s"}).Send(context.Background(), esambat.Message{ID: 1, To: srv.URL, Body: "{}"})
		srv.Close()
		retry := code == http.StatusServiceUnavailable || code == http.StatusTooManyRequests
		if err == nil || notify.IsPermanent(err) == retry {
			t.Errorf("answer %d: Send = %v (permanent %v), want retry=%v", code, err, notify.IsPermanent(err), retry)
		}
	}
	// Nobody listening: retried.
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	if err := (&notify.Webhook{Secret: "s"}).Send(context.Background(), esambat.Message{ID: 1, To: url, Body: "{}"}); err == nil || notify.IsPermanent(err) {
		t.Errorf("connection refused: Send = %v, want a retryable error", err)
	}
}
