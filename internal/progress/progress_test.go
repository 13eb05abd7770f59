package progress

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe for the redraw goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// fakeClock is a settable clock.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type env map[string]string

func (e env) lookup(k string) (string, bool) { v, ok := e[k]; return v, ok }

func newTest(mode Mode, tty bool, e env) (*Renderer, *syncBuffer, *fakeClock) {
	out := &syncBuffer{}
	clock := &fakeClock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	r := New(Options{
		Mode:       mode,
		Out:        out,
		IsTerminal: func() bool { return tty },
		LookupEnv:  e.lookup,
		Now:        clock.now,
		Width:      func() int { return 100 },
		Refresh:    time.Hour, // tests redraw by hand
	})
	return r, out, clock
}

func TestPlainLines(t *testing.T) {
	tests := []struct {
		name string
		mode Mode
		tty  bool
		env  env
	}{
		{"auto, not a terminal", Auto, false, env{}},
		{"auto, terminal in CI", Auto, true, env{"CI": "true"}},
		{"auto, terminal in Azure", Auto, true, env{"BUILD_BUILDID": "1"}},
		{"auto, PIP_IS_CI empty", Auto, true, env{"PIP_IS_CI": ""}},
		{"auto, dumb terminal", Auto, true, env{"TERM": "dumb"}},
		{"on, not a terminal", On, false, env{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, out, _ := newTest(tt.mode, tt.tty, tt.env)
			a := r.Start("flask-3.1.3-py3-none-any.whl", 101700)
			b := r.Start("broken-1.0.tar.gz", 0)
			c := r.Start("six-1.17.0-py2.py3-none-any.whl", 0)
			a.Add(50000)
			a.Add(51700)
			b.Add(10)
			c.Add(11000)
			c.Done(nil)
			b.Done(errors.New("connection reset"))
			a.Done(nil)
			a.Done(nil) // twice is harmless
			r.Close()
			want := "Downloaded six-1.17.0-py2.py3-none-any.whl (11 kB)\n" +
				"Downloaded flask-3.1.3-py3-none-any.whl (101 kB)\n"
			if got := out.String(); got != want {
				t.Errorf("got\n%q\nwant\n%q", got, want)
			}
			if r.Animated() {
				t.Error("Animated")
			}
		})
	}
}

