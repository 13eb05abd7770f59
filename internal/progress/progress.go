package progress

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// Mode is pip's --progress-bar choice.
type Mode int

// The modes of pip's --progress-bar.
const (
	// Auto shows bars on an interactive terminal and plain lines elsewhere.
	Auto Mode = iota
	// On shows bars whenever the output is a terminal.
	On
	// Off shows nothing.
	Off
	// Raw prints "Progress <cur> of <total>" lines.
	Raw
)

var modeNames = [...]string{Auto: "auto", On: "on", Off: "off", Raw: "raw"}

// String returns the option value of m, e.g. "auto".
func (m Mode) String() string {
	if m < 0 || int(m) >= len(modeNames) {
		return fmt.Sprintf("Mode(%d)", int(m))
	}
	return modeNames[m]
}

// ParseMode parses a --progress-bar value: auto, on, off or raw.
func ParseMode(s string) (Mode, error) {
	for m, name := range modeNames {
		if s == name {
			return Mode(m), nil
		}
	}
	return Auto, fmt.Errorf("invalid --progress-bar value %q (choose from auto, on, off, raw)", s)
}

// Options configure a Renderer. Only Mode and Quiet come from the user; the
// rest are for tests and defaults.
type Options struct {
	// Mode is pip's --progress-bar.
	Mode Mode
	// Quiet is pip's -q: no progress output at all.
	Quiet bool
	// Out receives the output. Nil means os.Stderr.
	Out io.Writer
	// Verb starts the plain line of a finished task. Empty means
	// "Downloaded".
	Verb string
	// StartVerb starts the line that names a task in raw mode, before its
	// progress lines. Empty means "Downloading".
	StartVerb string
	// IsTerminal reports whether Out is an interactive terminal. Nil means
	// asking the terminal when Out is an *os.File.
	IsTerminal func() bool
	// LookupEnv reads CI, BUILD_BUILDID, BUILD_ID, PIP_IS_CI and TERM. Nil
	// means os.LookupEnv.
	LookupEnv func(key string) (string, bool)
	// Now is the clock for raw-mode rate limiting and the total's speed.
	// Nil means time.Now.
	Now func() time.Time
	// Width returns the terminal's width in columns. Nil means asking the
	// terminal, else 80.
	Width func() int
	// Refresh is the interval between redraws of the bars. Zero means
	// 150 ms.
	Refresh time.Duration
}

// style is how a Renderer shows progress, resolved from the options.
type style int

const (
	styleOff style = iota
	styleLines
	styleRaw
	styleBars
)

// rawInterval is pip's minimum interval between two raw lines of a file.
const rawInterval = 250 * time.Millisecond

// maxBars bounds the bars drawn at once; more active tasks are summarised.
const maxBars = 10

// Renderer shows the progress of concurrent tasks. It is safe for
// simultaneous use by multiple goroutines. A nil *Renderer does nothing.
type Renderer struct {
	opts  Options
	style style

	mu       sync.Mutex
	active   []*Task
	pending  []string // finished lines not yet printed above the bars
	drawn    int      // lines of the bar block currently on screen
	started  int      // tasks started
	finished int      // tasks finished successfully
	firstAt  time.Time
	doneSum  int64 // bytes of finished tasks
	stop     chan struct{}
	closed   bool
	wg       sync.WaitGroup
}

