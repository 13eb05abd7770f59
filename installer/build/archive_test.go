package build

import (
	"archive/tar"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// evilProject is a buildable project (in-tree backend): were a hostile
// archive unpacked, its backend would run.
func evilProject() []tarEntry {
	var out []tarEntry
	out = append(out, tarEntry{Name: "evil-1.0/", Type: tar.TypeDir})
	for name, data := range inTreeProject(backendSpec{Name: "evil", Version: "1.0"}, "evil", "") {
		out = append(out, tarEntry{Name: "evil-1.0/" + name, Data: data})
	}
	return out
}

// failingInstaller fails the test if anything is installed.
func failingInstaller(t *testing.T) EnvInstaller {
	return EnvInstallerFunc(func(ctx context.Context, prefix string, reqs []string) error {
		t.Errorf("nothing should be installed, got %v", reqs)
		return errors.New("refused")
	})
}

// TestHostileArchives: an sdist whose entries would write outside the
// unpack directory, link out of it, create device files or unpack to too
// much is refused before anything runs or is installed, and leaves nothing
// behind.
func TestHostileArchives(t *testing.T) {
	cases := []struct {
		name   string
		extra  []tarEntry
		zip    bool
		limits Limits
		want   string
	}{
		{name: "absolute path", extra: []tarEntry{{Name: "/tmp/gopip-escape.txt", Data: "x"}}, want: "absolute path"},
		{name: "dot-dot escape", extra: []tarEntry{{Name: "evil-1.0/../../gopip-escape.txt", Data: "x"}}, want: `".." component`},
		{name: "backslash", extra: []tarEntry{{Name: `evil-1.0\..\gopip-escape.txt`, Data: "x"}}, want: "backslash"},
		{name: "symlink absolute", extra: []tarEntry{{Name: "evil-1.0/passwd", Type: tar.TypeSymlink, Linkname: "/etc/passwd"}}, want: "symbolic link"},
		{name: "symlink relative escape", extra: []tarEntry{{Name: "evil-1.0/sub/up", Type: tar.TypeSymlink, Linkname: "../../.."}}, want: "does not resolve inside"},
		{name: "symlink chain through a dot link", extra: []tarEntry{
			{Name: "evil-1.0/dot", Type: tar.TypeSymlink, Linkname: "."},
			{Name: "evil-1.0/up", Type: tar.TypeSymlink, Linkname: "dot/.."},
		}, want: "does not resolve inside"},
		{name: "dangling symlink", extra: []tarEntry{{Name: "evil-1.0/nothing", Type: tar.TypeSymlink, Linkname: "missing/../../x"}}, want: "does not resolve inside"},
		{name: "file written through a symlinked directory", extra: []tarEntry{
			{Name: "evil-1.0/d", Type: tar.TypeSymlink, Linkname: "../../../../../../tmp"},
			{Name: "evil-1.0/d/gopip-escape.txt", Data: "x"},
		}, want: "evil-1.0/d"},
		{name: "hard link absolute", extra: []tarEntry{{Name: "evil-1.0/h", Type: tar.TypeLink, Linkname: "/etc/passwd"}}, want: "hard link"},
		{name: "hard link escape", extra: []tarEntry{{Name: "evil-1.0/h", Type: tar.TypeLink, Linkname: "evil-1.0/../../etc/passwd"}}, want: "hard link"},
		{name: "hard link to a later file", extra: []tarEntry{{Name: "evil-1.0/h", Type: tar.TypeLink, Linkname: "evil-1.0/zzz"}}, want: "not an earlier regular file"},
		{name: "character device", extra: []tarEntry{{Name: "evil-1.0/null", Type: tar.TypeChar}}, want: "device file"},
		{name: "block device", extra: []tarEntry{{Name: "evil-1.0/sda", Type: tar.TypeBlock}}, want: "device file"},
		{name: "fifo", extra: []tarEntry{{Name: "evil-1.0/pipe", Type: tar.TypeFifo}}, want: "named pipe"},
		{name: "too many entries", limits: Limits{MaxFiles: 3}, want: "more than 3 entries"},
		{name: "too large a file", limits: Limits{MaxFileSize: 100}, want: "more than the limit of 100"},
		{name: "too large in all", limits: Limits{MaxTotalSize: 2000}, extra: []tarEntry{{Name: "evil-1.0/big", Data: strings.Repeat("x", 2001)}}, want: "unpacks to more than 2000 bytes"},
		{name: "zip dot-dot", zip: true, extra: []tarEntry{{Name: "evil-1.0/../gopip-escape.txt", Data: "x"}}, want: `".." component`},
		{name: "zip symlink out", zip: true, extra: []tarEntry{{Name: "evil-1.0/passwd", Type: tar.TypeSymlink, Linkname: "../../../../etc/passwd"}}, want: "does not resolve inside"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			root := t.TempDir()
			entries := append(evilProject(), c.extra...)
			var sdist string
			if c.zip {
				sdist = makeZip(t, filepath.Join(root, "evil-1.0.zip"), entries)
			} else {
				sdist = makeTarGz(t, filepath.Join(root, "evil-1.0.tar.gz"), entries)
			}
			b, log := newBuilder(t, Options{Installer: failingInstaller(t), Limits: c.limits, TempDir: filepath.Join(root, "tmp")})
			os.Mkdir(filepath.Join(root, "tmp"), 0o755)
			_, err := b.Wheel(context.Background(), sdist, t.TempDir())
			var ae *ArchiveError
			if !errors.As(err, &ae) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want an *ArchiveError containing %q", err, c.want)
			}
			if hooks := log.get(); len(hooks) != 0 {
				t.Errorf("hooks ran: %v", hooks)
			}
			filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
				if err == nil && d.Name() == "gopip-escape.txt" {
					t.Errorf("%s was written", p)
				}
				if err == nil && filepath.Base(filepath.Dir(p)) == "src" {
					t.Errorf("%s was left behind", p)
				}
				return nil
			})
			if _, err := os.Lstat("/tmp/gopip-escape.txt"); err == nil {
				t.Errorf("/tmp/gopip-escape.txt was written")
			}
		})
	}
}

