package media

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/esambat/esambat"
)

func content(s string) (key string, data []byte) {
	data = []byte(s)
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:]), data
}

// countSyncs replaces the fsync hooks for the test, counting calls and
// failing file syncs with failFile and directory syncs after the first
// okDirs with failDir, when they are not nil.
func countSyncs(t *testing.T, failFile, failDir error, okDirs int) (files, dirs *int) {
	t.Helper()
	files, dirs = new(int), new(int)
	origFile, origDir := syncFile, syncDir
	t.Cleanup(func() { syncFile, syncDir = origFile, origDir })
	syncFile = func(f *os.File) error {
		*files++
		if failFile != nil {
			return failFile
		}
		return origFile(f)
	}
	syncDir = func(dir string) error {
		*dirs++
		if failDir != nil && *dirs > okDirs {
			return failDir
		}
		return origDir(dir)
	}
	return files, dirs
}

func TestDirStoreRoundTrip(t *testing.T) {
	ctx := context.Background()
	s := DirStore{Dir: filepath.Join(t.TempDir(), "foto")} // created by Put
	key, data := content("foto jalan berlubang di Jl. Soekarno-Hatta")
	files, dirs := countSyncs(t, nil, nil, 0)

	if ok, err := s.Exists(ctx, key); err != nil || ok {
		t.Fatalf("Exists before Put = %v, %v", ok, err)
	}
	if err := s.Put(ctx, key, data); err != nil {
		t.Fatal(err)
	}
	// One file fsync; the leaf directory after the rename, plus the parent
	// of each of the three directories Put created (foto, ab, cd).
	if *files != 1 || *dirs != 4 {
		t.Errorf("fsyncs: %d files, %d dirs; want 1, 4", *files, *dirs)
	}

	path := filepath.Join(s.Dir, key[:2], key[2:4], key+".jpg")
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatalf("not at the documented path: %v", err)
	}
	if fi.Mode().Perm() != 0o644 {
		t.Errorf("mode = %v, want 0644", fi.Mode().Perm())
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("directory holds %d entries, want only the photo (no temp files)", len(entries))
	}

	if ok, err := s.Exists(ctx, key); err != nil || !ok {
		t.Fatalf("Exists after Put = %v, %v", ok, err)
	}
	rc, err := s.Open(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(rc)
	rc.Close()
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("Open read %q, %v", got, err)
	}

	// A second Put of the same key is a no-op: nothing written or synced.
	*files, *dirs = 0, 0
	if err := s.Put(ctx, key, data); err != nil {
		t.Fatal(err)
	}
	if *files != 0 || *dirs != 0 {
		t.Errorf("second Put synced %d files, %d dirs", *files, *dirs)
	}

	// A second key in the same existing directories syncs only the leaf.
	key2, data2 := content("foto kedua")
	*files, *dirs = 0, 0
	if err := s.Put(ctx, key2, data2); err != nil {
		t.Fatal(err)
	}
	if *files != 1 || *dirs < 1 {
		t.Errorf("fsyncs: %d files, %d dirs", *files, *dirs)
	}
}

func TestDirStoreBadKeys(t *testing.T) {
	ctx := context.Background()
	s := DirStore{Dir: t.TempDir()}
	key, data := content("x")
	for _, k := range []string{
		"",
		"../etc/passwd",
		"../../../../../../../../../../../../../../../../../../../../etc/passwd",
		strings.ToUpper(key),
		key[:63],
		key + "0",
		key[:62] + "/a",
		key[:63] + "g",
		key[:60] + ".jpg",
		"/" + key[1:],
		key[:63] + "\x00",
	} {
		if ValidKey(k) {
			t.Errorf("ValidKey(%q) = true", k)
		}
		wantCode(t, s.Put(ctx, k, data), esambat.EINVALID)
		_, err := s.Open(ctx, k)
		wantCode(t, err, esambat.EINVALID)
		_, err = s.Exists(ctx, k)
		wantCode(t, err, esambat.EINVALID)
	}
	if !ValidKey(key) {
		t.Errorf("ValidKey(%q) = false", key)
	}
	// Data that does not hash to the key is refused: the key would lie.
	wantCode(t, s.Put(ctx, key, []byte("y")), esambat.EINVALID)
	if entries, _ := os.ReadDir(s.Dir); len(entries) != 0 {
		t.Errorf("refused Puts left %d entries", len(entries))
	}
}

func TestDirStoreOpenMissing(t *testing.T) {
	key, _ := content("tidak ada")
	_, err := DirStore{Dir: t.TempDir()}.Open(context.Background(), key)
	wantCode(t, err, esambat.ENOTFOUND)
}

func TestDirStoreEmptyDir(t *testing.T) {
	key, data := content("x")
	wantCode(t, DirStore{}.Put(context.Background(), key, data), esambat.EINTERNAL)
}

