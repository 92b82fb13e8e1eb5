package api

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/switchboard/switchboard/app/store"
)

// maxBody caps request bodies. Definitions over Studio's 1 MB still arrive
// whole and are refused by validation with a clear message.
const maxBody = 3 << 20

// routesV2 registers Studio's v2 REST API.
func (s *Server) routesV2(mux *http.ServeMux) {
	mux.HandleFunc("GET /v2/Flows", s.listFlows)
	mux.HandleFunc("POST /v2/Flows", s.createFlow)
	mux.HandleFunc("POST /v2/Flows/Validate", s.validateFlow)
	mux.HandleFunc("GET /v2/Flows/{Sid}", s.fetchFlow)
	mux.HandleFunc("POST /v2/Flows/{Sid}", s.updateFlow)
	mux.HandleFunc("DELETE /v2/Flows/{Sid}", s.deleteFlow)
	mux.HandleFunc("GET /v2/Flows/{Sid}/Revisions", s.listRevisions)
	mux.HandleFunc("GET /v2/Flows/{Sid}/Revisions/{Revision}", s.fetchRevision)
	mux.HandleFunc("GET /v2/Flows/{Sid}/TestUsers", s.fetchTestUsers)
	mux.HandleFunc("POST /v2/Flows/{Sid}/TestUsers", s.updateTestUsers)
	mux.HandleFunc("GET /v2/Flows/{FlowSid}/Executions", s.listExecutions)
	mux.HandleFunc("POST /v2/Flows/{FlowSid}/Executions", s.createExecution)
	mux.HandleFunc("GET /v2/Flows/{FlowSid}/Executions/{Sid}", s.fetchExecution)
	mux.HandleFunc("POST /v2/Flows/{FlowSid}/Executions/{Sid}", s.updateExecution)
	mux.HandleFunc("DELETE /v2/Flows/{FlowSid}/Executions/{Sid}", s.deleteExecution)
	mux.HandleFunc("GET /v2/Flows/{FlowSid}/Executions/{Sid}/Context", s.fetchExecutionContext)
	mux.HandleFunc("GET /v2/Flows/{FlowSid}/Executions/{ExecutionSid}/Steps", s.listSteps)
	mux.HandleFunc("GET /v2/Flows/{FlowSid}/Executions/{ExecutionSid}/Steps/{Sid}", s.fetchStep)
	mux.HandleFunc("GET /v2/Flows/{FlowSid}/Executions/{ExecutionSid}/Steps/{Sid}/Context", s.fetchStepContext)
	mux.HandleFunc("POST /v2/Liquid/Render", s.renderLiquid)
	mux.HandleFunc("GET /v2/Dashboard", s.dashboard)
	// Anything else under /v2 is Twilio's 404, not the editor.
	mux.HandleFunc("/v2/", func(w http.ResponseWriter, r *http.Request) { writeError(w, notFound(r)) })
}

// form parses a POST body, which Studio's API takes form-encoded.
func form(w http.ResponseWriter, r *http.Request) (url.Values, *Error) {
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || mt != "application/x-www-form-urlencoded" {
			return nil, apiError(http.StatusUnsupportedMediaType, CodeInvalidParam,
				"Content-Type %q is not supported: send application/x-www-form-urlencoded", ct)
		}
	}
	if err := r.ParseForm(); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, apiError(http.StatusRequestEntityTooLarge, CodeInvalidParam, "The request body is larger than %d bytes", maxBody)
		}
		return nil, apiError(http.StatusBadRequest, CodeInvalidParam, "The request body is not a valid form: %v", err)
	}
	return r.PostForm, nil
}

// required returns a form value that must be present and non-empty.
func required(f url.Values, name string) (string, *Error) {
	v := f.Get(name)
	if strings.TrimSpace(v) == "" {
		return "", missing(name)
	}
	return v, nil
}

