package api

// A flow's tests, kept with it (our own resource; Studio has none). Each is
// one test of the schema/flowtest.json format, the one `switchboard flow
// test` reads, and runs with the same runner (app/flowtest):
//
//	GET    /v2/Flows/{Sid}/Tests                 the list (?Format=flowtest: the tests as one flow-test file)
//	POST   /v2/Flows/{Sid}/Tests                 Test (JSON), Replace=true to overwrite one of the same name
//	GET    /v2/Flows/{Sid}/Tests/{Name}
//	DELETE /v2/Flows/{Sid}/Tests/{Name}
//	POST   /v2/Flows/{Sid}/Tests/Runs            run them all
//	POST   /v2/Flows/{Sid}/Tests/{Name}/Runs     run one
//
// A run tests the flow's current draft (its latest revision) unless
// Revision (a number or LatestPublished) says otherwise; nothing is stored.

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode"

	"github.com/switchboard/switchboard/app/flowtest"
	"github.com/switchboard/switchboard/app/store"
	"github.com/switchboard/switchboard/schema"
)

const (
	maxFlowTests    = 200
	maxTestNameLen  = 100
	flowTestSchema  = "https://schemas.switchboard.dev/studio/flowtest.json"
	concurrentRuns  = 2
	maxTranscriptKB = 64
)

// testRuns bounds how many test runs go at once.
type testRuns chan struct{}

func (s *Server) routesFlowTests(mux *http.ServeMux) {
	s.tests = make(testRuns, concurrentRuns)
	mux.HandleFunc("GET /v2/Flows/{Sid}/Tests", s.listFlowTests)
	mux.HandleFunc("POST /v2/Flows/{Sid}/Tests", s.createFlowTest)
	mux.HandleFunc("POST /v2/Flows/{Sid}/Tests/Runs", s.runFlowTests)
	mux.HandleFunc("GET /v2/Flows/{Sid}/Tests/{Name}", s.fetchFlowTest)
	mux.HandleFunc("DELETE /v2/Flows/{Sid}/Tests/{Name}", s.deleteFlowTest)
	mux.HandleFunc("POST /v2/Flows/{Sid}/Tests/{Name}/Runs", s.runFlowTests)
}

// FlowTest is the resource's JSON.
type FlowTest struct {
	FlowSID     string          `json:"flow_sid"`
	Name        string          `json:"name"`
	Test        json.RawMessage `json:"test"`
	DateCreated string          `json:"date_created"`
	DateUpdated string          `json:"date_updated"`
	URL         string          `json:"url"`
}

// TestRun is one test's result.
type TestRun struct {
	Name       string           `json:"name"`
	Passed     bool             `json:"passed"`
	Checks     []flowtest.Check `json:"checks"`
	Failures   []string         `json:"failures"`
	Transcript string           `json:"transcript"`
}

// TestRuns is a run of a flow's tests.
type TestRuns struct {
	FlowSID  string    `json:"flow_sid"`
	Revision int       `json:"revision"`
	Passed   int       `json:"passed"`
	Failed   int       `json:"failed"`
	Runs     []TestRun `json:"runs"`
}

func (s *Server) flowTestJSON(r *http.Request, t *store.FlowTest) FlowTest {
	return FlowTest{FlowSID: t.FlowSID, Name: t.Name, Test: t.Test, DateCreated: iso(t.DateCreated), DateUpdated: iso(t.DateUpdated),
		URL: base(r) + "/v2/Flows/" + t.FlowSID + "/Tests/" + url.PathEscape(t.Name)}
}

func (s *Server) listFlowTests(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	f, err := s.Store.Flow(ctx, r.PathValue("Sid"))
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	rows, err := s.Store.FlowTests(ctx, f.SID)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	if r.URL.Query().Get("Format") == "flowtest" {
		file := struct {
			Schema string            `json:"$schema"`
			Tests  []json.RawMessage `json:"tests"`
		}{Schema: flowTestSchema, Tests: []json.RawMessage{}}
		for _, t := range rows {
			file.Tests = append(file.Tests, t.Test)
		}
		writeJSON(w, http.StatusOK, file)
		return
	}
	out := struct {
		Tests []FlowTest `json:"tests"`
		URL   string     `json:"url"`
	}{Tests: []FlowTest{}, URL: base(r) + "/v2/Flows/" + f.SID + "/Tests"}
	for _, t := range rows {
		out.Tests = append(out.Tests, s.flowTestJSON(r, t))
	}
	writeJSON(w, http.StatusOK, out)
}

