// Package app is the composition root: the only package that knows the
// engine, the store, the channels and the API. Main runs the switchboard
// command line.
package app

import (
	"context"
	"io/fs"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
)

// Version is set at build time with -ldflags "-X .../app.Version=...".
var Version = ""

// version returns the build's version: the ldflags value, else the module
// version or VCS revision recorded by the Go toolchain, else "dev".
func version() string {
	if Version != "" {
		return Version
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		if v := bi.Main.Version; v != "" && v != "(devel)" {
			return v
		}
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				return "dev-" + s.Value[:12]
			}
		}
	}
	return "dev"
}

// Main runs the command line with args (without the program name) and
// returns the process exit code. assets is the editor's build.
func Main(args []string, assets fs.FS) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return run(ctx, args, assets, os.Stdout, os.Stderr)
}
