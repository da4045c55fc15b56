package media

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/esambat/esambat"
)

// Store keeps rendition bytes under their content key, the lowercase hex
// SHA-256 of the bytes (Rendition.SHA256). Because the key is derived from
// the content, a stored object never changes: writing the same photo twice
// stores it once, and readers may cache it forever.
type Store interface {
	// Put stores data under key. Putting a key that exists is a no-op.
	// When Put returns nil the data is durable. Errors: EINVALID for a
	// malformed key or data that does not hash to key; EUNAVAILABLE when
	// the storage cannot be written (retry later).
	Put(ctx context.Context, key string, data []byte) error
	// Open returns the data stored under key; the caller closes it.
	// Errors: EINVALID for a malformed key, ENOTFOUND, EUNAVAILABLE.
	Open(ctx context.Context, key string) (io.ReadCloser, error)
	// Exists reports whether key is stored. Errors: EINVALID for a
	// malformed key, EUNAVAILABLE.
	Exists(ctx context.Context, key string) (bool, error)
}

const msgStoreDown = "Penyimpanan foto sedang bermasalah. Coba lagi nanti."

// DirStore is a Store in a local directory: key
// "abcd…" is the file Dir/ab/cd/abcd….jpg. Two levels of 256 directories
// keep every directory small even with millions of photos.
//
// Put writes a temporary file in the final directory, fsyncs it, renames it
// into place and fsyncs the directory (and any directory it had to create),
// so a photo Put acknowledged survives a power cut and a reader never sees a
// half-written file.
type DirStore struct {
	// Dir is the root directory; it must not be empty. Put creates it
	// when missing.
	Dir string
}

var _ Store = DirStore{}

// Hooks for tests to make fsync fail; they are the real calls otherwise.
var (
	syncFile = (*os.File).Sync
	syncDir  = func(dir string) error {
		d, err := os.Open(dir)
		if err != nil {
			return err
		}
		defer d.Close()
		return d.Sync()
	}
)

// ValidKey reports whether key is a content key: exactly 64 lowercase hex
// digits. Only such keys reach the file system, so no key can name a path
// outside the store.
func ValidKey(key string) bool {
	if len(key) != 64 {
		return false
	}
	for i := 0; i < len(key); i++ {
		c := key[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// check validates key, and that the store is configured: an empty Dir
// would silently write into the working directory.
func (s DirStore) check(key string) error {
	if !ValidKey(key) {
		return esambat.FieldError("key", "Kunci foto tidak valid.")
	}
	if s.Dir == "" {
		return esambat.Internal(errors.New("media: DirStore.Dir is empty"))
	}
	return nil
}

func (s DirStore) dir(key string) string {
	return filepath.Join(s.Dir, key[0:2], key[2:4])
}

func (s DirStore) path(key string) string {
	return filepath.Join(s.dir(key), key+".jpg")
}

func unavailable(err error) *esambat.Error {
	return &esambat.Error{Code: esambat.EUNAVAILABLE, Message: msgStoreDown, Err: err}
}

// Put stores data under key durably; see Store.Put.
func (s DirStore) Put(ctx context.Context, key string, data []byte) error {
	if err := s.check(key); err != nil {
		return err
	}
	if sum := sha256.Sum256(data); hex.EncodeToString(sum[:]) != key {
		return esambat.Errorf(esambat.EINVALID, "Isi foto tidak cocok dengan kuncinya.")
	}
	if err := ctx.Err(); err != nil {
		return unavailable(err)
	}
	final := s.path(key)
	if _, err := os.Stat(final); err == nil {
		return nil // same key, same bytes: already there
	}
	dir := s.dir(key)
	if err := mkdirAllSynced(dir); err != nil {
		return unavailable(err)
	}
	if err := writeFileSynced(dir, final, data); err != nil {
		return unavailable(err)
	}
	return nil
}

// writeFileSynced writes data to a temporary file in dir, fsyncs it, renames
// it to final and fsyncs dir. On failure it removes the temporary file.
func writeFileSynced(dir, final string, data []byte) (err error) {
	f, err := os.CreateTemp(dir, ".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if _, err = f.Write(data); err != nil {
		return err
	}
	// CreateTemp makes the file 0600; photos are public once published
	// and may be served by a separate web server user.
	if err = f.Chmod(0o644); err != nil {
		return err
	}
	if err = syncFile(f); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp, final); err != nil {
		return err
	}
	// The rename is only durable once the directory entry is. If that
	// fails, take the file away again: otherwise the retry would find it,
	// treat the Put as done and never make it durable.
	if err = syncDir(dir); err != nil {
		os.Remove(final)
		return err
	}
	return nil
}

// mkdirAllSynced is os.MkdirAll that also fsyncs the parent of every
// directory it creates, so the path to a durable file is durable too.
func mkdirAllSynced(dir string) error {
	if fi, err := os.Stat(dir); err == nil {
		if !fi.IsDir() {
			return &fs.PathError{Op: "mkdir", Path: dir, Err: errors.New("not a directory")}
		}
		return nil
	}
	parent := filepath.Dir(dir)
	if parent != dir {
		if err := mkdirAllSynced(parent); err != nil {
			return err
		}
	}
	if err := os.Mkdir(dir, 0o755); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return nil // made by a concurrent Put
		}
		return err
	}
	return syncDir(parent)
}

