package main

// Helpers for the headless-Chromium tests in browser_test.go: start the
// browser, drive one tab with a timeout on every step, sign a resident up,
// talk to the JSON API. A failing step logs where the tab was and what it
// showed, and saves a screenshot, so that a CI failure can be read without
// rerunning it.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

const (
	// browserBudget bounds one browser test from start to end: when it runs
	// out the browser is killed and every pending step fails, so a hang
	// fails the test instead of blocking CI.
	browserBudget = 45 * time.Second
	// stepTimeout bounds one step (a navigation, a form fill, a wait).
	stepTimeout = 10 * time.Second
)

// chromiumPath is the browser the suite drives: $ESAMBAT_CHROMIUM, or the
// Debian package's /usr/bin/chromium.
func chromiumPath() string {
	if p := os.Getenv("ESAMBAT_CHROMIUM"); p != "" {
		return p
	}
	return "/usr/bin/chromium"
}

// requireChromium skips the test when there is no browser. CI fails on
// the words "suite skipped", so a CI run without Chromium cannot pass
// silently.
func requireChromium(t *testing.T) string {
	t.Helper()
	p := chromiumPath()
	if st, err := os.Stat(p); err != nil || st.IsDir() {
		t.Skipf("browser suite skipped: Chromium not found at %s (apt-get install chromium); CI installs it", p)
	}
	return p
}

// bootForBrowser runs the server on a data dir with a tile URL that cannot
// load: the pages must work without map tiles.
func bootForBrowser(t *testing.T, dataDir string) string {
	t.Helper()
	base, _ := boot(t, env("ESAMBAT_DATA_DIR", dataDir), "--tile-url", "http://127.0.0.1:1/{z}/{x}/{y}.png")
	return base
}

// tab is one tab of a headless Chromium that lives as long as the test.
type browserTab struct {
	t    *testing.T
	ctx  context.Context
	base string
}

// newBrowserTab starts a fresh Chromium (own temporary profile) and returns its
// first tab, pointed at base.
func newBrowserTab(t *testing.T, base string) *browserTab {
	t.Helper()
	exe := requireChromium(t)
	profile, err := os.MkdirTemp("", "esambat-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	// Registered first, so it runs after the browser is gone. Chromium's
	// helper processes may still be writing for a moment after it exits.
	t.Cleanup(func() {
		for i := 0; i < 20; i++ {
			if err := os.RemoveAll(profile); err == nil {
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
	})
	budget, cancelBudget := context.WithTimeout(context.Background(), browserBudget)
	t.Cleanup(cancelBudget)
	alloc, cancelAlloc := chromedp.NewExecAllocator(budget,
		chromedp.ExecPath(exe),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-features", "Translate,MediaRouter,OptimizationHints"),
		chromedp.WindowSize(1024, 900),
		chromedp.UserDataDir(profile),
	)
	t.Cleanup(cancelAlloc)
	ctx, cancel := chromedp.NewContext(alloc, chromedp.WithLogf(func(string, ...any) {}),
		chromedp.WithErrorf(func(string, ...any) {}))
	t.Cleanup(func() {
		// Close the browser gracefully, but never wait long for it.
		done := make(chan struct{})
		go func() { chromedp.Cancel(ctx); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
		}
		cancel()
	})
	start := time.Now()
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start Chromium (%s): %v", exe, err)
	}
	t.Logf("Chromium started in %v", time.Since(start).Round(time.Millisecond))
	return &browserTab{t: t, ctx: ctx, base: base}
}

// step derives the context of one step.
func (b *browserTab) step() (context.Context, context.CancelFunc) {
	return context.WithTimeout(b.ctx, stepTimeout)
}

// fatalf fails the test after logging where the tab is, the start of what
// it shows and a screenshot.
func (b *browserTab) fatalf(format string, args ...any) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 3*time.Second)
	defer cancel()
	loc, _ := chromedp.Run(ctx, chromedp.Location())
	body, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
	if len(body) > 1500 {
		body = body[:1500] + "…"
	}
	if png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)); err == nil {
		p := filepath.Join(screenshotDir(b.t), "failure-"+fileSafe(b.t.Name())+".png")
		if os.WriteFile(p, png, 0o644) == nil {
			b.t.Logf("screenshot of the failure: %s", p)
		}
	}
	b.t.Fatalf("%s\n  at %s\n  page text:\n%s", fmt.Sprintf(format, args...), loc, indentLines(body))
}

