package http

import "strings"

// device is what the account page says about a browser session: the
// browser and the system it runs on, read from the User-Agent saved at
// sign-in. A resident deciding which session to revoke recognises "Chrome
// di Android", not "Mozilla/5.0 (Linux; Android 14; …".
type device struct {
	Browser string // "" when not recognised
	OS      string // "" when not recognised
}

// browsers is checked in order: many browsers name others in their
// User-Agent (Edge and Samsung Internet say Chrome and Safari, Chrome says
// Safari), so the most specific comes first.
var browsers = []struct{ token, name string }{
	{"EdgA/", "Edge"}, {"EdgiOS/", "Edge"}, {"Edg/", "Edge"},
	{"OPR/", "Opera"}, {"OPiOS/", "Opera"},
	{"SamsungBrowser/", "Samsung Internet"},
	{"UCBrowser/", "UC Browser"},
	{"FxiOS/", "Firefox"}, {"Firefox/", "Firefox"},
	{"CriOS/", "Chrome"}, {"Chrome/", "Chrome"},
	{"Version/", "Safari"}, // Safari names its version so; Chrome-based browsers above do not reach here
}

var systems = []struct{ token, name string }{
	{"Android", "Android"},
	{"iPhone", "iPhone"}, {"iPad", "iPad"},
	{"Windows", "Windows"},
	{"CrOS", "ChromeOS"},
	{"Macintosh", "macOS"},
	{"Linux", "Linux"},
}

// parseDevice reads the browser and system from a User-Agent.
func parseDevice(ua string) device {
	var d device
	for _, b := range browsers {
		if strings.Contains(ua, b.token) {
			d.Browser = b.name
			break
		}
	}
	if d.Browser == "Safari" && !strings.Contains(ua, "Safari/") {
		d.Browser = "" // "Version/" alone is not Safari
	}
	for _, s := range systems {
		if strings.Contains(ua, s.token) {
			d.OS = s.name
			break
		}
	}
	return d
}
