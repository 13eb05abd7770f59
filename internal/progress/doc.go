// Package progress renders download progress for gopip: animated bars on a
// terminal, one plain line per finished file everywhere else.
//
// A Renderer is made once per command from pip's --progress-bar and -q
// options and shared by every goroutine that transfers files; it is safe for
// simultaneous use. Each transfer is a Task:
//
//	r := progress.New(progress.Options{Mode: mode, Quiet: quiet > 0, Out: os.Stderr})
//	defer r.Close()
//	t := r.Start("flask-3.1.3-py3-none-any.whl", size) // size 0: unknown
//	t.Add(n)   // for every chunk received
//	t.Set(off) // when a transfer restarts (0) or resumes (off)
//	t.Done(err)
//
// How a Renderer shows progress depends on the mode, pip's --progress-bar:
//
//   - auto (pip's default): bars when Out is a terminal (and TERM is not
//     "dumb") and the run is not in CI; otherwise plain lines. A run is in CI
//     when CI, BUILD_BUILDID, BUILD_ID or PIP_IS_CI is set, the variables pip
//     itself checks. pip animates its bars into CI logs (until 26.2), filling
//     them with redraws; gopip writes one line per file there.
//   - on: bars when Out is a terminal, plain lines otherwise.
//   - off: nothing.
//   - raw: for each file, the line pip logs before a download
//     ("Downloading flask-3.1.3-py3-none-any.whl (101 kB)"), then
//     "Progress <cur> of <total>" lines, the first at 0, then at most every
//     0.25 s, at the end of the file and (unlike pip, when the size was
//     unknown) once more at the end, as pip 24 prints them for tools that
//     wrap pip (total is 0 when unknown). pip writes them to stdout: pass
//     os.Stdout as Out in this mode to match it. Files download
//     concurrently, so the lines of two files can interleave; each file's
//     block starts with its name.
//
// Quiet (pip's -q) silences every mode.
//
// Plain lines read "Downloaded flask-3.1.3-py3-none-any.whl (101 kB)", with
// pip's size format. On a terminal, each active transfer has a bar
// (github.com/schollz/progressbar/v3 renders it), a total line sums them up,
// and a finished transfer leaves its plain line above the bars. Bars are
// redrawn together, every Refresh, by one goroutine, so concurrent transfers
// never interleave their output.
//
// A nil *Renderer and a nil *Task are valid and do nothing, so code that
// reports progress needs no checks when nobody watches.
package progress