// New returns a Renderer for opts.
func New(opts Options) *Renderer {
	if opts.Out == nil {
		opts.Out = os.Stderr
	}
	if opts.Verb == "" {
		opts.Verb = "Downloaded"
	}
	if opts.StartVerb == "" {
		opts.StartVerb = "Downloading"
	}
	if opts.LookupEnv == nil {
		opts.LookupEnv = os.LookupEnv
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Refresh <= 0 {
		opts.Refresh = 150 * time.Millisecond
	}
	f, isFile := opts.Out.(*os.File)
	if opts.IsTerminal == nil {
		opts.IsTerminal = func() bool { return isFile && term.IsTerminal(int(f.Fd())) }
	}
	if opts.Width == nil {
		opts.Width = func() int {
			if isFile {
				if w, _, err := term.GetSize(int(f.Fd())); err == nil && w > 0 {
					return w
				}
			}
			return 80
		}
	}
	r := &Renderer{opts: opts, style: resolve(opts)}
	return r
}

// resolve decides the style, as documented in the package comment.
func resolve(o Options) style {
	if o.Quiet {
		return styleOff
	}
	switch o.Mode {
	case Off:
		return styleOff
	case Raw:
		return styleRaw
	}
	tty := o.IsTerminal()
	if v, ok := o.LookupEnv("TERM"); ok && v == "dumb" {
		tty = false
	}
	if !tty || (o.Mode == Auto && InCI(o.LookupEnv)) {
		return styleLines
	}
	return styleBars
}

// InCI reports whether the environment is a CI run, by the variables pip
// checks: BUILD_BUILDID, BUILD_ID, CI, PIP_IS_CI (set, whatever the value).
func InCI(lookup func(string) (string, bool)) bool {
	if lookup == nil {
		lookup = os.LookupEnv
	}
	for _, k := range []string{"BUILD_BUILDID", "BUILD_ID", "CI", "PIP_IS_CI"} {
		if _, ok := lookup(k); ok {
			return true
		}
	}
	return false
}

// Animated reports whether r draws bars (as opposed to lines or nothing).
func (r *Renderer) Animated() bool { return r != nil && r.style == styleBars }

// Task is one transfer. Its methods are safe for simultaneous use. A nil
// *Task does nothing.
type Task struct {
	r     *Renderer
	name  string
	total int64
	cur   int64
	done  bool
	bar   *progressbar.ProgressBar // bars style
	// raw style
	lastRaw    time.Time
	lastRawCur int64
}

// Start begins a task named name (a file name) of total bytes; total <= 0
// means unknown. After Close it returns nil: nothing more is shown.
func (r *Renderer) Start(name string, total int64) *Task {
	if r == nil || r.style == styleOff {
		return nil
	}
	if total < 0 {
		total = 0
	}
	t := &Task{r: r, name: name, total: total}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil
	}
	r.started++
	now := r.opts.Now()
	if r.firstAt.IsZero() {
		r.firstAt = now
	}
	switch r.style {
	case styleRaw:
		// pip names the file first ("Downloading x.whl (101 kB)"), then
		// prints the first line without starting its rate limiter, so the
		// first chunk is reported too.
		if total > 0 {
			fmt.Fprintf(r.opts.Out, "%s %s (%s)\n", r.opts.StartVerb, name, FormatSize(total))
		} else {
			fmt.Fprintf(r.opts.Out, "%s %s\n", r.opts.StartVerb, name)
		}
		t.writeRaw()
	case styleBars:
		t.bar = newBar(name, total)
		r.active = append(r.active, t)
		if r.stop == nil {
			r.stop = make(chan struct{})
			r.wg.Add(1)
			go r.loop(r.stop)
		}
	}
	return t
}

func newBar(name string, total int64) *progressbar.ProgressBar {
	max := total
	if max <= 0 {
		max = -1
	}
	return progressbar.NewOptions64(max,
		progressbar.OptionSetWriter(io.Discard), // the Renderer draws
		progressbar.OptionSetDescription(shorten(name, 32)),
		progressbar.OptionShowBytes(true),
		progressbar.OptionShowTotalBytes(true),
		progressbar.OptionShowCount(),
		progressbar.OptionSetWidth(20),
		// No spinner goroutine: it would render outside the Renderer's lock.
		progressbar.OptionSetSpinnerChangeInterval(0),
		progressbar.OptionSetRenderBlankState(true),
	)
}

// Add records n more bytes received.
func (t *Task) Add(n int64) {
	if t == nil || n == 0 {
		return
	}
	r := t.r
	r.mu.Lock()
	defer r.mu.Unlock()
	if t.done {
		return
	}
	t.cur += n
	switch r.style {
	case styleRaw:
		now := r.opts.Now()
		if now.Sub(t.lastRaw) >= rawInterval || t.cur == t.total {
			t.writeRaw()
			t.lastRaw = now
		}
	case styleBars:
		t.bar.Add64(n)
	}
}

// Set records that the task is at n bytes: 0 when a transfer starts over,
// the offset when it resumes.
func (t *Task) Set(n int64) {
	if t == nil {
		return
	}
	r := t.r
	r.mu.Lock()
	defer r.mu.Unlock()
	if t.done {
		return
	}
	t.cur = n
	if r.style == styleBars {
		t.bar.Set64(n)
	}
}

// SetTotal records the size of the task once it is known (for example from
// Content-Length).
func (t *Task) SetTotal(total int64) {
	if t == nil || total <= 0 {
		return
	}
	r := t.r
	r.mu.Lock()
	defer r.mu.Unlock()
	if t.done || total == t.total {
		return
	}
	t.total = total
	if r.style == styleBars {
		t.bar.ChangeMax64(total)
		t.bar.Set64(t.cur)
	}
}

// Done ends the task: err == nil means it succeeded, which prints its plain
// line; a failed task just disappears (the caller reports the error).
func (t *Task) Done(err error) {
	if t == nil {
		return
	}
	r := t.r
	r.mu.Lock()
	defer r.mu.Unlock()
	if t.done {
		return
	}
	t.done = true
	if err == nil {
		r.finished++
	}
	switch r.style {
	case styleLines:
		if err == nil {
			fmt.Fprintf(r.opts.Out, "%s\n", t.line())
		}
	case styleRaw:
		if err == nil && t.lastRawCur != t.cur {
			t.writeRaw()
		}
	case styleBars:
		for i, a := range r.active {
			if a == t {
				r.active = append(r.active[:i], r.active[i+1:]...)
				break
			}
		}
		r.doneSum += t.cur
		if err == nil {
			r.pending = append(r.pending, t.line())
		}
	}
}

