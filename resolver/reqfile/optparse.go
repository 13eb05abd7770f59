package reqfile

import (
	"fmt"
	"slices"
	"strings"

	"github.com/gopip/gopip/internal/pystr"
)

// The option table and parser below reproduce what optparse does with the
// options pip allows in a requirements file (req_file.py SUPPORTED_OPTIONS
// and SUPPORTED_OPTIONS_REQ, defined in cli/cmdoptions.py): unambiguous
// prefixes of long options, "--opt=value" and "--opt value", "-xVALUE" and
// "-x VALUE", words that are not options ignored, "--" ending the options,
// and optparse's error messages.

type optKind int

const (
	optStore      optKind = iota // a value, the last one wins
	optAppend                    // values collected in order
	optFlag                      // store_true
	optNoBinary                  // FormatControl callbacks
	optOnlyBinary                //
	optHash                      // _handle_merge_hash
	optConfig                    // _handle_config_settings
)

type optSpec struct {
	names   []string // long and short spellings, long first as pip declares them
	dest    string
	kind    optKind
	choices []string
}

// features are the --use-feature choices of pip 23.2.
var features = []string{"fast-deps", "truststore", "no-binary-enable-wheel-cache"}

// strongHashes are the algorithms --hash accepts (pip's STRONG_HASHES).
var strongHashes = []string{"sha256", "sha384", "sha512"}

var optSpecs = []*optSpec{
	{names: []string{"-i", "--index-url", "--pypi-url"}, dest: "index_url", kind: optStore},
	{names: []string{"--extra-index-url"}, dest: "extra_index_urls", kind: optAppend},
	{names: []string{"--no-index"}, dest: "no_index", kind: optFlag},
	{names: []string{"-c", "--constraint"}, dest: "constraints", kind: optAppend},
	{names: []string{"-r", "--requirement"}, dest: "requirements", kind: optAppend},
	{names: []string{"-e", "--editable"}, dest: "editables", kind: optAppend},
	{names: []string{"-f", "--find-links"}, dest: "find_links", kind: optAppend},
	{names: []string{"--no-binary"}, dest: "format_control", kind: optNoBinary},
	{names: []string{"--only-binary"}, dest: "format_control", kind: optOnlyBinary},
	{names: []string{"--prefer-binary"}, dest: "prefer_binary", kind: optFlag},
	{names: []string{"--require-hashes"}, dest: "require_hashes", kind: optFlag},
	{names: []string{"--pre"}, dest: "pre", kind: optFlag},
	{names: []string{"--trusted-host"}, dest: "trusted_hosts", kind: optAppend},
	{names: []string{"--use-feature"}, dest: "features_enabled", kind: optAppend, choices: features},
	{names: []string{"--global-option"}, dest: "global_options", kind: optAppend},
	{names: []string{"--hash"}, dest: "hashes", kind: optHash},
	{names: []string{"-C", "--config-settings"}, dest: "config_settings", kind: optConfig},
}

var longOpts, shortOpts = buildOptIndex()

// longNames keeps the long options in declaration order, the order of
// optparse's dictionary.
var longNames = func() []string {
	var names []string
	for _, s := range optSpecs {
		for _, n := range s.names {
			if strings.HasPrefix(n, "--") {
				names = append(names, n)
			}
		}
	}
	return names
}()

func buildOptIndex() (map[string]*optSpec, map[string]*optSpec) {
	long, short := map[string]*optSpec{}, map[string]*optSpec{}
	for _, s := range optSpecs {
		for _, n := range s.names {
			if strings.HasPrefix(n, "--") {
				long[n] = s
			} else {
				short[n] = s
			}
		}
	}
	return long, short
}

// formatOp is one --no-binary or --only-binary value, applied in order.
type formatOp struct {
	onlyBinary bool
	value      string
}

// lineOpts are the option values of one line: optparse's Values.
type lineOpts struct {
	indexURL       string
	extraIndexURLs []string
	noIndex        bool
	constraints    []string
	requirements   []string
	editables      []string
	findLinks      []string
	formatOps      []formatOp
	preferBinary   bool
	requireHashes  bool
	pre            bool
	trustedHosts   []string
	features       []string
	globalOptions  []string
	hashes         []Hash
	configSettings []ConfigSetting
	extraArgs      []string // words that are not options, which pip ignores
}

// optError is what optparse reports through parser.error(); pip adds the
// line in front.
type optError struct{ msg string }

func (e *optError) Error() string { return e.msg }

// formatControlError is the CommandError FormatControl raises for a value
// that looks like an option; pip does not catch it as an option error.
type formatControlError struct{}

func (formatControlError) Error() string {
	return "--no-binary / --only-binary option requires 1 argument."
}

