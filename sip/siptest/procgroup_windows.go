//go:build windows

package siptest

import "os/exec"

// OwnGroup: Windows has no process groups to signal; the peers these
// helpers start (kamailio, sipp) are not Windows programs anyway, so the
// tests that need them skip there. This keeps the package compiling.
func OwnGroup(*exec.Cmd) {}

// KillGroup ends cmd itself (Windows has only a hard kill).
func KillGroup(cmd *exec.Cmd, _ bool) error { return cmd.Process.Kill() }
