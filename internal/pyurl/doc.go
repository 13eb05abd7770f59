// Package pyurl reproduces the URL functions of Python's urllib.parse
// (Python 3.11) and pip's helpers built on them (path_to_url, url_to_path,
// redact_auth_from_url), for the places where gopip must read or write a
// URL exactly as pip does: links in requirements files, file: URLs of
// local projects, direct_url.json and the links of index pages.
//
// Go's net/url is stricter and normalises more: it refuses URLs that
// Python splits without complaint (a space, a bare "%"), decodes escapes
// in the path when parsing and re-encodes on output, and resolves
// references by RFC 3986 where urljoin keeps its own rules. pip's
// answers, and so gopip's, come from the functions here:
//
//	p, err := pyurl.Split("git+https://u@host/repo.git@v1#egg=x")
//	// p.Scheme "git+https", p.Netloc "u@host", p.Path "/repo.git@v1", p.Fragment "egg=x"
//	p.String()                                  // urlunsplit: the URL again
//	pyurl.Join("https://h/a/r.txt", "../b.txt") // "https://h/b.txt", as urljoin
//	pyurl.Quote("a b/ü")                         // "a%20b/%C3%BC", as quote(s) with safe="/"
//	pyurl.Unquote("a%20b/%C3%BC")                // "a b/ü"
//	pyurl.FileURL("/home/u/proj")                // "file:///home/u/proj", pip's path_to_url
//	pyurl.ToPath("file://localhost/srv/p")       // "/srv/p", pip's url_to_path
//	pyurl.RedactAuth("https://u:secret@h/")      // "https://u:****@h/", pip's redact_auth_from_url
//	pyurl.Redact("https://u:secret@[h/")         // "https://u:****@[h/": RedactAuth that never fails, for messages
//
// The tests compare every function with the machine's python3.
//
// One check of urlsplit is left out: Python rejects a non-ASCII netloc
// whose NFKC normalisation contains one of "/?#@:", which needs Unicode
// normalisation tables that Go's standard library does not have.
package pyurl
