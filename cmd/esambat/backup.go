package main

// "esambat backup" and the archive format it shares with "esambat
// restore" (restore.go).
//
// A backup of the embedded default (SQLite) is one tar.gz file:
//
//	esambat.db            a transactionally consistent copy of the database
//	secret.key            the master key (without it stored NIKs are unreadable)
//	routing-model.json    the trained routing model, when there is one
//	photos/ab/cd/<sha256>.jpg   every photo file
//	manifest.json         last: format, counts and the SHA-256 of every member
//
// Consistency while the server keeps accepting reports. The database is
// copied first, with VACUUM INTO in one read transaction (sqlite.Snapshot):
// the copy holds exactly the transactions committed before it began. The
// photos are copied after it. A photo file is written, fsynced and renamed
// into place (media.DirStore.Put) before the transaction that references
// it commits, and a stored photo never changes or goes away: its name is
// the SHA-256 of its bytes. So every photo the snapshot references was on
// disk before the snapshot and is still there, unchanged, when the files
// are copied. A photo stored after the snapshot may be copied too; in the
// restored database it is merely unreferenced. The other order would lose
// photos: a report committed between the two copies would reference a
// photo missing from the archive.
//
// With --photo-store the photos are in an object store, which the same
// rules hold for (media.S3Store.Put also stores before the commit, under
// the same content key): the backup reads each photo the snapshot
// references from the store, checks its bytes against its key, and
// archives it under the same name, so the archive is the same with either
// store and restores into a data dir.
//
// The archive contains the master key, so it is created mode 0600 and must
// be kept like the data directory itself.

import (
	"archive/tar"
	"bufio"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/esambat/esambat"
	"github.com/esambat/esambat/media"
	"github.com/esambat/esambat/secret"
	"github.com/esambat/esambat/sqldb/sqlite"
)

// Archive members and format.
const (
	backupFormat   = "esambat-backup"
	backupVersion  = 1
	memberDB       = "esambat.db"
	memberKey      = "secret.key"
	memberModel    = "routing-model.json"
	memberManifest = "manifest.json"
	// maxManifest bounds the manifest read into memory (about 100 bytes a
	// photo: enough for a million photos).
	maxManifest = 256 << 20
)

// photoMember matches a photo's name in the archive: the layout of
// media.DirStore, with the directories taken from the key.
var photoMember = regexp.MustCompile(`^photos/([0-9a-f]{2})/([0-9a-f]{2})/([0-9a-f]{64})\.jpg$`)

// backupManifest describes an archive; it is its last member.
type backupManifest struct {
	Format         string    `json:"format"`
	Version        int       `json:"version"`
	CreatedAt      time.Time `json:"created_at"`
	EsambatVersion string    `json:"esambat_version"`
	// Schema is the last migration applied to the database.
	Schema    string `json:"schema"`
	Reports   int64  `json:"reports"`
	Events    int64  `json:"events"`
	PhotoRows int64  `json:"photo_rows"`
	// PhotoFiles counts the photo members (each photo has two renditions).
	PhotoFiles int `json:"photo_files"`
	// SecretKey is "file" when secret.key is a member, "environment" when
	// the server took the key from ESAMBAT_SECRET_KEY (not in the
	// archive), "none" when there was no key yet.
	SecretKey string `json:"secret_key"`
	// MissingPhotos lists photo keys the database references but the data
	// directory did not have when the backup was taken.
	MissingPhotos []string     `json:"missing_photos,omitempty"`
	Files         []backupFile `json:"files"`
}

