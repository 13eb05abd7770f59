package testwheel

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// Repack builds a wheel from the distribution name (compared
// PEP 503-normalised) installed in the site-packages directory
// sitePackages, writes it into dir and returns its path. It turns an
// installation back into the wheel it came from:
//
//   - the files are those listed in the .dist-info's RECORD that exist,
//     without byte-code (.pyc, __pycache__) and without what an installer
//     adds (INSTALLER, REQUESTED, direct_url.json, RECORD, which is
//     rebuilt);
//   - files outside site-packages go back into the .data directory:
//     <prefix>/bin/X into scripts/ (except the launchers of the
//     distribution's console and gui scripts, which an installer writes
//     itself; a "#!/.../python..." first line becomes "#!python" again),
//     <prefix>/include/... into headers/ (the distribution's own header
//     directory), anything else under <prefix> into data/, where <prefix>
//     is the directory three levels above sitePackages
//     (<prefix>/lib/pythonX.Y/site-packages);
//   - WHEEL is copied, and the file name's tag part is its Tag lines
//     compressed as bdist_wheel does ("cp311-cp311-a.b.c").
//
// Mode bits are kept, so executable files stay executable.
func Repack(dir, sitePackages, name string) (string, error) {
	s, err := RepackSpec(sitePackages, name)
	if err != nil {
		return "", err
	}
	return Build(dir, s)
}

// MustRepack is Repack for tests: it skips t when the distribution is not
// installed and fails it on other errors.
func MustRepack(t testing.TB, dir, sitePackages, name string) string {
	t.Helper()
	p, err := Repack(dir, sitePackages, name)
	if err == errNotInstalled {
		t.Skipf("testwheel: %s is not installed in %s", name, sitePackages)
	}
	if err != nil {
		t.Fatalf("testwheel: repacking %s: %v", name, err)
	}
	return p
}

var errNotInstalled = fmt.Errorf("not installed")

func normalize(name string) string { return strings.ToLower(escapeRE.ReplaceAllString(name, "-")) }

// RepackSpec returns the Spec Repack builds; tests can alter it (add a
// defect) before building.
func RepackSpec(sitePackages, name string) (Spec, error) {
	entries, err := os.ReadDir(sitePackages)
	if err != nil {
		return Spec{}, err
	}
	var distInfo string
	for _, e := range entries {
		base, ok := strings.CutSuffix(e.Name(), ".dist-info")
		if !ok || !e.IsDir() {
			continue
		}
		n, _, _ := strings.Cut(base, "-")
		if normalize(n) == normalize(name) {
			distInfo = e.Name()
			break
		}
	}
	if distInfo == "" {
		return Spec{}, errNotInstalled
	}
	base := strings.TrimSuffix(distInfo, ".dist-info")
	distName, version, _ := strings.Cut(base, "-")
	diPath := filepath.Join(sitePackages, distInfo)

	wheel, err := os.ReadFile(filepath.Join(diPath, "WHEEL"))
	if err != nil {
		return Spec{}, err
	}
	var tagLines []string
	purelib := true
	sc := bufio.NewScanner(bytes.NewReader(wheel))
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		v = strings.TrimSpace(v)
		switch strings.TrimSpace(k) {
		case "Tag":
			tagLines = append(tagLines, v)
		case "Root-Is-Purelib":
			purelib = strings.EqualFold(v, "true")
		}
	}
	if len(tagLines) == 0 {
		return Spec{}, fmt.Errorf("%s/WHEEL has no Tag lines", distInfo)
	}
	launchers := entryPointNames(filepath.Join(diPath, "entry_points.txt"))

	recData, err := os.ReadFile(filepath.Join(diPath, "RECORD"))
	if err != nil {
		return Spec{}, err
	}
	r := csv.NewReader(bytes.NewReader(recData))
	r.FieldsPerRecord = -1
	rows, err := r.ReadAll()
	if err != nil {
		return Spec{}, fmt.Errorf("%s/RECORD: %w", distInfo, err)
	}

	spec := Spec{
		Name:          distName,
		Version:       version,
		Tags:          tagLines,
		FileTag:       compressTags(tagLines),
		RootIsPurelib: Bool(purelib),
		Wheel:         string(wheel),
		NoMetadata:    true,
		DistInfoName:  base,
	}
	prefix := filepath.Dir(filepath.Dir(filepath.Dir(filepath.Clean(sitePackages))))
	var distInfoFiles []File
	seen := map[string]bool{}
	for _, row := range rows {
		if len(row) == 0 || row[0] == "" {
			continue
		}
		p := row[0]
		if strings.HasSuffix(p, ".pyc") || strings.Contains(p, "__pycache__/") {
			continue
		}
		abs := filepath.Join(sitePackages, filepath.FromSlash(p))
		st, err := os.Lstat(abs)
		if err != nil || !st.Mode().IsRegular() {
			continue
		}
		data, err := os.ReadFile(abs)
		if err != nil {
			return Spec{}, err
		}
		mode := st.Mode().Perm()
		if mode&0o111 != 0 {
			mode = 0o755
		} else {
			mode = 0o644
		}
		f := File{Data: string(data), Mode: mode}
		if rest, ok := strings.CutPrefix(p, distInfo+"/"); ok {
			switch rest {
			case "INSTALLER", "REQUESTED", "direct_url.json", "RECORD":
				continue
			}
			f.Path = rest
			distInfoFiles = append(distInfoFiles, f)
			continue
		}
		if !strings.HasPrefix(p, "../") {
			f.Path = p
			if !seen["root/"+p] {
				spec.Files = append(spec.Files, f)
				seen["root/"+p] = true
			}
			continue
		}
		rel, err := filepath.Rel(prefix, abs)
		if err != nil || strings.HasPrefix(rel, "..") {
			continue // outside the prefix: cannot say where it came from
		}
		rel = filepath.ToSlash(rel)
		switch {
		case strings.HasPrefix(rel, "bin/"):
			if launchers[strings.TrimPrefix(rel, "bin/")] {
				continue
			}
			f.Path = "scripts/" + strings.TrimPrefix(rel, "bin/")
			f.Data = unfixShebang(f.Data)
		case strings.HasPrefix(rel, "include/"):
			f.Path = "headers/" + headerPath(rel)
		default:
			f.Path = "data/" + rel
		}
		if !seen["data/"+f.Path] {
			spec.Data = append(spec.Data, f)
			seen["data/"+f.Path] = true
		}
	}
	// METADATA first, then WHEEL's neighbours in a stable order.
	sort.SliceStable(distInfoFiles, func(i, j int) bool {
		if (distInfoFiles[i].Path == "METADATA") != (distInfoFiles[j].Path == "METADATA") {
			return distInfoFiles[i].Path == "METADATA"
		}
		return distInfoFiles[i].Path < distInfoFiles[j].Path
	})
	for _, f := range distInfoFiles {
		if f.Path == "WHEEL" {
			continue // written from Spec.Wheel
		}
		spec.DistInfoFiles = append(spec.DistInfoFiles, f)
	}
	return spec, nil
}

