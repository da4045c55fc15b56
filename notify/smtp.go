package notify

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"strings"
	"time"

	"github.com/esambat/esambat"
)

// SMTP sends email through a mail server (the city's own, or a relay).
// It upgrades the connection with STARTTLS whenever the server offers it,
// and sends credentials only over TLS or to a server on the same machine
// (net/smtp's PlainAuth refuses anything else). 5xx answers to the
// recipient or the message give the message up; everything else is
// retried.
type SMTP struct {
	// Addr is host:port, e.g. "smtp.pasuruankota.go.id:587".
	Addr string
	// From is the sender, e.g. "E-Sambat Kota Pasuruan <noreply@pasuruankota.go.id>".
	From string
	// Username and Password, when set, authenticate with AUTH PLAIN.
	Username, Password string
	// Hello is the name sent with EHLO; default "localhost".
	Hello string
	// ImplicitTLS connects with TLS from the first byte (port 465)
	// instead of STARTTLS.
	ImplicitTLS bool
	// TLSConfig replaces the default TLS settings (verify the server's
	// certificate for the host of Addr), e.g. to trust a private CA.
	TLSConfig *tls.Config
}

// Send delivers one email.
func (s *SMTP) Send(ctx context.Context, m esambat.Message) error {
	from, err := mail.ParseAddress(s.From)
	if err != nil {
		return Permanent(fmt.Errorf("smtp: bad From %q: %w", s.From, err))
	}
	to, err := mail.ParseAddress(m.To)
	if err != nil {
		return Permanent(fmt.Errorf("smtp: bad recipient: %w", err))
	}
	host, _, err := net.SplitHostPort(s.Addr)
	if err != nil {
		return Permanent(fmt.Errorf("smtp: bad address %q: %w", s.Addr, err))
	}
	msg, err := formatEmail(from, to, m)
	if err != nil {
		return Permanent(err)
	}

	tlsConfig := &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}
	if s.TLSConfig != nil {
		tlsConfig = s.TLSConfig.Clone()
		if tlsConfig.ServerName == "" {
			tlsConfig.ServerName = host
		}
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", s.Addr)
	if err != nil {
		return fmt.Errorf("smtp: %w", err)
	}
	if deadline, ok := ctx.Deadline(); ok {
		conn.SetDeadline(deadline)
	} else {
		conn.SetDeadline(time.Now().Add(2 * time.Minute))
	}
	// Closing the connection is how a cancelled ctx interrupts net/smtp.
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	if s.ImplicitTLS {
		tc := tls.Client(conn, tlsConfig)
		if err := tc.HandshakeContext(ctx); err != nil {
			conn.Close()
			return fmt.Errorf("smtp: tls: %w", err)
		}
		conn = tc
	}
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		conn.Close()
		return fmt.Errorf("smtp: %w", err)
	}
	defer c.Close()
	hello := s.Hello
	if hello == "" {
		hello = "localhost"
	}
	if err := c.Hello(hello); err != nil {
		return fmt.Errorf("smtp: EHLO: %w", err)
	}
	if ok, _ := c.Extension("STARTTLS"); ok && !s.ImplicitTLS {
		if err := c.StartTLS(tlsConfig); err != nil {
			return fmt.Errorf("smtp: STARTTLS: %w", err)
		}
	}
	if s.Username != "" {
		if ok, _ := c.Extension("AUTH"); !ok {
			return errors.New("smtp: the server does not offer AUTH")
		}
		if err := c.Auth(smtp.PlainAuth("", s.Username, s.Password, host)); err != nil {
			return fmt.Errorf("smtp: AUTH: %w", err)
		}
	}
	if err := c.Mail(from.Address); err != nil {
		return fmt.Errorf("smtp: MAIL FROM: %w", err)
	}
	if err := c.Rcpt(to.Address); err != nil {
		return rejected("RCPT TO", err)
	}
	wc, err := c.Data()
	if err != nil {
		return fmt.Errorf("smtp: DATA: %w", err)
	}
	if _, err := wc.Write(msg); err != nil {
		return fmt.Errorf("smtp: DATA: %w", err)
	}
	if err := wc.Close(); err != nil {
		return rejected("DATA", err)
	}
	// The server has taken the message: a failing QUIT changes nothing.
	_ = c.Quit()
	return nil
}

// rejected marks a 5xx answer as permanent: the server refused this
// recipient or this message, and will again.
func rejected(stage string, err error) error {
	err = fmt.Errorf("smtp: %s: %w", stage, err)
	var te *textproto.Error
	if errors.As(err, &te) && te.Code >= 500 && te.Code < 600 {
		return Permanent(err)
	}
	return err
}

// formatEmail builds a plain-text UTF-8 message (quoted-printable). Header
// values are checked or encoded, so no text from a report can inject
// headers.
func formatEmail(from, to *mail.Address, m esambat.Message) ([]byte, error) {
	subject := strings.Join(strings.Fields(m.Subject), " ")
	domain := from.Address[strings.LastIndexByte(from.Address, '@')+1:]
	var b bytes.Buffer
	header := func(k, v string) { b.WriteString(k + ": " + v + "\r\n") }
	header("From", from.String())
	header("To", to.String())
	header("Subject", fold(len("Subject: "), mime.QEncoding.Encode("utf-8", subject)))
	header("Date", time.Now().Format(time.RFC1123Z))
	header("Message-ID", "<"+messageKey(m)+"@"+domain+">")
	header("MIME-Version", "1.0")
	header("Content-Type", "text/plain; charset=utf-8")
	header("Content-Transfer-Encoding", "quoted-printable")
	// RFC 3834: an automatic message; vacation responders stay quiet.
	header("Auto-Submitted", "auto-generated")
	b.WriteString("\r\n")
	qp := quotedprintable.NewWriter(&b)
	body := strings.ReplaceAll(strings.ReplaceAll(m.Body, "\r\n", "\n"), "\n", "\r\n")
	if _, err := qp.Write([]byte(body)); err != nil {
		return nil, err
	}
	if err := qp.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// fold breaks a header value at spaces so that lines stay within 78
// octets (RFC 5322 2.1.1); start is the length of "Name: ". Encoded words
// hold no spaces, and the space between two of them is dropped when the
// header is decoded.
func fold(start int, v string) string {
	var b strings.Builder
	n := start
	for i, w := range strings.Split(v, " ") {
		if i == 0 && n+len(w) > 78 {
			// Not even the first word fits after the name.
			b.WriteString("\r\n ")
			n = 1
		}
		if i > 0 {
			if n+1+len(w) > 78 {
				b.WriteString("\r\n")
				n = 0
			}
			b.WriteByte(' ')
			n++
		}
		b.WriteString(w)
		n += len(w)
	}
	return b.String()
}
