package store

import (
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestFileURI(t *testing.T) {
	cases := []struct {
		name, path, want string
		windowsOnly      bool // backslashes are separators only there
	}{
		{"unix", "/var/lib/switchboard/b.db", "file:///var/lib/switchboard/b.db?mode=ro", false},
		{"space", "/srv/my data/b.db", "file:///srv/my%20data/b.db?mode=ro", false},
		{"drive, slashes", "C:/ProgramData/Switchboard/b.db", "file:///C:/ProgramData/Switchboard/b.db?mode=ro", false},
		{"drive, backslashes", `C:\ProgramData\Switchboard\b.db`, "file:///C:/ProgramData/Switchboard/b.db?mode=ro", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.windowsOnly && runtime.GOOS != "windows" {
				t.Skip("backslashes are separators on Windows only (runs under wine: build/windows)")
			}
			require.Equal(t, c.want, fileURI(c.path, "mode=ro"))
		})
	}
}
