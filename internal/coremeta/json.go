package coremeta

import "strings"

// fieldOrder lists the core metadata fields that the JSON form carries, in
// the order pip's installation report writes them (pip's
// metadata/_json.py METADATA_FIELDS), and whether each may appear more
// than once.
var fieldOrder = []struct {
	name  string
	multi bool
}{
	{"Metadata-Version", false},
	{"Name", false},
	{"Version", false},
	{"Dynamic", true},
	{"Platform", true},
	{"Supported-Platform", true},
	{"Summary", false},
	{"Description", false},
	{"Description-Content-Type", false},
	{"Keywords", false},
	{"Home-page", false},
	{"Download-URL", false},
	{"Author", false},
	{"Author-email", false},
	{"Maintainer", false},
	{"Maintainer-email", false},
	{"License", false},
	{"License-Expression", false},
	{"License-File", true},
	{"Classifier", true},
	{"Requires-Dist", true},
	{"Requires-Python", false},
	{"Requires-External", true},
	{"Project-URL", true},
	{"Provides-Extra", true},
	{"Provides-Dist", true},
	{"Obsoletes-Dist", true},
}

// JSONField is one key of the JSON form of core metadata; Value is a
// string or a []string.
type JSONField struct {
	Key   string
	Value any
}

// JSON returns the PEP 566 JSON form of the metadata, as pip's
// installation report writes it: keys lower case with "_" for "-",
// multiple-use fields as lists, Keywords split on commas (or white space
// when there is no comma), and the body as "description". The fields come
// in pip's order; an encoder must keep it.
//
// pip reads metadata through importlib.metadata, whose message adapter
// adds the body as a Description field; JSON does the same, so that it
// matches pip's report rather than msg_to_json on a bare email message.
func (m *Metadata) JSON() []JSONField {
	var out []JSONField
	for _, f := range fieldOrder {
		if f.name == "Description" && m.Body != "" {
			// importlib.metadata, which pip reads metadata through,
			// turns the body into a Description field: the body takes
			// that place (and wins over a Description header).
			out = append(out, JSONField{"description", m.Body})
			continue
		}
		if !m.Has(f.name) {
			continue
		}
		key := strings.ReplaceAll(strings.ToLower(f.name), "-", "_")
		if f.multi {
			out = append(out, JSONField{key, m.GetAll(f.name)})
			continue
		}
		v := m.Get(f.name)
		if key == "keywords" {
			var words []string
			if strings.Contains(v, ",") {
				for _, w := range strings.Split(v, ",") {
					words = append(words, strings.TrimSpace(w))
				}
			} else {
				words = strings.Fields(v)
			}
			if words == nil {
				words = []string{}
			}
			out = append(out, JSONField{key, words})
			continue
		}
		out = append(out, JSONField{key, v})
	}
	return out
}
