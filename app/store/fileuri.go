package store

import (
	"net/url"
	"path/filepath"
)

// fileURI is SQLite's URI for the file at path with query, which SQLite
// takes only in URI form (mode=ro, immutable=1). URI paths use forward
// slashes, and a Windows drive path needs a leading one (file:///C:/...):
// C:\... put in as it is reads as an invalid authority.
func fileURI(path, query string) string {
	p := filepath.ToSlash(path)
	if len(p) >= 2 && p[1] == ':' {
		p = "/" + p
	}
	u := url.URL{Scheme: "file", Path: p, RawQuery: query}
	return u.String()
}
