package reqfile

import (
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/gopip/gopip/internal/pystr"
)

// logicalLine is one line after pip's preprocess: continuation lines
// joined, comments stripped, ${VAR} expanded, blank lines dropped.
type logicalLine struct {
	number int // of the first physical line
	text   string
}

// preprocess is pip's preprocess(): splitlines, join_lines,
// ignore_comments, expand_env_variables, in that order.
func preprocess(content string, getenv func(string) string) []logicalLine {
	var out []logicalLine
	for _, l := range joinLines(pystr.SplitLines(content)) {
		text := pystr.Strip(StripComment(l.text))
		if text == "" {
			continue
		}
		out = append(out, logicalLine{l.number, expandEnv(text, getenv)})
	}
	return out
}

// isCommentLine is COMMENT_RE.match: the line's first non-space character
// is '#'.
func isCommentLine(line string) bool {
	return strings.HasPrefix(strings.TrimLeftFunc(line, pystr.IsSpace), "#")
}

// joinLines is pip's join_lines: a line ending in '\' continues on the
// next one, and takes the first line's number. pip does not look at the
// character before the backslash (there is no escaped backslash), strips
// every backslash from both ends of a continued line, and ends a
// continuation at a comment line, which it keeps so that the comment is
// stripped later. A backslash on the last line joins with nothing.
func joinLines(lines []string) []logicalLine {
	var out []logicalLine
	primary := 0
	var pending []string
	for i, line := range lines {
		number := i + 1
		comment := isCommentLine(line)
		if !strings.HasSuffix(line, `\`) || comment {
			if comment {
				line = " " + line
			}
			if pending != nil {
				pending = append(pending, line)
				out = append(out, logicalLine{primary, strings.Join(pending, "")})
				pending = nil
			} else {
				out = append(out, logicalLine{number, line})
			}
			continue
		}
		if pending == nil {
			primary = number
			pending = []string{}
		}
		pending = append(pending, strings.Trim(line, `\`))
	}
	if pending != nil {
		out = append(out, logicalLine{primary, strings.Join(pending, "")})
	}
	return out
}

// StripComment is pip's COMMENT_RE.sub("", line) for a line without a line
// break: it removes what `(^|\s+)#.*$` matches, from the first '#' that
// starts the line or follows white space (Python's \s, together with that
// white space) to the end. A '#' inside a word, as in a URL's "#egg=name"
// fragment, is not a comment. pip freeze -r removes comments this way.
func StripComment(line string) string {
	for i := 0; i < len(line); i++ {
		if line[i] != '#' {
			continue
		}
		start := i
		for start > 0 {
			r, size := utf8.DecodeLastRuneInString(line[:start])
			if !pystr.IsSpace(r) {
				break
			}
			start -= size
		}
		if i == 0 || start < i {
			return line[:start]
		}
	}
	return line
}

// envVarRE is pip's ENV_VAR_RE: only ${NAME} with upper-case letters,
// digits and underscores.
var envVarRE = regexp.MustCompile(`\$\{([A-Z0-9_]+)\}`)

// expandEnv is pip's expand_env_variables: each ${NAME} found in the line
// is replaced (everywhere in the line, in order) by the variable's value;
// unset and empty variables are left as written.
func expandEnv(line string, getenv func(string) string) string {
	if getenv == nil || !strings.Contains(line, "${") {
		return line
	}
	for _, m := range envVarRE.FindAllStringSubmatch(line, -1) {
		value := getenv(m[1])
		if value == "" {
			continue
		}
		line = strings.ReplaceAll(line, m[0], value)
	}
	return line
}
