package api

import (
	"context"
	"net/http"
)

// listAll answers a 2010-API list (queues, credential lists, credentials)
// of rows the store returns whole, as these small settings tables are: it
// reads the paging parameters, loads the rows, turns each into its JSON and
// writes the asked page under key. A load error is answered as the store's
// errors are (a missing parent is 404).
func listAll[R, J any](s *Server, w http.ResponseWriter, r *http.Request, key string,
	load func(context.Context) ([]R, error), toJSON func(*R) J) {
	p, e := readPaging(r)
	if e != nil {
		writeError(w, e)
		return
	}
	rows, err := load(r.Context())
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	out := make([]J, 0, len(rows))
	for i := range rows {
		out = append(out, toJSON(&rows[i]))
	}
	items, more := pageOf(out, p)
	writeList2010(w, r, key, p, items, more)
}

// pageOf is page p of all.
func pageOf[T any](all []T, p paging) ([]T, bool) {
	start := min(p.page*p.size, len(all))
	end := min(start+p.size, len(all))
	return all[start:end], end < len(all)
}