type backupFile struct {
	Name   string `json:"name"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// errBackupPostgres is returned by backup and restore on PostgreSQL.
var errBackupPostgres = errors.New(`this command covers the embedded SQLite database only; on PostgreSQL use pg_dump --format=custom and pg_restore, and copy the data directory's photos/ and secret.key (or keep ESAMBAT_SECRET_KEY): see README.md, "Backup and restore"`)

// cutBackupFlags takes the command's own flags out of args and returns
// the rest for parseConfig.
func cutBackupFlags(args []string, strs map[string]*string, bools map[string]*bool) ([]string, error) {
	var rest []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		key, val, hasVal := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !strings.HasPrefix(a, "-") {
			rest = append(rest, a)
			continue
		}
		if b, ok := bools[key]; ok {
			*b = !hasVal || val == "true" || val == "1"
			continue
		}
		s, ok := strs[key]
		if !ok {
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
		*s = val
	}
	return rest, nil
}

func cmdBackup(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	var out string
	rest, err := cutBackupFlags(args, map[string]*string{"out": &out}, nil)
	if err != nil {
		return err
	}
	c, _, err := parseConfig("backup", rest, getenv, stderr)
	if err != nil {
		return configErr(err)
	}
	if c.DatabaseURL != "" {
		return errBackupPostgres
	}
	if out == "" {
		return errors.New("--out FILE is required, e.g. --out esambat-" + time.Now().Format("2006-01-02") + ".tar.gz")
	}
	if c.PhotoStore != "" {
		fmt.Fprintf(stderr, "photos are read from %s (--photo-store) into the archive; a restore puts them in the data dir (\"esambat photos push\" copies them into an object store again)\n", c.PhotoStore)
	}
	start := time.Now()
	m, size, err := writeBackup(ctx, c, out, stderr)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "backup %s: %d reports, %d events, %d photos (%d files), %s in %s\n",
		out, m.Reports, m.Events, m.PhotoRows, m.PhotoFiles, formatBackupSize(size), time.Since(start).Round(time.Millisecond))
	return nil
}

// writeBackup writes the archive to out+".tmp", verifies it and renames it
// to out. It returns the manifest and the archive's size.
func writeBackup(ctx context.Context, c Config, out string, warn io.Writer) (m *backupManifest, size int64, err error) {
	dbPath := filepath.Join(c.DataDir, "esambat.db")
	if _, err := os.Stat(dbPath); err != nil {
		return nil, 0, fmt.Errorf("no database to back up in %s: %w", c.DataDir, err)
	}
	outDir := filepath.Dir(out)
	// 1. The database, first (see the file comment).
	snap, err := os.CreateTemp(outDir, ".esambat-snapshot-*.db")
	if err != nil {
		return nil, 0, err
	}
	snapPath := snap.Name()
	snap.Close()
	defer func() {
		for _, suffix := range []string{"", "-journal", "-wal", "-shm"} {
			os.Remove(snapPath + suffix)
		}
	}()
	if err := sqlite.Snapshot(ctx, dbPath, snapPath); err != nil {
		return nil, 0, err
	}
	m = &backupManifest{Format: backupFormat, Version: backupVersion, CreatedAt: time.Now().UTC().Truncate(time.Second), EsambatVersion: version}
	referenced, err := snapshotFacts(ctx, snapPath, m)
	if err != nil {
		return nil, 0, err
	}

	tmp := out + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, 0, err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	bw := bufio.NewWriterSize(f, 1<<20)
	// Photos are JPEGs that do not compress; the fastest level keeps the
	// backup quick and still shrinks the database well.
	gz, _ := gzip.NewWriterLevel(bw, gzip.BestSpeed)
	tw := tar.NewWriter(gz)
	add := func(name, src string) error {
		sum, n, err := addMember(ctx, tw, name, src)
		if err != nil {
			return fmt.Errorf("backup %s: %w", name, err)
		}
		m.Files = append(m.Files, backupFile{Name: name, Size: n, SHA256: sum})
		return nil
	}
	if err := add(memberDB, snapPath); err != nil {
		return nil, 0, err
	}
	// 2. The key and the routing model.
	keyPath := filepath.Join(c.DataDir, "secret.key")
	switch _, statErr := os.Stat(keyPath); {
	case statErr == nil:
		if _, err := secret.Load(c.DataDir, ""); err != nil {
			return nil, 0, err
		}
		if err := add(memberKey, keyPath); err != nil {
			return nil, 0, err
		}
		m.SecretKey = "file"
		if c.SecretKey != "" {
			fmt.Fprintln(warn, "warning: ESAMBAT_SECRET_KEY is set and overrides secret.key: keep that value with the backup too")
		}
	case errors.Is(statErr, fs.ErrNotExist) && c.SecretKey != "":
		m.SecretKey = "environment"
		fmt.Fprintln(warn, "warning: the master key comes from ESAMBAT_SECRET_KEY and is not in the backup: keep it safe separately, the restored NIKs are unreadable without it")
	case errors.Is(statErr, fs.ErrNotExist):
		m.SecretKey = "none"
		fmt.Fprintf(warn, "warning: %s does not exist, so the backup has no master key\n", keyPath)
	default:
		return nil, 0, statErr
	}
	modelPath := filepath.Join(c.DataDir, memberModel)
	if _, err := os.Stat(modelPath); err == nil {
		if err := add(memberModel, modelPath); err != nil {
			return nil, 0, err
		}
	}
	// 3. The photos, after the snapshot.
	have := map[string]bool{}
	photosDir := filepath.Join(c.DataDir, "photos")
	addPhoto := func(name, path, key string) error {
		if err := add(name, path); err != nil {
			return err
		}
		have[key] = true
		m.PhotoFiles++
		return nil
	}
	if c.PhotoStore != "" {
		photosDir = c.PhotoStore
		err = fetchPhotos(ctx, s3Store(c), referenced, outDir, addPhoto)
	} else {
		err = walkPhotos(photosDir, warn, addPhoto)
	}
	if err != nil {
		return nil, 0, err
	}
	for k := range referenced {
		if !have[k] {
			m.MissingPhotos = append(m.MissingPhotos, k)
		}
	}
	if len(m.MissingPhotos) > 0 {
		sort.Strings(m.MissingPhotos)
		fmt.Fprintf(warn, "warning: %d photo files the database references are missing from %s (first: %s); they are listed in the manifest\n",
			len(m.MissingPhotos), photosDir, m.MissingPhotos[0])
	}
	// 4. The manifest, last, once every member's hash is known.
	mj, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, 0, err
	}
	if err := tw.WriteHeader(&tar.Header{Name: memberManifest, Mode: 0o600, Size: int64(len(mj)), ModTime: m.CreatedAt, Typeflag: tar.TypeReg}); err != nil {
		return nil, 0, err
	}
	if _, err := tw.Write(mj); err != nil {
		return nil, 0, err
	}
	if err := errors.Join(tw.Close(), gz.Close(), bw.Flush()); err != nil {
		return nil, 0, err
	}
	if err := f.Sync(); err != nil {
		return nil, 0, err
	}
	st, err := f.Stat()
	if err != nil {
		return nil, 0, err
	}
	if err := f.Close(); err != nil {
		return nil, 0, err
	}
	// 5. Read it back before calling it a backup.
	back, err := verifyArchive(tmp)
	if err != nil {
		return nil, 0, fmt.Errorf("the archive just written does not verify: %w", err)
	}
	if len(back.Files) != len(m.Files) {
		return nil, 0, fmt.Errorf("the archive just written holds %d files, not %d", len(back.Files), len(m.Files))
	}
	if err := os.Rename(tmp, out); err != nil {
		return nil, 0, err
	}
	if err := syncBackupDir(outDir); err != nil {
		return nil, 0, err
	}
	return m, st.Size(), nil
}

