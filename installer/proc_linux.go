package installer

import (
	"os/exec"
	"syscall"
)

// dieWithParent makes the kernel kill cmd when gopip dies, so that a
// byte-compiling worker of a killed gopip does not go on writing into a
// staging directory that recovery is removing.
func dieWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