// headerPath strips "include/site/pythonX.Y/<dist>/" or
// "include/pythonX.Y/<dist>/" from an installed header's path.
func headerPath(rel string) string {
	parts := strings.Split(rel, "/")
	parts = parts[1:] // include
	if len(parts) > 0 && parts[0] == "site" {
		parts = parts[1:]
	}
	if len(parts) > 2 && strings.HasPrefix(parts[0], "python") {
		return strings.Join(parts[2:], "/")
	}
	return strings.Join(parts, "/")
}

// unfixShebang undoes pip's fix_script: "#!/abs/path/pythonX.Y" → "#!python".
func unfixShebang(data string) string {
	line, rest, _ := strings.Cut(data, "\n")
	if strings.HasPrefix(line, "#!/") && !strings.Contains(line, " ") && strings.Contains(filepath.Base(line), "python") {
		return "#!python\n" + rest
	}
	return data
}

// entryPointNames reads the console_scripts and gui_scripts names of an
// entry_points.txt.
func entryPointNames(path string) map[string]bool {
	names := map[string]bool{}
	data, err := os.ReadFile(path)
	if err != nil {
		return names
	}
	section := ""
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]") {
			section = strings.Trim(line, "[]")
			continue
		}
		if section != "console_scripts" && section != "gui_scripts" {
			continue
		}
		if k, _, ok := strings.Cut(line, "="); ok {
			names[strings.TrimSpace(k)] = true
		}
	}
	return names
}

// compressTags writes tags as one compressed tag set when they are the
// product of their parts, else returns the first.
func compressTags(tags []string) string {
	var pys, abis, plats []string
	add := func(list []string, s string) []string {
		for _, x := range list {
			if x == s {
				return list
			}
		}
		return append(list, s)
	}
	for _, t := range tags {
		p := strings.SplitN(t, "-", 3)
		if len(p) != 3 {
			return tags[0]
		}
		pys, abis, plats = add(pys, p[0]), add(abis, p[1]), add(plats, p[2])
	}
	if len(pys)*len(abis)*len(plats) != len(tags) {
		return tags[0]
	}
	return strings.Join(pys, ".") + "-" + strings.Join(abis, ".") + "-" + strings.Join(plats, ".")
}
