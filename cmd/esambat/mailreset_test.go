package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"mime/quotedprintable"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeSMTP is the least of an SMTP server: it accepts every message on
// 127.0.0.1 and keeps the DATA of each.
type fakeSMTP struct {
	mu   sync.Mutex
	msgs []string
	got  chan struct{}
}

func startFakeSMTP(t *testing.T) (*fakeSMTP, string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Skipf("cannot listen for a fake SMTP server: %v", err)
	}
	t.Cleanup(func() { ln.Close() })
	f := &fakeSMTP{got: make(chan struct{}, 16)}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go f.serve(c)
		}
	}()
	return f, ln.Addr().String()
}

func (f *fakeSMTP) serve(c net.Conn) {
	defer c.Close()
	c.SetDeadline(time.Now().Add(time.Minute))
	r := bufio.NewReader(c)
	say := func(s string) { io.WriteString(c, s+"\r\n") }
	say("220 fake ESMTP")
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		switch cmd := strings.ToUpper(strings.TrimSpace(line)); {
		case strings.HasPrefix(cmd, "EHLO"), strings.HasPrefix(cmd, "HELO"):
			say("250 fake")
		case strings.HasPrefix(cmd, "DATA"):
			say("354 go on")
			var b strings.Builder
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if strings.TrimRight(l, "\r\n") == "." {
					break
				}
				b.WriteString(l)
			}
			f.mu.Lock()
			f.msgs = append(f.msgs, b.String())
			f.mu.Unlock()
			f.got <- struct{}{}
			say("250 kept")
		case strings.HasPrefix(cmd, "QUIT"):
			say("221 bye")
			return
		default: // MAIL, RCPT, RSET, NOOP
			say("250 ok")
		}
	}
}

