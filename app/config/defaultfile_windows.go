//go:build windows

package config

import "path/filepath"

// defaultFile is the config file's place on Windows: machine-wide
// application data lives under %ProgramData% (C:\ProgramData unless the
// system moved it), readable by a service account; there is no /etc.
func defaultFile(getenv func(string) string) string {
	dir := getenv("ProgramData")
	if dir == "" {
		dir = `C:\ProgramData`
	}
	return filepath.Join(dir, "Switchboard", "switchboard.toml")
}
