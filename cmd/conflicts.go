package cmd

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/gopip/gopip/installer/installed"
	"github.com/gopip/gopip/resolver/pep440"
	"github.com/gopip/gopip/resolver/pep508"
)

// dependencyConflicts is pip's check after an install
// (operations/check.py check_install_conflicts): the broken dependencies
// of the distributions just installed and of those that depend on them,
// in the environment as it now is. The resolver sees only what the
// requirements reach, so upgrading a shared dependency can break an
// installed project that requires an older one; pip says so, and so does
// gopip. It returns pip's lines, or nil.
func dependencyConflicts(dirs []string, changed []string, markers map[string]string) ([]string, error) {
	dists, err := installed.Scan(dirs)
	var w *installed.Warnings
	if err != nil && !errors.As(err, &w) {
		return nil, err
	}
	type pkg struct {
		version string
		parsed  pep440.Version
		ok      bool
		deps    []*pep508.Requirement
	}
	env := pep508.Environment{}
	for k, v := range markers {
		env[k] = v
	}
	env["extra"] = ""
	set := map[string]*pkg{}
	for _, d := range dists {
		key := pep508.NormalizeName(d.Name)
		if _, dup := set[key]; dup {
			continue
		}
		p := &pkg{version: d.Version}
		p.parsed, err = pep440.Parse(d.Version)
		p.ok = err == nil
		reqs, _ := d.Requires()
		for _, r := range reqs {
			req, err := pep508.ParseRequirement(r)
			if err != nil {
				continue
			}
			if req.Marker != nil {
				if ok, err := req.Marker.Evaluate(env); err != nil || !ok {
					continue
				}
			}
			p.deps = append(p.deps, req)
		}
		set[key] = p
	}
	watch := map[string]bool{}
	for _, n := range changed {
		watch[pep508.NormalizeName(n)] = true
	}
	for name, p := range set {
		for _, r := range p.deps {
			if watch[pep508.NormalizeName(r.Name)] {
				watch[name] = true
			}
		}
	}
	var missing, conflicting []string
	for _, name := range slices.Sorted(maps.Keys(set)) {
		if !watch[name] {
			continue
		}
		p := set[name]
		version := p.version
		if p.ok {
			version = p.parsed.String()
		}
		var miss, conf []string
		for _, r := range p.deps {
			dep := pep508.NormalizeName(r.Name)
			have, ok := set[dep]
			if !ok {
				miss = append(miss, fmt.Sprintf("%s %s requires %s, which is not installed.", name, version, dep))
				continue
			}
			if have.ok && !r.Specifier.IsEmpty() && !r.Specifier.Contains(have.parsed, true) {
				conf = append(conf, fmt.Sprintf("%s %s requires %s, but you have %s %s which is incompatible.", name, version, r.String(), dep, have.parsed.String()))
			}
		}
		sort.Strings(miss)
		sort.Strings(conf)
		missing = append(missing, miss...)
		conflicting = append(conflicting, conf...)
	}
	if len(missing)+len(conflicting) == 0 {
		return nil, nil
	}
	lines := []string{"gopip's dependency resolver does not take into account all the packages that are installed. This behaviour is the source of the following dependency conflicts."}
	return append(append(lines, missing...), conflicting...), nil
}

// errorLine prints pip's "ERROR: " lines (logger.error and critical) on
// stderr.
func (g *globalOptions) errorLine(msg string) {
	g.stderr.Write([]byte("ERROR: " + strings.TrimRight(msg, "\n") + "\n"))
}
