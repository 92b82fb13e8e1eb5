package api

import (
	"net/http/httptest"
	"net/url"
	"testing"
)

// FuzzPaging: any PageSize, Page and PageToken a client sends is either
// read or refused with a Twilio error, never a panic; a token we give out
// reads back as the same cursor.
func FuzzPaging(f *testing.F) {
	f.Add("50", "0", "")
	f.Add("1000", "3", "PTeyJrIjoiMjAyNi0wMS0wMVQwMDowMDowMC4wMDAwMDAwMDBaIiwicyI6IkZOMSJ9")
	f.Add("-1", "x", "PT%%%")
	f.Add("1e3", "99999999999", "PTnull")
	f.Fuzz(func(t *testing.T, size, page, token string) {
		q := url.Values{"PageSize": {size}, "Page": {page}, "PageToken": {token}}
		r := httptest.NewRequest("GET", "/v2/Flows?"+q.Encode(), nil)
		p, e := readPaging(r)
		if e != nil {
			if e.Status != 400 || e.Code == 0 || e.Message == "" {
				t.Fatalf("bad error %+v", e)
			}
			return
		}
		if p.size < 1 || p.size > maxPageSize || p.page < 0 {
			t.Fatalf("accepted out of range paging %+v", p)
		}
		if p.after != nil {
			back, err := decodeToken(encodeToken(p.after))
			if err != nil || *back != *p.after {
				t.Fatalf("token does not round-trip: %v %+v", err, back)
			}
		}
		_ = p.meta(r, "flows", p.after)
	})
}
