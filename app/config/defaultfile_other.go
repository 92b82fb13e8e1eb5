//go:build !windows

package config

// defaultFile is the config file's place on Unix systems: /etc, where
// packages keep configuration that upgrades leave alone.
func defaultFile(func(string) string) string { return "/etc/switchboard/switchboard.toml" }
