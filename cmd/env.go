package cmd

import (
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
)

// sitePaths returns the directories whose distributions count as installed
// for the target interpreter: its sys.path entries, and its user site
// directory. (To be replaced by installer.Inspect, which caches the answer.)
func (g *globalOptions) sitePaths(ctx context.Context) (paths []string, userSite string, err error) {
	python := g.python
	if python == "" {
		python = "python3"
	}
	out, err := exec.CommandContext(ctx, python, "-c", "import json,site,sys; print(json.dumps([sys.path, site.getusersitepackages()]))").Output()
	if err != nil {
		return nil, "", fmt.Errorf("inspecting %s: %w", python, err)
	}
	var v [2]json.RawMessage
	if err := json.Unmarshal(out, &v); err != nil {
		return nil, "", fmt.Errorf("inspecting %s: %w", python, err)
	}
	if err := json.Unmarshal(v[0], &paths); err != nil {
		return nil, "", err
	}
	if err := json.Unmarshal(v[1], &userSite); err != nil {
		return nil, "", err
	}
	return paths, userSite, nil
}