func TestRawLines(t *testing.T) {
	r, out, clock := newTest(Raw, true, env{})
	a := r.Start("flask-3.1.3-py3-none-any.whl", 1000)
	a.Add(100) // first chunk: always reported
	clock.advance(100 * time.Millisecond)
	a.Add(100) // 0.1 s later: too soon
	clock.advance(200 * time.Millisecond)
	a.Add(100) // 0.3 s after the last line
	clock.advance(10 * time.Millisecond)
	a.Add(300) // too soon
	clock.advance(10 * time.Millisecond)
	a.Add(400) // complete: always reported
	a.Done(nil)

	b := r.Start("unknown.tar.gz", 0)
	b.Add(5)
	clock.advance(10 * time.Millisecond)
	b.Add(7)
	b.Done(nil) // the last line, which pip would not print
	r.Close()

	want := `Downloading flask-3.1.3-py3-none-any.whl (1000 bytes)
Progress 0 of 1000
Progress 100 of 1000
Progress 300 of 1000
Progress 1000 of 1000
Downloading unknown.tar.gz
Progress 0 of 0
Progress 5 of 0
Progress 12 of 0
`
	if got := out.String(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestOffAndQuiet(t *testing.T) {
	for _, quiet := range []bool{false, true} {
		for _, mode := range []Mode{Off, Auto, On, Raw} {
			if !quiet && mode != Off {
				continue
			}
			out := &syncBuffer{}
			r := New(Options{Mode: mode, Quiet: quiet, Out: out, IsTerminal: func() bool { return true }, LookupEnv: env{}.lookup})
			task := r.Start("x.whl", 10)
			task.Add(10)
			task.Done(nil)
			if quiet {
				r.Printf("hello")
			}
			r.Close()
			if out.String() != "" {
				t.Errorf("mode %v quiet %v: printed %q", mode, quiet, out.String())
			}
		}
	}
}

func TestNilRendererAndTask(t *testing.T) {
	var r *Renderer
	task := r.Start("x", 1)
	task.Add(1)
	task.Set(0)
	task.SetTotal(3)
	task.Done(nil)
	r.Printf("x")
	r.Close()
}

func TestBars(t *testing.T) {
	r, out, clock := newTest(Auto, true, env{})
	if !r.Animated() {
		t.Fatal("not animated on a terminal outside CI")
	}
	a := r.Start("flask-3.1.3-py3-none-any.whl", 2000000)
	b := r.Start("a-very-long-distribution-name-3.1.3-py3-none-any.whl", 0)
	a.Add(1000000)
	b.Add(3000)
	b.SetTotal(6000)
	clock.advance(time.Second)
	r.mu.Lock()
	r.drawLocked()
	r.mu.Unlock()
	first := out.String()
	for _, want := range []string{"\x1b[2K", "flask-3.1.3-py3-none-any.whl", "50%", "a-very-long-distribution-name-3…", "total: 0/2 files, 1.0 MB of 2.0 MB, 1.0 MB/s", "\x1b[J"} {
		if !strings.Contains(first, want) {
			t.Errorf("first frame lacks %q:\n%q", want, first)
		}
	}
	if strings.Contains(first, "\x1b[3A") {
		t.Error("first frame moved the cursor up")
	}

	a.Add(1000000)
	a.Done(nil)
	r.Printf("a message for the user")
	second := strings.TrimPrefix(out.String(), first)
	// Up over the 3 lines drawn before, then the finished line and the
	// message, which stay, then the remaining bar and the total.
	if !strings.HasPrefix(second, "\x1b[3A\r\x1b[2KDownloaded flask-3.1.3-py3-none-any.whl (2.0 MB)\n\x1b[2Ka message for the user\n\x1b[2K") {
		t.Errorf("second frame:\n%q", second)
	}
	b.Done(errors.New("reset"))
	r.Close()
	last := out.String()
	if !strings.HasSuffix(last, "\x1b[2A\r\x1b[J") {
		t.Errorf("close did not clear the bars:\n%q", last[len(first):])
	}
	if strings.Contains(last, "Downloaded a-very") {
		t.Error("a failed task printed a line")
	}
}

func TestBarsRedrawConcurrently(t *testing.T) {
	out := &syncBuffer{}
	r := New(Options{Out: out, IsTerminal: func() bool { return true }, LookupEnv: env{}.lookup, Width: func() int { return 60 }, Refresh: time.Millisecond})
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			task := r.Start(fmt.Sprintf("pkg%02d-1.0-py3-none-any.whl", i), 1<<20)
			for j := 0; j < 64; j++ {
				task.Add(1 << 14)
				if j%16 == 0 {
					time.Sleep(time.Millisecond)
				}
			}
			task.Done(nil)
		}()
	}
	wg.Wait()
	r.Close()
	s := out.String()
	if n := strings.Count(s, "Downloaded pkg"); n != 20 {
		t.Errorf("%d finished lines, want 20", n)
	}
	for _, line := range strings.Split(s, "\n") {
		line = strings.TrimPrefix(line, "\x1b[2K")
		if i := strings.LastIndex(line, "\x1b["); i >= 0 {
			line = line[strings.Index(line[i:], "m")+i+1:]
		}
		if len([]rune(line)) > 59+10 { // escape prefixes aside, lines are clipped
			t.Errorf("line too long (%d): %q", len([]rune(line)), line)
		}
	}
}

func TestConcurrentLines(t *testing.T) {
	r, out, _ := newTest(Auto, false, env{})
	var wg sync.WaitGroup
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			task := r.Start(fmt.Sprintf("f%d.whl", i), 300)
			for j := 0; j < 3; j++ {
				task.Add(100)
			}
			task.Done(nil)
		}()
	}
	wg.Wait()
	r.Close()
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != 50 {
		t.Fatalf("%d lines", len(lines))
	}
	for _, l := range lines {
		if !strings.HasPrefix(l, "Downloaded f") || !strings.HasSuffix(l, ".whl (300 bytes)") {
			t.Errorf("line %q", l)
		}
	}
}

func TestParseMode(t *testing.T) {
	for _, m := range []Mode{Auto, On, Off, Raw} {
		got, err := ParseMode(m.String())
		if err != nil || got != m {
			t.Errorf("%v: %v %v", m, got, err)
		}
	}
	if _, err := ParseMode("pretty"); err == nil {
		t.Error("pretty accepted")
	}
}

func TestFormatSize(t *testing.T) {
	// Values from pip._internal.utils.misc.format_size.
	tests := map[int64]string{
		0: "0 bytes", 1000: "1000 bytes", 1001: "1.0 kB", 10000: "10.0 kB",
		10001: "10 kB", 101700: "101 kB", 999999: "999 kB", 1000000: "1000 kB",
		1000001: "1.0 MB", 2345678: "2.3 MB", 2350000: "2.4 MB", 123456789: "123.5 MB",
	}
	for n, want := range tests {
		if got := FormatSize(n); got != want {
			t.Errorf("FormatSize(%d) = %q, want %q", n, got, want)
		}
	}
}
