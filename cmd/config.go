package cmd

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// pip reads option defaults from configuration files and PIP_* environment
// variables (https://pip.pypa.io/en/stable/topics/configuration/). The
// precedence, highest first: the command line; PIP_<NAME> variables; a
// command section ([install]) of any file; the [global] section of any
// file. Among files, later ones win: global files, then user files, then
// the site file, then the file PIP_CONFIG_FILE names (os.devnull there
// disables every file). --isolated ignores variables and user files.
//
// gopip's own settings are GOPIP_<NAME> variables; they beat PIP_<NAME>.

// configFile is one parsed INI file: section → key → value, keys
// normalised to pip's long option names ("index_url" → "index-url").
type configFile struct {
	path     string
	sections map[string]map[string]string
}

// configFiles returns the files pip would read, in load order.
func (g *globalOptions) configFiles() []string {
	env := g.getenv
	if f := env("PIP_CONFIG_FILE"); f == os.DevNull {
		return nil
	}
	var files []string
	xdgDirs := env("XDG_CONFIG_DIRS")
	if xdgDirs == "" {
		xdgDirs = "/etc/xdg"
	}
	for _, d := range filepath.SplitList(xdgDirs) {
		files = append(files, filepath.Join(d, "pip", "pip.conf"))
	}
	files = append(files, "/etc/pip.conf")
	if !g.isolated {
		if home := env("HOME"); home != "" {
			files = append(files, filepath.Join(home, ".pip", "pip.conf"))
		}
		configHome := env("XDG_CONFIG_HOME")
		if configHome == "" && env("HOME") != "" {
			configHome = filepath.Join(env("HOME"), ".config")
		}
		if configHome != "" {
			files = append(files, filepath.Join(configHome, "pip", "pip.conf"))
		}
	}
	if venv := env("VIRTUAL_ENV"); venv != "" {
		files = append(files, filepath.Join(venv, "pip.conf"))
	}
	if f := env("PIP_CONFIG_FILE"); f != "" {
		files = append(files, f)
	}
	return files
}

func readConfigFile(path string) (*configFile, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	cf := &configFile{path: path, sections: map[string]map[string]string{}}
	var section, key string
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimRight(sc.Text(), " \t\r")
		trimmed := strings.TrimSpace(line)
		switch {
		case trimmed == "" || trimmed[0] == '#' || trimmed[0] == ';':
			continue
		case line[0] == ' ' || line[0] == '\t':
			// A continuation of the previous value, as configparser reads it.
			if key == "" {
				return nil, fmt.Errorf("%s:%d: continuation line without a key", path, n)
			}
			cf.sections[section][key] += "\n" + trimmed
		case trimmed[0] == '[':
			if !strings.HasSuffix(trimmed, "]") {
				return nil, fmt.Errorf("%s:%d: malformed section header %q", path, n, trimmed)
			}
			section = strings.TrimSpace(trimmed[1 : len(trimmed)-1])
			if cf.sections[section] == nil {
				cf.sections[section] = map[string]string{}
			}
			key = ""
		default:
			i := strings.IndexAny(trimmed, "=:")
			if i < 0 {
				return nil, fmt.Errorf("%s:%d: expected \"key = value\", got %q", path, n, trimmed)
			}
			if section == "" {
				return nil, fmt.Errorf("%s:%d: %q is outside any [section]", path, n, trimmed)
			}
			key = strings.ReplaceAll(strings.ToLower(strings.TrimSpace(trimmed[:i])), "_", "-")
			cf.sections[section][key] = strings.TrimSpace(trimmed[i+1:])
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	return cf, nil
}

// configValue finds the configured value for the long option name of
// command cmdName, and says where it came from.
type configValue struct {
	value  string
	source string
}

func (g *globalOptions) loadConfig(cmdName string) (map[string]configValue, error) {
	values := map[string]configValue{}
	var files []*configFile
	for _, path := range g.configFiles() {
		cf, err := readConfigFile(path)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("reading configuration: %w", err)
		}
		files = append(files, cf)
	}
	for _, section := range []string{"global", cmdName} {
		for _, cf := range files {
			for k, v := range cf.sections[section] {
				values[k] = configValue{value: v, source: fmt.Sprintf("%s [%s]", cf.path, section)}
			}
		}
	}
	if g.isolated {
		return values, nil
	}
	for _, prefix := range []string{"PIP_", "GOPIP_"} {
		for _, kv := range g.environ {
			k, v, _ := strings.Cut(kv, "=")
			if !strings.HasPrefix(k, prefix) {
				continue
			}
			name := strings.ReplaceAll(strings.ToLower(k[len(prefix):]), "_", "-")
			if name == "version" || name == "help" || name == "config-file" {
				continue
			}
			values[name] = configValue{value: v, source: "environment variable " + k}
		}
	}
	return values, nil
}

// applyConfig sets every flag of c that the command line left alone from
// the environment and configuration files, the way pip's
// ConfigOptionParser does.
func (g *globalOptions) applyConfig(c *cobra.Command) error {
	// --isolated itself can only come from the command line or
	// PIP_ISOLATED; it decides which sources are read.
	if f := c.Flags().Lookup("isolated"); f != nil && !f.Changed {
		if v := g.getenv("PIP_ISOLATED"); v != "" {
			if b, err := strtobool(v); err == nil {
				g.isolated = b
			}
		}
	}
	values, err := g.loadConfig(c.Name())
	if err != nil {
		return err
	}
	var firstErr error
	c.Flags().VisitAll(func(f *pflag.Flag) {
		if f.Changed || firstErr != nil {
			return
		}
		cv, ok := values[f.Name]
		if !ok || cv.value == "" {
			// pip ignores empty values ("Ignoring configuration key ...
			// as its value is empty").
			return
		}
		if err := setFromConfig(f, cv.value); err != nil {
			firstErr = usageErrorf(c, "invalid value %q for --%s from %s: %v", cv.value, f.Name, cv.source, err)
		}
	})
	return firstErr
}

// setFromConfig converts a configuration string the way pip does for the
// flag's kind: booleans through strtobool, counters as integers or
// booleans, repeatable options split on white space.
func setFromConfig(f *pflag.Flag, value string) error {
	if f.Name == "no-cache-dir" {
		// pip's quirk, kept for compatibility: any valid boolean,
		// "false" too, disables the cache.
		if _, err := strtobool(value); err != nil {
			return err
		}
		return f.Value.Set("true")
	}
	switch f.Value.Type() {
	case "bool":
		b, err := strtobool(value)
		if err != nil {
			return err
		}
		return f.Value.Set(strconv.FormatBool(b))
	case "count":
		n, err := strconv.Atoi(value)
		if err != nil {
			b, berr := strtobool(value)
			if berr != nil {
				return fmt.Errorf("not a positive integer")
			}
			n = 0
			if b {
				n = 1
			}
		}
		if n < 0 {
			return fmt.Errorf("not a positive integer")
		}
		// pflag counters add one per Set("+1").
		for i := 0; i < n; i++ {
			if err := f.Value.Set("+1"); err != nil {
				return err
			}
		}
		return nil
	case "stringArray", "stringSlice":
		sv := f.Value.(pflag.SliceValue)
		return sv.Replace(strings.Fields(value))
	default:
		return f.Value.Set(value)
	}
}

// strtobool is Python's distutils.util.strtobool, which pip uses.
func strtobool(s string) (bool, error) {
	switch strings.ToLower(s) {
	case "y", "yes", "t", "true", "on", "1":
		return true, nil
	case "n", "no", "f", "false", "off", "0":
		return false, nil
	}
	return false, fmt.Errorf("invalid truth value %q", s)
}
