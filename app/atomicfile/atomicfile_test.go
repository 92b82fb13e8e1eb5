package atomicfile

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestWrite(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "credentials.json")

	require.NoError(t, Write(path, []byte("first"), 0o600))
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Equal(t, "first", string(b))

	require.NoError(t, Write(path, []byte("second, longer"), 0o600))
	b, err = os.ReadFile(path)
	require.NoError(t, err)
	require.Equal(t, "second, longer", string(b))

	if runtime.GOOS != "windows" {
		fi, err := os.Stat(path)
		require.NoError(t, err)
		require.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
	}
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	require.Len(t, entries, 1, "no temporary file is left beside the written one")
}

func TestWriteFailsCleanly(t *testing.T) {
	dir := t.TempDir()
	// The target is a directory: the rename fails, the old content stays and
	// the temporary file is removed.
	target := filepath.Join(dir, "taken")
	require.NoError(t, os.Mkdir(target, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(target, "inside"), []byte("x"), 0o644))
	require.Error(t, Write(target, []byte("new"), 0o644))
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	require.Len(t, entries, 1)

	// A missing directory is an error, not a panic.
	require.Error(t, Write(filepath.Join(dir, "missing", "f"), []byte("x"), 0o644))
}
