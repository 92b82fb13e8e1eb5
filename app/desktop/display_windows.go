//go:build !bindings && windows

package desktop

// hasDisplay is true on Windows: a desktop session always has a screen and
// sets neither DISPLAY nor WAYLAND_DISPLAY, so the Unix check would keep
// the window shut. (A service has no desktop: it runs the headless binary.)
func hasDisplay(func(string) string) bool { return true }
