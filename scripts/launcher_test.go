package scripts

import (
	"errors"
	"io/fs"
	"reflect"
	"strings"
	"testing"
)

func TestShebang(t *testing.T) {
	long := "/" + strings.Repeat("x", 130) + "/python3"
	at := func(n int) string { return "/" + strings.Repeat("p", n-1) } // a path of n bytes
	tests := []struct {
		name, python, os, want string
	}{
		{"plain", "/usr/bin/python3", "linux", "#!/usr/bin/python3\n"},
		{"space", "/opt/my env/bin/python3", "linux",
			"#!/bin/sh\n'''exec' \"/opt/my env/bin/python3\" \"$0\" \"$@\"\n' '''\n"},
		{"space on macOS", "/Applications/My Python/python3", "darwin",
			"#!/bin/sh\n'''exec' \"/Applications/My Python/python3\" \"$0\" \"$@\"\n' '''\n"},
		{"already quoted", `"/opt/my env/python"`, "linux",
			"#!/bin/sh\n'''exec' \"/opt/my env/python\" \"$0\" \"$@\"\n' '''\n"},
		{"env with spaced program", "/usr/bin/env my python", "linux",
			"#!/bin/sh\n'''exec' /usr/bin/env \"my python\" \"$0\" \"$@\"\n' '''\n"},
		{"env with one word", "/usr/bin/env python3", "linux",
			"#!/bin/sh\n'''exec' /usr/bin/env python3 \"$0\" \"$@\"\n' '''\n"},
		{"tab is not a space", "/opt/a\tb/python", "linux", "#!/opt/a\tb/python\n"},
		{"124 bytes fits 127", at(124), "linux", "#!" + at(124) + "\n"},
		{"125 bytes does not", at(125), "linux",
			"#!/bin/sh\n'''exec' " + at(125) + " \"$0\" \"$@\"\n' '''\n"},
		{"long on Linux", long, "linux", "#!/bin/sh\n'''exec' " + long + " \"$0\" \"$@\"\n' '''\n"},
		{"long on FreeBSD", long, "freebsd", "#!/bin/sh\n'''exec' " + long + " \"$0\" \"$@\"\n' '''\n"},
		{"long fits macOS", long, "darwin", "#!" + long + "\n"},
		{"509 bytes fits macOS", at(509), "darwin", "#!" + at(509) + "\n"},
		{"510 bytes does not", at(510), "darwin",
			"#!/bin/sh\n'''exec' " + at(510) + " \"$0\" \"$@\"\n' '''\n"},
		{"length counts UTF-8 bytes", at(120) + "ééé", "linux",
			"#!/bin/sh\n'''exec' " + at(120) + "ééé \"$0\" \"$@\"\n' '''\n"},
		{"length counts the quotes", "/a b" + at(121), "linux",
			"#!/bin/sh\n'''exec' \"/a b" + at(121) + "\" \"$0\" \"$@\"\n' '''\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Target{Python: tt.python, OS: tt.os}.Shebang()
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestShebangErrors(t *testing.T) {
	tests := []struct {
		name string
		t    Target
	}{
		{"windows", Target{Python: `C:\Python\python.exe`, OS: "windows"}},
		{"empty", Target{OS: "linux"}},
		{"newline", Target{Python: "/a\nb", OS: "linux"}},
		{"not UTF-8", Target{Python: "/a\xffb", OS: "linux"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := tt.t.Shebang(); err == nil {
				t.Fatal("no error")
			}
			if _, err := tt.t.Launcher(EntryPoint{Name: "a", Value: "b:c"}); err == nil {
				t.Fatal("Launcher: no error")
			}
			if _, err := tt.t.Scripts(nil); err == nil {
				t.Fatal("Scripts: no error")
			}
		})
	}
	if _, err := (Target{Python: "/p", OS: "windows"}).Shebang(); !errors.Is(err, ErrUnsupportedOS) {
		t.Errorf("windows: err = %v, want ErrUnsupportedOS", err)
	}
}

const body = `# -*- coding: utf-8 -*-
import re
import sys
from %s import %s
if __name__ == '__main__':
    sys.argv[0] = re.sub(r'(-script\.pyw|\.exe)?$', '', sys.argv[0])
    sys.exit(%s())
`

func TestLauncher(t *testing.T) {
	target := Target{Python: "/usr/bin/python3", OS: "linux"}
	tests := []struct {
		name      string
		ep        EntryPoint
		mod, imp  string
		fn        string
		wantError string
	}{
		{name: "function", ep: EntryPoint{Name: "foo", Value: "foo.cli:main"}, mod: "foo.cli", imp: "main", fn: "main"},
		{name: "method", ep: EntryPoint{Name: "foo", Value: "pkg.cli:Main.run"}, mod: "pkg.cli", imp: "Main", fn: "Main.run"},
		{name: "deep attribute", ep: EntryPoint{Name: "foo", Value: "m:a.b.c"}, mod: "m", imp: "a", fn: "a.b.c"},
		{name: "extras ignored", ep: EntryPoint{Name: "foo", Value: "m:f [x, y]"}, mod: "m", imp: "f", fn: "f"},
		{name: "spaces around colon", ep: EntryPoint{Name: "foo", Value: "m : f"}, wantError: "callable suffix is required"},
		{name: "trailing junk ignored", ep: EntryPoint{Name: "foo", Value: "m:f junk"}, mod: "m", imp: "f", fn: "f"},
		{name: "from Module and Attr", ep: EntryPoint{Name: "foo", Module: "m", Attr: "f"}, mod: "m", imp: "f", fn: "f"},
		{name: "unicode", ep: EntryPoint{Name: "héllo", Value: "pàckage:fünc"}, mod: "pàckage", imp: "fünc", fn: "fünc"},
		{name: "no attr", ep: EntryPoint{Name: "foo", Value: "foo.cli", Line: 4}, wantError: `entry_points.txt line 4: invalid script entry point "foo = foo.cli": a callable suffix is required (<ExportEntry foo = foo.cli:None []>)`},
		{name: "two colons", ep: EntryPoint{Name: "foo", Value: "a:b:c"}, wantError: "not of the form"},
		{name: "bad extras", ep: EntryPoint{Name: "foo", Value: "m:f [a, b-c]"}, wantError: "not of the form"},
		{name: "empty value", ep: EntryPoint{Name: "foo"}, wantError: "not of the form"},
		{name: "dash module", ep: EntryPoint{Name: "foo", Value: "-m:f"}, wantError: "not of the form"},
		{name: "dot dot name", ep: EntryPoint{Name: "..", Value: "m:f"}, wantError: "not a file name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := target.Launcher(tt.ep)
			if tt.wantError != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantError) {
					t.Fatalf("err = %v, want %q", err, tt.wantError)
				}
				var epErr *EntryPointError
				if !errors.As(err, &epErr) {
					t.Errorf("err is %T, want *EntryPointError", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := "#!/usr/bin/python3\n" + strings.Replace(strings.Replace(strings.Replace(body, "%s", tt.mod, 1), "%s", tt.imp, 1), "%s", tt.fn, 1)
			if string(got) != want {
				t.Errorf("got:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}

func names(list []Script) []string {
	var out []string
	for _, s := range list {
		n := s.Name
		if s.GUI {
			n += " (gui)"
		}
		out = append(out, n)
	}
	return out
}

func TestScripts(t *testing.T) {
	const pipEPs = `[console_scripts]
pip = pip._internal.cli.main:main
pip3 = pip._internal.cli.main:main
pip3.8 = pip._internal.cli.main:main
pip3.8.1 = other:main
pipx = other:main
easy_install = setuptools.command.easy_install:main
easy_install-3.6 = setuptools.command.easy_install:main
easy_install3 = x:y
[gui_scripts]
pip = gui:main
`
	tests := []struct {
		name, eps string
		ensurepip EnsurepipMode
		want      []string
	}{
		{"plain", "[console_scripts]\nb = m:b\na = m:a\n[gui_scripts]\ng = m:g\n", EnsurepipUnset,
			[]string{"b", "a", "g (gui)"}},
		{"pip default", pipEPs, EnsurepipUnset,
			[]string{"pip", "pip3", "pip3.11", "easy_install", "easy_install-3.11", "pip3.8.1", "pipx", "easy_install3", "pip (gui)"}},
		{"pip install", pipEPs, EnsurepipInstall,
			[]string{"pip3", "pip3.11", "easy_install-3.11", "pip3.8.1", "pipx", "easy_install3", "pip (gui)"}},
		{"pip altinstall", pipEPs, EnsurepipAltinstall,
			[]string{"pip3.11", "easy_install-3.11", "pip3.8.1", "pipx", "easy_install3", "pip (gui)"}},
		{"versioned pip without pip", "[console_scripts]\npip3 = a:b\npip3.8 = a:b\n", EnsurepipUnset,
			[]string{"pip3", "pip3.8"}},
		{"empty pip value", "[console_scripts]\npip =\npip3 = a:b\n", EnsurepipUnset, []string{"pip3"}},
		{"name with a space keeps its last word", "[console_scripts]\nmy tool = m:f\n", EnsurepipUnset, []string{"tool"}},
		{"other groups ignored", "[other]\nx = y\n[console_scripts]\na = m:a\n", EnsurepipUnset, []string{"a"}},
		{"duplicates", "[console_scripts]\na = m:1\nb = m:b\na = m:a\n[gui_scripts]\na = m:g\n", EnsurepipUnset,
			[]string{"a", "b", "a (gui)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			eps, err := ParseEntryPoints([]byte(tt.eps))
			if err != nil {
				t.Fatal(err)
			}
			target := Target{Python: "/usr/bin/python3", OS: "linux", Major: 3, Minor: 11, Ensurepip: tt.ensurepip}
			list, err := target.Scripts(eps)
			if err != nil {
				t.Fatal(err)
			}
			if got := names(list); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
			for _, s := range list {
				data, err := target.Launcher(s.EntryPoint)
				if err != nil || string(data) != string(s.Data) {
					t.Errorf("%s: Launcher(EntryPoint) = %q, %v; want Data %q", s.Name, data, err, s.Data)
				}
			}
		})
	}
}

func TestScriptsVersionedNames(t *testing.T) {
	eps, _ := ParseEntryPoints([]byte("[console_scripts]\npip = pip:main\n"))
	list, err := Target{Python: "/p", OS: "linux", Major: 4, Minor: 12}.Scripts(eps)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := names(list), []string{"pip", "pip4", "pip4.12"}; !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	if list[2].EntryPoint.Name != "pip4.12" || list[2].EntryPoint.Value != "pip:main" {
		t.Errorf("EntryPoint = %+v", list[2].EntryPoint)
	}
	if _, err := (Target{Python: "/p", OS: "linux"}).Scripts(eps); err == nil {
		t.Error("no error without a version")
	}
	eps, _ = ParseEntryPoints([]byte("[console_scripts]\nfoo = pip:main\n"))
	if _, err := (Target{Python: "/p", OS: "linux"}).Scripts(eps); err != nil {
		t.Errorf("version needed only for pip and easy_install: %v", err)
	}
}

func TestScriptsErrors(t *testing.T) {
	tests := []struct{ name, eps, want string }{
		{"missing callable", "[console_scripts]\nok = m:f\nfoo = pkg\n", `entry_points.txt line 3: invalid console_scripts entry point "foo = pkg": a callable suffix is required`},
		{"gui missing callable", "[gui_scripts]\nfoo = pkg\n", `invalid gui_scripts entry point`},
		{"bad pip", "[console_scripts]\npip = pip\n", `"pip = pip"`},
		{"not a spec", "[console_scripts]\nfoo = :f\n", "not of the form"},
		{"empty name", "[console_scripts]\n= m:f\n", "not of the form"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			eps, err := ParseEntryPoints([]byte(tt.eps))
			if err != nil {
				t.Fatal(err)
			}
			list, err := Target{Python: "/p", OS: "linux", Major: 3, Minor: 11}.Scripts(eps)
			if err == nil || !strings.Contains(err.Error(), tt.want) || list != nil {
				t.Errorf("Scripts = %v, %v; want error %q", names(list), err, tt.want)
			}
		})
	}
}

func TestLauncherMode(t *testing.T) {
	tests := map[fs.FileMode]fs.FileMode{0o022: 0o755, 0o077: 0o755, 0o002: 0o775, 0: 0o777, 0o777: 0o555}
	for umask, want := range tests {
		if got := LauncherMode(umask); got != want {
			t.Errorf("LauncherMode(%o) = %o, want %o", umask, got, want)
		}
	}
}

func TestEnsurepipModeFromEnv(t *testing.T) {
	if EnsurepipModeFromEnv("", false) != EnsurepipUnset ||
		EnsurepipModeFromEnv("", true) != EnsurepipInstall ||
		EnsurepipModeFromEnv("install", true) != EnsurepipInstall ||
		EnsurepipModeFromEnv("altinstall", true) != EnsurepipAltinstall {
		t.Error("wrong mapping")
	}
}

func TestIsEntryPointWrapper(t *testing.T) {
	eps, _ := ParseEntryPoints([]byte("[console_scripts]\nhello = m:f\n[gui_scripts]\nwin = m:g\n[other]\nx = m:x\n"))
	tests := map[string]bool{
		"hello": true, "hello.exe": true, "hello.EXE": true, "hello-script.py": true,
		"hello-SCRIPT.PY": true, "hello.pya": true, "win": true, "win.exe": true,
		"Hello": false, "hello.py": false, "hello-script.pyw": false, "x": false,
		"hello.exe.exe": false, "other": false,
	}
	for name, want := range tests {
		if got := IsEntryPointWrapper(name, eps); got != want {
			t.Errorf("IsEntryPointWrapper(%q) = %v, want %v", name, got, want)
		}
	}
}
