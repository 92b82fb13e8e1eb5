package config

import (
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestDefaultFile: the packaged config file sits where the platform keeps
// machine-wide configuration: /etc on Unix, %ProgramData% on Windows (this
// test runs for Windows under wine, see build/windows).
func TestDefaultFile(t *testing.T) {
	cases := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"ProgramData set", map[string]string{"ProgramData": `D:\Data`}, `D:\Data\Switchboard\switchboard.toml`},
		{"ProgramData unset", nil, `C:\ProgramData\Switchboard\switchboard.toml`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := defaultFile(func(k string) string { return c.env[k] })
			if runtime.GOOS != "windows" {
				require.Equal(t, "/etc/switchboard/switchboard.toml", got, "no ProgramData outside Windows")
				return
			}
			require.Equal(t, c.want, got)
		})
	}
}

// TestWindowsPathsInFile: Windows paths are written in single quotes (TOML
// literal strings take backslashes as they are) or with doubled backslashes
// in double quotes; a lone backslash in double quotes is an escape, and
// `\P` is no escape, so it is an error at its line rather than a mangled
// path.
func TestWindowsPathsInFile(t *testing.T) {
	cases := []struct {
		name, text, want, err string
	}{
		{"literal", `data = 'C:\ProgramData\Switchboard'`, `C:\ProgramData\Switchboard`, ""},
		{"escaped", `data = "C:\\ProgramData\\Switchboard"`, `C:\ProgramData\Switchboard`, ""},
		{"UNC literal", `data = '\\server\share\switchboard'`, `\\server\share\switchboard`, ""},
		{"forward slashes", `data = "C:/ProgramData/Switchboard"`, `C:/ProgramData/Switchboard`, ""},
		{"lone backslash", "# Windows\ndata = \"C:\\ProgramData\\Switchboard\"", "", "f.toml:2:"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l, err := ParseFile("f.toml", []byte(c.text+"\n"))
			if c.err != "" {
				require.ErrorContains(t, err, c.err)
				return
			}
			require.NoError(t, err)
			require.NotNil(t, l.File.Data)
			require.Equal(t, c.want, *l.File.Data)
		})
	}
}
