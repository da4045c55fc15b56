package redact

import (
	"errors"
	"net/url"
	"strings"
	"testing"
)

func TestURL(t *testing.T) {
	err := &url.Error{Op: "Post", URL: "https://user:sandi@gw.example/kirim?key=rahasia#x", Err: errors.New("timeout")}
	got := URL(err).Error()
	if strings.Contains(got, "rahasia") || strings.Contains(got, "sandi") || !strings.Contains(got, "https://gw.example/kirim") || !strings.Contains(got, "timeout") {
		t.Errorf("URL(%v) = %q", err, got)
	}
	other := errors.New("key=rahasia")
	if URL(other) != other {
		t.Error("an error without a URL was changed")
	}
}