// line is the plain line of a finished task.
func (t *Task) line() string {
	return fmt.Sprintf("%s %s (%s)", t.r.opts.Verb, t.name, FormatSize(t.cur))
}

// writeRaw prints pip's raw progress line. Called with r.mu held.
func (t *Task) writeRaw() {
	fmt.Fprintf(t.r.opts.Out, "Progress %d of %d\n", t.cur, t.total)
	t.lastRawCur = t.cur
}

// Printf prints a line of text; on a terminal it goes above the bars.
// Nothing is printed when the Renderer is quiet.
func (r *Renderer) Printf(format string, args ...any) {
	if r == nil || r.opts.Quiet {
		return
	}
	msg := strings.TrimSuffix(fmt.Sprintf(format, args...), "\n")
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.style == styleBars && !r.closed {
		r.pending = append(r.pending, msg)
		r.drawLocked()
		return
	}
	fmt.Fprintln(r.opts.Out, msg)
}

// Close stops redrawing, prints the lines of tasks that finished since the
// last redraw and removes the bars. Tasks still active are abandoned.
func (r *Renderer) Close() {
	if r == nil {
		return
	}
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return
	}
	r.closed = true
	stop := r.stop
	r.mu.Unlock()
	if stop != nil {
		close(stop)
		r.wg.Wait()
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.style == styleBars {
		r.active = nil
		r.drawLocked()
	}
}

func (r *Renderer) loop(stop chan struct{}) {
	defer r.wg.Done()
	tick := time.NewTicker(r.opts.Refresh)
	defer tick.Stop()
	for {
		select {
		case <-stop:
			return
		case <-tick.C:
			r.mu.Lock()
			r.drawLocked()
			r.mu.Unlock()
		}
	}
}

// drawLocked redraws the bar block: it moves up over the block drawn last
// time, prints the pending finished lines (which stay), then one line per
// active task and the total. Called with r.mu held.
func (r *Renderer) drawLocked() {
	if len(r.pending) == 0 && len(r.active) == 0 && r.drawn == 0 {
		return
	}
	width := r.opts.Width() - 1
	var b strings.Builder
	if r.drawn > 0 {
		fmt.Fprintf(&b, "\x1b[%dA\r", r.drawn)
	}
	for _, l := range r.pending {
		b.WriteString("\x1b[2K")
		b.WriteString(l)
		b.WriteString("\n")
	}
	r.pending = r.pending[:0]
	lines := 0
	var cur, total int64
	known := true
	for i, t := range r.active {
		cur += t.cur
		if t.total > 0 {
			total += t.total
		} else {
			known = false
		}
		if i < maxBars {
			t.bar.RenderBlank() // bring speed and time up to date
			b.WriteString("\x1b[2K")
			b.WriteString(clip(strings.TrimLeft(t.bar.String(), "\r"), width))
			b.WriteString("\n")
			lines++
		}
	}
	if n := len(r.active) - maxBars; n > 0 {
		fmt.Fprintf(&b, "\x1b[2K… and %d more\n", n)
		lines++
	}
	if len(r.active) > 0 && r.started > 1 {
		b.WriteString("\x1b[2K")
		b.WriteString(clip(r.totalLine(cur, total, known), width))
		b.WriteString("\n")
		lines++
	}
	b.WriteString("\x1b[J") // clear what is left of the old block
	r.drawn = lines
	io.WriteString(r.opts.Out, b.String())
}

// totalLine sums up all tasks: files done, bytes and the overall speed.
func (r *Renderer) totalLine(cur, total int64, known bool) string {
	all := r.doneSum + cur
	s := fmt.Sprintf("total: %d/%d files, %s", r.finished, r.started, FormatSize(all))
	if known {
		s += " of " + FormatSize(r.doneSum+total)
	}
	if el := r.opts.Now().Sub(r.firstAt).Seconds(); el > 0.5 {
		s += fmt.Sprintf(", %s/s", FormatSize(int64(float64(all)/el)))
	}
	return s
}

// FormatSize formats a byte count the way pip does (pip._internal.utils.misc
// .format_size): "345 bytes", "1.2 kB", "101 kB", "2.3 MB".
func FormatSize(n int64) string {
	b := float64(n)
	switch {
	case b > 1000*1000:
		return fmt.Sprintf("%.1f MB", b/1000/1000)
	case b > 10*1000:
		return fmt.Sprintf("%d kB", int64(b/1000))
	case b > 1000:
		return fmt.Sprintf("%.1f kB", b/1000)
	}
	return fmt.Sprintf("%d bytes", n)
}

// shorten cuts s to at most n runes, marking the cut with "…".
func shorten(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// clip cuts a line to the terminal width so that it never wraps (a wrapped
// line would break the cursor arithmetic of the redraw).
func clip(s string, width int) string {
	if width <= 0 || utf8.RuneCountInString(s) <= width {
		return s
	}
	return string([]rune(s)[:width])
}
