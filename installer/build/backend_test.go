package build

import (
	"encoding/json"
	"strings"
)

// backendSpec describes an in-tree build backend that a test writes into
// the project (backend-path), built from the standard library only.
type backendSpec struct {
	Name, Version string
	// Requires is what get_requires_for_build_wheel returns; nil leaves the
	// hook out.
	Requires []string
	// NoPrepare leaves prepare_metadata_for_build_wheel out.
	NoPrepare bool
	// Editable adds the PEP 660 hooks (build_editable,
	// get_requires_for_build_editable, prepare_metadata_for_build_editable).
	Editable bool
	// Import names a module build_wheel imports (a backend dependency).
	Import string
	// Fail makes build_wheel print Lines lines on stdout and stderr,
	// then raise ValueError("boom").
	Fail  bool
	Lines int
	// RequiresDist are the Requires-Dist lines of the METADATA.
	RequiresDist []string
}

// backendSource is the Python source of the backend module.
func backendSource(s backendSpec) string {
	js := func(v any) string { b, _ := json.Marshal(v); return string(b) }
	var b strings.Builder
	b.WriteString(`import base64, hashlib, importlib.util, json, os, sys, zipfile

NAME = ` + js(s.Name) + `
VERSION = ` + js(s.Version) + `
REQUIRES_DIST = ` + js(append([]string{}, s.RequiresDist...)) + `


def _log(hook, config_settings, **extra):
    path = os.environ.get("GOPIP_TEST_HOOKLOG")
    if not path:
        return
    rec = {
        "hook": hook,
        "config": config_settings,
        "cwd": os.getcwd(),
        "pip_visible": importlib.util.find_spec("pip") is not None,
        "leaky_visible": importlib.util.find_spec("gopip_leaky") is not None,
        "sys_path": sys.path,
    }
    rec.update(extra)
    with open(path, "a") as f:
        f.write(json.dumps(rec) + "\n")


def _metadata():
    lines = ["Metadata-Version: 2.1", "Name: " + NAME, "Version: " + VERSION]
    lines += ["Requires-Dist: " + r for r in REQUIRES_DIST]
    return "\n".join(lines) + "\n\n"


def _dist_info():
    return "%s-%s.dist-info" % (NAME.replace("-", "_"), VERSION)


def _write_wheel(wheel_directory, files):
    di = _dist_info()
    files = dict(files)
    files[di + "/METADATA"] = _metadata()
    files[di + "/WHEEL"] = "Wheel-Version: 1.0\nGenerator: test-backend\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    name = "%s-%s-py3-none-any.whl" % (NAME.replace("-", "_"), VERSION)
    record = []
    with zipfile.ZipFile(os.path.join(wheel_directory, name), "w") as z:
        for path in sorted(files):
            data = files[path]
            if isinstance(data, str):
                data = data.encode()
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            z.writestr(path, data)
            record.append("%s,sha256=%s,%d" % (path, digest, len(data)))
        record.append(di + "/RECORD,,")
        z.writestr(di + "/RECORD", "\n".join(record) + "\n")
    return name


def _sources():
    files = {}
    for root, dirs, names in os.walk("src"):
        dirs.sort()
        for n in sorted(names):
            if n.endswith(".pyc"):
                continue
            p = os.path.join(root, n)
            with open(p, "rb") as f:
                files[os.path.relpath(p, "src").replace(os.sep, "/")] = f.read()
    return files


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    _log("build_wheel", config_settings, metadata_directory=metadata_directory)
`)
	if s.Import != "" {
		b.WriteString("    __import__(" + js(s.Import) + ")\n")
	}
	if s.Fail {
		b.WriteString(`    for i in range(` + js(s.Lines) + `):
        print("stdout line %d" % i)
        print("stderr line %d" % i, file=sys.stderr)
    raise ValueError("boom")
`)
	}
	b.WriteString("    return _write_wheel(wheel_directory, _sources())\n")
	if s.Requires != nil {
		b.WriteString(`

def get_requires_for_build_wheel(config_settings=None):
    _log("get_requires_for_build_wheel", config_settings)
    return ` + js(s.Requires) + `
`)
	}
	if !s.NoPrepare {
		b.WriteString(`

def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    _log("prepare_metadata_for_build_wheel", config_settings)
    di = os.path.join(metadata_directory, _dist_info())
    os.makedirs(di)
    with open(os.path.join(di, "METADATA"), "w") as f:
        f.write(_metadata())
    return _dist_info()
`)
	}
	if s.Editable {
		b.WriteString(`

def get_requires_for_build_editable(config_settings=None):
    _log("get_requires_for_build_editable", config_settings)
    return []


def prepare_metadata_for_build_editable(metadata_directory, config_settings=None):
    _log("prepare_metadata_for_build_editable", config_settings)
    return prepare_metadata_for_build_wheel(metadata_directory, config_settings)


def build_editable(wheel_directory, config_settings=None, metadata_directory=None):
    _log("build_editable", config_settings, metadata_directory=metadata_directory)
    pth = "__editable__.%s.pth" % NAME.replace("-", "_")
    return _write_wheel(wheel_directory, {pth: os.path.abspath("src") + "\n"})
`)
	}
	return b.String()
}

// inTreeProject returns the files of a project built by backendSource,
// with the package mod in src/.
func inTreeProject(s backendSpec, mod, code string) map[string]string {
	return map[string]string{
		"pyproject.toml": `[build-system]
requires = []
build-backend = "testbackend"
backend-path = ["_backend"]

[project]
name = "` + s.Name + `"
`,
		"_backend/testbackend.py":     backendSource(s),
		"src/" + mod + "/__init__.py": code,
	}
}
