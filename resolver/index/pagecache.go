package index

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"

	"github.com/gopip/gopip/internal/pyurl"
)

// Cache keeps bytes between runs under string keys: cmd gives the HTTP
// layer of gopip's cache. CachingPages keeps index pages there with their
// HTTP validators, and the Client (Options.Cache) PEP 658 metadata files
// by their digest. Whatever Get returns is checked before it is used: a
// page record carries the sha256 of its body, a metadata file must match
// the digests of the page that lists it. Implementations must be safe for
// simultaneous use by multiple goroutines (and processes); a failed Put
// is not an error for the run.
type Cache interface {
	Get(key string) ([]byte, bool)
	Put(key string, data []byte) error
}

// CachingPages is the plain PageSource (HTTPPages) with an HTTP cache for
// project pages, as pip's for index pages: a page fetched with an ETag or
// a Last-Modified date is kept with them, and every later GetPage
// revalidates it (pip asks for index pages with Cache-Control: max-age=0,
// so does gopip): If-None-Match and If-Modified-Since are sent, and a 304
// Not Modified answer is served from the cache, which saves the body's
// transfer and nothing else. Pages without validators are not kept; a 404
// forgets a kept page. file: indexes are read from disk as by HTTPPages.
// Pages are keyed by URL (with its credentials, so that two users of one
// host share nothing) and Accept header. It is safe for concurrent use.
type CachingPages struct {
	pages *HTTPPages
	cache Cache
}

// NewCachingPages returns pages with the cache c.
func NewCachingPages(pages *HTTPPages, c Cache) *CachingPages {
	return &CachingPages{pages: pages, cache: c}
}

// GetPage is HTTPPages.GetPage, revalidating a kept copy of the page.
func (s *CachingPages) GetPage(ctx context.Context, index *Index, project string) (*RawPage, error) {
	rawURL := index.ProjectURL(project)
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("bad URL %s: %w", pyurl.Redact(rawURL), err)
	}
	if u.Scheme == "file" {
		return readLocalPage(u)
	}
	key := "page\x00" + Accept + "\x00" + rawURL
	kept := s.load(key)
	var extra http.Header
	if kept != nil {
		extra = http.Header{}
		if kept.ETag != "" {
			extra.Set("If-None-Match", kept.ETag)
		}
		if kept.LastModified != "" {
			extra.Set("If-Modified-Since", kept.LastModified)
		}
	}
	page, resp, err := s.pages.fetch(ctx, u, rawURL, extra)
	if err != nil {
		if kept != nil {
			s.cache.Put(key, nil) // a 404, or a server in trouble: forget it
		}
		return nil, err
	}
	if resp.StatusCode == http.StatusNotModified {
		if kept == nil {
			return nil, fmt.Errorf("GET %s: 304 Not Modified to a request that was not conditional", pyurl.Redact(rawURL))
		}
		final := rawURL
		if kept.URL != "" {
			if r, err := url.Parse(kept.URL); err == nil {
				final = withUserinfo(*r, u)
			}
		}
		return &RawPage{Body: kept.body, ContentType: kept.ContentType, URL: final}, nil
	}
	rec := pageRecord{ETag: resp.Header.Get("ETag"), LastModified: resp.Header.Get("Last-Modified"), ContentType: page.ContentType}
	if rec.ETag != "" || rec.LastModified != "" {
		if page.URL != rawURL {
			if r, err := url.Parse(page.URL); err == nil {
				r.User = nil // the credentials stay out of the cache
				rec.URL = r.String()
			}
		}
		s.store(key, rec, page.Body)
	} else if kept != nil {
		s.cache.Put(key, nil)
	}
	return page, nil
}

// pageRecord is a kept page: a JSON line of these fields, then the body.
type pageRecord struct {
	// URL is the page's final URL after redirects, without credentials;
	// "" when it is the requested URL.
	URL          string `json:"url,omitempty"`
	ContentType  string `json:"content_type"`
	ETag         string `json:"etag,omitempty"`
	LastModified string `json:"last_modified,omitempty"`
	// SHA256 is the body's digest: a record cut short or changed is not
	// used.
	SHA256 string `json:"sha256"`

	body []byte
}

func (s *CachingPages) load(key string) *pageRecord {
	data, ok := s.cache.Get(key)
	if !ok {
		return nil
	}
	head, body, ok := bytes.Cut(data, []byte("\n"))
	if !ok {
		return nil
	}
	var rec pageRecord
	if json.Unmarshal(head, &rec) != nil || (rec.ETag == "" && rec.LastModified == "") {
		return nil
	}
	sum := sha256.Sum256(body)
	if hex.EncodeToString(sum[:]) != rec.SHA256 {
		return nil
	}
	rec.body = body
	return &rec
}

func (s *CachingPages) store(key string, rec pageRecord, body []byte) {
	sum := sha256.Sum256(body)
	rec.SHA256 = hex.EncodeToString(sum[:])
	head, err := json.Marshal(rec)
	if err != nil {
		return
	}
	data := make([]byte, 0, len(head)+1+len(body))
	data = append(append(append(data, head...), '\n'), body...)
	s.cache.Put(key, data) // best effort: the run does not depend on it
}
