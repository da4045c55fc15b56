// Package sqlite opens E-Sambat's embedded default database: SQLite through
// modernc.org/sqlite (pure Go, so the binary builds with CGO_ENABLED=0).
//
// Durability: a write is acknowledged only once the write-ahead log
// holding it has been fsynced. Writes go through one connection owned by
// a group-commit writer (sqldb.GroupWriter) that lets concurrent requests
// share an fsync; reads use a separate pool that WAL lets run beside the
// writer. The writer's connection runs at synchronous=NORMAL, whose
// COMMIT writes the log without fsyncing it, and the writer fsyncs the
// log itself (walSync) on a second goroutine before it answers the
// batch's callers, while its next batch already runs: the same
// durability as synchronous=FULL for everything acknowledged, without
// the single writer idling through every fsync. Every other connection
// that writes (checkpoints, backups) runs at synchronous=FULL.
package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/esambat/esambat"
	"github.com/esambat/esambat/sqldb"
	"golang.org/x/text/unicode/norm"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Migrations returns the SQLite migrations.
func Migrations() fs.FS {
	sub, _ := fs.Sub(migrations, "migrations")
	return sub
}

// Dialect is the SQLite dialect.
var Dialect = sqldb.Dialect{
	Name:           "sqlite",
	TextTime:       true,
	TranslateError: translateError,
	SearchClause:   searchClause,
	SearchIDs:      searchIDs,
	SearchScan:     searchScan,
	MapCell:        `CAST((lat + 90) * 400 AS INTEGER) * 1000000 + CAST((lng + 180) * 400 AS INTEGER)`,
	HintIndexes:    true,
	BoundStatuses:  true,
	// Ranges of 1,000 IDs hold a read snapshot for about 15 ms each: the
	// log's file stayed at 132 MiB where one query let it reach 1.3 GB,
	// and the whole computation takes about as long (BENCHMARKS.md).
	TimesChunk: 1000,
}

// role is what a connection pool is for.
type role int

const (
	roleRead   role = iota // the read pool: query_only
	roleWrite              // checkpoints and backups: durable commits of their own
	roleWriter             // the group writer, which fsyncs the log itself
)

// dsn builds the connection string. Every pragma is set on every
// connection of the pool:
//   - journal_mode=WAL: readers do not block the writer and vice versa.
//   - synchronous=FULL: fsync the WAL at every commit; NORMAL for the
//     group writer, which does the fsync itself (see package doc).
//   - busy_timeout: wait instead of failing when a backup or another
//     process holds a lock for a moment.
//   - foreign_keys: SQLite leaves them off by default.
func dsn(path string, r role) string {
	q := url.Values{}
	q.Add("_pragma", "journal_mode(WAL)")
	if r == roleWriter {
		q.Add("_pragma", "synchronous(NORMAL)")
	} else {
		q.Add("_pragma", "synchronous(FULL)")
	}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "foreign_keys(1)")
	// The writer's savepoint journals (one per call in a batch) stay in
	// memory instead of a temporary file each; they hold only what a
	// failing call must undo, never the durable state.
	q.Add("_pragma", "temp_store(2)")
	if r == roleRead {
		q.Add("_pragma", "query_only(1)")
	} else {
		// BEGIN IMMEDIATE takes the write lock at once, so a transaction
		// never fails half-way for want of it.
		q.Set("_txlock", "immediate")
		// No checkpoint inside a commit: sqldb.Checkpointer does them on
		// a connection of its own.
		q.Add("_pragma", "wal_autocheckpoint(0)")
	}
	return "file:" + path + "?" + q.Encode()
}