// parseOptions runs optparse over args, as pip's line parser does.
func parseOptions(args []string) (*lineOpts, error) {
	o := &lineOpts{}
	rargs := slices.Clone(args)
	for len(rargs) > 0 {
		arg := rargs[0]
		switch {
		case arg == "--":
			o.extraArgs = append(o.extraArgs, rargs[1:]...)
			return o, nil
		case strings.HasPrefix(arg, "--"):
			rargs = rargs[1:]
			opt, explicit := arg, false
			if k := strings.IndexByte(arg, '='); k >= 0 {
				opt = arg[:k]
				rargs = append([]string{arg[k+1:]}, rargs...)
				explicit = true
			}
			name, err := matchLongOpt(opt)
			if err != nil {
				return nil, err
			}
			spec := longOpts[name]
			var value string
			if spec.kind != optFlag {
				if len(rargs) < 1 {
					return nil, &optError{name + " option requires 1 argument"}
				}
				value, rargs = rargs[0], rargs[1:]
			} else if explicit {
				return nil, &optError{name + " option does not take a value"}
			}
			if err := o.process(spec, name, value); err != nil {
				return nil, err
			}
		case strings.HasPrefix(arg, "-") && len(arg) > 1:
			rargs = rargs[1:]
			// A cluster of short options; every short option here takes a
			// value, so the first one takes the rest of the word or the
			// next word.
			ch := arg[1:2]
			if arg[1] >= 0x80 {
				ch = string([]rune(arg[1:])[:1])
			}
			name := "-" + ch
			spec, ok := shortOpts[name]
			if !ok {
				return nil, &optError{"no such option: " + name}
			}
			if rest := arg[1+len(ch):]; rest != "" {
				rargs = append([]string{rest}, rargs...)
			}
			if len(rargs) < 1 {
				return nil, &optError{name + " option requires 1 argument"}
			}
			value := rargs[0]
			rargs = rargs[1:]
			if err := o.process(spec, name, value); err != nil {
				return nil, err
			}
		default:
			o.extraArgs = append(o.extraArgs, arg)
			rargs = rargs[1:]
		}
	}
	return o, nil
}

// matchLongOpt is optparse's _match_abbrev.
func matchLongOpt(opt string) (string, error) {
	if _, ok := longOpts[opt]; ok {
		return opt, nil
	}
	var possible []string
	for _, n := range longNames {
		if strings.HasPrefix(n, opt) {
			possible = append(possible, n)
		}
	}
	switch len(possible) {
	case 0:
		return "", &optError{"no such option: " + opt}
	case 1:
		return possible[0], nil
	}
	slices.Sort(possible)
	return "", &optError{fmt.Sprintf("ambiguous option: %s (%s?)", opt, strings.Join(possible, ", "))}
}

func (o *lineOpts) process(spec *optSpec, name, value string) error {
	if spec.choices != nil && !slices.Contains(spec.choices, value) {
		quoted := make([]string, len(spec.choices))
		for i, c := range spec.choices {
			quoted[i] = pystr.Repr(c)
		}
		return &optError{fmt.Sprintf("option %s: invalid choice: %s (choose from %s)", name, pystr.Repr(value), strings.Join(quoted, ", "))}
	}
	switch spec.dest {
	case "index_url":
		o.indexURL = value
	case "extra_index_urls":
		o.extraIndexURLs = append(o.extraIndexURLs, value)
	case "no_index":
		o.noIndex = true
	case "constraints":
		o.constraints = append(o.constraints, value)
	case "requirements":
		o.requirements = append(o.requirements, value)
	case "editables":
		o.editables = append(o.editables, value)
	case "find_links":
		o.findLinks = append(o.findLinks, value)
	case "format_control":
		if strings.HasPrefix(value, "-") {
			return formatControlError{}
		}
		o.formatOps = append(o.formatOps, formatOp{onlyBinary: spec.kind == optOnlyBinary, value: value})
	case "prefer_binary":
		o.preferBinary = true
	case "require_hashes":
		o.requireHashes = true
	case "pre":
		o.pre = true
	case "trusted_hosts":
		o.trustedHosts = append(o.trustedHosts, value)
	case "features_enabled":
		o.features = append(o.features, value)
	case "global_options":
		o.globalOptions = append(o.globalOptions, value)
	case "hashes":
		algo, digest, ok := strings.Cut(value, ":")
		if !ok {
			return &optError{fmt.Sprintf("Arguments to %s must be a hash name followed by a value, like --hash=sha256:abcde...", name)}
		}
		if !slices.Contains(strongHashes, algo) {
			return &optError{fmt.Sprintf("Allowed hash algorithms for %s are %s.", name, strings.Join(strongHashes, ", "))}
		}
		o.hashes = append(o.hashes, Hash{Algorithm: algo, Digest: digest})
	case "config_settings":
		key, val, ok := strings.Cut(value, "=")
		if !ok {
			return &optError{fmt.Sprintf("Arguments to %s must be of the form KEY=VAL", name)}
		}
		o.configSettings = append(o.configSettings, ConfigSetting{Key: key, Value: val})
	}
	return nil
}

// any reports whether the line set an option that matters outside a
// requirement (pip's SUPPORTED_OPTIONS).
func (o *lineOpts) anyGlobal() bool {
	return o.indexURL != "" || len(o.extraIndexURLs) > 0 || o.noIndex || len(o.constraints) > 0 ||
		len(o.requirements) > 0 || len(o.editables) > 0 || len(o.findLinks) > 0 || len(o.formatOps) > 0 ||
		o.preferBinary || o.requireHashes || o.pre || len(o.trustedHosts) > 0 || len(o.features) > 0
}
