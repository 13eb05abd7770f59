package index

import (
	"bytes"
	"encoding/json"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// pipLink is what testdata/pip_links.py reports of one link: pip 23.2's
// Link (models/link.py, built by index/collector.py parse_links) and its
// LinkEvaluator verdict.
type pipLink struct {
	URL            string            `json:"url"`
	Filename       string            `json:"filename"`
	Hashes         map[string]string `json:"hashes"`
	RequiresPython *string           `json:"requires_python"`
	YankedReason   *string           `json:"yanked_reason"`
	Metadata       *struct {
		Hashes map[string]string `json:"hashes"`
	} `json:"metadata"`
	Kind   string `json:"kind"`
	Detail string `json:"detail"`
	PEP440 *bool  `json:"pep440"`
}

type diffPage struct {
	Name        string `json:"-"`
	Body        string `json:"body"`
	ContentType string `json:"content_type"`
	URL         string `json:"url"`
	Project     string `json:"project"`
}

// knownDifferences are the links on which gopip deliberately decides
// otherwise than pip 23.2 (see doc.go); the table tests pin gopip's answer.
var knownDifferences = map[string]string{
	"demo.html demo-0.8.tar.bz2":     "pip takes .tar.bz2 sdists",
	"demo.json demo-0.8.tar.bz2":     "pip takes .tar.bz2 sdists",
	"demo.html demo-1.0~beta.tar.gz": "pip 23.2 takes legacy versions",
	"demo.json demo-1.0~beta.tar.gz": "pip 23.2 takes legacy versions",
	"demo.html demo-3.5.tar.gz":      "a repeated attribute: the first wins (HTML5), pip's dict keeps the last",
}

func diffPages(t *testing.T) []diffPage {
	t.Helper()
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	const pageURL = "https://pypi.example/simple/demo/"
	return []diffPage{
		{"demo.html", read("demo.html"), "text/html", pageURL, "demo"},
		{"base.html", read("base.html"), "application/vnd.pypi.simple.v1+html", pageURL, "demo"},
		{"demo.json", read("demo.json"), "application/vnd.pypi.simple.v1+json", pageURL, "demo"},
		{"listing.html", read("listing.html"), "text/html; charset=utf-8", "https://wheels.example/wheels/", "Demo"},
	}
}

// TestDifferentialPip parses the fixtures with pip's own parser and link
// evaluator and compares every link: URL, file name, hashes,
// Requires-Python, yanked reason, metadata file and verdict.
func TestDifferentialPip(t *testing.T) {
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not found")
	}
	if err := exec.Command(python, "-c", "import pip._internal.index.collector").Run(); err != nil {
		t.Skip("python3 has no pip")
	}
	pages := diffPages(t)
	in, _ := json.Marshal(pages)
	cmd := exec.Command(python, filepath.Join("testdata", "pip_links.py"))
	cmd.Env = append(os.Environ(), "PYTHONDONTWRITEBYTECODE=1", "PYTHONNOUSERSITE=1")
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("pip oracle: %v\n%s", err, stderr.Bytes())
	}
	var want [][]pipLink
	if err := json.Unmarshal(out, &want); err != nil {
		t.Fatal(err)
	}
	compared := 0
	for i, p := range pages {
		files, err := ParsePage(&RawPage{Body: []byte(p.Body), ContentType: p.ContentType, URL: p.URL})
		if err != nil {
			t.Fatalf("%s: %v", p.Name, err)
		}
		if len(files) != len(want[i]) {
			t.Errorf("%s: %d links, pip finds %d", p.Name, len(files), len(want[i]))
			for _, f := range files {
				t.Logf("  gopip %s", f.URL)
			}
			for _, l := range want[i] {
				t.Logf("  pip   %s", l.URL)
			}
			continue
		}
		for j, f := range files {
			f.Classify(p.Project)
			w := want[i][j]
			key := p.Name + " " + w.Filename
			if _, ok := knownDifferences[key]; ok {
				continue
			}
			compared++
			if f.URL != w.URL {
				t.Errorf("%s: URL %q, pip %q", key, f.URL, w.URL)
			}
			if f.Filename != w.Filename {
				t.Errorf("%s: filename %q, pip %q", key, f.Filename, w.Filename)
			}
			if !maps.Equal(f.Hashes, w.Hashes) {
				t.Errorf("%s: hashes %v, pip %v", key, f.Hashes, w.Hashes)
			}
			if rp := deref(w.RequiresPython); f.RequiresPython != rp {
				t.Errorf("%s: requires-python %q, pip %q", key, f.RequiresPython, rp)
			}
			if f.Yanked != (w.YankedReason != nil) || f.YankedReason != deref(w.YankedReason) {
				t.Errorf("%s: yanked %v %q, pip %v", key, f.Yanked, f.YankedReason, w.YankedReason)
			}
			switch {
			case (f.Metadata == nil) != (w.Metadata == nil):
				t.Errorf("%s: metadata %v, pip %v", key, f.Metadata, w.Metadata)
			case f.Metadata != nil && !maps.Equal(f.Metadata.Hashes, w.Metadata.Hashes):
				t.Errorf("%s: metadata hashes %v, pip %v", key, f.Metadata.Hashes, w.Metadata.Hashes)
			case f.Metadata != nil && (f.Metadata.Hashes == nil) != (w.Metadata.Hashes == nil):
				t.Errorf("%s: metadata hashes %v, pip %v", key, f.Metadata.Hashes, w.Metadata.Hashes)
			}
			compareVerdict(t, key, f, w)
		}
	}
	if compared < 40 {
		t.Errorf("only %d links compared", compared)
	}
	t.Logf("%d links compared with pip", compared)
}

// compareVerdict compares Classify with pip's LinkEvaluator.
func compareVerdict(t *testing.T, key string, f File, w pipLink) {
	t.Helper()
	switch {
	case w.Kind == "candidate":
		var v string
		switch f.Kind {
		case Wheel:
			v = f.Wheel.Version
		case Sdist:
			v = f.Sdist.Version
			if f.PyVersion != "" {
				t.Errorf("%s: PyVersion %q, pip found none", key, f.PyVersion)
			}
		default:
			t.Errorf("%s: %v (%s), pip: candidate %s", key, f.Kind, f.Skip, w.Detail)
			return
		}
		if v != w.Detail {
			t.Errorf("%s: version %q, pip %q", key, v, w.Detail)
		}
	case w.Detail == "Python version is incorrect":
		if f.Kind != Sdist || f.PyVersion == "" {
			t.Errorf("%s: %v PyVersion %q, pip: %s", key, f.Kind, f.PyVersion, w.Detail)
		}
	default:
		if f.Kind != Ignored || f.Skip != w.Detail {
			t.Errorf("%s: %v (%q), pip: %s (%q)", key, f.Kind, f.Skip, w.Kind, w.Detail)
		}
	}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
