package reqfile

import (
	"regexp"
	"strings"

	"github.com/gopip/gopip/internal/pystr"
)

// String formats the entry as one requirements-file line that Parse reads
// back to the same entry: the requirement text (or -e and its argument)
// followed by its options in pip's long spelling, values quoted for shlex
// where needed. An option line lists the options that take effect. Comments
// and the original layout are not kept.
func (e *Entry) String() string {
	var words []string
	switch e.Kind {
	case KindOptions:
		return strings.Join(e.Options.words(), " ")
	case KindEditable:
		words = append(words, "-e", shellQuote(e.Text))
	default:
		words = append(words, strings.TrimRight(e.Text, " "))
		for _, h := range e.Hashes {
			words = append(words, "--hash="+shellQuote(h.Algorithm+":"+h.Digest))
		}
		for _, g := range e.GlobalOptions {
			words = append(words, "--global-option="+shellQuote(g))
		}
	}
	for _, c := range e.ConfigSettings {
		words = append(words, "--config-settings="+shellQuote(c.Key+"="+c.Value))
	}
	if e.Options != nil {
		// Of a requirement line's other options only the format control
		// has an effect.
		for _, f := range e.Options.Format {
			words = append(words, f.word())
		}
	}
	line := strings.Join(words, " ")
	if strings.HasSuffix(line, `\`) {
		// A requirement can end in a backslash when a space followed it;
		// keep one so that the line does not continue.
		line += " "
	}
	return line
}

func (f FormatOption) word() string {
	if f.OnlyBinary {
		return "--only-binary=" + shellQuote(f.Value)
	}
	return "--no-binary=" + shellQuote(f.Value)
}

// words returns the options that act, in a fixed order.
func (o *LineOptions) words() []string {
	var w []string
	if o.IndexURL != "" {
		w = append(w, "--index-url="+shellQuote(o.IndexURL))
	}
	for _, u := range o.ExtraIndexURLs {
		w = append(w, "--extra-index-url="+shellQuote(u))
	}
	if o.NoIndex {
		w = append(w, "--no-index")
	}
	for _, f := range o.FindLinks {
		w = append(w, "--find-links="+shellQuote(f))
	}
	for _, f := range o.Format {
		w = append(w, f.word())
	}
	if o.PreferBinary {
		w = append(w, "--prefer-binary")
	}
	if o.RequireHashes {
		w = append(w, "--require-hashes")
	}
	if o.Pre {
		w = append(w, "--pre")
	}
	for _, h := range o.TrustedHosts {
		w = append(w, "--trusted-host="+shellQuote(h))
	}
	for _, f := range o.Features {
		w = append(w, "--use-feature="+shellQuote(f))
	}
	return w
}

// unsafeShellRE is Python's shlex.quote test: anything but these
// characters needs quotes.
var unsafeShellRE = regexp.MustCompile(`[^\w@%+=:,./-]`)

// shellQuote is Python's shlex.quote, made safe for a requirements file,
// which pip reads before shlex does: quotes do not hide a '#' after
// whitespace from the comment rule, nor "${NAME}" from expansion, so both
// are broken up by closing and reopening the quotes:
//
//	a #b  → 'a ''#b'
//	${X}  → '$''{X}'
func shellQuote(s string) string {
	if s == "" {
		return "''"
	}
	if !unsafeShellRE.MatchString(s) {
		return s
	}
	var b strings.Builder
	b.WriteByte('\'')
	prevSpace := false
	for i, r := range s {
		switch {
		case r == '\'':
			b.WriteString(`'"'"'`)
		case r == '#' && prevSpace:
			b.WriteString("''#")
		case r == '{' && i > 0 && s[i-1] == '$':
			b.WriteString("''{")
		default:
			b.WriteRune(r)
		}
		prevSpace = pystr.IsSpace(r)
	}
	b.WriteByte('\'')
	return b.String()
}
