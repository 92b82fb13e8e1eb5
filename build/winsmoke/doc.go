// Package winsmoke runs the Windows build of Switchboard under Debian's
// wine (make windows-test): the commands an administrator runs first
// (version, flow validate, config check, serve) must behave as on Linux.
// It holds only its test; see wine_test.go for what Wine 8.0 (Debian 12)
// cannot run and how the test says so.
package winsmoke