func wantUnavailable(t *testing.T, err error) {
	t.Helper()
	e := wantCode(t, err, esambat.EUNAVAILABLE)
	if e.Message != "Penyimpanan foto sedang bermasalah. Coba lagi nanti." || e.Err == nil {
		t.Errorf("got %q, cause %v", e.Message, e.Err)
	}
}

func TestDirStoreUnwritable(t *testing.T) {
	ctx := context.Background()
	key, data := content("foto")

	t.Run("under a regular file", func(t *testing.T) {
		// Works as root too: no permission bit makes a file a directory.
		file := filepath.Join(t.TempDir(), "not-a-dir")
		if err := os.WriteFile(file, nil, 0o644); err != nil {
			t.Fatal(err)
		}
		s := DirStore{Dir: filepath.Join(file, "foto")}
		wantUnavailable(t, s.Put(ctx, key, data))
		_, err := s.Exists(ctx, key)
		wantUnavailable(t, err)
		_, err = s.Open(ctx, key)
		wantUnavailable(t, err)
	})

	t.Run("read-only directory", func(t *testing.T) {
		if os.Geteuid() == 0 {
			t.Skip("root ignores directory permissions")
		}
		dir := t.TempDir()
		if err := os.Chmod(dir, 0o555); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.Chmod(dir, 0o755) })
		wantUnavailable(t, DirStore{Dir: dir}.Put(ctx, key, data))
	})

	for _, tt := range []struct {
		name              string
		failFile, failDir error
		okDirs            int
	}{
		{"file fsync fails", errors.New("EIO"), nil, 0},
		{"directory fsync fails after rename", nil, errors.New("EIO"), 2},
		{"directory fsync fails after mkdir", nil, errors.New("EIO"), 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := DirStore{Dir: t.TempDir()}
			countSyncs(t, tt.failFile, tt.failDir, tt.okDirs)
			wantUnavailable(t, s.Put(ctx, key, data))
			// A failed Put leaves neither the photo nor a temporary file,
			// so a retry writes and syncs it again.
			var leftovers []string
			filepath.WalkDir(s.Dir, func(path string, d os.DirEntry, err error) error {
				if err == nil && !d.IsDir() {
					leftovers = append(leftovers, path)
				}
				return nil
			})
			if len(leftovers) != 0 {
				t.Errorf("left %v", leftovers)
			}
			if ok, _ := s.Exists(ctx, key); ok {
				t.Error("Exists after a failed Put")
			}
		})
	}

	t.Run("cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(ctx)
		cancel()
		wantUnavailable(t, DirStore{Dir: t.TempDir()}.Put(ctx, key, data))
	})
}

// TestDirStoreProcessed stores real renditions under their own keys.
func TestDirStoreProcessed(t *testing.T) {
	ctx := context.Background()
	p, err := Process(bytes.NewReader(jpegWithMetadata(t, 400, 300, 1)), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	var s Store = DirStore{Dir: t.TempDir()}
	for _, r := range []Rendition{p.Web, p.Thumb} {
		if err := s.Put(ctx, r.SHA256, r.Data); err != nil {
			t.Fatal(err)
		}
		rc, err := s.Open(ctx, r.SHA256)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(rc)
		rc.Close()
		if !bytes.Equal(got, r.Data) {
			t.Error("stored bytes differ")
		}
	}
}

// TestDirStoreSweepTemp: the temporary files of Puts a kill interrupted
// are removed once old; fresh ones (a Put in flight) and photos stay.
func TestDirStoreSweepTemp(t *testing.T) {
	ctx := context.Background()
	s := DirStore{Dir: filepath.Join(t.TempDir(), "photos")}
	if n, err := s.SweepTemp(ctx, TempMaxAge); n != 0 || err != nil {
		t.Fatalf("sweep of a store with nothing yet: %d, %v", n, err)
	}
	key, data := content("foto")
	if err := s.Put(ctx, key, data); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-2 * TempMaxAge)
	if err := os.Chtimes(s.path(key), old, old); err != nil {
		t.Fatal(err)
	}
	stale := filepath.Join(s.dir(key), ".tmp-123")
	fresh := filepath.Join(s.dir(key), ".tmp-456")
	for _, p := range []string{stale, fresh} {
		if err := os.WriteFile(p, []byte("half a photo"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chtimes(stale, old, old); err != nil {
		t.Fatal(err)
	}
	n, err := s.SweepTemp(ctx, TempMaxAge)
	if n != 1 || err != nil {
		t.Errorf("SweepTemp = %d, %v; want 1 removed", n, err)
	}
	if _, err := os.Stat(stale); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("stale temporary file still there: %v", err)
	}
	for _, p := range []string{fresh, s.path(key)} {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("%s was removed: %v", p, err)
		}
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := s.SweepTemp(cancelled, 0); !errors.Is(err, context.Canceled) {
		t.Errorf("sweep after its context ended: %v, want context.Canceled", err)
	}
}
