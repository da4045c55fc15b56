package notify_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"log"
	"math/big"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/esambat/esambat"
	"github.com/esambat/esambat/notify"
)

// mailbox is an in-process SMTP server (github.com/emersion/go-smtp) that
// keeps what it receives.
type mailbox struct {
	mu       sync.Mutex
	received []delivery
}

type delivery struct {
	from     string
	to       []string
	data     []byte
	user     string // authenticated as
	overTLS  bool
	hostname string
}

func (b *mailbox) NewSession(c *smtp.Conn) (smtp.Session, error) {
	_, tlsOn := c.TLSConnectionState()
	return &session{box: b, d: delivery{overTLS: tlsOn, hostname: c.Hostname()}}, nil
}

func (b *mailbox) all() []delivery {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]delivery(nil), b.received...)
}

type session struct {
	box *mailbox
	d   delivery
}

func (s *session) AuthMechanisms() []string { return []string{sasl.Plain} }
func (s *session) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, username, password string) error {
		if username != "esambat" || password != "sandi-rahasia" {
			return errors.New("invalid credentials")
		}
		s.d.user = username
		return nil
	}), nil
}
func (s *session) Mail(from string, _ *smtp.MailOptions) error { s.d.from = from; return nil }
func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	switch {
	case strings.HasPrefix(to, "unknown@"):
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "No such user"}
	case strings.HasPrefix(to, "busy@"):
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Try again later"}
	}
	s.d.to = append(s.d.to, to)
	return nil
}
func (s *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.d.data = b
	s.box.mu.Lock()
	s.box.received = append(s.box.received, s.d)
	s.box.mu.Unlock()
	return nil
}
func (s *session) Reset()        { s.d.from, s.d.to, s.d.data = "", nil, nil }
func (s *session) Logout() error { return nil }

// startMailbox serves SMTP on addr (host:0); with cert it offers STARTTLS.
func startMailbox(t *testing.T, addr string, cert *tls.Certificate) (*mailbox, string) {
	t.Helper()
	box := &mailbox{}
	srv := smtp.NewServer(box)
	srv.Domain = "mail.test"
	srv.ErrorLog = log.New(io.Discard, "", 0)
	srv.AllowInsecureAuth = false
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	if cert != nil {
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{*cert}}
	} else {
		// Without TLS, let the server accept AUTH on plain text: the
		// client must still refuse to send credentials unless the server
		// is on this machine.
		srv.AllowInsecureAuth = true
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		t.Skipf("cannot listen on %s: %v", addr, err)
	}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return box, l.Addr().String()
}