// TestBenignLinks: links that stay inside the tree are kept, and the
// project builds.
func TestBenignLinks(t *testing.T) {
	entries := append(evilProject(),
		tarEntry{Name: "evil-1.0/README", Data: "read me\n"},
		tarEntry{Name: "evil-1.0/src/evil/README", Type: tar.TypeSymlink, Linkname: "../../README"},
		tarEntry{Name: "evil-1.0/src/evil/copy", Type: tar.TypeLink, Linkname: "evil-1.0/README"},
		tarEntry{Name: "evil-1.0/tool.sh", Data: "#!/bin/sh\n", Mode: 0o755},
	)
	sdist := makeTarGz(t, filepath.Join(t.TempDir(), "evil-1.0.tar.gz"), entries)
	dest := t.TempDir()
	if err := unpack(sdist, dest, Limits{}); err != nil {
		t.Fatal(err)
	}
	if data, err := os.ReadFile(filepath.Join(dest, "src/evil/README")); err != nil || string(data) != "read me\n" {
		t.Errorf("symlink: %q %v", data, err)
	}
	if data, err := os.ReadFile(filepath.Join(dest, "src/evil/copy")); err != nil || string(data) != "read me\n" {
		t.Errorf("hard link: %q %v", data, err)
	}
	if st, err := os.Stat(filepath.Join(dest, "tool.sh")); err != nil || st.Mode().Perm()&0o111 == 0 {
		t.Errorf("tool.sh should be executable: %v %v", st, err)
	}
	if _, err := os.Stat(filepath.Join(dest, "pyproject.toml")); err != nil {
		t.Errorf("the leading directory was not stripped: %v", err)
	}

	b, _ := newBuilder(t, Options{Installer: newWheelInstaller(targetInterp(t))})
	if _, err := b.Wheel(context.Background(), sdist, t.TempDir()); err != nil {
		t.Fatal(err)
	}
}

// TestUnsupportedArchives: what is not an sdist archive is refused by name
// or by content.
func TestUnsupportedArchives(t *testing.T) {
	dir := t.TempDir()
	for name, want := range map[string]string{
		"a-1.0.tar.xz":  "xz and lzma",
		"a-1.0.rar":     "not a source archive",
		"a-1.0.tar.gz":  "not a gzip file",
		"a-1.0.zip":     "not a zip archive",
		"a-1.0.tar.bz2": "reading tar",
	} {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte("garbage"), 0o644)
		b, _ := newBuilder(t, Options{Installer: failingInstaller(t)})
		_, err := b.Wheel(context.Background(), p, t.TempDir())
		var ae *ArchiveError
		if !errors.As(err, &ae) || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", name, err, want)
		}
	}
}

func TestCleanEntryName(t *testing.T) {
	for raw, want := range map[string]string{
		"a/b":        "a/b",
		"./a//b/":    "a/b",
		"./":         "",
		"a/./b/c.py": "a/b/c.py",
	} {
		got, err := cleanEntryName(raw)
		if err != nil || got != want {
			t.Errorf("cleanEntryName(%q) = %q, %v; want %q", raw, got, err, want)
		}
	}
	for _, raw := range []string{"/a", "a/../../b", "..", "a\\b", "c:/x", "a\x00b"} {
		if got, err := cleanEntryName(raw); err == nil {
			t.Errorf("cleanEntryName(%q) = %q, want an error", raw, got)
		}
	}
}
