package build

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// hookRunner is the script run, with the target interpreter, for each
// hook (see hookrunner.py for its protocol).
//
//go:embed hookrunner.py
var hookRunner []byte

// ErrHookMissing is wrapped by the *HookError for a hook the backend does
// not have when gopip needs it: build_wheel, or build_editable for an
// editable install. Optional hooks that are missing are not errors.
var ErrHookMissing = errors.New("the build backend does not have this hook")

// HookError is a build backend hook that failed: the backend could not be
// imported, did not come from its backend-path, raised, lacked a required
// hook, or returned something unusable. Nothing was installed.
type HookError struct {
	// Project names the project being built.
	Project string
	// Hook is the PEP 517/660 hook, e.g. "build_wheel".
	Hook string
	// Backend is the build-backend, e.g. "setuptools.build_meta".
	Backend string
	// Reason says what went wrong in one line, e.g. "ValueError: boom".
	Reason string
	// ExitCode is the hook process's exit status (0 when it exited
	// normally but the result was unusable, -1 when it was killed).
	ExitCode int
	// Output is what the backend printed (stdout and stderr, interleaved
	// as written): its last lines, or all of it with Options.Verbose.
	Output []string
	// Omitted counts the earlier lines left out of Output.
	Omitted int
	// Err is ErrHookMissing, a context error, or nil.
	Err error
}

// Error reads like pip's subprocess error: what failed for which project,
// the exit code, and the output between "[N lines of output]" and
// "[end of output]".
func (e *HookError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s for %s failed: %s", hookActivity(e.Hook), e.Project, e.Reason)
	if e.ExitCode != 0 {
		fmt.Fprintf(&b, "\nexit code: %d", e.ExitCode)
	}
	if len(e.Output) > 0 {
		if e.Omitted > 0 {
			fmt.Fprintf(&b, "\n[last %d of %d lines of output]", len(e.Output), len(e.Output)+e.Omitted)
		} else {
			fmt.Fprintf(&b, "\n[%d lines of output]", len(e.Output))
		}
		for _, l := range e.Output {
			b.WriteString("\n  ")
			b.WriteString(l)
		}
		b.WriteString("\n[end of output]")
	}
	return b.String()
}

// Unwrap returns Err.
func (e *HookError) Unwrap() error { return e.Err }

// hookActivity is how pip describes what a hook does ("Building wheel for
// demo (pyproject.toml)"), in lower case for error messages.
func hookActivity(hook string) string {
	switch hook {
	case "build_wheel":
		return "building wheel"
	case "build_editable":
		return "building editable"
	case "prepare_metadata_for_build_wheel", "prepare_metadata_for_build_editable":
		return "preparing metadata (" + hook + ")"
	case "get_requires_for_build_wheel":
		return "getting requirements to build wheel"
	case "get_requires_for_build_editable":
		return "getting requirements to build editable"
	case "_supported_features":
		return "checking the build backend's hooks"
	}
	return "running hook " + hook
}

// hookCaller runs one project's hooks.
type hookCaller struct {
	python      string   // the interpreter's executable
	runner      string   // hookrunner.py on disk
	srcDir      string   // the source tree: each hook's working directory
	project     string   // for messages
	backend     string   // build-backend
	backendPath []string // absolute backend-path entries
	environ     []string // the process environment, isolation included
	config      any      // config_settings as JSON: nil or {key: str | [str]}
	controlRoot string   // where control directories are made
	verbose     bool
	stream      io.Writer // the backend's output as it comes, or nil
	streamMu    *sync.Mutex
	calls       func(hook string) // test hook: every hook started
}

// hookResult is output.json.
type hookResult struct {
	ReturnVal       json.RawMessage `json:"return_val"`
	HookMissing     bool            `json:"hook_missing"`
	MissingHookName string          `json:"missing_hook_name"`
	NoBackend       bool            `json:"no_backend"`
	Traceback       string          `json:"traceback"`
	BackendInvalid  bool            `json:"backend_invalid"`
	BackendError    string          `json:"backend_error"`
	HookFailed      bool            `json:"hook_failed"`
	Exception       string          `json:"exception"`
	ExitCode        int             `json:"exit_code"`
}