// Open opens (creating if needed) the database file at path, starts its
// writer and applies migrations.
func Open(path string, logger *slog.Logger) (*sqldb.DB, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	wdb, err := sql.Open("sqlite", dsn(path, roleWriter))
	if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	wdb.SetMaxOpenConns(1)
	wdb.SetMaxIdleConns(1)
	wdb.SetConnMaxLifetime(0)
	if err := wdb.Ping(); err != nil {
		wdb.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	if err := sqldb.RestoreBulkIndexes(context.Background(), wdb); err != nil {
		wdb.Close()
		return nil, fmt.Errorf("sqlite: open %s: rebuilding the indexes of an interrupted bulk load: %w", path, err)
	}
	if err := sqldb.DropStat4(context.Background(), wdb); err != nil {
		wdb.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	rdb, err := sql.Open("sqlite", dsn(path, roleRead))
	if err != nil {
		wdb.Close()
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	n := max(4, runtime.NumCPU())
	rdb.SetMaxOpenConns(n)
	rdb.SetMaxIdleConns(n)
	// The checkpointer's own connection: not query_only, since a
	// checkpoint writes the database file.
	cdb, err := sql.Open("sqlite", dsn(path, roleWrite))
	if err != nil {
		rdb.Close()
		wdb.Close()
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	cdb.SetMaxOpenConns(1)
	cdb.SetMaxIdleConns(1)
	w := sqldb.StartGroupWriter(wdb, sqldb.WriterConfig{
		Sync:        walSync(path),
		Finish:      flushFTS,
		FinishEvery: FTSInterval,
		Logger:      logger,
	})
	cp := sqldb.NewCheckpointer(cdb, w, path+"-wal", CheckpointInterval, logger)
	// Closed in this order: the writer (by DB.Close), the checkpointer,
	// then the pools; the last connection to close checkpoints what is
	// left.
	db := sqldb.New(Dialect, rdb, w, logger, cp.Close, rdb.Close, cdb.Close, wdb.Close)
	db.Checkpointer = cp
	return db, nil
}

// walSync returns the group writer's fsync of the write-ahead log of the
// database at path: everything committed before it was called is durable
// when it returns nil.
//
// It opens the log for every call rather than keeping it open: SQLite
// deletes the log when its last connection closes, and a descriptor kept
// across that would fsync a file no longer in use. fsync makes durable
// the file's pages whichever descriptor wrote them. The log exists as
// long as the writer's connection is open, so its absence is an error
// like any other.
func walSync(path string) func() error {
	wal := path + "-wal"
	return func() error {
		f, err := os.OpenFile(wal, os.O_RDWR, 0)
		if err != nil {
			return err
		}
		return errors.Join(datasync(f), f.Close())
	}
}

// FTSInterval is how often the writer adds new and changed reports to
// the full-text index (flushFTS). FTS5 writes a segment for every flush
// and merges segments as they pile up; flushing every batch made that
// a fifth of the writer's time under load. Search finds what waits
// meanwhile through searchClause.
const FTSInterval = 250 * time.Millisecond

// CheckpointInterval is how often the write-ahead log is copied into the
// database file (see sqldb.Checkpointer).
const CheckpointInterval = time.Second

// flushFTS indexes the reports that the full-text triggers noted in
// fts_pending (migration 0012) and empties it: every FTSInterval at the
// end of a write batch, so that FTS5 writes one index segment for
// hundreds of reports instead of one per report. Before migration 0012
// there is no fts_pending: nothing to do.
func flushFTS(ctx context.Context, w *sqldb.GroupWriter, tx sqldb.Tx) error {
	var pending int
	err := w.QueryRow(ctx, tx, `SELECT EXISTS (SELECT 1 FROM fts_pending)`).Scan(&pending)
	if err != nil {
		if strings.Contains(err.Error(), "no such table") {
			return nil
		}
		return err
	}
	if pending == 0 {
		return nil
	}
	// CROSS JOIN keeps SQLite from turning the join around and scanning
	// every report.
	if _, err := w.Exec(ctx, tx, `INSERT INTO reports_fts (rowid, title, description)
		SELECT r.id, r.title, r.description FROM fts_pending p CROSS JOIN reports r ON r.id = p.id`); err != nil {
		return err
	}
	_, err = w.Exec(ctx, tx, `DELETE FROM fts_pending`)
	return err
}

// foldFunc is fold as an SQL function of every connection.
const foldFunc = "esambat_fold"

func init() {
	sqlite.MustRegisterDeterministicScalarFunction(foldFunc, 1, func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
		switch v := args[0].(type) {
		case string:
			return fold(v), nil
		case []byte:
			return fold(string(v)), nil
		}
		return args[0], nil
	})
}

// fold is what the full-text index (tokenize 'trigram remove_diacritics
// 1') does to text before it compares: letters lower-cased, accents
// taken off ("Kafé Ëndah" becomes "kafe endah").
func fold(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range norm.NFD.String(s) {
		if !unicode.Is(unicode.Mn, r) {
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

func translateError(err error) error {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return err
	}
	switch se.Code() {
	case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		return &esambat.Error{Code: esambat.ECONFLICT, Message: "Data ini sudah ada.", Err: err}
	case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
		return &esambat.Error{Code: esambat.EINVALID, Message: "Data rujukan tidak dikenal.", Err: err}
	case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_FULL, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_CANTOPEN:
		return &esambat.Error{Code: esambat.EUNAVAILABLE, Message: "Basis data sedang tidak dapat dipakai. Coba lagi sebentar lagi.", Err: err}
	}
	return err
}

// searchClause matches words of three or more characters through the
// trigram index (any substring: "lubang" finds "berlubang") and shorter
// ones with LIKE, all of them required. Reports waiting for the index
// (fts_pending, at most FTSInterval's worth) are matched by LIKE alone,
// so a report is found the moment it is committed; that LIKE compares
// the text as the index does (esambat_fold: "kafe" finds "Kafé" before
// and after indexing alike). Short words compare with lower(), native
// and cheap over many rows, which folds ASCII letters only.
func searchClause(q string) (string, []any) {
	w := parseSearch(q)
	conds, args := w.short, w.shortArgs
	if w.match != "" {
		conds = append([]string{`id IN (SELECT rowid FROM reports_fts WHERE reports_fts MATCH ?
			UNION ALL SELECT p.id FROM fts_pending p CROSS JOIN reports r ON r.id = p.id WHERE ` + strings.Join(w.pending("r."), " AND ") + `)`}, conds...)
		args = append(append([]any{w.match}, w.pendingArgs...), args...)
	}
	if len(conds) == 0 {
		return "1 = 0", nil
	}
	return "(" + strings.Join(conds, " AND ") + ")", args
}

// searchScan is Dialect.SearchScan: every word as the index's reports
// waiting for it are matched (pending), the short ones as searchClause
// matches them.
func searchScan(q string) (string, []any) {
	w := parseSearch(q)
	conds := append(w.pending(""), w.short...)
	if len(conds) == 0 {
		return "1 = 0", nil
	}
	return "(" + strings.Join(conds, " AND ") + ")", append(append([]any{}, w.pendingArgs...), w.shortArgs...)
}

// searchIDs is Dialect.SearchIDs: the IDs of a page of the list of
// reports matching q and conds, read from the trigram index newest first
// (or oldest first) and joined to their reports one by one until the
// page is full. The page's query as searchClause builds it (id IN every
// match) gathered every report matching the words before it could order
// them: 138 ms for "jalan" at a million reports, where this reads a few
// dozen. Reports waiting for the index are merged in by id. A query of
// short words only has nothing to read from the index: false.
func searchIDs(q, conds string, args []any, desc bool, limit int, ids sqldb.IDRange) (string, []any, bool) {
	w := parseSearch(q)
	if w.match == "" {
		return "", nil, false
	}
	all := func(first ...string) string {
		c := append(first, w.short...)
		if conds != "" {
			c = append(c, conds)
		}
		if len(c) == 0 {
			return ""
		}
		return " WHERE " + strings.Join(c, " AND ")
	}
	order := " ORDER BY 1 DESC"
	if !desc {
		order = " ORDER BY 1 ASC"
	}
	// The subqueries name their one column apart from reports.id, so
	// that conds may say id (the cursor) and mean the report's. A range
	// of IDs goes into the index's own query, which then starts and
	// stops there instead of walking every match.
	match, out := `reports_fts MATCH ?`, []any{w.match}
	if ids != (sqldb.IDRange{}) {
		match += ` AND rowid BETWEEN ? AND ?`
		out = append(out, ids.Lo, ids.Hi)
	}
	query := `SELECT f.fid FROM (SELECT rowid AS fid FROM reports_fts WHERE ` + match + `) AS f
		CROSS JOIN reports ON reports.id = f.fid` + all() + `
		UNION ALL SELECT p.pid FROM (SELECT id AS pid FROM fts_pending) AS p
		CROSS JOIN reports ON reports.id = p.pid` + all(w.pending("")...) +
		order + ` LIMIT ` + strconv.Itoa(limit)
	out = append(out, w.shortArgs...)
	out = append(out, args...)
	out = append(out, w.pendingArgs...)
	out = append(out, w.shortArgs...)
	return query, append(out, args...), true
}

// searchWords is a search query taken apart for searchClause and
// searchIDs.
type searchWords struct {
	// match is the trigram index's query for the words of three or more
	// characters ("" when there are none); pendingArgs the LIKE patterns
	// of the same words, two per word, for reports waiting for the index.
	match       string
	pendingArgs []any
	// short and shortArgs match the shorter words with LIKE.
	short     []string
	shortArgs []any
}

// parseSearch splits q into words, lower-cased; it drops a word that is
// not valid UTF-8, which no stored text could contain.
func parseSearch(q string) searchWords {
	var w searchWords
	var fts []string
	escape := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace
	for _, word := range strings.Fields(strings.ToLower(q)) {
		if !utf8.ValidString(word) {
			continue
		}
		if utf8.RuneCountInString(word) >= 3 {
			fts = append(fts, `"`+strings.ReplaceAll(word, `"`, `""`)+`"`)
			pat := "%" + escape(fold(word)) + "%"
			w.pendingArgs = append(w.pendingArgs, pat, pat)
			continue
		}
		w.short = append(w.short, likeBoth("lower", ""))
		pat := "%" + escape(word) + "%"
		w.shortArgs = append(w.shortArgs, pat, pat)
	}
	w.match = strings.Join(fts, " AND ")
	return w
}

// pending is the LIKE conditions, one per word of the index's query, for
// reports not yet indexed, on columns prefixed by r.
func (w searchWords) pending(r string) []string {
	out := make([]string, len(w.pendingArgs)/2)
	for i := range out {
		out[i] = likeBoth(foldFunc, r)
	}
	return out
}

// likeBoth matches title or description, passed through fn, against the
// pattern of the next two arguments.
func likeBoth(fn, r string) string {
	return `(` + fn + `(` + r + `title) LIKE ? ESCAPE '\' OR ` + fn + `(` + r + `description) LIKE ? ESCAPE '\')`
}
