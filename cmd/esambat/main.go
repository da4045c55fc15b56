// Command esambat is E-Sambat's single binary: the web server and the
// operator commands (migrate, user add, version...). See INTERFACES.md.
//
// This is the only package that knows every other one: it reads the
// configuration, opens the store, builds the domain service and serves it.
package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/esambat/esambat"
	"github.com/esambat/esambat/dukcapil"
	"github.com/esambat/esambat/geo"
	esambathttp "github.com/esambat/esambat/http"
	"github.com/esambat/esambat/media"
	"github.com/esambat/esambat/notify"
	"github.com/esambat/esambat/open311"
	"github.com/esambat/esambat/password"
	"github.com/esambat/esambat/refdata"
	"github.com/esambat/esambat/secret"
	"github.com/esambat/esambat/sqldb"
	"github.com/esambat/esambat/sqldb/postgres"
	"github.com/esambat/esambat/sqldb/sqlite"
)

// Set at build time with -ldflags "-X main.version=... -X main.commit=...".
var (
	version = "dev"
	commit  = ""
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv))
}

const usage = `E-Sambat — layanan pengaduan masyarakat Kota Pasuruan

Usage:
  esambat serve [flags]        migrate if needed, load reference data, serve HTTP
  esambat migrate [flags]      apply database migrations and exit
  esambat user add --role admin|petugas|pimpinan --email E --name N [--agency CODE] [flags]
                               create a staff account (password from stdin, or generated)
  esambat user password --login EMAIL|PHONE [flags]
                               set a forgotten password (stdin or generated); its sessions end
  esambat user check-domicile --nik-registry-url URL
                               ask the civil registry about every resident whose domicile waits
  esambat user email-links --smtp-addr HOST:PORT --base-url URL
                               mail a confirmation link to every resident whose email waits for one
  esambat agency move --from CODE --to CODE --as ADMIN_EMAIL --base-url URL
                               move every open report of a retired agency to the one that took over
                               (with the server's configuration: the messages it queues are made from it)
  esambat apikey add --name N [--scopes reports:write,reports:read]
                               issue a partner API key (printed once, stored hashed)
  esambat apikey list | esambat apikey revoke --id N
  esambat routing train        train the routing suggestion on verified reports and save it
  esambat audit verify         check every report's hash-chained history; names the first broken link
  esambat seed-demo --reports N [--seed S] [--append]
                               fill the database with N realistic synthetic reports (demo data)
  esambat backup --out FILE    consistent online backup of the SQLite data dir (database, key, photos) to one file
  esambat restore --in FILE [--data DIR]
                               restore such a backup into a new or empty data dir
  esambat photos push --photo-store s3://BUCKET[/PREFIX] --s3-endpoint URL
                               copy the data dir's photos into an object store (before scaling out)
  esambat version              print version, commit and Go version

Run "esambat serve -h" for the configuration flags.
`

// run is main without the process: tests call it.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	var err error
	switch args[0] {
	case "serve":
		err = cmdServe(ctx, args[1:], stdout, stderr, getenv, nil)
	case "migrate":
		err = cmdMigrate(ctx, args[1:], stdout, stderr, getenv)
	case "user":
		switch {
		case len(args) >= 2 && args[1] == "add":
			err = cmdUserAdd(ctx, args[2:], stdin, stdout, stderr, getenv)
		case len(args) >= 2 && args[1] == "password":
			err = cmdUserPassword(ctx, args[2:], stdin, stdout, stderr, getenv)
		case len(args) >= 2 && args[1] == "check-domicile":
			err = cmdUserCheckDomicile(ctx, args[2:], stdout, stderr, getenv)
		case len(args) >= 2 && args[1] == "email-links":
			err = cmdUserEmailLinks(ctx, args[2:], stdout, stderr, getenv)
		default:
			fmt.Fprint(stderr, "usage: esambat user add --role admin|petugas|pimpinan --email E --name N [--agency CODE]\n"+
				"       esambat user password --login EMAIL|PHONE\n"+
				"       esambat user check-domicile --nik-registry-url URL\n"+
				"       esambat user email-links --smtp-addr HOST:PORT --base-url URL\n")
			return 2
		}
	case "agency":
		if len(args) < 2 || args[1] != "move" {
			fmt.Fprint(stderr, "usage: esambat agency move --from CODE --to CODE --as ADMIN_EMAIL --base-url URL [flags]\n")
			return 2
		}
		err = cmdAgencyMove(ctx, args[2:], stdout, stderr, getenv)
	case "photos":
		if len(args) < 2 || args[1] != "push" {
			fmt.Fprint(stderr, "usage: esambat photos push --photo-store s3://BUCKET[/PREFIX] --s3-endpoint URL [flags]\n")
			return 2
		}
		err = cmdPhotosPush(ctx, args[2:], stdout, stderr, getenv)
	case "routing":
		err = cmdRouting(ctx, args[1:], stdout, stderr, getenv)
	case "apikey":
		err = cmdAPIKey(ctx, args[1:], stdout, stderr, getenv)
	case "audit":
		if len(args) < 2 || args[1] != "verify" {
			fmt.Fprint(stderr, "usage: esambat audit verify [flags]\n")
			return 2
		}
		err = cmdAuditVerify(ctx, args[2:], stdout, stderr, getenv)
	case "backup":
		err = cmdBackup(ctx, args[1:], stdout, stderr, getenv)
	case "restore":
		err = cmdRestore(ctx, args[1:], stdout, stderr, getenv)
	case "seed-demo":
		err = cmdSeedDemo(ctx, args[1:], stdout, stderr, getenv)
	case "version", "--version", "-version":
		fmt.Fprintf(stdout, "esambat %s\ncommit %s\n%s %s/%s\n", version, commitID(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
		return 0
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "esambat: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	if err != nil {
		if !errors.Is(err, errUsage) {
			fmt.Fprintf(stderr, "esambat %s: %v\n", args[0], err)
		}
		return 1
	}
	return 0
}

// errUsage marks an error already reported by the flag package.
var errUsage = errors.New("usage")

func commitID() string {
	if commit != "" {
		return commit
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" {
				return s.Value
			}
		}
	}
	return "unknown"
}

