package sqlite

import (
	"os"
	"syscall"
)

// datasync makes f's data durable with fdatasync: the data and the
// metadata needed to read it back (the size), which is all the log
// needs. It is rewritten in place, so its size rarely changes, and
// fdatasync then skips the filesystem journal commit that fsync would
// make for the modification time alone.
func datasync(f *os.File) error {
	sc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var serr error
	if err := sc.Control(func(fd uintptr) {
		for {
			serr = syscall.Fdatasync(int(fd))
			if serr != syscall.EINTR {
				return
			}
		}
	}); err != nil {
		return err
	}
	if serr != nil {
		return &os.PathError{Op: "fdatasync", Path: f.Name(), Err: serr}
	}
	return nil
}