// call runs hook with kwargs and decodes its return value into out (nil:
// ignore it). A missing hook returns a *HookError wrapping
// ErrHookMissing; callers of optional hooks check for it.
func (h *hookCaller) call(ctx context.Context, hook string, kwargs map[string]any, out any) error {
	if h.calls != nil {
		h.calls(hook)
	}
	fail := func(reason string, code int, lines []string, omitted int, err error) error {
		return &HookError{Project: h.project, Hook: hook, Backend: h.backend, Reason: reason,
			ExitCode: code, Output: lines, Omitted: omitted, Err: err}
	}
	control, err := os.MkdirTemp(h.controlRoot, "hook-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(control)
	if kwargs == nil {
		kwargs = map[string]any{}
	}
	input, err := json.Marshal(map[string]any{"kwargs": kwargs})
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(control, "input.json"), input, 0o644); err != nil {
		return err
	}

	env := append([]string(nil), h.environ...)
	env = setEnv(env, "GOPIP_BUILD_BACKEND", h.backend)
	if len(h.backendPath) > 0 {
		env = setEnv(env, "GOPIP_BACKEND_PATH", strings.Join(h.backendPath, string(os.PathListSeparator)))
	} else {
		env = unsetEnv(env, "GOPIP_BACKEND_PATH")
	}
	// Unbuffered, so that the backend's stdout and stderr lines arrive in
	// the order written and the last lines of a failure are the last ones.
	env = setEnv(env, "PYTHONUNBUFFERED", "1")

	keep := 20
	if h.verbose {
		keep = 100_000
	}
	col := &lineCollector{keep: keep, stream: h.stream, mu: h.streamMu}
	cmd := exec.CommandContext(ctx, h.python, h.runner, hook, control)
	cmd.Dir = h.srcDir
	cmd.Env = env
	cmd.Stdin = nil
	cmd.Stdout = col
	cmd.Stderr = col
	cmd.WaitDelay = 5 * time.Second
	setProcessGroup(cmd)
	runErr := cmd.Run()
	col.flush()
	lines, omitted := col.lines()

	if ctx.Err() != nil {
		return fail("interrupted", -1, lines, omitted, ctx.Err())
	}
	code := 0
	if runErr != nil {
		var ee *exec.ExitError
		if !errors.As(runErr, &ee) {
			return fail("cannot run "+h.python+": "+runErr.Error(), 0, lines, omitted, runErr)
		}
		code = ee.ExitCode()
	}
	data, err := os.ReadFile(filepath.Join(control, "output.json"))
	if err != nil {
		if code == 0 {
			code = -1
		}
		return fail("the hook runner ended without a result", code, lines, omitted, nil)
	}
	var res hookResult
	if err := json.Unmarshal(data, &res); err != nil {
		return fail("the hook runner wrote an unreadable result: "+err.Error(), code, lines, omitted, nil)
	}
	switch {
	case res.NoBackend:
		tb := strings.Split(strings.TrimRight(res.Traceback, "\n"), "\n")
		return fail("cannot import build backend "+h.backend, code, append(lines, tb...), omitted, nil)
	case res.BackendInvalid:
		return fail(res.BackendError, code, lines, omitted, nil)
	case res.HookMissing:
		name := res.MissingHookName
		if name == "" {
			name = hook
		}
		return fail("build backend "+h.backend+" has no "+name+" hook", code, lines, omitted, ErrHookMissing)
	case res.HookFailed:
		if res.ExitCode != 0 {
			code = res.ExitCode
		}
		return fail(hook+" raised "+res.Exception, code, lines, omitted, nil)
	}
	if code != 0 {
		return fail("the hook runner failed", code, lines, omitted, nil)
	}
	if out != nil {
		if err := json.Unmarshal(res.ReturnVal, out); err != nil {
			return fail(fmt.Sprintf("unexpected return value %s: %v", truncate(string(res.ReturnVal), 200), err), 0, lines, omitted, nil)
		}
	}
	return nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

func setEnv(env []string, key, value string) []string {
	return append(unsetEnv(env, key), key+"="+value)
}

func unsetEnv(env []string, key string) []string {
	out := env[:0:0]
	for _, kv := range env {
		if k, _, _ := strings.Cut(kv, "="); k != key {
			out = append(out, kv)
		}
	}
	return out
}

func getEnv(env []string, key string) (string, bool) {
	for i := len(env) - 1; i >= 0; i-- {
		if k, v, ok := strings.Cut(env[i], "="); ok && k == key {
			return v, true
		}
	}
	return "", false
}

// lineCollector keeps the last keep lines written to it and passes every
// byte on to stream. exec.Cmd gives stdout and stderr the same writer, so
// Write is never called concurrently for one collector.
type lineCollector struct {
	keep    int
	stream  io.Writer
	mu      *sync.Mutex // guards stream, shared by concurrent builds
	partial bytes.Buffer
	ring    []string
	total   int
}

func (c *lineCollector) Write(p []byte) (int, error) {
	n := len(p)
	if c.stream != nil {
		if c.mu != nil {
			c.mu.Lock()
		}
		c.stream.Write(p)
		if c.mu != nil {
			c.mu.Unlock()
		}
	}
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			if c.partial.Len() < 64<<10 {
				c.partial.Write(p)
			}
			break
		}
		if c.partial.Len() < 64<<10 {
			c.partial.Write(p[:i])
		}
		c.add(c.partial.String())
		c.partial.Reset()
		p = p[i+1:]
	}
	return n, nil
}

func (c *lineCollector) add(line string) {
	line = strings.TrimRight(line, "\r")
	c.total++
	c.ring = append(c.ring, line)
	if len(c.ring) > 2*c.keep {
		c.ring = append(c.ring[:0], c.ring[len(c.ring)-c.keep:]...)
	}
}

func (c *lineCollector) flush() {
	if c.partial.Len() > 0 {
		c.add(c.partial.String())
		c.partial.Reset()
	}
}

func (c *lineCollector) lines() ([]string, int) {
	l := c.ring
	if len(l) > c.keep {
		l = l[len(l)-c.keep:]
	}
	return append([]string(nil), l...), c.total - len(l)
}