// do runs actions that return nothing, within one step's timeout.
func (b *browserTab) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.fatalf("%s: %v", what, err)
	}
}

// eval evaluates a JavaScript expression in the page. DevTools evaluation
// works also when the page's own scripts are disabled.
func evalJS[T any](b *browserTab, what, expr string) T {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		b.fatalf("%s: %v", what, err)
	}
	return v
}

// open navigates to a path of the server and waits for the page to load.
func (b *browserTab) open(path string) {
	b.t.Helper()
	b.do("open "+path, chromedp.Navigate(b.base+path))
}

// clickNav clicks the element and waits until the page it leads to has
// loaded (following redirects). It returns the status of that page.
func (b *browserTab) clickNav(sel string) int64 {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(sel)))
	if err != nil {
		b.fatalf("click %s and wait for the next page: %v", sel, err)
	}
	if resp == nil {
		return 0
	}
	return resp.Status
}

// location returns the tab's current URL, parsed.
func (b *browserTab) location() *url.URL {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		b.fatalf("location: %v", err)
	}
	u, err := url.Parse(s)
	if err != nil {
		b.fatalf("location %q: %v", s, err)
	}
	return u
}

// text returns the innerText of the first element matching sel, or "" if
// there is none.
func (b *browserTab) text(sel string) string {
	b.t.Helper()
	return evalJS[string](b, "text of "+sel, fmt.Sprintf(`(() => { const e = document.querySelector(%s); return e ? e.innerText.trim() : ""; })()`, jsQuote(sel)))
}

// value returns the .value of the form field matching sel.
func (b *browserTab) value(sel string) string {
	b.t.Helper()
	return evalJS[string](b, "value of "+sel, fmt.Sprintf(`(() => { const e = document.querySelector(%s); return e ? String(e.value) : "<missing>"; })()`, jsQuote(sel)))
}

// waitUntil polls a JavaScript condition until it is true or the step
// times out.
func (b *browserTab) waitUntil(what, cond string) {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	var lastErr error
	for {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`!!(`+cond+`)`))
		if err == nil && ok {
			return
		}
		if err != nil {
			lastErr = err
		}
		select {
		case <-ctx.Done():
			b.fatalf("waiting for %s: timed out (last error: %v)", what, lastErr)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// waitText waits until the element's innerText contains every string.
func (b *browserTab) waitText(sel string, want ...string) string {
	b.t.Helper()
	parts := make([]string, len(want))
	for i, w := range want {
		parts[i] = "t.includes(" + jsQuote(w) + ")"
	}
	b.waitUntil(fmt.Sprintf("%s to contain %q", sel, want), fmt.Sprintf(
		`(() => { const e = document.querySelector(%s); if (!e) return false; const t = e.innerText; return %s; })()`,
		jsQuote(sel), strings.Join(parts, " && ")))
	return b.text(sel)
}

// fill types into text fields (over what they hold) and picks select options: keys are CSS
// selectors. A select must end up with the asked value (an unknown option
// would silently leave it empty).
func (b *browserTab) fill(fields [][2]string) {
	b.t.Helper()
	for _, f := range fields {
		sel, v := f[0], f[1]
		tag := evalJS[string](b, "tag of "+sel, fmt.Sprintf(`(() => { const e = document.querySelector(%s); return e ? e.tagName : ""; })()`, jsQuote(sel)))
		switch tag {
		case "":
			b.fatalf("fill: no element %s", sel)
		case "SELECT":
			b.do("choose "+v+" in "+sel, chromedp.SetValue(chromedp.CSS(sel), v))
		default:
			if b.value(sel) != "" {
				// Typed over what is there, as a person selects it first.
				evalJS[bool](b, "clear "+sel, fmt.Sprintf(`(() => { document.querySelector(%s).value = ""; return true; })()`, jsQuote(sel)))
			}
			b.do("type into "+sel, chromedp.SendKeys(chromedp.CSS(sel), v))
		}
		if got := b.value(sel); got != v {
			b.fatalf("fill %s: value is %q after filling in %q", sel, got, v)
		}
	}
}

// screenshot saves a full-page PNG and logs its path.
func (b *browserTab) screenshot(name string) string {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.fatalf("screenshot: %v", err)
	}
	p := filepath.Join(screenshotDir(b.t), name)
	if err := os.WriteFile(p, png, 0o644); err != nil {
		b.t.Fatal(err)
	}
	b.t.Logf("screenshot: %s", p)
	return p
}

