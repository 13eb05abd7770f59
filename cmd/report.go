package cmd

import (
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/gopip/gopip/installer/installed"
	"github.com/gopip/gopip/internal/pystr"
	"github.com/gopip/gopip/resolver"
)

// jsonValue is a value of an ordered JSON document: string, bool, int,
// []jsonValue, jsonObject, or nil (null).
type jsonValue any

// jsonObject is a JSON object whose keys keep their order, as a Python
// dict does.
type jsonObject []jsonField

type jsonField struct {
	key   string
	value jsonValue
}

// writePyJSON writes v as Python's json.dump(v, indent=2,
// ensure_ascii=False) does: the format of pip's installation report.
func writePyJSON(w io.Writer, v jsonValue) error {
	var b strings.Builder
	encodePyJSON(&b, v, "")
	b.WriteString("\n")
	_, err := io.WriteString(w, b.String())
	return err
}

func encodePyJSON(b *strings.Builder, v jsonValue, indent string) {
	inner := indent + "  "
	switch v := v.(type) {
	case nil:
		b.WriteString("null")
	case string:
		b.WriteString(pystr.JSON(v))
	case bool:
		b.WriteString(strconv.FormatBool(v))
	case int:
		b.WriteString(strconv.Itoa(v))
	case []string:
		items := make([]jsonValue, len(v))
		for i, s := range v {
			items[i] = s
		}
		encodePyJSON(b, items, indent)
	case []jsonValue:
		if len(v) == 0 {
			b.WriteString("[]")
			return
		}
		b.WriteString("[\n")
		for i, item := range v {
			if i > 0 {
				b.WriteString(",\n")
			}
			b.WriteString(inner)
			encodePyJSON(b, item, inner)
		}
		b.WriteString("\n" + indent + "]")
	case jsonObject:
		if len(v) == 0 {
			b.WriteString("{}")
			return
		}
		b.WriteString("{\n")
		for i, f := range v {
			if i > 0 {
				b.WriteString(",\n")
			}
			b.WriteString(inner + pystr.JSON(f.key) + ": ")
			encodePyJSON(b, f.value, inner)
		}
		b.WriteString("\n" + indent + "}")
	default:
		panic("encodePyJSON: unsupported type")
	}
}

// markerOrder is the order of packaging's default_environment(), which
// pip's report writes as "environment".
var markerOrder = []string{
	"implementation_name", "implementation_version", "os_name", "platform_machine",
	"platform_release", "platform_system", "platform_version", "python_full_version",
	"platform_python_implementation", "python_version", "sys_platform",
}

// installReport is pip's installation report (version 1) for the packages
// a plan installs. local maps a package's key to its file on disk, when
// there is one, to compute the hash pip records for files the index gave
// none for.
func installReport(plan []resolver.PlannedPackage, markers map[string]string, local map[string]string) jsonObject {
	items := []jsonValue{}
	for _, p := range plan {
		item := jsonObject{
			{"download_info", downloadInfo(p.Artifact, local[p.Key])},
			{"is_direct", p.Direct},
			{"is_yanked", p.Artifact.Yanked},
			{"requested", p.Requested},
		}
		meta := jsonObject{}
		if p.Metadata != nil && p.Metadata.Core != nil {
			for _, f := range p.Metadata.Core.JSON() {
				meta = append(meta, jsonField{f.Key, f.Value})
			}
		}
		item = append(item, jsonField{"metadata", meta})
		if p.Requested && len(p.Extras) > 0 {
			extras := append([]string(nil), p.Extras...)
			sort.Strings(extras)
			item = append(item, jsonField{"requested_extras", extras})
		}
		items = append(items, item)
	}
	env := jsonObject{}
	for _, k := range markerOrder {
		if v, ok := markers[k]; ok {
			env = append(env, jsonField{k, v})
		}
	}
	return jsonObject{
		{"version", "1"},
		{"pip_version", Version},
		{"install", items},
		{"environment", env},
	}
}

// downloadInfo is the PEP 610 structure pip records for an artifact: its
// URL without credentials or fragment, and its hash.
func downloadInfo(a resolver.Artifact, localPath string) jsonObject {
	u := &installed.DirectURL{URL: a.URL}
	url := u.RedactedURL()
	if i := strings.IndexByte(url, '#'); i >= 0 {
		url = url[:i]
	}
	algo, digest := "", ""
	for _, name := range []string{"sha256", "sha384", "sha512"} {
		if d, ok := a.Hashes[name]; ok {
			algo, digest = name, d
			break
		}
	}
	if algo == "" && localPath != "" {
		if d, err := fileDigest(localPath, "sha256"); err == nil {
			algo, digest = "sha256", d
		}
	}
	info := jsonObject{}
	if algo != "" {
		info = jsonObject{
			{"hash", algo + "=" + digest},
			{"hashes", jsonObject{{algo, digest}}},
		}
	}
	return jsonObject{{"url", url}, {"archive_info", info}}
}
