package http_test

import (
	"context"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/esambat/esambat"
	"github.com/esambat/esambat/notify"
)

// linkRe finds the confirmation link in a mailed message.
var linkRe = regexp.MustCompile(`https://sambat\.example\.go\.id/konfirmasi-email\?t=([0-9a-f.]+)`)

// lastLink returns the token of the latest confirmation link mailed to
// email.
func (e *env) lastLink(email string) string {
	e.t.Helper()
	msgs := e.sent.Messages()
	for i := len(msgs) - 1; i >= 0; i-- {
		if m := linkRe.FindStringSubmatch(msgs[i].Body); msgs[i].To == email && m != nil {
			return m[1]
		}
	}
	e.t.Fatalf("no confirmation link mailed to %s", email)
	return ""
}

// emailsTo counts the outbox's email messages of ticket's report to addr.
func (e *env) emailsTo(ticket, addr string) int {
	e.t.Helper()
	ctx := context.Background()
	r, err := e.db.FindReportByTicket(ctx, ticket)
	if err != nil {
		e.t.Fatal(err)
	}
	msgs, err := e.db.ListMessages(ctx, r.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	n := 0
	for _, m := range msgs {
		if m.Channel == esambat.MessageEmail && m.To == addr {
			n++
		}
	}
	return n
}

// TestResidentEmailConfirmation: a resident's email reaches nothing (no
// sign-in, no news of their reports) until they open the link mailed to
// it; the link's page changes nothing until its button is pressed, works
// once, signed in or not, and not after 48 hours, for a replaced
// address, or when tampered with.
func TestResidentEmailConfirmation(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.db.Planner = &notify.Planner{}
	admin := e.staff(esambat.RoleAdmin, "admin@example.org", "")
	r := e.do("POST", "/api/v1/auth/register", "", map[string]string{"nik": nikKota, "name": "Siti Rahayu", "phone": "081234567831",
		"email": "Siti@Example.org", "password": "kata-sandi-rahasia", "kelurahan_code": "35.75.02.1001"})
	if r.Status != 201 || !strings.Contains(string(r.Body), `"email_pending":"siti@example.org"`) {
		t.Fatalf("register = %d %s, want the address waiting", r.Status, r.Body)
	}
	var reg struct{ Token string }
	r.json(t, &reg)
	siti, err := e.db.FindUserByLogin(ctx, "+6281234567831")
	if err != nil || siti.Email != "" || siti.EmailPending != "siti@example.org" {
		t.Fatalf("after sign-up: %+v, %v; want the address waiting", siti, err)
	}
	token := e.lastLink("siti@example.org")

	// Waiting, the address signs nothing in and gets no news.
	if r := e.do("POST", "/api/v1/auth/token", "", map[string]string{"login": "siti@example.org", "password": "kata-sandi-rahasia"}); r.Status != 401 {
		t.Errorf("signing in with the waiting address = %d", r.Status)
	}
	in, _ := e.points()
	first := e.submit(reg.Token, report(in[0], in[1]))
	e.verify(admin, first, "dinas-pupr")
	if n := e.emailsTo(first, "siti@example.org"); n != 0 {
		t.Errorf("%d emails about the report went to the waiting address", n)
	}

	// The link's page shows the address and a button; opening it (as a
	// mail scanner would) confirms nothing.
	b := e.browser()
	p := b.get("/konfirmasi-email?t=" + token)
	if p.Status != 200 || !strings.Contains(p.Body, "siti@example.org") || !strings.Contains(p.Body, `action="/konfirmasi-email"`) {
		t.Fatalf("the link's page = %d\n%s", p.Status, p.Body)
	}
	if u, _ := e.db.FindUserByID(ctx, siti.ID); u.Email != "" {
		t.Fatal("opening the link confirmed the address before the button")
	}
	csrf := find(t, csrfRe, p.Body)
	tampered := token[:len(token)-1] + map[bool]string{true: "0", false: "1"}[strings.HasSuffix(token, "1")]
	for name, bad := range map[string]string{"tampered": tampered, "empty": "", "garbage": "../../etc/passwd", "another account": "999." + strings.SplitN(token, ".", 2)[1]} {
		p := b.post("/konfirmasi-email", url.Values{"csrf": {csrf}, "t": {bad}})
		if p.Status != 400 || !strings.Contains(p.Body, "Tautan konfirmasi ini tidak berlaku lagi") {
			t.Errorf("a %s link = %d, want 400 with the reason", name, p.Status)
		}
	}
	p = b.post("/konfirmasi-email", url.Values{"csrf": {csrf}, "t": {token}})
	if p.Status != 200 || !strings.Contains(p.Body, "siti@example.org sudah terkonfirmasi") {
		t.Fatalf("pressing the button = %d\n%s", p.Status, p.Body)
	}
	if u, _ := e.db.FindUserByID(ctx, siti.ID); u.Email != "siti@example.org" || u.EmailPending != "" {
		t.Fatalf("after the button: email %q waiting %q", u.Email, u.EmailPending)
	}
	if p := b.post("/konfirmasi-email", url.Values{"csrf": {csrf}, "t": {token}}); p.Status != 400 {
		t.Errorf("the same link twice = %d, want 400", p.Status)
	}

	// Confirmed, it signs in, gets the news and shows on the account.
	if r := e.do("POST", "/api/v1/auth/token", "", map[string]string{"login": "siti@example.org", "password": "kata-sandi-rahasia"}); r.Status != 200 {
		t.Errorf("signing in with the confirmed address = %d", r.Status)
	}
	second := e.submit(reg.Token, report(in[0], in[1]))
	e.verify(admin, second, "dinas-pupr")
	if n := e.emailsTo(second, "siti@example.org"); n == 0 {
		t.Error("no email about the report reached the confirmed address")
	}
	sb := e.signIn("+6281234567831", "kata-sandi-rahasia")
	if p := sb.get("/akun"); !strings.Contains(p.Body, "siti@example.org (terkonfirmasi)") || !strings.Contains(p.Body, "(dikonfirmasi lewat tautan)") {
		t.Error("the account page does not show the confirmed address and its history")
	}

	// A new address waits; the old one keeps working until then, and a
	// link for an address replaced since no longer confirms.
	put := func(email string) {
		t.Helper()
		r := e.do("PUT", "/api/v1/me", reg.Token, map[string]string{"name": "Siti Rahayu", "phone": "081234567831", "email": email,
			"kelurahan_code": "35.75.02.1001", "current": "kata-sandi-rahasia"})
		if r.Status != 200 {
			t.Fatalf("PUT /api/v1/me %s = %d %s", email, r.Status, r.Body)
		}
	}
	put("siti.baru@example.org")
	replaced := e.lastLink("siti.baru@example.org")
	put("siti.lain@example.org")
	if r := e.do("POST", "/api/v1/auth/confirm-email", "", map[string]string{"token": replaced}); r.Status != 400 || r.errCode() != esambat.EINVALID || !strings.Contains(string(r.Body), `"token"`) {
		t.Errorf("the link of a replaced address = %d %s", r.Status, r.Body)
	}
	if u, _ := e.db.FindUserByID(ctx, siti.ID); u.Email != "siti@example.org" || u.EmailPending != "siti.lain@example.org" {
		t.Errorf("while the new one waits: email %q waiting %q", u.Email, u.EmailPending)
	}
	// The account page offers a new link.
	before := len(e.sent.Messages())
	ap := sb.get("/akun")
	if !strings.Contains(ap.Body, `action="/akun/email/kirim"`) || !strings.Contains(ap.Body, "siti.lain@example.org") {
		t.Error("the account page does not show the waiting address with its button")
	}
	if p := sb.post("/akun/email/kirim", url.Values{"csrf": {find(t, csrfRe, ap.Body)}}); p.Status != 303 || len(e.sent.Messages()) != before+1 {
		t.Errorf("the page's resend = %d, %d messages sent", p.Status, len(e.sent.Messages())-before)
	}
	// After 48 hours the link is void; a new one (the API's resend) works.
	stale := e.lastLink("siti.lain@example.org")
	e.clock.Advance(esambat.EmailLinkTTL + time.Minute)
	if r := e.do("POST", "/api/v1/auth/confirm-email", "", map[string]string{"token": stale}); r.Status != 400 {
		t.Errorf("a link 48 hours old = %d", r.Status)
	}
	if r := e.do("POST", "/api/v1/me/email/resend", reg.Token, nil); r.Status != 202 {
		t.Fatalf("resend = %d %s", r.Status, r.Body)
	}
	if r := e.do("POST", "/api/v1/auth/confirm-email", "", map[string]string{"token": e.lastLink("siti.lain@example.org")}); r.Status != 200 ||
		!strings.Contains(string(r.Body), `"email":"siti.lain@example.org"`) {
		t.Errorf("the new link = %d %s", r.Status, r.Body)
	}
	if r := e.do("POST", "/api/v1/me/email/resend", reg.Token, nil); r.Status != 400 || r.errCode() != esambat.EINVALID {
		t.Errorf("resend with nothing waiting = %d %s", r.Status, r.Body)
	}
	if r := e.do("POST", "/api/v1/me/email/resend", admin, nil); r.Status != 404 {
		t.Errorf("resend for staff = %d", r.Status)
	}
	if n, broken, err := esambat.VerifyChains(ctx, e.db); err != nil || broken != nil {
		t.Errorf("the account history's chain after %d events: %v, %v", n, broken, err)
	}
}

// TestEmailTakenWhileWaiting: an address waiting for its link blocks no
// one, and the account that confirms it first has it; the other's link
// then says the address is taken.
func TestEmailTakenWhileWaiting(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	register := func(nik, phone string) {
		t.Helper()
		if r := e.do("POST", "/api/v1/auth/register", "", map[string]string{"nik": nik, "name": "Warga", "phone": phone,
			"email": "rebutan@example.org", "password": "kata-sandi-rahasia", "kelurahan_code": "35.75.02.1001"}); r.Status != 201 {
			t.Fatalf("register %s = %d %s", nik, r.Status, r.Body)
		}
	}
	register(nikKota, "081234567841")
	squatter := e.lastLink("rebutan@example.org")
	register(nikKota2, "081234567842")
	owner := e.lastLink("rebutan@example.org")
	if r := e.do("POST", "/api/v1/auth/confirm-email", "", map[string]string{"token": owner}); r.Status != 200 {
		t.Fatalf("the owner's link = %d %s", r.Status, r.Body)
	}
	if r := e.do("POST", "/api/v1/auth/confirm-email", "", map[string]string{"token": squatter}); r.Status != 409 || r.errCode() != esambat.ECONFLICT {
		t.Errorf("the other link after = %d %s, want 409", r.Status, r.Body)
	}
	if u, err := e.db.FindUserByLogin(ctx, "rebutan@example.org"); err != nil || u.Phone != "+6281234567842" {
		t.Errorf("the address belongs to %+v, %v", u, err)
	}
	// The page says so in words too.
	p := e.browser().get("/konfirmasi-email?t=" + squatter)
	if p.Status != 200 {
		t.Fatalf("the other link's page = %d", p.Status)
	}
	if p := e.browser().post("/konfirmasi-email", url.Values{"t": {squatter}}); p.Status != 409 || !strings.Contains(p.Body, "sudah dipakai akun lain") {
		t.Errorf("the other link's button = %d", p.Status)
	}
}

// TestResidentEmailReset: a resident whose email is confirmed resets a
// forgotten password by email, as staff do.
func TestResidentEmailReset(t *testing.T) {
	e := newEnv(t)
	if r := e.do("POST", "/api/v1/auth/register", "", map[string]string{"nik": nikKota, "name": "Siti", "phone": "081234567851",
		"email": "siti@example.org", "password": "kata-sandi-rahasia", "kelurahan_code": "35.75.02.1001"}); r.Status != 201 {
		t.Fatalf("register = %d %s", r.Status, r.Body)
	}
	if r := e.do("POST", "/api/v1/auth/confirm-email", "", map[string]string{"token": e.lastLink("siti@example.org")}); r.Status != 200 {
		t.Fatalf("confirm = %d %s", r.Status, r.Body)
	}
	b := e.browser()
	p := b.post("/lupa-sandi", url.Values{"login": {"siti@example.org"}})
	if p.Status != 303 {
		t.Fatalf("the reset form = %d", p.Status)
	}
	code := e.lastCode("siti@example.org")
	if len(code) != 6 {
		t.Fatalf("no code in the email: %q", code)
	}
	if r := e.do("POST", "/api/v1/auth/password-reset/confirm", "", map[string]string{"login": "siti@example.org", "code": code, "password": "kata-sandi-baru-siti"}); r.Status != 200 {
		t.Fatalf("confirm the reset = %d %s", r.Status, r.Body)
	}
	if r := e.do("POST", "/api/v1/auth/token", "", map[string]string{"login": "081234567851", "password": "kata-sandi-baru-siti"}); r.Status != 200 {
		t.Errorf("the new password does not sign in: %d", r.Status)
	}
}

// TestMessagesInEnglish: a resident who signed up in English gets the
// phone code, the email link and a reset code in English.
func TestMessagesInEnglish(t *testing.T) {
	e := newEnv(t)
	if r := e.do("POST", "/api/v1/auth/register", "", map[string]string{"nik": nikKota, "name": "Sarah", "phone": "081234567891",
		"email": "sarah@example.org", "password": "kata-sandi-rahasia", "kelurahan_code": "35.75.02.1001", "lang": "en"}); r.Status != 201 {
		t.Fatalf("register = %d %s", r.Status, r.Body)
	}
	if r := e.do("POST", "/api/v1/auth/confirm-email", "", map[string]string{"token": e.lastLink("sarah@example.org")}); r.Status != 200 {
		t.Fatalf("confirm = %d", r.Status)
	}
	if r := e.do("POST", "/api/v1/auth/password-reset", "", map[string]string{"login": "sarah@example.org"}); r.Status != 202 {
		t.Fatalf("reset = %d", r.Status)
	}
	var got []string
	for _, m := range e.sent.Messages() {
		got = append(got, m.Subject+": "+m.Body)
	}
	for _, want := range []string{"Your E-Sambat confirmation code", "This email address was added to your E-Sambat account", "Your code to change your E-Sambat password"} {
		if !strings.Contains(strings.Join(got, "\n"), want) {
			t.Errorf("no message says %q:\n%s", want, strings.Join(got, "\n"))
		}
	}
	if strings.Contains(strings.Join(got, "\n"), "Berlaku 15 menit") {
		t.Error("a message went out in Indonesian")
	}
}
