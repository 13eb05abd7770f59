package reqfile

import (
	"bytes"
	"fmt"
	"mime"
	"regexp"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// boms lists byte-order marks in the order pip (since 24.1) tries them:
// UTF-32 before UTF-16, since the UTF-16 LE mark is a prefix of the UTF-32
// LE one. pip 23.2 tried UTF-16 first and misread UTF-32 LE files.
var boms = []struct {
	bom      string
	encoding string
}{
	{"\xef\xbb\xbf", "utf_8"},
	{"\xff\xfe\x00\x00", "utf_32"},
	{"\x00\x00\xfe\xff", "utf_32_be"},
	{"\xff\xfe\x00\x00", "utf_32_le"},
	{"\xff\xfe", "utf_16"},
	{"\xfe\xff", "utf_16_be"},
	{"\xff\xfe", "utf_16_le"},
}

// codingRE is pip's PEP 263 pattern, searched in either of the first two
// lines when they start with '#'.
var codingRE = regexp.MustCompile(`coding[:=][ \t\n\r\f\v]*([-\w.]+)`)

// decodeError is a file that is not text in the encoding it claims (or
// UTF-8 when it claims none).
type decodeError struct {
	encoding string
	offset   int
	unknown  bool
}

func (e *decodeError) Error() string {
	if e.unknown {
		return "unknown encoding: " + e.encoding
	}
	return fmt.Sprintf("'%s' codec can't decode the byte at position %d", pythonCodecName(e.encoding), e.offset)
}

// autoDecode is pip's auto_decode: a byte-order mark wins, then a PEP 263
// coding comment in the first two lines, then UTF-8 (what pip 23.2's
// locale default is on any UTF-8 system and what current pip tries first).
func autoDecode(data []byte) (string, error) {
	for _, b := range boms {
		if bytes.HasPrefix(data, []byte(b.bom)) {
			return decodeAs(b.encoding, data[len(b.bom):])
		}
	}
	for i, line := range bytes.SplitN(data, []byte("\n"), 3) {
		if i == 2 {
			break
		}
		if len(line) > 0 && line[0] == '#' {
			if m := codingRE.FindSubmatch(line); m != nil {
				return decodeAs(string(m[1]), data)
			}
		}
	}
	return decodeAs("utf_8", data)
}

// decodeBody decodes a fetched requirements file: the charset the server
// named, if any, else as a local file.
func decodeBody(data []byte, contentType string) (string, error) {
	if contentType != "" {
		if _, params, err := mime.ParseMediaType(contentType); err == nil && params["charset"] != "" {
			return decodeAs(params["charset"], data)
		}
	}
	return autoDecode(data)
}

// codecAliases maps Python's normalised codec names and aliases to the
// codecs implemented here.
var codecAliases = buildCodecAliases()

func buildCodecAliases() map[string]string {
	aliases := map[string]string{}
	for codec, names := range map[string][]string{
		"utf_8":     {"utf_8", "cp65001", "u8", "utf", "utf8", "utf8_ucs2", "utf8_ucs4"},
		"utf_8_sig": {"utf_8_sig"},
		"latin_1":   {"latin_1", "8859", "cp819", "csisolatin1", "ibm819", "iso8859", "iso8859_1", "iso_8859_1", "iso_8859_1_1987", "iso_ir_100", "l1", "latin", "latin1"},
		"ascii":     {"ascii", "646", "ansi_x3.4_1968", "ansi_x3.4_1986", "ansi_x3_4_1968", "cp367", "csascii", "ibm367", "iso646_us", "iso_646.irv_1991", "iso_ir_6", "us", "us_ascii"},
		"cp1252":    {"cp1252", "1252", "windows_1252"},
		"utf_16":    {"utf_16", "u16", "utf16"},
		"utf_16_le": {"utf_16_le", "unicodelittleunmarked", "utf_16le"},
		"utf_16_be": {"utf_16_be", "unicodebigunmarked", "utf_16be"},
		"utf_32":    {"utf_32", "u32", "utf32"},
		"utf_32_le": {"utf_32_le", "utf_32le"},
		"utf_32_be": {"utf_32_be", "utf_32be"},
	} {
		for _, n := range names {
			aliases[n] = codec
		}
	}
	return aliases
}

// normalizeEncoding is Python's codec name lookup normalisation: lower
// case, runs of anything but letters, digits and '.' collapsed to '_'.
func normalizeEncoding(name string) string {
	var b strings.Builder
	punct := false
	for _, c := range strings.ToLower(name) {
		if ('a' <= c && c <= 'z') || ('0' <= c && c <= '9') || c == '.' {
			if punct && b.Len() > 0 {
				b.WriteByte('_')
			}
			b.WriteRune(c)
			punct = false
		} else {
			punct = true
		}
	}
	return b.String()
}

func lookupCodec(name string) (string, bool) {
	n := normalizeEncoding(name)
	if c, ok := codecAliases[n]; ok {
		return c, true
	}
	c, ok := codecAliases[strings.ReplaceAll(n, ".", "_")]
	return c, ok
}

func pythonCodecName(codec string) string {
	switch codec {
	case "utf_8", "utf_8_sig":
		return "utf-8"
	case "latin_1":
		return "latin-1"
	case "cp1252":
		return "charmap"
	}
	return strings.ReplaceAll(codec, "_", "-")
}

// cp1252High maps bytes 0x80..0x9f of Windows-1252; 0 marks the five bytes
// Python's codec leaves undefined.
var cp1252High = [32]rune{
	0x20ac, 0, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017d, 0,
	0, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0, 0x017e, 0x0178,
}

// decodeAs decodes data with the named Python codec, strictly.
func decodeAs(name string, data []byte) (string, error) {
	codec, ok := lookupCodec(name)
	if !ok {
		return "", &decodeError{encoding: name, unknown: true}
	}
	fail := func(offset int) (string, error) {
		return "", &decodeError{encoding: codec, offset: offset}
	}
	switch codec {
	case "utf_8_sig":
		data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
		fallthrough
	case "utf_8":
		for i := 0; i < len(data); {
			r, size := utf8.DecodeRune(data[i:])
			if r == utf8.RuneError && size == 1 {
				return fail(i)
			}
			i += size
		}
		return string(data), nil
	case "ascii":
		for i, c := range data {
			if c >= 0x80 {
				return fail(i)
			}
		}
		return string(data), nil
	case "latin_1", "cp1252":
		var b strings.Builder
		for i, c := range data {
			r := rune(c)
			if codec == "cp1252" && c >= 0x80 && c < 0xa0 {
				if r = cp1252High[c-0x80]; r == 0 {
					return fail(i)
				}
			}
			b.WriteRune(r)
		}
		return b.String(), nil
	case "utf_16", "utf_16_le", "utf_16_be":
		big := codec == "utf_16_be"
		if codec == "utf_16" {
			// The generic codec honours (and drops) a mark; without one it
			// reads the machine's order, little-endian everywhere gopip runs.
			switch {
			case bytes.HasPrefix(data, []byte("\xff\xfe")):
				data = data[2:]
			case bytes.HasPrefix(data, []byte("\xfe\xff")):
				data, big = data[2:], true
			}
		}
		units := make([]uint16, 0, len(data)/2)
		for i := 0; i+1 < len(data); i += 2 {
			u := uint16(data[i]) | uint16(data[i+1])<<8
			if big {
				u = uint16(data[i])<<8 | uint16(data[i+1])
			}
			units = append(units, u)
		}
		for i := 0; i < len(units); i++ {
			switch {
			case units[i] >= 0xd800 && units[i] < 0xdc00:
				if i+1 >= len(units) || units[i+1] < 0xdc00 || units[i+1] >= 0xe000 {
					return fail(2 * i)
				}
				i++
			case units[i] >= 0xdc00 && units[i] < 0xe000:
				return fail(2 * i)
			}
		}
		if len(data)%2 != 0 {
			return fail(len(data) - 1)
		}
		return string(utf16.Decode(units)), nil
	default: // utf_32, utf_32_le, utf_32_be
		big := codec == "utf_32_be"
		if codec == "utf_32" {
			switch {
			case bytes.HasPrefix(data, []byte("\xff\xfe\x00\x00")):
				data = data[4:]
			case bytes.HasPrefix(data, []byte("\x00\x00\xfe\xff")):
				data, big = data[4:], true
			}
		}
		var b strings.Builder
		for i := 0; i+3 < len(data); i += 4 {
			r := rune(data[i]) | rune(data[i+1])<<8 | rune(data[i+2])<<16 | rune(data[i+3])<<24
			if big {
				r = rune(data[i])<<24 | rune(data[i+1])<<16 | rune(data[i+2])<<8 | rune(data[i+3])
			}
			if r < 0 || r > utf8.MaxRune || (r >= 0xd800 && r < 0xe000) {
				return fail(i)
			}
			b.WriteRune(r)
		}
		if len(data)%4 != 0 {
			return fail(len(data) - len(data)%4)
		}
		return b.String(), nil
	}
}
