package api

import (
	"net/http/httptest"
	"net/url"
	"testing"
	"unicode"
	"unicode/utf8"
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

// FuzzTextProblem: what the address and name checks accept is valid UTF-8
// without control characters or line breaks, and within the limit.
func FuzzTextProblem(f *testing.F) {
	for _, s := range []string{"+15550001111", "+1555\u0000\r\n", "sip:alice@example.com", "\u001b[31m", "\xff", "é"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if textProblem(s, maxFriendlyName) != "" {
			return
		}
		if !utf8.ValidString(s) || utf8.RuneCountInString(s) > maxFriendlyName {
			t.Fatalf("accepted %q", s)
		}
		for _, r := range s {
			if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
				t.Fatalf("accepted %q with %U", s, r)
			}
		}
	})
}
