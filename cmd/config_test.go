package cmd

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// configProbe is a command with one flag of each kind pip has, to observe
// where applyConfig takes values from.
type configProbe struct {
	indexURL string
	findLink []string
	noDeps   bool
	verbose  int
	noCache  bool
}

func runConfigProbe(t *testing.T, environ []string, args ...string) (*configProbe, *globalOptions, error) {
	t.Helper()
	g := &globalOptions{environ: environ}
	p := &configProbe{}
	c := &cobra.Command{
		Use:           "install",
		SilenceErrors: true,
		SilenceUsage:  true,
		RunE:          func(c *cobra.Command, args []string) error { return nil },
	}
	f := c.Flags()
	f.StringVarP(&p.indexURL, "index-url", "i", "https://pypi.org/simple", "")
	f.StringArrayVarP(&p.findLink, "find-links", "f", nil, "")
	f.BoolVar(&p.noDeps, "no-deps", false, "")
	f.CountVarP(&p.verbose, "verbose", "v", "")
	f.BoolVar(&p.noCache, "no-cache-dir", false, "")
	f.BoolVar(&g.isolated, "isolated", false, "")
	c.PersistentPreRunE = func(c *cobra.Command, args []string) error { return g.applyConfig(c) }
	c.SetArgs(args)
	err := c.Execute()
	return p, g, err
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestConfigPrecedence(t *testing.T) {
	dir := t.TempDir()
	home := filepath.Join(dir, "home")
	writeFile(t, filepath.Join(dir, "xdg", "pip", "pip.conf"), "[global]\nindex-url = https://global.example/simple\nno-deps = yes\n")
	writeFile(t, filepath.Join(home, ".config", "pip", "pip.conf"), "[install]\nindex_url = https://user-install.example/simple\nfind-links =\n    /a\n    /b\n")
	base := []string{"HOME=" + home, "XDG_CONFIG_DIRS=" + filepath.Join(dir, "xdg")}

	t.Run("files", func(t *testing.T) {
		p, _, err := runConfigProbe(t, base)
		if err != nil {
			t.Fatal(err)
		}
		// A command section beats [global] whatever the file.
		if p.indexURL != "https://user-install.example/simple" {
			t.Errorf("index-url = %q", p.indexURL)
		}
		if !p.noDeps {
			t.Error("no-deps from [global] not applied")
		}
		if !reflect.DeepEqual(p.findLink, []string{"/a", "/b"}) {
			t.Errorf("find-links = %q", p.findLink)
		}
	})
	t.Run("environment beats files", func(t *testing.T) {
		p, _, err := runConfigProbe(t, append(base, "PIP_INDEX_URL=https://env.example/simple", "PIP_FIND_LINKS=/x /y", "PIP_VERBOSE=2", "PIP_NO_DEPS=off"))
		if err != nil {
			t.Fatal(err)
		}
		if p.indexURL != "https://env.example/simple" || !reflect.DeepEqual(p.findLink, []string{"/x", "/y"}) || p.verbose != 2 || p.noDeps {
			t.Errorf("got %+v", p)
		}
	})
	t.Run("command line beats environment", func(t *testing.T) {
		p, _, err := runConfigProbe(t, append(base, "PIP_INDEX_URL=https://env.example/simple"), "-i", "https://cli.example/simple")
		if err != nil {
			t.Fatal(err)
		}
		if p.indexURL != "https://cli.example/simple" {
			t.Errorf("index-url = %q", p.indexURL)
		}
	})
	t.Run("GOPIP_ beats PIP_", func(t *testing.T) {
		p, _, err := runConfigProbe(t, append(base, "GOPIP_INDEX_URL=https://gopip.example/simple", "PIP_INDEX_URL=https://env.example/simple"))
		if err != nil {
			t.Fatal(err)
		}
		if p.indexURL != "https://gopip.example/simple" {
			t.Errorf("index-url = %q", p.indexURL)
		}
	})
	t.Run("isolated ignores user files and environment", func(t *testing.T) {
		p, _, err := runConfigProbe(t, append(base, "PIP_INDEX_URL=https://env.example/simple"), "--isolated")
		if err != nil {
			t.Fatal(err)
		}
		if p.indexURL != "https://global.example/simple" {
			t.Errorf("index-url = %q", p.indexURL)
		}
	})
	t.Run("PIP_CONFIG_FILE is read last", func(t *testing.T) {
		extra := filepath.Join(dir, "extra.conf")
		writeFile(t, extra, "[install]\nindex-url = https://extra.example/simple\n")
		p, _, err := runConfigProbe(t, append(base, "PIP_CONFIG_FILE="+extra))
		if err != nil {
			t.Fatal(err)
		}
		if p.indexURL != "https://extra.example/simple" {
			t.Errorf("index-url = %q", p.indexURL)
		}
	})
	t.Run("PIP_CONFIG_FILE=/dev/null disables files", func(t *testing.T) {
		p, _, err := runConfigProbe(t, append(base, "PIP_CONFIG_FILE="+os.DevNull))
		if err != nil {
			t.Fatal(err)
		}
		if p.indexURL != "https://pypi.org/simple" || p.noDeps {
			t.Errorf("got %+v", p)
		}
	})
	t.Run("PIP_NO_CACHE_DIR=false still disables the cache", func(t *testing.T) {
		p, _, err := runConfigProbe(t, append(base, "PIP_NO_CACHE_DIR=false"))
		if err != nil {
			t.Fatal(err)
		}
		if !p.noCache {
			t.Error("cache not disabled")
		}
	})
	t.Run("invalid boolean names its source", func(t *testing.T) {
		_, _, err := runConfigProbe(t, append(base, "PIP_NO_DEPS=maybe"))
		if err == nil || !strings.Contains(err.Error(), "PIP_NO_DEPS") {
			t.Errorf("err = %v", err)
		}
	})
}

func TestConfigFileErrors(t *testing.T) {
	dir := t.TempDir()
	for name, content := range map[string]string{
		"no-section": "index-url = x\n",
		"no-equals":  "[global]\njust words\n",
		"bad-header": "[global\n",
	} {
		path := filepath.Join(dir, name)
		writeFile(t, path, content)
		if _, err := readConfigFile(path); err == nil || !strings.Contains(err.Error(), path+":") {
			t.Errorf("%s: err = %v, want one naming %s and the line", name, err, path)
		}
	}
}