// first waits for the first message the server keeps and returns its DATA.
func (f *fakeSMTP) first(t *testing.T) string {
	t.Helper()
	select {
	case <-f.got:
	case <-time.After(20 * time.Second):
		t.Fatal("no email reached the SMTP server")
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.msgs[0]
}

// TestStaffResetCodeBySMTP: the server started with --smtp-addr sends a
// staff member's reset code to their work email through that server, and
// the code sets a new password: the wiring from the flag to the mail.
func TestStaffResetCodeBySMTP(t *testing.T) {
	mail, addr := startFakeSMTP(t)
	dir := t.TempDir()
	getenv := env("ESAMBAT_DATA_DIR", dir)
	if code := run(context.Background(), []string{"user", "add", "--role", "petugas", "--email", "pupr@example.org", "--name", "Petugas PUPR", "--agency", "dinas-pupr"},
		strings.NewReader("kata-sandi-lama-sekali\n"), io.Discard, io.Discard, getenv); code != 0 {
		t.Fatalf("user add = %d", code)
	}
	base, _ := boot(t, getenv, "--smtp-addr", addr, "--smtp-from", "e-sambat@pasuruankota.go.id")
	post := func(path, body string) int {
		t.Helper()
		resp, err := http.Post(base+path, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if s := post("/api/v1/auth/password-reset", `{"login":"pupr@example.org"}`); s != 202 {
		t.Fatalf("reset = %d", s)
	}
	msg := mail.first(t)
	code := regexp.MustCompile(`\b\d{6}\b`).FindString(msg)
	if code == "" || !strings.Contains(msg, "pupr@example.org") {
		t.Fatalf("the email holds no code for the officer:\n%s", msg)
	}
	if s := post("/api/v1/auth/password-reset/confirm", `{"login":"pupr@example.org","code":"`+code+`","password":"kata-sandi-baru-sekali"}`); s != 200 {
		t.Errorf("confirm with the emailed code = %d", s)
	}
	if s := post("/api/v1/auth/token", `{"login":"pupr@example.org","password":"kata-sandi-baru-sekali"}`); s != 200 {
		t.Errorf("the new password does not sign in: %d", s)
	}
}

// TestEmailLinkBySMTP: a resident's new email gets its confirmation link
// through --smtp-addr, addressed with --base-url, and the link confirms
// it: the wiring from the flags to the mail.
func TestEmailLinkBySMTP(t *testing.T) {
	mail, addr := startFakeSMTP(t)
	getenv := env("ESAMBAT_DATA_DIR", t.TempDir())
	base, _ := boot(t, getenv, "--smtp-addr", addr, "--base-url", "https://sambat.pasuruankota.go.id/")
	registerSiti(t, base)
	raw := mail.first(t)
	_, body, _ := strings.Cut(raw, "\r\n\r\n")
	text, err := io.ReadAll(quotedprintable.NewReader(strings.NewReader(body)))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`https://sambat\.pasuruankota\.go\.id/konfirmasi-email\?t=([0-9a-f.]+)`).FindSubmatch(text)
	if m == nil {
		t.Fatalf("the email holds no link under --base-url:\n%s", text)
	}
	resp, err := http.Post(base+"/api/v1/auth/confirm-email", "application/json", strings.NewReader(`{"token":"`+string(m[1])+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("the mailed link's token = %d", resp.StatusCode)
	}
}

// TestUserEmailLinksCommand: "esambat user email-links" mails a link to
// every resident whose address waits (after the upgrade that set
// residents' unconfirmed addresses aside, nobody else will), under
// --base-url; a confirmed address gets none; it refuses to run without a
// mail server or with links that would point at this machine, and says
// so when the mail server fails.
func TestUserEmailLinksCommand(t *testing.T) {
	dir := t.TempDir()
	getenv := env("ESAMBAT_DATA_DIR", dir)
	base, stop := boot(t, getenv)
	for i, email := range []string{"siti@example.org", "budi@example.org", ""} {
		body := fmt.Sprintf(`{"nik":"357501120390000%d","name":"Warga %d","phone":"08123456788%d","email":%q,"password":"kata-sandi-rahasia","kelurahan_code":"35.75.02.1001"}`, i+1, i, i, email)
		resp, err := http.Post(base+"/api/v1/auth/register", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 201 {
			t.Fatalf("register %d = %d", i, resp.StatusCode)
		}
	}
	stop()

	cmd := func(args ...string) (int, string) {
		var out bytes.Buffer
		code := run(context.Background(), append([]string{"user", "email-links"}, args...), nil, &out, &out, getenv)
		return code, out.String()
	}
	if code, out := cmd(); code == 0 || !strings.Contains(out, "--smtp-addr") {
		t.Errorf("without a mail server = %d %q", code, out)
	}
	mail, addr := startFakeSMTP(t)
	if code, out := cmd("--smtp-addr", addr); code == 0 || !strings.Contains(out, "--base-url") {
		t.Errorf("with links to this machine = %d %q", code, out)
	}
	// A mail server that does not answer: nothing sent, and said so.
	dead := deadAddr(t)
	if code, out := cmd("--smtp-addr", dead, "--base-url", "https://sambat.pasuruankota.go.id"); code == 0 || !strings.Contains(out, "0 links sent, 2 failed") {
		t.Errorf("with the mail server down = %d %q", code, out)
	}

	code, out := cmd("--smtp-addr", addr, "--base-url", "https://sambat.pasuruankota.go.id")
	if code != 0 || !strings.Contains(out, "2 links sent, 0 failed") || !strings.Contains(out, "s***@example.org") || strings.Contains(out, "siti@") {
		t.Fatalf("email-links = %d %q", code, out)
	}
	var token string
	for range 2 {
		<-mail.got
	}
	mail.mu.Lock()
	msgs := append([]string(nil), mail.msgs...)
	mail.mu.Unlock()
	for _, raw := range msgs {
		_, body, _ := strings.Cut(raw, "\r\n\r\n")
		text, _ := io.ReadAll(quotedprintable.NewReader(strings.NewReader(body)))
		m := regexp.MustCompile(`https://sambat\.pasuruankota\.go\.id/konfirmasi-email\?t=([0-9a-f.]+)`).FindSubmatch(text)
		if m == nil {
			t.Fatalf("a mail holds no link under --base-url:\n%s", text)
		}
		if strings.Contains(raw, "siti@example.org") {
			token = string(m[1])
		}
	}
	if token == "" {
		t.Fatalf("no link went to siti@example.org:\n%s", strings.Join(msgs, "\n---\n"))
	}
	// Siti confirms; the next run mails Budi alone.
	base, stop = boot(t, getenv)
	resp, err := http.Post(base+"/api/v1/auth/confirm-email", "application/json", strings.NewReader(`{"token":"`+token+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("confirm Siti's link = %d", resp.StatusCode)
	}
	stop()
	if code, out := cmd("--smtp-addr", addr, "--base-url", "https://sambat.pasuruankota.go.id"); code != 0 || !strings.Contains(out, "1 links sent, 0 failed") || !strings.Contains(out, "b***@example.org") {
		t.Errorf("email-links after Siti confirmed = %d %q", code, out)
	}
}

// TestOneTimeMessageFailuresCounted: when the SMS gateway and the mail
// server refuse, sign-up still succeeds (the resident asks for a new code
// later), and /metrics counts the code and the link that did not go, for
// the operator to see before residents call.
func TestOneTimeMessageFailuresCounted(t *testing.T) {
	gw := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "gateway down", http.StatusServiceUnavailable)
	}))
	defer gw.Close()
	dead := deadAddr(t)
	getenv := env("ESAMBAT_DATA_DIR", t.TempDir(), "ESAMBAT_SMS_GATEWAY_URL", gw.URL)
	base, _ := boot(t, getenv, "--smtp-addr", dead, "--base-url", "https://sambat.pasuruankota.go.id")
	if _, body := get(t, base+"/metrics"); !strings.Contains(body, "esambat_phone_code_failures 0\n") || !strings.Contains(body, "esambat_email_code_failures 0\n") {
		t.Fatalf("/metrics before any message:\n%s", body)
	}
	registerSiti(t, base) // the account stands with the gateway and mail server down
	if _, body := get(t, base+"/metrics"); !strings.Contains(body, "esambat_phone_code_failures 1\n") || !strings.Contains(body, "esambat_email_code_failures 1\n") {
		t.Errorf("/metrics does not count the code and the link that did not go:\n%s", body)
	}
}

// registerSiti signs a resident up with an email through the API.
func registerSiti(t *testing.T, base string) {
	t.Helper()
	resp, err := http.Post(base+"/api/v1/auth/register", "application/json", strings.NewReader(`{"nik":"3575011203900001","name":"Siti",
		"phone":"081234567871","email":"siti@example.org","password":"kata-sandi-rahasia","kelurahan_code":"35.75.02.1001"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 201 {
		t.Fatalf("register = %d", resp.StatusCode)
	}
}

// deadAddr is a local address nothing listens on: a mail server that is down.
func deadAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}
