package main

import (
	"archive/tar"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/esambat/esambat"
	"github.com/esambat/esambat/sqldb/sqlite"
)

// restoreStagingName is where a restore into an existing empty data directory
// is unpacked before its entries are moved into place.
const restoreStagingName = ".restore.partial"

// cmdRestore implements "esambat restore --in FILE [--data DIR]": it
// unpacks a backup made by "esambat backup" into a data directory that
// does not exist or is empty.
//
// Nothing is written before the whole archive has been read and every
// member matched against the manifest. The files are unpacked into a
// staging directory, fsynced, and the database there is opened, migrated
// and its audit chains verified; only then does the staging directory
// become the data directory. Any failure removes what was unpacked.
func cmdRestore(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	var in string
	var allowBroken bool
	rest, err := cutBackupFlags(args, map[string]*string{"in": &in}, map[string]*bool{"allow-broken-audit": &allowBroken})
	if err != nil {
		return err
	}
	c, _, err := parseConfig("restore", rest, getenv, stderr)
	if err != nil {
		return configErr(err)
	}
	if c.DatabaseURL != "" {
		return errBackupPostgres
	}
	if in == "" {
		return errors.New("--in FILE is required: the archive written by esambat backup")
	}
	start := time.Now()
	target := filepath.Clean(c.DataDir)
	exists, err := checkRestoreTarget(target)
	if err != nil {
		return err
	}
	m, err := verifyArchive(in)
	if err != nil {
		return fmt.Errorf("nothing restored: %w", err)
	}
	if m.Schema != "" {
		if _, err := fs.Stat(sqlite.Migrations(), m.Schema); err != nil {
			return fmt.Errorf("nothing restored: the backup was made by a newer esambat (%s, migration %s); restore it with that version or a later one", m.EsambatVersion, m.Schema)
		}
	}
	fmt.Fprintf(stdout, "verified %s: %d files, made %s by esambat %s\n", in, len(m.Files), m.CreatedAt.In(esambat.WIB).Format("2006-01-02 15:04 MST"), m.EsambatVersion)

	// Unpack beside the target (a new directory is renamed into place in
	// one step) or, when the target exists (perhaps a mount point), inside
	// it.
	staging := target + ".partial"
	if exists {
		staging = filepath.Join(target, restoreStagingName)
	} else if err := os.MkdirAll(filepath.Dir(target), 0o750); err != nil {
		return err
	}
	if err := os.Mkdir(staging, 0o750); errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("%s exists: an earlier restore was interrupted; remove it and try again", staging)
	} else if err != nil {
		return err
	}
	var moved []string
	done := false
	defer func() {
		if !done {
			os.RemoveAll(staging)
			for _, p := range moved {
				os.RemoveAll(p)
			}
		}
	}()
	if err := extractArchive(ctx, in, staging, m); err != nil {
		return fmt.Errorf("nothing restored: %w", err)
	}

	// Open the copy as the server would: migrate, then check the chains.
	sc := c
	sc.DataDir = staging
	db, err := openDB(ctx, sc, newLogger(c, stderr))
	if err != nil {
		return fmt.Errorf("nothing restored: the restored database does not open: %w", err)
	}
	var reports int64
	err = db.Read.QueryRowContext(ctx, `SELECT COUNT(*) FROM reports`).Scan(&reports)
	var checked int
	var broken *esambat.BrokenLink
	if err == nil {
		checked, broken, err = esambat.VerifyChains(ctx, db)
	}
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("nothing restored: %w", err)
	}
	if reports != m.Reports {
		return fmt.Errorf("nothing restored: the restored database has %d reports, the manifest %d", reports, m.Reports)
	}
	audit := fmt.Sprintf("checked %d events: every chain intact", checked)
	if broken != nil {
		audit = fmt.Sprintf("checked %d events: BROKEN at %s", checked, broken)
		if !allowBroken {
			return fmt.Errorf("nothing restored: the backup's audit trail is %s (restore it anyway with --allow-broken-audit, to investigate)", strings.TrimPrefix(audit, "checked "))
		}
	}

	// Into place.
	if exists {
		entries, err := os.ReadDir(staging)
		if err != nil {
			return err
		}
		// The database last: a directory with esambat.db in it is a
		// finished restore.
		var last []os.DirEntry
		for _, e := range entries {
			if strings.HasPrefix(e.Name(), memberDB) {
				last = append(last, e)
				continue
			}
			if err := moveRestored(staging, target, e.Name(), &moved); err != nil {
				return err
			}
		}
		for _, e := range last {
			if err := moveRestored(staging, target, e.Name(), &moved); err != nil {
				return err
			}
		}
		if err := errors.Join(syncBackupDir(target), os.Remove(staging)); err != nil {
			return err
		}
	} else {
		if err := os.Rename(staging, target); err != nil {
			return err
		}
		if err := syncBackupDir(filepath.Dir(target)); err != nil {
			return err
		}
	}
	done = true

	fmt.Fprintf(stdout, "restored %s into %s: %d reports, %d events, %d photos (%d files) in %s\naudit: %s\n",
		in, target, m.Reports, m.Events, m.PhotoRows, m.PhotoFiles, time.Since(start).Round(time.Millisecond), audit)
	switch m.SecretKey {
	case "environment":
		fmt.Fprintln(stdout, "the backup has no secret.key: the server took its key from ESAMBAT_SECRET_KEY; set the same value for the restored server, or stored NIKs cannot be read")
	case "none":
		fmt.Fprintln(stdout, "the backup has no secret.key: the server creates a new one at its first start")
	case "file":
		if c.SecretKey != "" {
			fmt.Fprintln(stdout, "warning: ESAMBAT_SECRET_KEY is set and overrides the restored secret.key; unset it unless it holds the same key")
		}
	}
	if len(m.MissingPhotos) > 0 {
		fmt.Fprintf(stdout, "warning: %d photo files were already missing when the backup was made (listed in its manifest)\n", len(m.MissingPhotos))
	}
	return nil
}

