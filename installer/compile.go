package installer

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
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

func startCompiler(ctx context.Context, python string, n int) (*compiler, error) {
	if n <= 0 {
		// Writing .pyc files waits on the file system as much as it
		// computes: two workers per CPU measured best.
		n = 2 * runtime.NumCPU()
		if n > 8 {
			n = 8
		}
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

// compile compiles jobs in parallel and returns one result per job.
func (c *compiler) compile(ctx context.Context, jobs []compileJob) ([]compileResult, error) {
	results := make([]compileResult, len(jobs))
	next := make(chan int)
	errc := make(chan error, len(c.workers))
	var wg sync.WaitGroup
	for _, w := range c.workers {
		wg.Add(1)
		go func(w *pyWorker) {
			defer wg.Done()
			for i := range next {
				r, err := w.do(jobs[i])
				if err != nil {
					errc <- fmt.Errorf("byte-compiling %s: worker failed: %w\n%s", jobs[i].dfile, err, strings.TrimSpace(w.stderr.String()))
					for range next {
					}
					return
				}
				results[i] = r
			}
		}(w)
	}
	var err error
feed:
	for i := range jobs {
		select {
		case next <- i:
		case err = <-errc:
			break feed
		case <-ctx.Done():
			err = ctx.Err()
			break feed
		}
	}
	close(next)
	wg.Wait()
	if err == nil {
		select {
		case err = <-errc:
		default:
		}
	}
	if err == nil {
		err = ctx.Err()
	}
	return results, err
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
