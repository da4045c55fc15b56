package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/esambat/esambat"
	"github.com/esambat/esambat/media"
)

// Config is the whole configuration, loaded once from flags and
// environment variables (flags win) and validated before anything starts.
type Config struct {
	Addr        string
	DataDir     string
	DatabaseURL string
	// ReplicaURL is a PostgreSQL read replica for the public reads.
	ReplicaURL string
	BaseURL    string
	// BaseURLSet says BaseURL was given (--base-url or its variable)
	// rather than made from --addr.
	BaseURLSet bool
	RefDataDir string
	LogLevel   slog.Level
	LogFormat  string
	SLA        esambat.SLA
	// ReferralName/URL say where reports from outside the city should go.
	ReferralName                                   string
	ReferralURL                                    string
	SMTPAddr, SMTPFrom, SMTPUsername, SMTPPassword string
	GatewayURL, GatewayToken, PhoneChannel         string
	// RegistryURL is the civil-registry adapter asked about NIKs at
	// sign-up (package dukcapil); empty = the NIK's digits alone.
	RegistryURL, RegistryToken string
	// PhotoStore is where photos go: "" = the data dir; s3://BUCKET[/PREFIX]
	// = an S3-compatible object store at S3Endpoint (several instances).
	PhotoStore                                     string
	S3Endpoint, S3Region, S3AccessKey, S3SecretKey string
	S3VirtualHost                                  bool
	Webhooks                                       map[string]string
	WebhookSecret                                  string
	Escalations                                    map[string][]string
	CORSOrigins                                    []string
	RateIP, RateUser, RateKey                      int
	RoutingRetrain                                 time.Duration
	// SchedulerInterval is how often the clocks tick (0 = never).
	SchedulerInterval time.Duration
	TileURL           string
	TileAttribution   string
	// SecretKey (64 hex digits) replaces the data dir's secret.key; several
	// instances on PostgreSQL must share it.
	SecretKey string
	// ShutdownTimeout bounds how long in-flight requests may finish.
	ShutdownTimeout time.Duration
	// DebugAddr, when set, serves Go's profiler (net/http/pprof) on a
	// loopback address of its own, never on the public listener.
	DebugAddr string
}

// errHelp is returned when -h was asked for; the flag package printed usage.
var errHelp = errors.New("help requested")

// envFlag is one setting: a flag with an environment variable.
type envFlag struct {
	name, env, def, usage string
}

