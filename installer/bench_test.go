package installer

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

// BenchmarkInstallVsPip installs the same ≥20 wheels (synthetic ones and
// real distributions repacked from the machine) into a fresh venv with
// gopip and with "pip install --no-deps --no-index", both without and
// with byte-compilation, and reports pip's time and the ratio:
//
//	go test ./installer/ -run '^$' -bench InstallVsPip -benchtime 5x
func BenchmarkInstallVsPip(b *testing.B) {
	dir := b.TempDir()
	wheels := comparisonWheels(b, dir)
	if len(wheels) < 20 {
		b.Logf("only %d wheels", len(wheels))
	}
	for _, compile := range []bool{false, true} {
		name := "no-compile"
		if compile {
			name = "compile"
		}
		b.Run(name, func(b *testing.B) {
			var gopipTime, pipTime time.Duration
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				venv := newVenv(b)
				py := filepath.Join(venv, "bin", "python")
				env, err := NewEnvironment(inspectT(b, py), SchemeOptions{NoUser: true})
				if err != nil {
					b.Fatal(err)
				}
				var ws []Wheel
				for _, w := range wheels {
					ws = append(ws, Wheel{Path: w, URL: w, Requested: true})
				}
				b.StartTimer()
				start := time.Now()
				if _, err := Install(context.Background(), env, ws, InstallOptions{Compile: compile}); err != nil {
					b.Fatal(err)
				}
				gopipTime += time.Since(start)
				b.StopTimer()

				pipVenv := newVenv(b)
				args := []string{"install", "--no-deps", "--no-index"}
				if !compile {
					args = append(args, "--no-compile")
				}
				start = time.Now()
				mustPip(b, filepath.Join(pipVenv, "bin", "python"), append(args, wheels...)...)
				pipTime += time.Since(start)
				b.StartTimer()
			}
			b.ReportMetric(float64(len(wheels)), "wheels")
			b.ReportMetric(float64(pipTime.Nanoseconds())/float64(b.N), "pip-ns/op")
			b.ReportMetric(float64(pipTime)/float64(gopipTime), "speedup")
		})
	}
}

// BenchmarkExtractWorkers installs the same wheels without byte-code,
// in-process, with extraction pools of several sizes (the default is four
// per CPU: creating a file waits on some disks), interleaved so that a
// busy machine slows them alike, and reports each size's time per
// install. Point TMPDIR at the file system to measure:
//
//	TMPDIR=/dev/shm go test ./installer/ -run '^$' -bench ExtractWorkers -benchtime 10x
func BenchmarkExtractWorkers(b *testing.B) {
	wheels := comparisonWheels(b, b.TempDir())
	var ws []Wheel
	for _, w := range wheels {
		ws = append(ws, Wheel{Path: w, URL: w, Requested: true})
	}
	procs := runtime.GOMAXPROCS(0)
	sizes := []int{1, procs, 4 * procs, 16 * procs}
	times := make([]time.Duration, len(sizes))
	b.StopTimer()
	for i := 0; i < b.N; i++ {
		for k, n := range sizes {
			venv := newVenv(b)
			env, err := NewEnvironment(inspectT(b, filepath.Join(venv, "bin", "python")), SchemeOptions{NoUser: true})
			if err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			start := time.Now()
			if _, err := Install(context.Background(), env, ws, InstallOptions{extractWorkers: n}); err != nil {
				b.Fatal(err)
			}
			times[k] += time.Since(start)
			b.StopTimer()
		}
	}
	for k, n := range sizes {
		b.ReportMetric(times[k].Seconds()*1000/float64(b.N), fmt.Sprintf("ms/install-%03dworkers", n))
	}
	b.ReportMetric(float64(len(wheels)), "wheels")
}
