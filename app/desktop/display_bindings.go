//go:build bindings

package desktop

// hasDisplay is always true under the bindings tag: `wails build` compiles
// the program with it and runs it to generate bindings, and that run must
// reach wails.Run (which writes them and exits) instead of serving headless
// until the build times out.
func hasDisplay(func(string) string) bool { return true }