// readFlowTest checks the Test parameter: one test of the flow-test format.
func readFlowTest(v string) (flowtest.Test, json.RawMessage, *Error) {
	var t flowtest.Test
	if strings.TrimSpace(v) == "" {
		return t, nil, missing("Test")
	}
	var raw json.RawMessage
	if err := json.Unmarshal([]byte(v), &raw); err != nil || !strings.HasPrefix(strings.TrimSpace(v), "{") {
		return t, nil, invalid("Test", "not a JSON object (one test of the schema/flowtest.json format)")
	}
	file, _ := json.Marshal(map[string]any{"tests": []json.RawMessage{raw}})
	if probs := schema.CheckFlowTests(file); len(probs) > 0 {
		msgs := make([]string, 0, len(probs))
		for _, p := range probs {
			msgs = append(msgs, strings.Replace(p.String(), "/tests/0", "", 1))
		}
		return t, nil, invalid("Test", "%s", strings.Join(msgs, "; "))
	}
	if err := json.Unmarshal(raw, &t); err != nil {
		return t, nil, invalid("Test", "%v", err)
	}
	t.Name = strings.TrimSpace(t.Name)
	if t.Name == "" || len(t.Name) > maxTestNameLen || strings.ContainsAny(t.Name, "/\\") ||
		strings.IndexFunc(t.Name, unicode.IsControl) >= 0 {
		return t, nil, invalid("Test", "name %q: 1 to %d characters, no slashes or control characters", t.Name, maxTestNameLen)
	}
	// Store it compactly, with the trimmed name.
	var obj map[string]json.RawMessage
	_ = json.Unmarshal(raw, &obj)
	obj["name"], _ = json.Marshal(t.Name)
	clean, _ := json.Marshal(obj)
	return t, clean, nil
}

func (s *Server) createFlowTest(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	f, err := s.Store.Flow(ctx, r.PathValue("Sid"))
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	in, e := form(w, r)
	if e != nil {
		writeError(w, e)
		return
	}
	t, raw, e := readFlowTest(in.Get("Test"))
	if e != nil {
		writeError(w, e)
		return
	}
	replace := strings.EqualFold(in.Get("Replace"), "true")
	if existing, err := s.Store.FlowTests(ctx, f.SID); err != nil {
		s.internal(w, r, err)
		return
	} else if len(existing) >= maxFlowTests && !replace {
		writeError(w, invalid("Test", "flow %s already has %d tests, the most it may have", f.SID, maxFlowTests))
		return
	}
	saved, err := s.Store.SaveFlowTest(ctx, f.SID, t.Name, raw, replace)
	if errors.Is(err, store.ErrExists) {
		writeError(w, apiError(http.StatusConflict, CodeConflict, "Flow %s already has a test named %q: pick another name, or send Replace=true", f.SID, t.Name))
		return
	}
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, s.flowTestJSON(r, saved))
}

func (s *Server) fetchFlowTest(w http.ResponseWriter, r *http.Request) {
	t, err := s.Store.FlowTest(r.Context(), r.PathValue("Sid"), r.PathValue("Name"))
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.flowTestJSON(r, t))
}

func (s *Server) deleteFlowTest(w http.ResponseWriter, r *http.Request) {
	if err := s.Store.DeleteFlowTest(r.Context(), r.PathValue("Sid"), r.PathValue("Name")); err != nil {
		s.storeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) runFlowTests(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	f, err := s.Store.Flow(ctx, r.PathValue("Sid"))
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	in, e := form(w, r)
	if e != nil {
		writeError(w, e)
		return
	}
	def, revision := []byte(f.Definition), f.Revision
	if which := in.Get("Revision"); which != "" && which != store.LatestRevision {
		if n, err := strconv.Atoi(which); which != store.LatestPublished && (err != nil || n < 1) {
			writeError(w, apiError(http.StatusBadRequest, CodeBadRevision, "Revision must be an integer or one of LatestPublished, LatestRevision; got %q", which))
			return
		}
		rev, err := s.Store.FlowRevision(ctx, f.SID, which)
		if errors.Is(err, store.ErrNotFound) {
			writeError(w, invalid("Revision", "flow %s has no revision %s", f.SID, which))
			return
		} else if err != nil {
			s.internal(w, r, err)
			return
		}
		def, revision = rev.Definition, rev.Revision
	}
	var rows []*store.FlowTest
	if name := r.PathValue("Name"); name != "" {
		t, err := s.Store.FlowTest(ctx, f.SID, name)
		if err != nil {
			s.storeError(w, r, err)
			return
		}
		rows = []*store.FlowTest{t}
	} else if rows, err = s.Store.FlowTests(ctx, f.SID); err != nil {
		s.internal(w, r, err)
		return
	}
	select {
	case s.tests <- struct{}{}:
		defer func() { <-s.tests }()
	case <-ctx.Done():
		return
	}
	out := TestRuns{FlowSID: f.SID, Revision: revision, Runs: []TestRun{}}
	for _, row := range rows {
		run := TestRun{Name: row.Name, Checks: []flowtest.Check{}, Failures: []string{}}
		var t flowtest.Test
		if err := json.Unmarshal(row.Test, &t); err != nil {
			run.Failures = append(run.Failures, "the stored test cannot be read: "+err.Error())
		} else {
			o, err := flowtest.Run(ctx, def, t)
			if err != nil {
				o.Failures = append(o.Failures, err.Error())
			}
			if o.Checks != nil {
				run.Checks = o.Checks
			}
			run.Failures = append(run.Failures, o.Failures...)
			run.Transcript = o.Transcript
			if len(run.Transcript) > maxTranscriptKB<<10 {
				run.Transcript = run.Transcript[:maxTranscriptKB<<10] + "\n…"
			}
		}
		run.Passed = len(run.Failures) == 0
		if run.Passed {
			out.Passed++
		} else {
			out.Failed++
		}
		out.Runs = append(out.Runs, run)
	}
	writeJSON(w, http.StatusOK, out)
}