var settings = []envFlag{
	{"addr", "ESAMBAT_ADDR", "127.0.0.1:8080", "address to listen on"},
	{"data", "ESAMBAT_DATA_DIR", "./esambat-data", "data directory (SQLite file, photos, keys)"},
	{"database-url", "ESAMBAT_DATABASE_URL", "", "empty = SQLite in the data dir; postgres://... = PostgreSQL"},
	{"database-replica-url", "ESAMBAT_DATABASE_REPLICA_URL", "", "postgres://... of a read replica of --database-url for the public lists, counts and statistics (empty = none)"},
	{"base-url", "ESAMBAT_BASE_URL", "", "public URL of the site (default http:// + addr)"},
	{"refdata", "ESAMBAT_REFDATA_DIR", "", "directory whose files replace the embedded reference data (another city)"},
	{"log-level", "ESAMBAT_LOG_LEVEL", "info", "debug, info, warn or error"},
	{"log-format", "ESAMBAT_LOG_FORMAT", "text", "text or json"},
	{"sla-verify", "ESAMBAT_SLA_VERIFY", "3", "working days to verify a report"},
	{"sla-accept", "ESAMBAT_SLA_ACCEPT", "5", "working days for the agency to accept with a plan"},
	{"sla-completion", "ESAMBAT_SLA_COMPLETION", "A=2,B=5,C=14,D=60", "working days to finish, per category class"},
	{"sla-autoclose", "ESAMBAT_SLA_AUTOCLOSE", "10", "working days after 'selesai' before the report closes itself"},
	{"sla-max-target", "ESAMBAT_SLA_MAX_TARGET", "60", "latest target an agency may set, in working days"},
	{"referral-name", "ESAMBAT_REFERRAL_NAME", "Pemerintah Kabupaten Pasuruan", "where reports from the neighbouring regency go"},
	{"referral-url", "ESAMBAT_REFERRAL_URL", "https://www.lapor.go.id", "URL of that channel"},
	{"tile-url", "ESAMBAT_TILE_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png", "map tile URL template; empty = no map (the kelurahan picker still works)"},
	{"tile-attribution", "ESAMBAT_TILE_ATTRIBUTION", "© OpenStreetMap contributors", "attribution shown on the map"},
	{"smtp-addr", "ESAMBAT_SMTP_ADDR", "", "SMTP server host:port for email notifications; empty = emails are logged (development)"},
	{"smtp-from", "ESAMBAT_SMTP_FROM", "E-Sambat Kota Pasuruan <noreply@localhost>", "sender of notification emails"},
	{"smtp-username", "ESAMBAT_SMTP_USERNAME", "", "SMTP user (password in $ESAMBAT_SMTP_PASSWORD)"},
	{"sms-gateway-url", "ESAMBAT_SMS_GATEWAY_URL", "", "HTTP gateway for SMS/WhatsApp (token in $ESAMBAT_SMS_GATEWAY_TOKEN); empty = messages are logged (development)"},
	{"nik-registry-url", "ESAMBAT_NIK_REGISTRY_URL", "", "civil-registry (Dispendukcapil) adapter asked about each NIK at sign-up, https:// or http:// on this host (token in $ESAMBAT_NIK_REGISTRY_TOKEN); empty = the NIK's digits alone decide"},
	{"photo-store", "ESAMBAT_PHOTO_STORE", "", "where photos are kept: empty = photos/ in the data dir; s3://BUCKET[/PREFIX] = an S3-compatible object store (several instances), with --s3-endpoint and the keys in $ESAMBAT_S3_ACCESS_KEY and $ESAMBAT_S3_SECRET_KEY"},
	{"s3-endpoint", "ESAMBAT_S3_ENDPOINT", "", "the object store's URL, e.g. https://s3.ap-southeast-3.amazonaws.com or http://127.0.0.1:9000"},
	{"s3-region", "ESAMBAT_S3_REGION", "us-east-1", "the region the object store's requests are signed for"},
	{"s3-virtual-host", "ESAMBAT_S3_VIRTUAL_HOST", "false", "true = address the bucket as a host name (https://BUCKET.host/), as Amazon S3 wants; false = as a path (https://host/BUCKET/), as MinIO and most others"},
	{"phone-channel", "ESAMBAT_PHONE_CHANNEL", "sms", "how phones are messaged through the gateway: sms or whatsapp"},
	{"webhooks", "ESAMBAT_WEBHOOKS", "", "agency systems to notify: code=https://url;code2=https://url2 (signing secret in $ESAMBAT_WEBHOOK_SECRET)"},
	{"escalate-to", "ESAMBAT_ESCALATE_TO", "", "who is mailed when a clock runs out: pimpinan emails, then agency heads as code=emails, ';'-separated (e.g. walikota@x,inspektorat@x;dinas-pupr=kepala@x)"},
	{"cors-origins", "ESAMBAT_CORS_ORIGINS", "", "browser origins allowed to call the API from their pages, comma-separated (none by default)"},
	{"rate-limit", "ESAMBAT_RATE_LIMIT", "120,600,1200", "API requests per minute per address, per logged-in user, per partner key"},
	{"routing-retrain", "ESAMBAT_ROUTING_RETRAIN", "24h", "how often the routing suggestion is retrained on verified reports; 0 = never"},
	{"scheduler-interval", "ESAMBAT_SCHEDULER_INTERVAL", "1m", "how often overdue reports are escalated and finished ones auto-closed; 0 = off"},
	{"shutdown-timeout", "ESAMBAT_SHUTDOWN_TIMEOUT", "20s", "how long in-flight requests may finish on SIGTERM"},
	{"debug-addr", "ESAMBAT_DEBUG_ADDR", "", "loopback address (e.g. 127.0.0.1:6060) for Go's profiler at /debug/pprof/; empty = off"},
}