// selfSigned returns a certificate for 127.0.0.1 and a pool trusting it.
func selfSigned(t *testing.T) (*tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "mail.test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, DNSNames: []string{"localhost"},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return &tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}

var testEmail = esambat.Message{
	ID: 4242, Channel: esambat.MessageEmail, To: "budi@example.org",
	Subject: "[E-Sambat] Laporan ES-26-000123: Sedang ditangani — ✓",
	Body: "Yth. Budi,\n\nAda kabar baru tentang laporan Anda ES-26-000123.\n\nStatus: Sedang ditangani\n" +
		"Keterangan: " + strings.Repeat("Perbaikan jalan dijadwalkan minggu ini oleh Dinas PUPR. ", 3) + "\n",
}

// checkEmail parses what the server received and compares it with m.
func checkEmail(t *testing.T, d delivery, m esambat.Message) {
	t.Helper()
	if d.from != "noreply@pasuruankota.go.id" || len(d.to) != 1 || d.to[0] != m.To {
		t.Errorf("envelope = from %q to %v", d.from, d.to)
	}
	msg, err := mail.ReadMessage(strings.NewReader(string(d.data)))
	if err != nil {
		t.Fatalf("received message does not parse: %v\n%s", err, d.data)
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if err != nil || subject != m.Subject {
		t.Errorf("Subject = %q, %v; want %q", subject, err, m.Subject)
	}
	from, _ := msg.Header.AddressList("From")
	if len(from) != 1 || from[0].Name != "E-Sambat Kota Pasuruan" || from[0].Address != "noreply@pasuruankota.go.id" {
		t.Errorf("From = %v", from)
	}
	if to := msg.Header.Get("To"); !strings.Contains(to, m.To) {
		t.Errorf("To = %q", to)
	}
	if id := msg.Header.Get("Message-Id"); id != "<esambat-outbox-4242@pasuruankota.go.id>" {
		t.Errorf("Message-ID = %q", id)
	}
	if _, err := msg.Header.Date(); err != nil {
		t.Errorf("Date: %v", err)
	}
	if ct := msg.Header.Get("Content-Type"); ct != "text/plain; charset=utf-8" || msg.Header.Get("Auto-Submitted") != "auto-generated" {
		t.Errorf("Content-Type = %q, Auto-Submitted = %q", ct, msg.Header.Get("Auto-Submitted"))
	}
	body, err := io.ReadAll(quotedprintable.NewReader(msg.Body))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.ReplaceAll(string(body), "\r\n", "\n"); got != m.Body {
		t.Errorf("body =\n%q\nwant\n%q", got, m.Body)
	}
	for _, line := range strings.Split(string(d.data), "\r\n") {
		if len(line) > 78 {
			t.Errorf("line longer than 78 octets: %q", line)
		}
	}
}

func TestSMTPPlainOnLocalhost(t *testing.T) {
	box, addr := startMailbox(t, "127.0.0.1:0", nil)
	s := &notify.SMTP{Addr: addr, From: "E-Sambat Kota Pasuruan <noreply@pasuruankota.go.id>", Username: "esambat", Password: "sandi-rahasia", Hello: "esambat.test"}
	if err := s.Send(context.Background(), testEmail); err != nil {
		t.Fatalf("Send: %v", err)
	}
	got := box.all()
	if len(got) != 1 {
		t.Fatalf("server received %d messages", len(got))
	}
	if got[0].user != "esambat" || got[0].overTLS || got[0].hostname != "esambat.test" {
		t.Errorf("session: user %q, TLS %v, EHLO %q", got[0].user, got[0].overTLS, got[0].hostname)
	}
	checkEmail(t, got[0], testEmail)

	// Refused recipients: 5xx gives up, 4xx retries.
	m := testEmail
	m.To = "unknown@example.org"
	if err := s.Send(context.Background(), m); err == nil || !notify.IsPermanent(err) {
		t.Errorf("550 recipient: Send = %v, want a permanent error", err)
	}
	m.To = "busy@example.org"
	if err := s.Send(context.Background(), m); err == nil || notify.IsPermanent(err) {
		t.Errorf("451 recipient: Send = %v, want a retryable error", err)
	}
	m.To = "not an address"
	if err := s.Send(context.Background(), m); !notify.IsPermanent(err) {
		t.Errorf("bad address: Send = %v, want a permanent error", err)
	}
	bad := *s
	bad.Password = "salah"
	if err := bad.Send(context.Background(), testEmail); err == nil {
		t.Error("Send with a wrong password succeeded")
	}
	if n := len(box.all()); n != 1 {
		t.Errorf("server holds %d messages, want still 1", n)
	}
}

func TestSMTPStartTLS(t *testing.T) {
	cert, pool := selfSigned(t)
	box, addr := startMailbox(t, "127.0.0.1:0", cert)
	s := &notify.SMTP{Addr: addr, From: "E-Sambat Kota Pasuruan <noreply@pasuruankota.go.id>", Username: "esambat", Password: "sandi-rahasia",
		TLSConfig: &tls.Config{RootCAs: pool}}
	if err := s.Send(context.Background(), testEmail); err != nil {
		t.Fatalf("Send: %v", err)
	}
	got := box.all()
	if len(got) != 1 || !got[0].overTLS || got[0].user != "esambat" {
		t.Fatalf("received %+v, want one message over STARTTLS after AUTH", got)
	}
	checkEmail(t, got[0], testEmail)

	// A certificate we do not trust: no message, and a retry later.
	untrusted := &notify.SMTP{Addr: addr, From: s.From}
	if err := untrusted.Send(context.Background(), testEmail); err == nil || notify.IsPermanent(err) {
		t.Errorf("untrusted certificate: Send = %v, want a retryable error", err)
	}
}

func TestSMTPNoCredentialsInPlainText(t *testing.T) {
	// 127.0.0.2 is this machine too, but net/smtp only trusts the names
	// localhost, 127.0.0.1 and ::1 without TLS: credentials stay unsent.
	box, addr := startMailbox(t, "127.0.0.2:0", nil)
	s := &notify.SMTP{Addr: addr, From: "noreply@pasuruankota.go.id", Username: "esambat", Password: "sandi-rahasia"}
	err := s.Send(context.Background(), testEmail)
	if err == nil || !strings.Contains(err.Error(), "unencrypted") {
		t.Errorf("Send over plain text to a remote name = %v, want net/smtp's refusal", err)
	}
	if len(box.all()) != 0 {
		t.Error("message delivered without authentication")
	}
	// Without credentials, plain delivery is fine (a relay on the LAN).
	s.Username, s.Password = "", ""
	if err := s.Send(context.Background(), testEmail); err != nil {
		t.Errorf("Send without AUTH: %v", err)
	}
}

func TestSMTPThroughWorker(t *testing.T) {
	ctx := context.Background()
	db := openSQLite(t)
	db.Planner = &notify.Planner{BaseURL: "https://esambat.example", Disabled: map[string]bool{esambat.MessageSMS: true}}
	u := newResident(t, db, "Dewi Lestari", "en")
	r, ev := newReport(u.ID, "Broken street light")
	if _, _, err := db.CreateReport(ctx, r, ev, ""); err != nil {
		t.Fatal(err)
	}
	box, addr := startMailbox(t, "127.0.0.1:0", nil)
	w := &notify.Worker{Store: db, Senders: map[string]notify.Sender{
		esambat.MessageEmail: &notify.SMTP{Addr: addr, From: "E-Sambat <noreply@pasuruankota.go.id>"}}}
	if n, err := w.RunOnce(ctx); n != 1 || err != nil {
		t.Fatalf("RunOnce = %d, %v", n, err)
	}
	got := box.all()
	if len(got) != 1 || got[0].to[0] != u.Email {
		t.Fatalf("received %+v", got)
	}
	msg, _ := mail.ReadMessage(strings.NewReader(string(got[0].data)))
	body, _ := io.ReadAll(quotedprintable.NewReader(msg.Body))
	subject, _ := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if subject != "[E-Sambat] Report "+r.Ticket+": Waiting for verification" ||
		!strings.Contains(string(body), "Dear Dewi Lestari,") || !strings.Contains(string(body), "https://esambat.example/laporan/"+r.Ticket) {
		t.Errorf("email: %q\n%s", subject, body)
	}
	if msgs, _ := db.ListMessages(ctx, r.ID); len(msgs) != 1 || msgs[0].Status != esambat.MessageSent {
		t.Errorf("outbox after delivery = %+v", msgs)
	}
}

// TestDirectMessagesKeysOfTheirOwn: an outbox message keeps one key
// across retries; messages sent directly (one-time codes, confirmation
// links, ID 0) each get their own. With one shared Message-ID a mailbox
// such as Gmail hides the second reset code as a copy of the first, and
// with one shared Idempotency-Key a gateway drops every code after the
// first.
func TestDirectMessagesKeysOfTheirOwn(t *testing.T) {
	box, addr := startMailbox(t, "127.0.0.1:0", nil)
	s := &notify.SMTP{Addr: addr, From: "noreply@pasuruankota.go.id", Username: "esambat", Password: "sandi-rahasia"}
	var keys []string
	gw := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		keys = append(keys, req.Header.Get("Idempotency-Key"))
	}))
	defer gw.Close()
	g := &notify.Gateway{URL: gw.URL}
	for _, id := range []int64{0, 0, 7, 7} {
		m := testEmail
		m.ID = id
		if err := s.Send(context.Background(), m); err != nil {
			t.Fatal(err)
		}
		m.Channel, m.To = esambat.MessageSMS, "+6281234567801"
		if err := g.Send(context.Background(), m); err != nil {
			t.Fatal(err)
		}
	}
	var ids []string
	for _, d := range box.all() {
		msg, err := mail.ReadMessage(strings.NewReader(string(d.data)))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, msg.Header.Get("Message-Id"))
	}
	for what, got := range map[string][]string{"Message-ID": ids, "Idempotency-Key": keys} {
		if len(got) != 4 || got[0] == got[1] || !strings.Contains(got[0], "esambat-direct-") || !strings.Contains(got[1], "esambat-direct-") ||
			got[2] != got[3] || !strings.Contains(got[2], "esambat-outbox-7") {
			t.Errorf("%s of two direct messages and one outbox message sent twice = %q", what, got)
		}
	}
}
