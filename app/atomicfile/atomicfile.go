// Package atomicfile writes small files whole: a reader, or the machine
// after a crash, finds either the old content or the new, never a part of
// it. Credentials and exported flows are written this way.
package atomicfile

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
)

// Write replaces path's content with data. The bytes go to a temporary file
// in the same directory (so the rename cannot cross filesystems), are
// flushed to the disk, and the file is renamed over path; then the
// directory is flushed too, so the rename itself survives a power cut.
// perm applies to a new file and to a replaced one alike.
func Write(path string, data []byte, perm os.FileMode) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("atomicfile: %w", err)
	}
	name := tmp.Name()
	done := false
	defer func() {
		if !done {
			tmp.Close()
			os.Remove(name)
		}
	}()
	if err := tmp.Chmod(perm); err != nil && runtime.GOOS != "windows" {
		return fmt.Errorf("atomicfile: %w", err)
	}
	if _, err := tmp.Write(data); err != nil {
		return fmt.Errorf("atomicfile: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("atomicfile: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("atomicfile: %w", err)
	}
	if err := os.Rename(name, path); err != nil {
		os.Remove(name)
		done = true
		return fmt.Errorf("atomicfile: %w", err)
	}
	done = true
	syncDir(dir)
	return nil
}

// syncDir flushes a directory's entries. Windows cannot open a directory
// for that (NTFS journals the rename itself), so there it does nothing.
func syncDir(dir string) {
	if runtime.GOOS == "windows" {
		return
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
}