// parseConfig reads flags from args and variables through getenv.
func parseConfig(name string, args []string, getenv func(string) string, stderr io.Writer) (Config, []string, error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	vals := map[string]*string{}
	for _, s := range settings {
		def := s.def
		if v := getenv(s.env); v != "" {
			def = v
		}
		vals[s.name] = fs.String(s.name, def, s.usage+" ($"+s.env+")")
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return Config{}, nil, errHelp
		}
		return Config{}, nil, errUsage
	}
	get := func(n string) string { return strings.TrimSpace(*vals[n]) }
	c := Config{
		SecretKey: getenv("ESAMBAT_SECRET_KEY"), SMTPPassword: getenv("ESAMBAT_SMTP_PASSWORD"),
		GatewayToken: getenv("ESAMBAT_SMS_GATEWAY_TOKEN"), WebhookSecret: getenv("ESAMBAT_WEBHOOK_SECRET"),
		SMTPAddr: get("smtp-addr"), SMTPFrom: get("smtp-from"), SMTPUsername: get("smtp-username"),
		GatewayURL: get("sms-gateway-url"), PhoneChannel: get("phone-channel"),
		RegistryURL: get("nik-registry-url"), RegistryToken: getenv("ESAMBAT_NIK_REGISTRY_TOKEN"),
		PhotoStore: get("photo-store"), S3Endpoint: get("s3-endpoint"), S3Region: get("s3-region"),
		S3AccessKey: getenv("ESAMBAT_S3_ACCESS_KEY"), S3SecretKey: getenv("ESAMBAT_S3_SECRET_KEY"),
		Addr: get("addr"), DataDir: get("data"), DatabaseURL: get("database-url"), ReplicaURL: get("database-replica-url"), BaseURL: get("base-url"),
		RefDataDir: get("refdata"), LogFormat: get("log-format"),
		ReferralName: get("referral-name"), ReferralURL: get("referral-url"),
		TileURL: get("tile-url"), TileAttribution: get("tile-attribution"),
	}
	var errs []error
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		errs = append(errs, fmt.Errorf("--addr %q: %v", c.Addr, err))
	}
	if c.DebugAddr = get("debug-addr"); c.DebugAddr != "" {
		host, _, err := net.SplitHostPort(c.DebugAddr)
		if ip := net.ParseIP(host); err != nil || (host != "localhost" && (ip == nil || !ip.IsLoopback())) {
			errs = append(errs, fmt.Errorf("--debug-addr %q must be a loopback address such as 127.0.0.1:6060: the profiler shows the server's memory", c.DebugAddr))
		}
	}
	if c.DataDir == "" {
		errs = append(errs, errors.New("--data must not be empty"))
	}
	if c.DatabaseURL != "" && !strings.HasPrefix(c.DatabaseURL, "postgres://") && !strings.HasPrefix(c.DatabaseURL, "postgresql://") {
		errs = append(errs, errors.New("--database-url must be empty (SQLite) or start with postgres://"))
	}
	switch {
	case c.ReplicaURL == "":
	case c.DatabaseURL == "":
		errs = append(errs, errors.New("--database-replica-url needs --database-url: only PostgreSQL has read replicas"))
	case !strings.HasPrefix(c.ReplicaURL, "postgres://") && !strings.HasPrefix(c.ReplicaURL, "postgresql://"):
		errs = append(errs, errors.New("--database-replica-url must start with postgres://"))
	}
	c.BaseURLSet = c.BaseURL != ""
	if c.BaseURL == "" {
		c.BaseURL = "http://" + c.Addr
	} else if u, err := url.Parse(c.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
		u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		errs = append(errs, fmt.Errorf("--base-url must be the site's public address, such as https://sambat.pasuruankota.go.id, not %q: links in messages are made from it", c.BaseURL))
	}
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	if err := c.LogLevel.UnmarshalText([]byte(get("log-level"))); err != nil {
		errs = append(errs, fmt.Errorf("--log-level: %v", err))
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		errs = append(errs, fmt.Errorf("--log-format must be text or json, not %q", c.LogFormat))
	}
	atoi := func(n string) int {
		v, err := strconv.Atoi(get(n))
		if err != nil {
			errs = append(errs, fmt.Errorf("--%s must be a whole number of working days", n))
		}
		return v
	}
	c.SLA = esambat.SLA{Verify: atoi("sla-verify"), Accept: atoi("sla-accept"), AutoClose: atoi("sla-autoclose"),
		MaxTarget: atoi("sla-max-target"), Completion: map[string]int{}}
	for _, part := range strings.Split(get("sla-completion"), ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if !ok || err != nil {
			errs = append(errs, fmt.Errorf("--sla-completion: %q is not CLASS=DAYS", part))
			continue
		}
		c.SLA.Completion[strings.TrimSpace(k)] = n
	}
	if err := c.SLA.Validate(); err != nil {
		errs = append(errs, fmt.Errorf("SLA: %v", esambat.ErrorMessage(err)))
	}
	if c.PhoneChannel != "sms" && c.PhoneChannel != "whatsapp" {
		errs = append(errs, fmt.Errorf("--phone-channel must be sms or whatsapp, not %q", c.PhoneChannel))
	}
	if c.GatewayURL != "" && !strings.HasPrefix(c.GatewayURL, "https://") && !strings.HasPrefix(c.GatewayURL, "http://") {
		errs = append(errs, errors.New("--sms-gateway-url must be an http(s) URL"))
	}
	if c.RegistryURL != "" && !localOrTLS(c.RegistryURL) {
		errs = append(errs, errors.New("--nik-registry-url must be an https:// URL, or http:// to an adapter on this host (127.0.0.1, ::1 or localhost): NIKs must not cross a network in clear text"))
	}
	switch vh := get("s3-virtual-host"); vh {
	case "true", "false":
		c.S3VirtualHost = vh == "true"
	default:
		errs = append(errs, fmt.Errorf("--s3-virtual-host must be true or false, not %q", vh))
	}
	if c.PhotoStore != "" {
		if _, _, err := media.ParseS3(c.PhotoStore); err != nil {
			errs = append(errs, fmt.Errorf("--photo-store: %v", err))
		}
		if u, err := url.Parse(c.S3Endpoint); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			errs = append(errs, errors.New("--photo-store s3://… needs --s3-endpoint, the object store's http(s) URL"))
		}
		if c.S3AccessKey == "" || c.S3SecretKey == "" {
			errs = append(errs, errors.New("--photo-store s3://… needs $ESAMBAT_S3_ACCESS_KEY and $ESAMBAT_S3_SECRET_KEY"))
		}
	}
	c.Webhooks = map[string]string{}
	for _, part := range strings.Split(get("webhooks"), ";") {
		if part = strings.TrimSpace(part); part == "" {
			continue
		}
		code, u, ok := strings.Cut(part, "=")
		if !ok || (!strings.HasPrefix(u, "https://") && !strings.HasPrefix(u, "http://")) {
			errs = append(errs, fmt.Errorf("--webhooks: %q is not code=https://url", part))
			continue
		}
		c.Webhooks[strings.TrimSpace(code)] = strings.TrimSpace(u)
	}
	if len(c.Webhooks) > 0 && c.WebhookSecret == "" {
		errs = append(errs, errors.New("--webhooks needs $ESAMBAT_WEBHOOK_SECRET to sign deliveries"))
	}
	for _, o := range strings.Split(get("cors-origins"), ",") {
		if o = strings.TrimRight(strings.TrimSpace(o), "/"); o == "" {
			continue
		} else if !strings.HasPrefix(o, "https://") && !strings.HasPrefix(o, "http://") {
			errs = append(errs, fmt.Errorf("--cors-origins: %q is not an origin such as https://app.example", o))
			continue
		}
		c.CORSOrigins = append(c.CORSOrigins, o)
	}
	if parts := strings.Split(get("rate-limit"), ","); len(parts) != 3 {
		errs = append(errs, errors.New("--rate-limit must be three numbers: per address, per user, per key"))
	} else {
		for i, dst := range []*int{&c.RateIP, &c.RateUser, &c.RateKey} {
			n, err := strconv.Atoi(strings.TrimSpace(parts[i]))
			if err != nil || n < 1 {
				errs = append(errs, errors.New("--rate-limit values must be positive whole numbers"))
				break
			}
			*dst = n
		}
	}
	c.Escalations = map[string][]string{}
	for _, part := range strings.Split(get("escalate-to"), ";") {
		if part = strings.TrimSpace(part); part == "" {
			continue
		}
		code, list := "", part
		if k, v, ok := strings.Cut(part, "="); ok {
			code, list = strings.TrimSpace(k), v
		}
		for _, addr := range strings.Split(list, ",") {
			e, err := esambat.NormalizeEmail(addr)
			if err != nil || e == "" {
				errs = append(errs, fmt.Errorf("--escalate-to: %q is not an email address", strings.TrimSpace(addr)))
				continue
			}
			c.Escalations[code] = append(c.Escalations[code], e)
		}
	}
	si, err := time.ParseDuration(get("scheduler-interval"))
	if err != nil || si < 0 {
		errs = append(errs, errors.New("--scheduler-interval must be a duration such as 1m, or 0 to turn it off"))
	}
	c.SchedulerInterval = si
	rr, err := time.ParseDuration(get("routing-retrain"))
	if err != nil || rr < 0 {
		errs = append(errs, errors.New("--routing-retrain must be a duration such as 24h, or 0"))
	}
	c.RoutingRetrain = rr
	d, err := time.ParseDuration(get("shutdown-timeout"))
	if err != nil || d <= 0 {
		errs = append(errs, errors.New("--shutdown-timeout must be a positive duration such as 20s"))
	}
	c.ShutdownTimeout = d
	return c, fs.Args(), errors.Join(errs...)
}

// localOrTLS reports whether raw is an https URL, or an http one to this
// host's loopback.
func localOrTLS(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return false
	}
	switch u.Scheme {
	case "https":
		return true
	case "http":
		h := u.Hostname()
		ip := net.ParseIP(h)
		return h == "localhost" || (ip != nil && ip.IsLoopback())
	}
	return false
}

// linkWarning says, when messages leave this machine with links residents
// cannot open, why: the base URL (by default http:// + --addr) names a
// loopback or unspecified address. Empty when the links are fine or no
// message is sent anywhere but the log.
func (c *Config) linkWarning() string {
	if c.SMTPAddr == "" && c.GatewayURL == "" && len(c.Webhooks) == 0 {
		return ""
	}
	u, err := url.Parse(c.BaseURL)
	if err != nil {
		return ""
	}
	host := u.Hostname()
	if ip, err := netip.ParseAddr(host); (err == nil && (ip.IsLoopback() || ip.IsUnspecified())) || host == "" || strings.EqualFold(host, "localhost") {
		return "links in emails, SMS and webhooks point to " + c.BaseURL + ", which residents and agencies cannot open: set --base-url to the site's public address"
	}
	return ""
}
