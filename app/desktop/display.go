//go:build !bindings && !windows

package desktop

// hasDisplay reports whether an X11 or Wayland display is there to open the
// window on. (It lives apart from its bindings twin, display_bindings.go.)
func hasDisplay(getenv func(string) string) bool {
	return getenv("DISPLAY") != "" || getenv("WAYLAND_DISPLAY") != ""
}
