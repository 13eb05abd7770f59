//go:build unix

package build

import (
	"os/exec"
	"syscall"
)

// setProcessGroup starts the hook in a process group of its own and makes
// cancellation kill the whole group: a backend's compilers and other
// children stop with it instead of writing on into a removed directory.
func setProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error {
		if cmd.Process == nil {
			return nil
		}
		return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
}
