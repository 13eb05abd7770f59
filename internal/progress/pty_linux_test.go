package progress

import (
	"bytes"
	"io"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// openPTY opens a pseudo-terminal pair: the Renderer writes to the
// terminal end, the test reads what a terminal would show from the other.
func openPTY(t *testing.T) (controller, terminal *os.File) {
	t.Helper()
	controller, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	fd := int(controller.Fd())
	if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
		t.Skipf("unlockpt: %v", err)
	}
	n, err := unix.IoctlGetInt(fd, unix.TIOCGPTN)
	if err != nil {
		t.Skipf("ptsname: %v", err)
	}
	terminal, err = os.OpenFile("/dev/pts/"+strconv.Itoa(n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("open pts: %v", err)
	}
	t.Cleanup(func() { terminal.Close(); controller.Close() })
	return controller, terminal
}

// TestBarsOnARealTerminal detects a real (pseudo-)terminal with the default
// IsTerminal and draws bars on it, and tells a pipe apart.
func TestBarsOnARealTerminal(t *testing.T) {
	controller, terminal := openPTY(t)
	var shown bytes.Buffer
	done := make(chan struct{})
	go func() {
		io.Copy(&shown, controller)
		close(done)
	}()

	r := New(Options{Out: terminal, LookupEnv: env{"TERM": "xterm"}.lookup, Refresh: 10 * time.Millisecond})
	if !r.Animated() {
		t.Fatal("a terminal was not recognised")
	}
	a := r.Start("flask-3.1.3-py3-none-any.whl", 100_000)
	b := r.Start("jinja2-3.1.6-py3-none-any.whl", 0)
	for i := 0; i < 10; i++ {
		a.Add(10_000)
		b.Add(5_000)
		time.Sleep(15 * time.Millisecond)
	}
	a.Done(nil)
	b.Done(nil)
	r.Close()
	time.Sleep(50 * time.Millisecond)
	terminal.Close()
	controller.Close()
	<-done

	s := shown.String()
	for _, want := range []string{"\x1b[2K", "flask-3.1.3-py3-none-any.whl", "%", "total: ", "Downloaded flask-3.1.3-py3-none-any.whl (100 kB)", "Downloaded jinja2-3.1.6-py3-none-any.whl (50 kB)"} {
		if !strings.Contains(s, want) {
			t.Errorf("terminal shows no %q:\n%q", want, s)
		}
	}

	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pr.Close()
	defer pw.Close()
	if New(Options{Out: pw, LookupEnv: env{}.lookup}).Animated() {
		t.Error("a pipe was taken for a terminal")
	}
}