// walkPhotos calls fn with the archive name, path and key of every photo
// file under dir (the layout of media.DirStore), in lexical order. dir
// may be a symbolic link (to a bigger disk) or missing (no photo yet).
// Files that are not photos are skipped with a warning; the temporary
// files of a Put in progress silently, since no committed row can
// reference them yet.
func walkPhotos(dir string, warn io.Writer, fn func(name, path, key string) error) error {
	root, err := filepath.EvalSymlinks(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	} else if err != nil {
		return err
	}
	return filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasPrefix(d.Name(), ".tmp-") {
			return err
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		name := "photos/" + filepath.ToSlash(rel)
		sm := photoMember.FindStringSubmatch(name)
		if sm == nil || sm[1] != sm[3][0:2] || sm[2] != sm[3][2:4] || !d.Type().IsRegular() {
			fmt.Fprintf(warn, "warning: skipping %s: not a photo of the media store\n", p)
			return nil
		}
		return fn(name, p, sm[3])
	})
}

// fetchPhotos calls fn with the archive name, a temporary copy and the
// key of every photo in keys that the object store holds, in key order.
// Each copy is checked against its key (the SHA-256 of its bytes) before
// it goes into the archive; one the store does not have is left for the
// caller to list as missing, and a store that does not answer stops the
// backup.
func fetchPhotos(ctx context.Context, store media.Store, keys map[string]bool, tmpDir string, fn func(name, path, key string) error) error {
	for _, key := range slices.Sorted(maps.Keys(keys)) {
		if err := fetchPhoto(ctx, store, key, tmpDir, fn); err != nil {
			return err
		}
	}
	return nil
}