// disableJavaScript turns the page's scripts off for every later
// navigation of the tab, as in a browser with JavaScript disabled.
func (b *browserTab) disableJavaScript() {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	if _, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
		b.fatalf("disable JavaScript: %v", err)
	}
}

// emulatePhone gives the tab a phone's screen: its width in CSS pixels,
// touch-sized text and the page's viewport meta tag honoured.
func (b *browserTab) emulatePhone(width, height int64) {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	_, err := chromedp.Call(ctx, emulation.SetDeviceMetricsOverride, emulation.SetDeviceMetricsOverrideParams{
		Width: width, Height: height, DeviceScaleFactor: 1, Mobile: true,
	})
	if err != nil {
		b.fatalf("emulate a phone: %v", err)
	}
}

// grantGeolocation lets the server's pages use navigator.geolocation
// without a prompt.
func (b *browserTab) grantGeolocation() {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	_, err := chromedp.CallBrowser(ctx, browser.SetPermission, browser.SetPermissionParams{
		Permission: &browser.PermissionDescriptor{Name: "geolocation"},
		Setting:    browser.PermissionSettingGranted,
		Origin:     b.base,
	})
	if err != nil {
		b.fatalf("grant geolocation: %v", err)
	}
}

// setGeolocation makes the device report the position.
func (b *browserTab) setGeolocation(lat, lng float64) {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	acc := 10.0
	_, err := chromedp.Call(ctx, emulation.SetGeolocationOverride, emulation.SetGeolocationOverrideParams{
		Latitude: &lat, Longitude: &lng, Accuracy: &acc,
	})
	if err != nil {
		b.fatalf("set geolocation %v,%v: %v", lat, lng, err)
	}
}

// resident is a sign-up of the /daftar form.
type browserResident struct {
	NIK, Name, Phone, Password, Kelurahan string
}

// signUp registers through /daftar and checks that the new account lands
// on the phone confirmation page, signed in.
func (b *browserTab) signUp(r browserResident) {
	b.t.Helper()
	b.open("/daftar")
	b.fill([][2]string{
		{"#f-nik", r.NIK},
		{"#f-name", r.Name},
		{"#f-phone", r.Phone},
		{"#f-kelurahan_code", r.Kelurahan},
		{"#f-password", r.Password},
	})
	if code := b.clickNav(`main form[action="/daftar"] button[type=submit]`); code != http.StatusOK {
		b.fatalf("sign-up answered %d", code)
	}
	if p := b.location().Path; p != "/verifikasi-hp" {
		b.fatalf("after sign-up the browser is at %s, want /verifikasi-hp", p)
	}
	if !strings.Contains(b.text(".site-header"), "Keluar") {
		b.fatalf("not signed in after sign-up: no Keluar button in the header")
	}
}

// apiJSON sends a JSON request to the server's API and decodes the answer.
func browserAPI(t *testing.T, method, url, bearer string, body, out any) {
	t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), stepTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, url, bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s %s = %d: %s", method, url, resp.StatusCode, raw)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("%s %s: decode %s: %v", method, url, raw, err)
		}
	}
}

// writeTestJPEG writes a small photo-like JPEG and returns its path.
func writeTestJPEG(t *testing.T, w, h int) string {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.RGBA{uint8(60 + x*150/w), uint8(90 + y*120/h), 70, 255})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 85}); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "jalan-berlubang.jpg")
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// screenshotDir is $ESAMBAT_SCREENSHOTS (created if needed), or a
// temporary directory of the test.
func screenshotDir(t *testing.T) string {
	if d := os.Getenv("ESAMBAT_SCREENSHOTS"); d != "" {
		if err := os.MkdirAll(d, 0o755); err == nil {
			return d
		}
	}
	return t.TempDir()
}

func fileSafe(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' {
			return r
		}
		return '_'
	}, s)
}

func jsQuote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func indentLines(s string) string {
	return "    " + strings.ReplaceAll(s, "\n", "\n    ")
}
