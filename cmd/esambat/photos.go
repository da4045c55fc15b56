package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/esambat/esambat/media"
)

// cmdPhotosPush copies the photos of the data dir into the object store
// --photo-store names: a city that began on one instance and its data dir
// moves its photos there before it starts instances with --photo-store.
// Each file is read, checked against its key (the SHA-256 of its bytes)
// and put; a photo the store already holds is skipped, so the command can
// run again after an interruption, and again after a last sync while the
// old instance still takes reports. Nothing is deleted from the data dir.
func cmdPhotosPush(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	c, _, err := parseConfig("photos push", args, getenv, stderr)
	if err != nil {
		return configErr(err)
	}
	if c.PhotoStore == "" {
		return errors.New("--photo-store s3://BUCKET[/PREFIX] (or ESAMBAT_PHOTO_STORE) is required: the object store to copy the photos into")
	}
	store := s3Store(c)
	dir := filepath.Join(c.DataDir, "photos")
	start := time.Now()
	var copied, present int
	err = walkPhotos(dir, stderr, func(name, path, key string) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		if ok, err := store.Exists(ctx, key); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		} else if ok {
			present++
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		// Put refuses bytes that do not hash to the key: a damaged file
		// stops the copy here, named, instead of landing in the store.
		if err := store.Put(ctx, key, data); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		copied++
		if (copied+present)%500 == 0 {
			fmt.Fprintf(stderr, "%d photos copied, %d already there\n", copied, present)
		}
		return nil
	})
	fmt.Fprintf(stdout, "%d photo files copied to %s, %d already there, in %s\n", copied, c.PhotoStore, present, time.Since(start).Round(time.Millisecond))
	return err
}

// s3Store is the object store --photo-store names (an s3:// location,
// checked by parseConfig).
func s3Store(c Config) *media.S3Store {
	bucket, prefix, _ := media.ParseS3(c.PhotoStore)
	return &media.S3Store{Endpoint: c.S3Endpoint, Region: c.S3Region, Bucket: bucket, Prefix: prefix,
		AccessKey: c.S3AccessKey, SecretKey: c.S3SecretKey, VirtualHost: c.S3VirtualHost}
}