func newLogger(c Config, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: c.LogLevel}
	if c.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// app is everything the commands share once the configuration is loaded.
type app struct {
	cfg     Config
	logger  *slog.Logger
	db      *sqldb.DB
	ref     *refdata.Set
	service *esambat.Service
	// phoneCodes and mailCodes send one-time messages when a gateway or
	// mail server is configured (nil: they go to the log).
	phoneCodes, mailCodes *direct
	// routingStale says the reference files changed categories or
	// agencies at this start: the saved routing model predates them.
	routingStale bool
}

// openDB opens and migrates the configured database.
func openDB(ctx context.Context, c Config, logger *slog.Logger) (*sqldb.DB, error) {
	var db *sqldb.DB
	var err error
	if c.DatabaseURL != "" {
		if db, err = postgres.Open(ctx, c.DatabaseURL, logger); err != nil {
			return nil, err
		}
		if err = db.Migrate(ctx, postgres.Migrations()); err == nil && c.ReplicaURL != "" {
			err = postgres.OpenReplica(ctx, db, c.ReplicaURL)
		}
	} else {
		path := filepath.Join(c.DataDir, "esambat.db")
		if db, err = sqlite.Open(path, logger); err != nil {
			return nil, err
		}
		err = db.Migrate(ctx, sqlite.Migrations())
	}
	if err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// openApp opens the database, brings its reference data in line with the
// files (all of it on the first start) and builds the domain service.
func openApp(ctx context.Context, c Config, logger *slog.Logger) (*app, error) {
	ref, err := refdata.New(c.RefDataDir)
	if err != nil {
		return nil, err
	}
	db, err := openDB(ctx, c, logger)
	if err != nil {
		return nil, err
	}
	a := &app{cfg: c, logger: logger, db: db, ref: ref}
	if err := a.build(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return a, nil
}

func (a *app) build(ctx context.Context) error {
	regions, err := a.ref.Regions()
	if err != nil {
		return err
	}
	agencies, err := a.ref.Agencies()
	if err != nil {
		return err
	}
	cats, err := a.ref.Categories()
	if err != nil {
		return err
	}
	ch, err := a.db.SyncReference(ctx, regions, agencies, cats)
	if err != nil {
		return fmt.Errorf("load reference data: %w", err)
	}
	a.logReferenceChanges(ch, len(regions)+len(agencies)+len(cats))
	for _, row := range slices.Concat(ch.Added, ch.Updated) {
		if !strings.HasPrefix(row, "region ") {
			a.routingStale = true
		}
	}
	w := esambat.NewWilayah(regions)
	cityGeo, err := a.ref.ReadFile(refdata.FileKelurahanGeo)
	if err != nil {
		return err
	}
	neighbourGeo, err := a.ref.ReadFile(refdata.FileNeighbourGeo)
	if err != nil {
		return err
	}
	referral := geo.DefaultReferral()
	referral.Name, referral.URL = a.cfg.ReferralName, a.cfg.ReferralURL
	loc, err := geo.NewLocator(cityGeo, neighbourGeo, w, referral)
	if err != nil {
		return err
	}
	holidays, err := a.ref.Holidays()
	if err != nil {
		return err
	}
	cal := esambat.NewCalendar(holidays)
	if now := time.Now(); !cal.Covers(now, 12) {
		a.logger.Warn("the holiday calendar does not cover the next 12 months: after it only weekends and the holidays on fixed dates (New Year, Good Friday, 1 May, Ascension, 1 June, 17 August, Christmas) are known, so due dates around the other holidays and cuti bersama come out early; add the new SKB holidays to libur_nasional.csv in --refdata",
			"covered_until", cal.CoveredUntil().In(esambat.WIB).Format("2006-01-02"))
	}
	keys, err := secret.Load(a.cfg.DataDir, a.cfg.SecretKey)
	if err != nil {
		return err
	}
	a.service = &esambat.Service{
		Reports: a.db, Audit: a.db, Users: a.db, Reference: a.db, Templates: a.db, APIKeys: a.db, Snapshots: a.db, Locator: loc, Wilayah: w, CityCode: refdata.CityCode,
		Clocks: esambat.Clocks{Calendar: cal, SLA: a.cfg.SLA}, Now: a.db.Now,
		Auth: esambat.AuthService{Tokens: a.db, PhoneCodes: a.db, Hasher: password.Hasher{Params: password.Default},
			Sealer: keys, Notifier: a.codeNotifier(), Mailer: a.codeMailer(), BaseURL: a.cfg.BaseURL},
	}
	if a.cfg.RegistryURL != "" {
		a.service.Auth.Registry = &dukcapil.Client{URL: a.cfg.RegistryURL, Token: a.cfg.RegistryToken, Logger: a.logger}
	}
	// Every stored event writes its notifications in its own transaction.
	a.db.Planner = &notify.Planner{BaseURL: a.cfg.BaseURL, PhoneChannel: a.cfg.PhoneChannel, Webhooks: a.cfg.Webhooks, Escalations: a.cfg.Escalations}
	return a.warnRetired(ctx)
}

// logReferenceChanges says what the reference files changed in the
// database at this start: everything on the first (all rows added), each
// row otherwise, and what the files no longer hold.
func (a *app) logReferenceChanges(ch esambat.ReferenceChanges, rows int) {
	switch {
	case len(ch.Added) == rows:
		a.logger.Info("reference data loaded", "rows", rows)
	case len(ch.Added)+len(ch.Updated) > 0:
		a.logger.Info("reference data updated from the files (a category's default agency and threshold stay as admins set them)",
			"added", ch.Added, "updated", ch.Updated)
	}
	if len(ch.Kept) > 0 {
		a.logger.Warn("in the database but no longer in the reference files: retired (old reports keep them, nothing new goes to them)", "retired", ch.Kept)
	}
}

// warnRetired names what a retired agency left behind: the categories
// whose default agency it was (their reports wait for an admin to
// choose, and automatic disposition stops for them, until an admin picks
// another at /admin/kategori), and the open reports it still holds
// (until an admin moves them from the queue at /admin).
func (a *app) warnRetired(ctx context.Context) error {
	cats, err := a.db.ListCategories(ctx)
	if err != nil {
		return err
	}
	ags, err := a.db.ListAgencies(ctx)
	if err != nil {
		return err
	}
	for _, c := range cats {
		if i := slices.IndexFunc(ags, func(g esambat.Agency) bool { return g.Code == c.AgencyCode }); !c.Retired && i >= 0 && ags[i].Retired {
			a.logger.Warn("a category's default agency is retired: choose another at /admin/kategori", "category", c.Code, "agency", c.AgencyCode)
		}
	}
	a.warnAgencyConfig(ags, "--webhooks", slices.Collect(maps.Keys(a.cfg.Webhooks)))
	a.warnAgencyConfig(ags, "--escalate-to", slices.Collect(maps.Keys(a.cfg.Escalations)))
	stranded, err := a.service.StrandedReports(ctx, ags)
	for _, l := range stranded {
		a.logger.Warn("a retired agency still holds open reports: an admin moves them to the agency that took over, from the queue at /admin or with esambat agency move", "agency", l.Agency.Code, "open", l.Open)
	}
	return err
}

// warnAgencyConfig warns of the agency codes an option names (codes; ""
// is the option's default and always fine) that no agency of the
// reference data has, which nothing will ever be sent for (a typo), and
// of those whose agency is retired, which nothing new will be sent for.
// It does not refuse to start: an agency retired by new reference files
// must not take the service down with it.
func (a *app) warnAgencyConfig(ags []esambat.Agency, option string, codes []string) {
	slices.Sort(codes)
	for _, code := range codes {
		if code == "" {
			continue
		}
		switch i := slices.IndexFunc(ags, func(g esambat.Agency) bool { return g.Code == code }); {
		case i < 0:
			a.logger.Warn(option+" names an agency the reference data does not have: nothing will be sent for it; check the code against /api/v1/agencies", "agency", code)
		case ags[i].Retired:
			a.logger.Warn(option+" names a retired agency: no new reports reach it; point it at the agency that took over", "agency", code)
		}
	}
}

func cmdMigrate(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	c, _, err := parseConfig("migrate", args, getenv, stderr)
	if err != nil {
		return configErr(err)
	}
	logger := newLogger(c, stderr)
	db, err := openDB(ctx, c, logger)
	if err != nil {
		return err
	}
	defer db.Close()
	fmt.Fprintln(stdout, "migrations applied")
	return nil
}

func configErr(err error) error {
	if errors.Is(err, errHelp) {
		return errUsage
	}
	return err
}

// readyFunc, when set, is told the listening address (tests use :0).
type readyFunc func(addr string)

// sweepPhotoTemp removes the temporary files that photo writes cut short by
// a crash left in the photo store: at start, then hourly, in the
// background (the walk reads every photo directory).
func sweepPhotoTemp(ctx context.Context, store media.DirStore, logger *slog.Logger) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		n, err := store.SweepTemp(ctx, media.TempMaxAge)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			logger.Warn("photo store: removing leftover temporary files failed", "removed", n, "err", err)
		} else if n > 0 {
			logger.Info("photo store: removed temporary files of unfinished writes", "removed", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func cmdServe(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string, ready readyFunc) error {
	c, _, err := parseConfig("serve", args, getenv, stderr)
	if err != nil {
		return configErr(err)
	}
	logger := newLogger(c, stderr)
	a, err := openApp(ctx, c, logger)
	if err != nil {
		return err
	}
	defer a.db.Close()

	metrics := esambathttp.NewMetrics()
	if gw, ok := a.db.Writer.(*sqldb.GroupWriter); ok {
		metrics.Gauge("esambat_sqlite_commits", "SQLite write transactions committed (group commit).", func() float64 { c, _ := gw.Stats(); return float64(c) })
		metrics.Gauge("esambat_sqlite_commit_calls", "Write calls carried by those transactions.", func() float64 { _, n := gw.Stats(); return float64(n) })
		metrics.Gauge("esambat_sqlite_wal_syncs", "fsyncs of the write-ahead log that made the writer's commits durable.", func() float64 { return float64(gw.Syncs()) })
		metrics.Gauge("esambat_sqlite_wal_restarts", "Times the writer started the write-ahead log again from its beginning after the checkpointer found it long.", func() float64 { return float64(gw.Restarts()) })
		metrics.Gauge("esambat_sqlite_writer_busy_seconds", "Time the single SQLite writer has spent running write batches.", func() float64 { return gw.Busy().Seconds() })
		metrics.Gauge("esambat_sqlite_writer_fsync_wait_seconds", "Part of the writer's busy time spent idle in an open batch, waiting for the fsync of earlier batches.", func() float64 { return gw.SyncWait().Seconds() })
	}
	if c.ReplicaURL != "" {
		metrics.Gauge("esambat_replica_fallbacks", "Public reads run again on the primary because the read replica did not answer.", func() float64 { return float64(a.db.ReplicaFallbacks()) })
	}
	if cp := a.db.Checkpointer; cp != nil {
		metrics.Gauge("esambat_sqlite_checkpoints", "Write-ahead log checkpoints run outside the writer.", func() float64 { return float64(cp.Runs()) })
	}
	var photos media.Store
	dir := media.DirStore{Dir: filepath.Join(c.DataDir, "photos")}
	if c.PhotoStore == "" {
		photos = dir
		go sweepPhotoTemp(ctx, dir, logger)
	} else {
		photos = s3Store(c)
	}
	if s3, ok := photos.(*media.S3Store); ok {
		metrics.Gauge("esambat_photo_store_failures", "Requests to the S3 photo store that failed (unreachable, or an unexpected answer).", func() float64 { return float64(s3.Failures()) })
	}
	metrics.Gauge("esambat_phone_code_failures", "One-time phone codes the SMS/WhatsApp gateway did not take (the resident got none).", a.phoneCodes.failures)
	metrics.Gauge("esambat_email_code_failures", "Reset codes and email confirmation links the mail server did not take.", a.mailCodes.failures)
	if reg, ok := a.service.Auth.Registry.(*dukcapil.Client); ok {
		metrics.Gauge("esambat_registry_requests", "NIKs asked of the civil registry.", func() float64 { return float64(reg.Asked()) })
		metrics.Gauge("esambat_registry_failures", "Questions to the civil registry without a usable answer (the NIK's digits decided).", func() float64 { return float64(reg.Failed()) })
	}
	srv := &esambathttp.Server{Service: a.service, DB: a.db, Outbox: a.db, CORSOrigins: c.CORSOrigins,
		RateLimits: esambathttp.RateLimits{PerIP: c.RateIP, PerUser: c.RateUser, PerKey: c.RateKey}, Logger: logger, Metrics: metrics, BaseURL: c.BaseURL, Version: version,
		Media: photos, TileURL: c.TileURL, TileAttribution: c.TileAttribution}
	srv.Open311 = &open311.Handler{Service: a.service, BaseURL: c.BaseURL, Logger: logger, StatusLabels: esambathttp.StatusLabels, StorePhotos: srv.StorePhotos}
	srv.Open311Error = open311.WriteError
	hs := &http.Server{
		Handler:           srv.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       2 * time.Minute, // photo uploads on weak mobile networks
		WriteTimeout:      2 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	router := a.startRouter(ctx, c.RoutingRetrain)
	a.service.Router = router
	metrics.Gauge("esambat_routing_model_trained_timestamp_seconds", "When the routing model this instance serves was trained (Unix time; 0 until it has one): kept in the database and shared, so a restart does not reset it.", func() float64 {
		if at := router.trainedAt(); !at.IsZero() {
			return float64(at.UnixNano()) / 1e9
		}
		return 0
	})
	ln, err := net.Listen("tcp", c.Addr)
	if err != nil {
		return err
	}
	addr := ln.Addr().String()
	// This instance's name for the leases the instances sharing a
	// database take turns with: the scheduler's, the statistics'.
	host, _ := os.Hostname()
	holder := fmt.Sprintf("%s:%d:%s", host, os.Getpid(), addr)
	a.service.Leases, a.service.Instance = a.db, holder
	store := "sqlite:" + filepath.Join(c.DataDir, "esambat.db")
	if c.DatabaseURL != "" {
		store = "postgres"
	}
	photoStore := dir.Dir
	if c.PhotoStore != "" {
		photoStore = c.PhotoStore + " at " + c.S3Endpoint
	}
	logger.Info("E-Sambat listening", "addr", "http://"+addr, "base_url", c.BaseURL, "store", store, "photos", photoStore, "version", version)
	if ready != nil {
		ready(addr)
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	// Count the home page's counters now rather than at the first view,
	// which would wait for them (1.4 s at a million reports).
	srv.WarmUp()
	if c.DebugAddr != "" {
		dln, err := net.Listen("tcp", c.DebugAddr)
		if err != nil {
			return fmt.Errorf("--debug-addr: %w", err)
		}
		dbg := &http.Server{Handler: debugHandler(), ReadHeaderTimeout: 10 * time.Second}
		defer dbg.Close()
		go dbg.Serve(dln)
		logger.Info("profiler listening", "addr", "http://"+dln.Addr().String()+"/debug/pprof/")
	}
	// The notification worker and the scheduler stop before the database
	// closes (deferred above, so run after this): a message its channel
	// accepted during shutdown must still be recorded as sent, or it would
	// be sent again once its lease ran out.
	bg, stopBG := context.WithCancel(ctx)
	var background sync.WaitGroup
	defer func() {
		stopBG()
		if !waitTimeout(&background, c.ShutdownTimeout) {
			logger.Warn("shutdown: notification worker or scheduler still busy after the timeout; closing the database anyway")
		}
	}()
	worker := &notify.Worker{Store: a.db, Senders: a.senders(), Logger: logger}
	background.Go(func() {
		if err := worker.Run(bg); err != nil && bg.Err() == nil {
			logger.Error("notification worker stopped", "err", err)
		}
	})
	if c.SchedulerInterval > 0 {
		background.Go(func() {
			a.service.RunScheduler(bg, a.db, holder, c.SchedulerInterval, func(f string, args ...any) {
				logger.Info(fmt.Sprintf(f, args...))
			})
		})
	}
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	// Stop accepting, let in-flight requests finish, then close the
	// database (deferred above) so the last commits are complete.
	logger.Info("shutting down", "timeout", c.ShutdownTimeout)
	sctx, cancel := context.WithTimeout(context.Background(), c.ShutdownTimeout)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		logger.Warn("shutdown: in-flight requests cut off", "err", err)
	}
	logger.Info("stopped")
	return nil
}

// waitTimeout waits for wg at most d and reports whether it ended.
func waitTimeout(wg *sync.WaitGroup, d time.Duration) bool {
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-done:
		return true
	case <-t.C:
		return false
	}
}

func cmdUserAdd(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) error {
	var role, email, name, agency string
	rest, err := ownFlags(args, map[string]*string{"role": &role, "email": &email, "name": &name, "agency": &agency})
	if err != nil {
		return err
	}
	c, _, err := parseConfig("user add", rest, getenv, stderr)
	if err != nil {
		return configErr(err)
	}
	var v esambat.Validation
	r := esambat.Role(role)
	if r != esambat.RoleAdmin && r != esambat.RolePetugas && r != esambat.RolePimpinan {
		v.Add("role", "--role must be admin, petugas or pimpinan")
	}
	em, err := esambat.NormalizeEmail(email)
	if err != nil || em == "" {
		v.Add("email", "--email must be a valid email address")
	}
	if strings.TrimSpace(name) == "" {
		v.Add("name", "--name is required")
	}
	if r == esambat.RolePetugas && agency == "" {
		v.Add("agency", "--agency CODE is required for petugas")
	} else if r != esambat.RolePetugas && agency != "" {
		v.Add("agency", "--agency is only for petugas")
	}
	if err := v.Err(); err != nil {
		return fieldsErr(err)
	}
	pw, generated, err := readPassword(stdin)
	if err != nil {
		return err
	}
	if err := password.Validate(pw); err != nil {
		return errors.New(esambat.ErrorMessage(err))
	}
	logger := newLogger(c, stderr)
	a, err := openApp(ctx, c, logger)
	if err != nil {
		return err
	}
	defer a.db.Close()
	// The same rules as the admins' accounts page.
	u, err := a.service.CreateStaff(ctx, nil, esambat.StaffInput{Role: r, Name: name, Email: em, AgencyCode: agency}, pw)
	if err != nil {
		return fieldsErr(err)
	}
	fmt.Fprintf(stdout, "created %s account %d for %s\n", r, u.ID, em)
	if generated {
		fmt.Fprintf(stdout, "password: %s\n(shown once; the user should change it after the first login)\n", pw)
	}
	return nil
}

// cmdAgencyMove moves every open report of a retired agency to the
// agency that took over its duties, as the admin --as names would from
// the notice on the admins' queue (esambat.Service.MoveAgencyReports): each
// report an admin's re-route in that admin's name, with its own event,
// clock and messages (which the running server sends). The page moves
// 500 per press; this goes on until none is left, or a round moved none
// (what is left then failed; each is named).
func cmdAgencyMove(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	var from, to, as string
	rest, err := ownFlags(args, map[string]*string{"from": &from, "to": &to, "as": &as})
	if err != nil {
		return err
	}
	from, to = strings.TrimSpace(from), strings.TrimSpace(to)
	c, _, err := parseConfig("agency move", rest, getenv, stderr)
	if err != nil {
		return configErr(err)
	}
	var v esambat.Validation
	if from == "" {
		v.Add("from", "--from CODE is required: the retired agency")
	}
	if to == "" {
		v.Add("to", "--to CODE is required: the agency that took over")
	}
	if !c.BaseURLSet {
		v.Add("base-url", "--base-url (or ESAMBAT_BASE_URL) is required, as the server has it: each move queues messages to the reporter and the new agency whose links are made from it")
	}
	email, err := esambat.NormalizeEmail(as)
	switch {
	case strings.TrimSpace(as) == "":
		v.Add("as", "--as is required: the email of the admin in whose name the reports move")
	case err != nil:
		v.Add("as", "--as "+as+": not an email address")
	}
	if err := v.Err(); err != nil {
		return fieldsErr(err)
	}
	a, err := openApp(ctx, c, newLogger(c, stderr))
	if err != nil {
		return err
	}
	defer a.db.Close()
	u, err := a.db.FindUserByLogin(ctx, email)
	if esambat.ErrorCode(err) == esambat.ENOTFOUND || (err == nil && (u.Role != esambat.RoleAdmin || u.Disabled)) {
		return fmt.Errorf("--as %s: no active admin account has this email", as)
	} else if err != nil {
		return err
	}
	actor := esambat.Actor{UserID: u.ID, Role: u.Role}
	// The messages are made here, from this command's configuration, and
	// the running server sends them as they are.
	fmt.Fprintf(stdout, "messages are queued with links to %s, to phones by %s, to the webhooks of %v: run this with the server's configuration\n",
		c.BaseURL, c.PhoneChannel, slices.Sorted(maps.Keys(c.Webhooks)))
	moved := 0
	for {
		res, err := a.service.MoveAgencyReports(ctx, actor, from, to)
		if err != nil {
			return fieldsErr(err)
		}
		moved += res.Moved
		fmt.Fprintf(stdout, "moved %d open reports from %s to %s (%d in all); %d left\n", res.Moved, from, to, moved, res.Left)
		if res.Left == 0 || res.Moved == 0 {
			for _, f := range res.Failed {
				fmt.Fprintf(stdout, "not moved: %s\n", f)
			}
			if res.Left > 0 {
				return fmt.Errorf("%d open reports are still with %s: they changed while being moved; run the command again, or move them one by one", res.Left, from)
			}
			return nil
		}
	}
}

// cmdUserCheckDomicile asks the civil registry (--nik-registry-url) about
// every resident whose domicile waits, and confirms those it places in
// the city: for a city that connects its registry after residents have
// signed up. Each account is named by its ID and masked NIK only.
func cmdUserCheckDomicile(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	c, _, err := parseConfig("user check-domicile", args, getenv, stderr)
	if err != nil {
		return configErr(err)
	}
	if c.RegistryURL == "" {
		return errors.New("--nik-registry-url (or ESAMBAT_NIK_REGISTRY_URL) is required: the civil registry to ask")
	}
	a, err := openApp(ctx, c, newLogger(c, stderr))
	if err != nil {
		return err
	}
	defer a.db.Close()
	tally, err := a.service.CheckDomiciles(ctx, nil, func(u *esambat.User, err error) {
		if err == nil {
			fmt.Fprintf(stdout, "account %d (%s): domicile confirmed\n", u.ID, u.NIKMasked)
		} else {
			fmt.Fprintf(stdout, "account %d (%s): still waiting: %s\n", u.ID, u.NIKMasked, esambat.ErrorMessage(err))
		}
	})
	fmt.Fprintf(stdout, "%d checked: %d confirmed, %d still waiting\n", tally.Checked, tally.Confirmed, tally.Waiting)
	if err != nil {
		return fmt.Errorf("stopped: %s", esambat.ErrorMessage(err))
	}
	return nil
}

// cmdUserEmailLinks mails a confirmation link to every resident whose
// email address waits for one: after the upgrade that moved residents'
// unconfirmed addresses aside, nothing reaches those residents by email
// until they confirm. Each account is named by its ID and masked address.
// Running it again sends new links (the earlier ones still work).
func cmdUserEmailLinks(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	c, _, err := parseConfig("user email-links", args, getenv, stderr)
	if err != nil {
		return configErr(err)
	}
	if c.SMTPAddr == "" {
		return errors.New("--smtp-addr (or ESAMBAT_SMTP_ADDR) is required: the mail server that sends the links")
	}
	if w := c.linkWarning(); w != "" {
		return errors.New(w)
	}
	a, err := openApp(ctx, c, newLogger(c, stderr))
	if err != nil {
		return err
	}
	defer a.db.Close()
	tally, err := a.service.SendEmailLinks(ctx, nil, func(u *esambat.User, err error) {
		if err == nil {
			fmt.Fprintf(stdout, "account %d (%s): link sent\n", u.ID, esambat.MaskEmail(u.EmailPending))
		} else {
			fmt.Fprintf(stdout, "account %d (%s): not sent: %v\n", u.ID, esambat.MaskEmail(u.EmailPending), err)
		}
	})
	fmt.Fprintf(stdout, "%d links sent, %d failed\n", tally.Sent, tally.Failed)
	if err != nil {
		return fmt.Errorf("stopped: %s (%v)", esambat.ErrorMessage(err), errors.Unwrap(err))
	}
	if tally.Failed > 0 {
		return fmt.Errorf("%d links not sent", tally.Failed)
	}
	return nil
}

// fieldsErr turns a validation error into one line per field, and any
// other refusal into its message; an internal error stays whole, for the
// operator to read.
func fieldsErr(err error) error {
	var e *esambat.Error
	if !errors.As(err, &e) || e.Code == esambat.EINTERNAL {
		return err
	}
	if len(e.Fields) > 0 {
		var lines []string
		for _, m := range e.Fields {
			lines = append(lines, m)
		}
		return errors.New(strings.Join(lines, "; "))
	}
	return errors.New(e.Message)
}

// readPassword reads one line from stdin when it is not a terminal; with
// nothing to read it generates a password.
// cmdUserPassword sets a new password for an account (password from
// stdin, or generated and printed once) and signs every browser out of it:
// how an operator helps a staff member who forgot the password (residents
// reset theirs with a code on their phone, /lupa-sandi).
func cmdUserPassword(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) error {
	var login string
	rest, err := ownFlags(args, map[string]*string{"login": &login})
	if err != nil {
		return err
	}
	c, _, err := parseConfig("user password", rest, getenv, stderr)
	if err != nil {
		return configErr(err)
	}
	login = strings.TrimSpace(login)
	if strings.Contains(login, "@") {
		login, err = esambat.NormalizeEmail(login)
	} else {
		login, err = esambat.NormalizePhone(login)
	}
	if err != nil || login == "" {
		return fieldsErr(esambat.FieldError("login", "--login must be the account's email address or mobile number"))
	}
	pw, generated, err := readPassword(stdin)
	if err != nil {
		return err
	}
	if err := password.Validate(pw); err != nil {
		return errors.New(esambat.ErrorMessage(err))
	}
	a, err := openApp(ctx, c, newLogger(c, stderr))
	if err != nil {
		return err
	}
	defer a.db.Close()
	u, err := a.db.FindUserByLogin(ctx, login)
	if err != nil {
		return fmt.Errorf("--login %s: %s", login, esambat.ErrorMessage(err))
	}
	// Recorded in the account's history, by the operator.
	u, ended, err := a.service.SetPassword(ctx, nil, u.ID, pw, false)
	if err != nil {
		return fieldsErr(err)
	}
	fmt.Fprintf(stdout, "password of %s account %d (%s) changed; %d browser sessions signed out\n", u.Role, u.ID, login, ended)
	if generated {
		fmt.Fprintf(stdout, "password: %s\n(shown once)\n", pw)
	}
	return nil
}

func readPassword(stdin io.Reader) (pw string, generated bool, err error) {
	if f, ok := stdin.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			return password.Generate(16), true, nil
		}
	}
	if stdin == nil {
		return password.Generate(16), true, nil
	}
	line, err := bufio.NewReader(io.LimitReader(stdin, 4096)).ReadString('\n')
	if err != nil && err != io.EOF {
		return "", false, err
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return password.Generate(16), true, nil
	}
	return line, false, nil
}

func cmdAuditVerify(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	c, _, err := parseConfig("audit verify", args, getenv, stderr)
	if err != nil {
		return configErr(err)
	}
	db, err := openDB(ctx, c, newLogger(c, stderr))
	if err != nil {
		return err
	}
	defer db.Close()
	start := time.Now()
	n, broken, err := esambat.VerifyChains(ctx, db)
	if err != nil {
		return err
	}
	if broken != nil {
		fmt.Fprintf(stdout, "checked %d events: BROKEN at %s\n", n, broken)
		return errors.New("audit trail broken")
	}
	fmt.Fprintf(stdout, "checked %d events in %s: every chain intact\n", n, time.Since(start).Round(time.Millisecond))
	return nil
}

// senders builds the delivery channels from the configuration. Without an
// SMTP server or SMS gateway, messages are written to the log: enough to
// try E-Sambat on a laptop, and said so at start-up.
func (a *app) senders() map[string]notify.Sender {
	logged := notify.Log{Logger: a.logger}
	if w := a.cfg.linkWarning(); w != "" {
		a.logger.Warn(w)
	}
	s := map[string]notify.Sender{esambat.MessageEmail: logged, esambat.MessageSMS: logged, esambat.MessageWhatsApp: logged}
	if a.cfg.SMTPAddr != "" {
		s[esambat.MessageEmail] = &notify.SMTP{Addr: a.cfg.SMTPAddr, From: a.cfg.SMTPFrom, Username: a.cfg.SMTPUsername, Password: a.cfg.SMTPPassword}
	} else {
		a.logger.Warn("no --smtp-addr: notification emails are written to the log, not sent")
	}
	if a.cfg.GatewayURL != "" {
		g := &notify.Gateway{URL: a.cfg.GatewayURL, Token: a.cfg.GatewayToken}
		s[esambat.MessageSMS], s[esambat.MessageWhatsApp] = g, g
	} else {
		a.logger.Warn("no --sms-gateway-url: SMS/WhatsApp messages (and phone codes) are written to the log, not sent")
	}
	if len(a.cfg.Webhooks) > 0 {
		s[esambat.MessageWebhook] = &notify.Webhook{Secret: a.cfg.WebhookSecret}
	}
	return s
}

// codeNotifier sends one-time phone codes: through the SMS gateway when
// one is configured, to the log otherwise.
func (a *app) codeNotifier() esambat.Notifier {
	if a.cfg.GatewayURL == "" {
		return notify.Log{Logger: a.logger}
	}
	g := &notify.Gateway{URL: a.cfg.GatewayURL, Token: a.cfg.GatewayToken}
	a.phoneCodes = &direct{channel: a.cfg.PhoneChannel, logger: a.logger, mask: esambat.MaskPhone,
		send: func(ctx context.Context, m esambat.Message) error { return g.Send(ctx, m) }}
	return a.phoneCodes
}

// codeMailer sends one-time codes and confirmation links by email
// through the SMTP server; without one, to the log, as codeNotifier does.
func (a *app) codeMailer() esambat.Notifier {
	if a.cfg.SMTPAddr == "" {
		return notify.Log{Logger: a.logger}
	}
	m := &notify.SMTP{Addr: a.cfg.SMTPAddr, From: a.cfg.SMTPFrom, Username: a.cfg.SMTPUsername, Password: a.cfg.SMTPPassword}
	a.mailCodes = &direct{channel: esambat.MessageEmail, logger: a.logger, mask: esambat.MaskEmail,
		send: func(ctx context.Context, msg esambat.Message) error { return m.Send(ctx, msg) }}
	return a.mailCodes
}

// direct sends one-time messages (phone codes, reset codes, email
// links) straight to the gateway or the mail server rather than through
// the outbox: a code is worth nothing once late, and is not kept in the
// database. Sign-up and the other callers go on when a send fails (the
// resident asks for a new one), so the failure is logged here, with the
// channel and the masked address but never the body, which holds the
// code, and counted for /metrics: an operator whose gateway is down must
// hear of it before residents call to say no code came.
type direct struct {
	channel string
	send    func(context.Context, esambat.Message) error
	mask    func(string) string
	logger  *slog.Logger
	failed  atomic.Int64
}

func (d *direct) Notify(ctx context.Context, to, subject, body string) error {
	err := d.send(ctx, esambat.Message{Channel: d.channel, To: to, Subject: subject, Body: body})
	if err != nil {
		d.failed.Add(1)
		d.logger.Warn("one-time message not sent (code or confirmation link): the resident waits for it", "channel", d.channel, "to", d.mask(to), "err", err)
	}
	return err
}

// failures is how many sends failed; 0 for a nil d (messages only logged).
func (d *direct) failures() float64 {
	if d == nil {
		return 0
	}
	return float64(d.failed.Load())
}

func cmdAPIKey(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	if len(args) == 0 {
		return errors.New("usage: esambat apikey add --name N [--scopes ...] | list | revoke --id N")
	}
	sub := args[0]
	var name, scopes, id string
	rest, err := ownFlags(args[1:], map[string]*string{"name": &name, "scopes": &scopes, "id": &id})
	if err != nil {
		return err
	}
	c, _, err := parseConfig("apikey "+sub, rest, getenv, stderr)
	if err != nil {
		return configErr(err)
	}
	a, err := openApp(ctx, c, newLogger(c, stderr))
	if err != nil {
		return err
	}
	defer a.db.Close()
	switch sub {
	case "add":
		var sc []string
		for _, s := range strings.Split(scopes, ",") {
			if s = strings.TrimSpace(s); s != "" {
				sc = append(sc, s)
			}
		}
		secret, k, err := a.service.IssueAPIKey(ctx, name, sc)
		if err != nil {
			return fieldsErr(err)
		}
		fmt.Fprintf(stdout, "created API key %d for %q (scopes: %s)\nkey: %s\n(shown once: give it to the partner now; it is stored hashed)\n",
			k.ID, k.Name, strings.Join(k.Scopes, " "), secret)
	case "list":
		keys, err := a.db.ListAPIKeys(ctx)
		if err != nil {
			return err
		}
		for _, k := range keys {
			state := "active"
			if k.Revoked {
				state = "revoked"
			}
			fmt.Fprintf(stdout, "%d\t%s…\t%s\t%s\t%s\t%s\n", k.ID, k.Prefix, k.Name, strings.Join(k.Scopes, " "), k.CreatedAt.In(esambat.WIB).Format("2006-01-02"), state)
		}
	case "revoke":
		n, err := strconv.ParseInt(id, 10, 64)
		if err != nil {
			return errors.New("--id must be the number shown by esambat apikey list")
		}
		if err := a.db.RevokeAPIKey(ctx, n); err != nil {
			return errors.New(esambat.ErrorMessage(err))
		}
		fmt.Fprintf(stdout, "revoked API key %d\n", n)
	default:
		return fmt.Errorf("unknown apikey command %q: add, list or revoke", sub)
	}
	return nil
}

// ownFlags takes a command's own flags (--name value or --name=value) out
// of args into targets and returns the rest, the configuration flags.
func ownFlags(args []string, targets map[string]*string) ([]string, error) {
	var rest []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		key, val, hasVal := strings.Cut(strings.TrimLeft(a, "-"), "=")
		target := targets[key]
		if target == nil || !strings.HasPrefix(a, "-") {
			rest = append(rest, a)
			continue
		}
		if !hasVal {
			if i+1 >= len(args) {
				return nil, fmt.Errorf("--%s needs a value", key)
			}
			i++
			val = args[i]
		}
		*target = val
	}
	return rest, nil
}
