package pep508

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// runOracle runs script in one python3 process, writes in to its stdin as
// JSON and decodes its stdout into out. The test is skipped when python3
// or pip's vendored packaging is missing.
func runOracle(t *testing.T, script string, in, out any) {
	t.Helper()
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not found; differential test against packaging skipped")
	}
	if err := exec.Command(python, "-c", "import pip._vendor.packaging.version").Run(); err != nil {
		t.Skipf("python3 has no pip._vendor.packaging (%v); differential test skipped", err)
	}
	data, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "oracle.py")
	if err := os.WriteFile(file, []byte(script), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(python, file)
	cmd.Stdin = bytes.NewReader(data)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("python3 oracle: %v\n%s", err, stderr.String())
	}
	if err := json.Unmarshal(stdout.Bytes(), out); err != nil {
		t.Fatalf("decoding oracle output: %v", err)
	}
}

// exclusions counts cases left out of a comparison, by reason, and logs
// them at the end of the test so every run shows what was not compared.
type exclusions map[string]int

func (e exclusions) add(reason string) { e[reason]++ }

func (e exclusions) log(t *testing.T) {
	t.Helper()
	for reason, n := range e {
		t.Logf("excluded %5d: %s", n, reason)
	}
}
