//go:build unix

package siptest

import (
	"os/exec"
	"syscall"
)

// OwnGroup starts cmd in a process group of its own, so that KillGroup
// reaches the children kamailio forks too.
func OwnGroup(cmd *exec.Cmd) { cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} }

// KillGroup signals cmd's whole process group: SIGTERM, or SIGKILL when
// hard is set.
func KillGroup(cmd *exec.Cmd, hard bool) error {
	sig := syscall.SIGTERM
	if hard {
		sig = syscall.SIGKILL
	}
	return syscall.Kill(-cmd.Process.Pid, sig)
}
