//go:build !linux

package sqlite

import "os"

// datasync makes f's data durable; see the Linux version.
func datasync(f *os.File) error { return f.Sync() }
