package httpx

import "strings"

// Redact returns rawURL with the password of its userinfo replaced by
// "****", or the whole userinfo when it is a single token, as pip's
// redact_auth_from_url does: "https://user:secret@h/" becomes
// "https://user:****@h/" and "https://token@h/" becomes "https://****@h/".
// A URL without userinfo is returned unchanged. Redact never fails: it works
// on the text, so even a URL that does not parse is redacted.
func Redact(rawURL string) string {
	i := strings.Index(rawURL, "://")
	if i < 0 {
		return rawURL
	}
	rest := rawURL[i+3:]
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	authority := rest[:end]
	at := strings.LastIndex(authority, "@")
	if at < 0 {
		return rawURL
	}
	userinfo := authority[:at]
	red := "****"
	if user, _, ok := strings.Cut(userinfo, ":"); ok {
		red = user + ":****"
	}
	return rawURL[:i+3] + red + authority[at:] + rest[end:]
}