// checkRestoreTarget refuses a data directory that has anything in it,
// and reports whether it exists.
func checkRestoreTarget(dir string) (exists bool, err error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	} else if err != nil {
		return false, fmt.Errorf("data directory %s: %w", dir, err)
	}
	if len(entries) == 1 && entries[0].Name() == restoreStagingName {
		return true, fmt.Errorf("%s holds only %s: an earlier restore was interrupted; remove it and try again", dir, restoreStagingName)
	}
	if len(entries) > 0 {
		var names []string
		for i, e := range entries {
			if i == 3 {
				names = append(names, "…")
				break
			}
			names = append(names, e.Name())
		}
		return true, fmt.Errorf("the data directory %s is not empty (%s): restore only into a new or empty directory; stop the server and move the old directory aside first",
			dir, strings.Join(names, ", "))
	}
	return true, nil
}

// extractArchive unpacks the members of the archive verified as m into
// dir, which is empty. Each member is hashed again while it is written
// (the file could have changed since it was verified), and every file and
// directory is fsynced.
func extractArchive(ctx context.Context, file, dir string, m *backupManifest) error {
	want := map[string]backupFile{}
	for _, bf := range m.Files {
		want[bf.Name] = bf
	}
	made := map[string]bool{dir: true}
	written := 0
	err := walkArchive(file, func(hdr *tar.Header, r io.Reader) error {
		if hdr.Name == memberManifest {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		bf, ok := want[hdr.Name]
		if !ok {
			return fmt.Errorf("%s changed since it was verified: %s is not in the manifest", file, hdr.Name)
		}
		dst := filepath.Join(dir, filepath.FromSlash(hdr.Name))
		if rel, err := filepath.Rel(dir, dst); err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return fmt.Errorf("entry %q points outside the data directory", hdr.Name)
		}
		if err := mkdirsRestore(dir, filepath.Dir(dst), made); err != nil {
			return err
		}
		f, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, memberMode(hdr.Name))
		if err != nil {
			return err
		}
		h := sha256.New()
		n, err := io.Copy(io.MultiWriter(f, h), r)
		if err == nil {
			err = f.Sync()
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("write %s: %w", dst, err)
		}
		if sum := hex.EncodeToString(h.Sum(nil)); sum != bf.SHA256 || n != bf.Size {
			return fmt.Errorf("%s changed since it was verified: %s no longer matches the manifest", file, hdr.Name)
		}
		written++
		return nil
	})
	if err != nil {
		return err
	}
	if written != len(m.Files) {
		return fmt.Errorf("%s changed since it was verified: %d of %d files found", file, written, len(m.Files))
	}
	for d := range made {
		if err := syncBackupDir(d); err != nil {
			return err
		}
	}
	return nil
}

// mkdirsRestore creates dir and its missing parents up to root, recording them in
// made so that they are fsynced once every file is written.
func mkdirsRestore(root, dir string, made map[string]bool) error {
	if made[dir] {
		return nil
	}
	if dir != root {
		if err := mkdirsRestore(root, filepath.Dir(dir), made); err != nil {
			return err
		}
	}
	if err := os.Mkdir(dir, 0o755); err != nil && !errors.Is(err, fs.ErrExist) {
		return err
	}
	made[dir] = true
	made[filepath.Dir(dir)] = true // its new entry must be durable too
	return nil
}

// moveRestored renames from/name to to/name and records the new path.
func moveRestored(from, to, name string, moved *[]string) error {
	dst := filepath.Join(to, name)
	if err := os.Rename(filepath.Join(from, name), dst); err != nil {
		return err
	}
	*moved = append(*moved, dst)
	return nil
}
