package installed

import (
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"

	"github.com/gopip/gopip/internal/pystr"
	"github.com/gopip/gopip/resolver/pep508"
)

// Requires returns the distribution's requirements as written: its
// Requires-Dist fields, or, when there are none, the requirements of an
// egg-info's requires.txt turned into the same form
// ("req ; marker and extra == \"x\"") as pip 23.2 does
// (BaseDistribution._add_egg_info_requires).
func (d *Distribution) Requires() ([]string, error) {
	if reqs := d.Metadata.GetAll("Requires-Dist"); len(reqs) > 0 {
		return reqs, nil
	}
	text, err := d.ReadFile("requires.txt")
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var reqs []string
	extra, marker := "", ""
	for _, line := range pystr.SplitLines(text) {
		line = pystr.Strip(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]") {
			extra, marker, _ = strings.Cut(strings.Trim(line, "[]"), ":")
			continue
		}
		var m string
		switch {
		case extra != "" && marker != "":
			m = fmt.Sprintf(`(%s) and extra == "%s"`, marker, safeExtra(extra))
		case extra != "":
			m = fmt.Sprintf(`extra == "%s"`, safeExtra(extra))
		default:
			m = marker
		}
		if m != "" {
			reqs = append(reqs, line+" ; "+m)
		} else {
			reqs = append(reqs, line)
		}
	}
	return reqs, nil
}

var unsafeExtra = regexp.MustCompile(`[^A-Za-z0-9.-]+`)

// safeExtra is pip's (pkg_resources') safe_extra.
func safeExtra(extra string) string {
	return strings.ToLower(unsafeExtra.ReplaceAllString(extra, "_"))
}

// MarkerEnv supplies the PEP 508 marker environment of the target
// interpreter (the keys of packaging's default_environment()). It is
// called only when a requirement has a marker, at most once per call of
// Dependencies.
type MarkerEnv func() (map[string]string, error)

// Dependencies returns the names (as written) of the requirements pip 23.2
// counts as dependencies when no extra is requested
// (Distribution.iter_dependencies()): those without a marker, and those
// whose marker holds in env with extra set to "". Requirements that cannot
// be parsed are left out (pip stops with an exception on them).
func (d *Distribution) Dependencies(env MarkerEnv) ([]string, error) {
	reqs, err := d.Requires()
	if err != nil {
		return nil, err
	}
	var (
		names   []string
		envVals pep508.Environment
	)
	for _, r := range reqs {
		name, marker, err := SplitRequirement(r)
		if err != nil {
			continue
		}
		if marker != "" {
			if envVals == nil {
				e, err := env()
				if err != nil {
					return nil, err
				}
				envVals = make(pep508.Environment, len(e)+1)
				for k, v := range e {
					envVals[k] = v
				}
				envVals["extra"] = ""
			}
			m, err := pep508.ParseMarker(marker)
			if err != nil {
				continue
			}
			if ok, err := m.Evaluate(envVals); err != nil || !ok {
				continue
			}
		}
		names = append(names, name)
	}
	return names, nil
}

var reqNameRE = regexp.MustCompile(`^\s*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)`)

// SplitRequirement returns the project name and the marker text (or "") of
// a PEP 508 requirement string. It checks only as much of the syntax as it
// needs.
func SplitRequirement(req string) (name, marker string, err error) {
	m := reqNameRE.FindStringSubmatch(req)
	if m == nil {
		return "", "", fmt.Errorf("invalid requirement %q: no project name", req)
	}
	name = m[1]
	rest := strings.TrimLeft(req[len(m[0]):], " \t")
	if strings.HasPrefix(rest, "[") {
		i := strings.IndexByte(rest, ']')
		if i < 0 {
			return "", "", fmt.Errorf("invalid requirement %q: unclosed extras", req)
		}
		rest = strings.TrimLeft(rest[i+1:], " \t")
	}
	if strings.HasPrefix(rest, "@") {
		// name @ URL [; marker]: the URL runs to the next space.
		rest = strings.TrimLeft(rest[1:], " \t")
		i := strings.IndexByte(rest, ' ')
		if i < 0 {
			return name, "", nil
		}
		rest = strings.TrimLeft(rest[i:], " \t")
		if rest == "" {
			return name, "", nil
		}
		if rest[0] != ';' {
			return "", "", fmt.Errorf("invalid requirement %q: text after the URL", req)
		}
	}
	if _, after, ok := strings.Cut(rest, ";"); ok {
		marker = strings.TrimSpace(after)
		if marker == "" {
			return "", "", fmt.Errorf("invalid requirement %q: empty marker", req)
		}
	}
	return name, marker, nil
}