// Open returns the stored data for key; see Store.Open.
func (s DirStore) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	if err := s.check(key); err != nil {
		return nil, err
	}
	f, err := os.Open(s.path(key))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, &esambat.Error{Code: esambat.ENOTFOUND, Message: "Foto tidak ditemukan.", Err: err}
	} else if err != nil {
		return nil, unavailable(err)
	}
	return f, nil
}

// Exists reports whether key is stored; see Store.Exists.
func (s DirStore) Exists(ctx context.Context, key string) (bool, error) {
	if err := s.check(key); err != nil {
		return false, err
	}
	_, err := os.Stat(s.path(key))
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	} else if err != nil {
		return false, unavailable(err)
	}
	return true, nil
}

// TempMaxAge is how old a temporary file of Put must be before SweepTemp
// takes it for the leftover of a Put that never finished (the process was
// killed or the machine lost power between creating and renaming it). A
// Put takes milliseconds and a request at most a few minutes, so a file
// this old belongs to no running Put, even of another instance sharing
// the directory.
const TempMaxAge = 15 * time.Minute

// SweepTemp removes the temporary files of unfinished Puts that are older
// than maxAge (modification time) and returns how many it removed. Photos
// themselves are never touched. It stops at ctx's end; a file it cannot
// remove is skipped and reported in err with the count of the others.
func (s DirStore) SweepTemp(ctx context.Context, maxAge time.Duration) (removed int, err error) {
	if s.Dir == "" {
		return 0, esambat.Internal(errors.New("media: DirStore.Dir is empty"))
	}
	cutoff := time.Now().Add(-maxAge)
	var errs []error
	walkErr := filepath.WalkDir(s.Dir, func(path string, d fs.DirEntry, err error) error {
		if cerr := ctx.Err(); cerr != nil {
			return cerr
		}
		if err != nil {
			if path == s.Dir && errors.Is(err, fs.ErrNotExist) {
				return fs.SkipAll // no photo stored yet
			}
			errs = append(errs, err)
			return nil
		}
		if d.IsDir() || !strings.HasPrefix(d.Name(), ".tmp-") {
			return nil
		}
		fi, err := d.Info()
		if err != nil {
			if !errors.Is(err, fs.ErrNotExist) { // a Put finishing right now
				errs = append(errs, err)
			}
			return nil
		}
		if fi.ModTime().After(cutoff) {
			return nil
		}
		if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
			return nil
		}
		removed++
		return nil
	})
	if walkErr != nil {
		errs = append(errs, walkErr)
	}
	return removed, errors.Join(errs...)
}
