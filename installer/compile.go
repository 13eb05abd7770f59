package installer

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
)

// compileScript is a byte-compiling worker: it reads pairs of lines (the
// file to compile, and the name to record in the code objects, pip's
// final path of the file) and compiles each the way pip's
// compileall.compile_file(path, force=True, quiet=True) does:
// py_compile.compile with the interpreter's default optimisation and
// invalidation mode (checked hashes when SOURCE_DATE_EPOCH is set,
// timestamps otherwise), warnings silenced. It answers "ok <pyc name>" or
// "err <message>" per file.
const compileScript = `import sys
if sys.path and sys.path[0] == "":
    del sys.path[0]
import os, importlib.util, py_compile, warnings
warnings.filterwarnings("ignore")
rd = sys.stdin.buffer.readline
out = sys.stdout
while True:
    a = rd()
    b = rd()
    if not a or not b:
        break
    src = os.fsdecode(a[:-1])
    dfile = os.fsdecode(b[:-1])
    try:
        cfile = importlib.util.cache_from_source(src)
        py_compile.compile(src, cfile=cfile, dfile=dfile, doraise=True)
        out.write("ok " + os.path.basename(cfile) + "\n")
    except (py_compile.PyCompileError, SyntaxError, UnicodeError, OSError, ValueError) as e:
        out.write("err " + " ".join(str(e).split()) + "\n")
    out.flush()
`

type compileJob struct {
	src   string // the staged .py file
	dfile string // its final path
}

type compileResult struct {
	ok    bool
	pyc   string // base name of the .pyc written next to src in __pycache__
	error string
}

// compiler is a pool of long-lived worker processes of the target
// interpreter. Start it early: the interpreters start while files are
// being extracted.
type compiler struct {
	workers []*pyWorker
}

type pyWorker struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stdout *bufio.Reader
	stderr strings.Builder
}

// defaultCompileWorkers is the size of the compiler's pool for many
// files. Writing .pyc files waits on the file system as much as it
// computes: two workers per CPU measured best.
func defaultCompileWorkers() int {
	return min(2*runtime.NumCPU(), 8)
}

func startCompiler(ctx context.Context, python string, n int) (*compiler, error) {
	if n <= 0 {
		n = defaultCompileWorkers()
	}
	c := &compiler{}
	for i := 0; i < n; i++ {
		w := &pyWorker{cmd: exec.CommandContext(ctx, python, "-c", compileScript)}
		w.cmd.Stderr = &w.stderr
		dieWithParent(w.cmd)
		var err error
		if w.stdin, err = w.cmd.StdinPipe(); err != nil {
			c.close()
			return nil, err
		}
		out, err := w.cmd.StdoutPipe()
		if err != nil {
			c.close()
			return nil, err
		}
		w.stdout = bufio.NewReader(out)
		if err := w.cmd.Start(); err != nil {
			c.close()
			return nil, fmt.Errorf("starting %s to compile byte-code: %w", python, err)
		}
		c.workers = append(c.workers, w)
	}
	return c, nil
}

func (w *pyWorker) do(job compileJob) (compileResult, error) {
	if _, err := io.WriteString(w.stdin, job.src+"\n"+job.dfile+"\n"); err != nil {
		return compileResult{}, err
	}
	for {
		line, err := w.stdout.ReadString('\n')
		if err != nil {
			return compileResult{}, err
		}
		line = strings.TrimSuffix(line, "\n")
		switch {
		case strings.HasPrefix(line, "ok "):
			return compileResult{ok: true, pyc: line[3:]}, nil
		case strings.HasPrefix(line, "err "):
			return compileResult{error: line[4:]}, nil
		}
		// Anything else was printed by the interpreter's start-up
		// (sitecustomize, .pth files): ignore it.
	}
}

// compileBatch feeds jobs to the compiler's workers as they are added (by
// the extraction pool, while other wheels are still being extracted) and
// collects the results. add may be called from several goroutines; after
// wait or stop, every task holds its result.
type compileBatch struct {
	ctx   context.Context
	queue chan *compileTask
	wg    sync.WaitGroup
	once  sync.Once
	mu    sync.Mutex
	err   error // the first failure
	abort bool  // stop: drop the tasks not yet started
}

// compileTask is one job and, once done, its result.
type compileTask struct {
	job    compileJob
	res    compileResult
	cached bool // the result came from the unpacked-wheel cache
}

// checkedHashPycs reports whether the compilers write checked-hash .pyc
// files: py_compile's default invalidation mode is CHECKED_HASH when
// SOURCE_DATE_EPOCH is set (and not empty) in the environment they
// inherit from gopip, TIMESTAMP otherwise.
func checkedHashPycs() bool { return os.Getenv("SOURCE_DATE_EPOCH") != "" }

// begin starts a batch; add never blocks while it holds at most capacity
// tasks in all.
func (c *compiler) begin(ctx context.Context, capacity int) *compileBatch {
	b := &compileBatch{ctx: ctx, queue: make(chan *compileTask, capacity)}
	for _, w := range c.workers {
		b.wg.Add(1)
		go b.work(w)
	}
	return b
}

func (b *compileBatch) work(w *pyWorker) {
	defer b.wg.Done()
	for t := range b.queue {
		if b.stopped() {
			continue // drain
		}
		if err := b.ctx.Err(); err != nil {
			b.fail(err)
			continue
		}
		r, err := w.do(t.job)
		if err != nil {
			b.fail(fmt.Errorf("byte-compiling %s: worker failed: %w\n%s", t.job.dfile, err, strings.TrimSpace(w.stderr.String())))
			continue
		}
		t.res = r
	}
}

func (b *compileBatch) fail(err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.err == nil {
		b.err = err
	}
}

func (b *compileBatch) stopped() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.err != nil || b.abort
}

// add queues a task.
func (b *compileBatch) add(t *compileTask) { b.queue <- t }

// wait waits for every task added and returns the first error (ctx's if
// it was cancelled).
func (b *compileBatch) wait() error {
	b.once.Do(func() { close(b.queue) })
	b.wg.Wait()
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.err != nil {
		return b.err
	}
	return b.ctx.Err()
}

// stop drops the tasks not yet started and waits for the others.
func (b *compileBatch) stop() {
	b.mu.Lock()
	b.abort = true
	b.mu.Unlock()
	b.wait()
}

// close ends the workers.
func (c *compiler) close() error {
	var errs []error
	for _, w := range c.workers {
		w.stdin.Close()
	}
	for _, w := range c.workers {
		if err := w.cmd.Wait(); err != nil {
			var ee *exec.ExitError
			if !errors.As(err, &ee) {
				errs = append(errs, err)
			}
		}
	}
	c.workers = nil
	return errors.Join(errs...)
}