// base is the scheme and host the caller used, for the URLs in responses.
func base(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// iso formats a time as Twilio's APIs do.
func iso(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// paging is a list request's page: Studio's PageSize, Page and PageToken.
type paging struct {
	size, page int
	token      string
	after      *store.Cursor
}

const (
	defaultPageSize = 50
	maxPageSize     = 1000
)

func readPaging(r *http.Request) (paging, *Error) {
	q := r.URL.Query()
	p := paging{size: defaultPageSize}
	if v := q.Get("PageSize"); v != "" {
		n, err := strconv.Atoi(v)
		switch {
		case err != nil || n < 1:
			return p, invalid("PageSize", "%q is not a whole number from 1 to %d", v, maxPageSize)
		case n > maxPageSize:
			return p, apiError(http.StatusBadRequest, CodePageSize, "Page size too large: the maximum page size is %d", maxPageSize)
		}
		p.size = n
	}
	if v := q.Get("Page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 1_000_000 {
			return p, invalid("Page", "%q is not a page number", v)
		}
		p.page = n
	}
	if v := q.Get("PageToken"); v != "" {
		c, err := decodeToken(v)
		if err != nil {
			return p, invalid("PageToken", "not a token this API gave out")
		}
		p.token, p.after = v, c
	}
	return p, nil
}

// storePage is the store query for this page: one row more than the page
// holds, to know whether another page follows.
func (p paging) storePage() store.Page {
	sp := store.Page{Limit: p.size + 1, After: p.after}
	if p.after == nil {
		sp.Offset = p.page * p.size
	}
	return sp
}

// PageToken is an opaque cursor: "PT" and the base64 of the last row's key.
func encodeToken(c *store.Cursor) string {
	b, _ := json.Marshal(c)
	return "PT" + base64.RawURLEncoding.EncodeToString(b)
}

func decodeToken(s string) (*store.Cursor, error) {
	if !strings.HasPrefix(s, "PT") || len(s) > 512 {
		return nil, errors.New("bad token")
	}
	b, err := base64.RawURLEncoding.DecodeString(s[2:])
	if err != nil {
		return nil, err
	}
	var c store.Cursor
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, err
	}
	return &c, nil
}

// Meta is Studio's paging envelope.
type Meta struct {
	Page            int     `json:"page"`
	PageSize        int     `json:"page_size"`
	FirstPageURL    string  `json:"first_page_url"`
	PreviousPageURL *string `json:"previous_page_url"`
	NextPageURL     *string `json:"next_page_url"`
	URL             string  `json:"url"`
	Key             string  `json:"key"`
}

// meta builds the envelope for a page; next is the cursor after its last
// row when another page follows. Filters in the request's query are kept.
func (p paging) meta(r *http.Request, key string, next *store.Cursor) Meta {
	at := func(page int, token string) string {
		q := url.Values{}
		for k, vs := range r.URL.Query() {
			if k != "Page" && k != "PageSize" && k != "PageToken" {
				q[k] = vs
			}
		}
		q.Set("PageSize", strconv.Itoa(p.size))
		q.Set("Page", strconv.Itoa(page))
		if token != "" {
			q.Set("PageToken", token)
		}
		return base(r) + r.URL.Path + "?" + q.Encode()
	}
	m := Meta{Page: p.page, PageSize: p.size, FirstPageURL: at(0, ""), URL: at(p.page, p.token), Key: key}
	if next != nil {
		u := at(p.page+1, encodeToken(next))
		m.NextPageURL = &u
	}
	if p.page > 0 {
		// Back by offset: the page before, as the rows stand now.
		u := at(p.page-1, "")
		m.PreviousPageURL = &u
	}
	return m
}

// writePage trims a store result (one row more than the page, see
// storePage) to the page, encodes its rows and writes Studio's list
// envelope under key.
func writePage[R, J any](w http.ResponseWriter, r *http.Request, p paging, key string, rows []R,
	cursor func(R) *store.Cursor, encode func(*R) J) {
	var next *store.Cursor
	if len(rows) > p.size {
		rows, next = rows[:p.size], cursor(rows[p.size-1])
	}
	out := make([]J, len(rows))
	for i := range rows {
		out[i] = encode(&rows[i])
	}
	writeJSON(w, http.StatusOK, map[string]any{key: out, "meta": p.meta(r, key, next)})
}