func fetchPhoto(ctx context.Context, store media.Store, key, tmpDir string, fn func(name, path, key string) error) error {
	rc, err := store.Open(ctx, key)
	if esambat.ErrorCode(err) == esambat.ENOTFOUND {
		return nil
	} else if err != nil {
		return fmt.Errorf("photo %s from the object store: %w", key, err)
	}
	defer rc.Close()
	tmp, err := os.CreateTemp(tmpDir, ".esambat-photo-*.jpg")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	h := sha256.New()
	if _, err := io.Copy(io.MultiWriter(tmp, h), rc); err != nil {
		return fmt.Errorf("photo %s from the object store: %w", key, err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != key {
		return fmt.Errorf("photo %s from the object store is damaged: its bytes hash to %s", key, got)
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return fn("photos/"+key[0:2]+"/"+key[2:4]+"/"+key+".jpg", tmp.Name(), key)
}

// snapshotFacts fills the manifest's counts from the database copy and
// returns the photo keys it references.
func snapshotFacts(ctx context.Context, path string, m *backupManifest) (map[string]bool, error) {
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=query_only(1)")
	if err != nil {
		return nil, err
	}
	defer db.Close()
	err = db.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM reports), (SELECT COUNT(*) FROM events), (SELECT COUNT(*) FROM report_photos),
		(SELECT COALESCE(MAX(name), '') FROM schema_migrations)`).Scan(&m.Reports, &m.Events, &m.PhotoRows, &m.Schema)
	if err != nil {
		return nil, fmt.Errorf("read the database copy: %w", err)
	}
	rows, err := db.QueryContext(ctx, `SELECT key, thumb_key FROM report_photos`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	keys := map[string]bool{}
	for rows.Next() {
		var k, tk string
		if err := rows.Scan(&k, &tk); err != nil {
			return nil, err
		}
		keys[k], keys[tk] = true, true
	}
	return keys, rows.Err()
}

// addMember copies the file src into tw as name and returns its SHA-256
// and size. The file must keep the size it had when the copy began.
func addMember(ctx context.Context, tw *tar.Writer, name, src string) (string, int64, error) {
	if err := ctx.Err(); err != nil {
		return "", 0, err
	}
	f, err := os.Open(src)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return "", 0, err
	}
	if !st.Mode().IsRegular() {
		return "", 0, fmt.Errorf("%s is not a regular file", src)
	}
	hdr := &tar.Header{Name: name, Mode: int64(memberMode(name)), Size: st.Size(), ModTime: st.ModTime().UTC().Truncate(time.Second), Typeflag: tar.TypeReg}
	if err := tw.WriteHeader(hdr); err != nil {
		return "", 0, err
	}
	h := sha256.New()
	n, err := io.CopyN(io.MultiWriter(tw, h), f, st.Size())
	if err != nil {
		return "", 0, fmt.Errorf("%s changed while it was copied: %w", src, err)
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

// memberMode is the mode a member is restored with: the key and the
// database hold personal data; photos are served, possibly by another
// user's web server, as media.DirStore makes them.
func memberMode(name string) os.FileMode {
	switch name {
	case memberDB, memberKey, memberManifest:
		return 0o600
	}
	return 0o644
}

// checkMember reports whether hdr is an entry an E-Sambat backup may
// contain: a regular file with one of the known names. Anything else (an
// absolute path, "..", a link, a device) is refused before any byte of it
// is read or written.
func checkMember(hdr *tar.Header) error {
	name := hdr.Name
	switch {
	case strings.HasPrefix(name, "/") || filepath.IsAbs(name) || filepath.VolumeName(name) != "":
		return fmt.Errorf("entry %q has an absolute path", name)
	case name == ".." || strings.HasPrefix(name, "../") || strings.Contains(name, "/../") || strings.HasSuffix(name, "/..") || strings.Contains(name, `\`):
		return fmt.Errorf("entry %q points outside the data directory", name)
	case hdr.Typeflag == tar.TypeSymlink || hdr.Typeflag == tar.TypeLink:
		return fmt.Errorf("entry %q is a link (to %q)", name, hdr.Linkname)
	case hdr.Typeflag != tar.TypeReg:
		return fmt.Errorf("entry %q is not a regular file (type %q)", name, hdr.Typeflag)
	case path.Clean(name) != name:
		return fmt.Errorf("entry %q is not a clean path", name)
	case hdr.Size < 0:
		return fmt.Errorf("entry %q has a negative size", name)
	}
	switch name {
	case memberDB, memberKey, memberModel, memberManifest:
		return nil
	}
	if sm := photoMember.FindStringSubmatch(name); sm != nil && sm[1] == sm[3][0:2] && sm[2] == sm[3][2:4] {
		return nil
	}
	return fmt.Errorf("unexpected entry %q: not part of an E-Sambat backup", name)
}

// walkArchive calls fn for every member of the tar.gz at file after
// checkMember, and checks the gzip trailer at the end.
func walkArchive(file string, fn func(hdr *tar.Header, r io.Reader) error) error {
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	gz, err := gzip.NewReader(bufio.NewReaderSize(f, 1<<20))
	if err != nil {
		return fmt.Errorf("%s is not a gzip-compressed backup: %w", file, err)
	}
	tr := tar.NewReader(gz)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		} else if err != nil {
			return fmt.Errorf("%s is damaged: %w", file, err)
		}
		if err := checkMember(hdr); err != nil {
			return err
		}
		if err := fn(hdr, tr); err != nil {
			return err
		}
	}
	// The gzip checksum is checked when the stream is read to its end.
	if _, err := io.Copy(io.Discard, gz); err != nil {
		return fmt.Errorf("%s is damaged: %w", file, err)
	}
	return gz.Close()
}

// verifyArchive reads the whole archive, writing nothing, and checks that
// it is an E-Sambat backup whose every member matches the manifest (and
// every photo its name). It returns the manifest.
func verifyArchive(file string) (*backupManifest, error) {
	var m *backupManifest
	seen := map[string]backupFile{}
	photos := 0
	err := walkArchive(file, func(hdr *tar.Header, r io.Reader) error {
		if _, dup := seen[hdr.Name]; dup || (hdr.Name == memberManifest && m != nil) {
			return fmt.Errorf("entry %q appears twice", hdr.Name)
		}
		if hdr.Name == memberManifest {
			b, err := io.ReadAll(io.LimitReader(r, maxManifest+1))
			if err != nil {
				return fmt.Errorf("read %s: %w", memberManifest, err)
			}
			if len(b) > maxManifest {
				return fmt.Errorf("%s is too large", memberManifest)
			}
			m = &backupManifest{}
			if err := json.Unmarshal(b, m); err != nil {
				return fmt.Errorf("%s is not valid: %w", memberManifest, err)
			}
			return nil
		}
		h := sha256.New()
		n, err := io.Copy(h, r)
		if err != nil {
			return fmt.Errorf("read %s: %w", hdr.Name, err)
		}
		sum := hex.EncodeToString(h.Sum(nil))
		if sm := photoMember.FindStringSubmatch(hdr.Name); sm != nil {
			if sum != sm[3] {
				return fmt.Errorf("photo %s does not match its name (SHA-256 %s): the archive is damaged", hdr.Name, sum)
			}
			photos++
		}
		seen[hdr.Name] = backupFile{Name: hdr.Name, Size: n, SHA256: sum}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if m == nil {
		return nil, fmt.Errorf("%s has no %s: not an E-Sambat backup", file, memberManifest)
	}
	if m.Format != backupFormat {
		return nil, fmt.Errorf("%s is not an E-Sambat backup (format %q)", file, m.Format)
	}
	if m.Version != backupVersion {
		return nil, fmt.Errorf("%s is a backup in format version %d; this esambat reads version %d", file, m.Version, backupVersion)
	}
	listed := map[string]bool{}
	for _, bf := range m.Files {
		got, ok := seen[bf.Name]
		switch {
		case listed[bf.Name]:
			return nil, fmt.Errorf("the manifest lists %s twice", bf.Name)
		case !ok:
			return nil, fmt.Errorf("%s is missing from the archive", bf.Name)
		case got.Size != bf.Size || got.SHA256 != bf.SHA256:
			return nil, fmt.Errorf("%s does not match the manifest (SHA-256 %s, %d bytes; manifest: %s, %d bytes): the archive is damaged or was altered",
				bf.Name, got.SHA256, got.Size, bf.SHA256, bf.Size)
		}
		listed[bf.Name] = true
	}
	for name := range seen {
		if !listed[name] {
			return nil, fmt.Errorf("%s is in the archive but not in the manifest", name)
		}
	}
	if !listed[memberDB] {
		return nil, fmt.Errorf("%s has no %s", file, memberDB)
	}
	if (m.SecretKey == "file") != listed[memberKey] {
		return nil, fmt.Errorf("the manifest and the archive disagree about %s", memberKey)
	}
	if photos != m.PhotoFiles {
		return nil, fmt.Errorf("%s holds %d photo files; the manifest says %d", file, photos, m.PhotoFiles)
	}
	return m, nil
}

// syncBackupDir fsyncs a directory so that the entries just made in it are
// durable.
func syncBackupDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

func formatBackupSize(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}
