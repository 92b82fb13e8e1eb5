package api

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/switchboard/switchboard/app/sid"
	"github.com/switchboard/switchboard/app/store"
	"github.com/switchboard/switchboard/schema"
)

// Flow is Studio's Flow resource.
type Flow struct {
	SID           string            `json:"sid"`
	AccountSID    string            `json:"account_sid"`
	AuthorSID     *string           `json:"author_sid"`
	FriendlyName  string            `json:"friendly_name"`
	Definition    json.RawMessage   `json:"definition"`
	Status        string            `json:"status"`
	Revision      int               `json:"revision"`
	CommitMessage *string           `json:"commit_message"`
	Valid         bool              `json:"valid"`
	Errors        []store.Problem   `json:"errors"`
	Warnings      []store.Problem   `json:"warnings"`
	DateCreated   string            `json:"date_created"`
	DateUpdated   *string           `json:"date_updated"`
	WebhookURL    string            `json:"webhook_url"`
	URL           string            `json:"url"`
	Links         map[string]string `json:"links"`
}

// FlowRevision is Studio's FlowRevision resource.
type FlowRevision struct {
	SID           string          `json:"sid"`
	AccountSID    string          `json:"account_sid"`
	AuthorSID     *string         `json:"author_sid"`
	FriendlyName  string          `json:"friendly_name"`
	Definition    json.RawMessage `json:"definition"`
	Status        string          `json:"status"`
	Revision      int             `json:"revision"`
	CommitMessage *string         `json:"commit_message"`
	Valid         *bool           `json:"valid"`
	Errors        []store.Problem `json:"errors"`
	DateCreated   string          `json:"date_created"`
	DateUpdated   *string         `json:"date_updated"`
	URL           string          `json:"url"`
}

// TestUsers is Studio's TestUser resource.
type TestUsers struct {
	SID       string   `json:"sid"`
	TestUsers []string `json:"test_users"`
	URL       string   `json:"url"`
}

func (s *Server) accountSID() string { return s.Auth.Creds.AccountSID }

func nullable(v string) *string {
	if v == "" {
		return nil
	}
	return &v
}

func (s *Server) flowJSON(r *http.Request, f *store.Flow, withDefinition bool) Flow {
	u := base(r) + "/v2/Flows/" + f.SID
	out := Flow{
		SID: f.SID, AccountSID: s.accountSID(), FriendlyName: f.FriendlyName, Status: f.Status, Revision: f.Revision,
		CommitMessage: nullable(f.CommitMessage), Valid: f.Valid, Errors: nonNilProblems(f.Errors), Warnings: nonNilProblems(f.Warnings),
		DateCreated: iso(f.DateCreated), DateUpdated: nullable(iso(f.DateUpdated)),
		WebhookURL: base(r) + "/v1/Accounts/" + s.accountSID() + "/Flows/" + f.SID, URL: u,
		Links: map[string]string{"test_users": u + "/TestUsers", "revisions": u + "/Revisions", "executions": u + "/Executions"},
	}
	if withDefinition {
		out.Definition = f.Definition
	} else {
		out.Definition = json.RawMessage("null")
	}
	return out
}

func nonNilProblems(p []store.Problem) []store.Problem {
	if p == nil {
		return []store.Problem{}
	}
	return p
}

// flowInput is the form of CreateFlow, UpdateFlow and Validate.
type flowInput struct {
	friendlyName, status, commitMessage string
	definition                          []byte
	result                              schema.Result
}

// readFlow reads and checks a flow form. needDefinition and needName are
// false for UpdateFlow, where they are optional.
func readFlow(w http.ResponseWriter, r *http.Request, needName, needDefinition bool) (*flowInput, *Error) {
	f, e := form(w, r)
	if e != nil {
		return nil, e
	}
	in := &flowInput{friendlyName: f.Get("FriendlyName"), commitMessage: f.Get("CommitMessage")}
	if needName {
		if _, e := required(f, "FriendlyName"); e != nil {
			return nil, e
		}
	}
	if in.friendlyName != "" {
		if e := checkFriendlyName(in.friendlyName); e != nil {
			return nil, e
		}
	}
	if in.status, e = required(f, "Status"); e != nil {
		return nil, e
	}
	if in.status != store.StatusDraft && in.status != store.StatusPublished {
		return nil, invalid("Status", "%q must be draft or published", in.status)
	}
	def := f.Get("Definition")
	if def == "" && needDefinition {
		return nil, missing("Definition")
	}
	if def != "" {
		in.definition = []byte(def)
		in.result = schema.Validate(in.definition)
	}
	return in, nil
}

// validationFailed is Studio's 81022 with the list of failures.
func validationFailed(res schema.Result) *Error {
	errs := make([]map[string]string, len(res.Errors))
	for i, p := range res.Errors {
		errs[i] = map[string]string{"message": p.Message, "property_path": p.PropertyPath}
	}
	msg := "Flow definition validation failed"
	if len(res.Errors) > 0 {
		msg += ": " + res.Errors[0].Message
		if res.Errors[0].PropertyPath != "" {
			msg += " (" + res.Errors[0].PropertyPath + ")"
		}
	}
	return apiError(http.StatusBadRequest, CodeInvalidFlow, "%s", msg).with("errors", errs)
}

func problems(ps []schema.Problem) []store.Problem {
	out := make([]store.Problem, len(ps))
	for i, p := range ps {
		out[i] = store.Problem(p)
	}
	return out
}

// storable says whether a flow may be saved: a published one must be valid;
// a draft may be saved with errors (it shows valid=false and its errors, as
// in the Studio console) as long as it is JSON within the 1 MB limit.
func storable(in *flowInput) bool {
	if in.result.Valid() {
		return true
	}
	return in.status == store.StatusDraft && json.Valid(in.definition) && len(in.definition) <= schema.MaxDefinitionSize
}

func (s *Server) validateFlow(w http.ResponseWriter, r *http.Request) {
	in, e := readFlow(w, r, true, true)
	if e != nil {
		writeError(w, e)
		return
	}
	if !in.result.Valid() {
		writeError(w, validationFailed(in.result))
		return
	}
	writeJSON(w, http.StatusOK, map[string]bool{"valid": true})
}

func (s *Server) createFlow(w http.ResponseWriter, r *http.Request) {
	in, e := readFlow(w, r, true, true)
	if e != nil {
		writeError(w, e)
		return
	}
	if !storable(in) {
		writeError(w, validationFailed(in.result))
		return
	}
	f, err := s.Store.CreateFlow(r.Context(), store.NewFlow{
		SID: sid.New(sid.Flow), FriendlyName: in.friendlyName, Status: in.status, Definition: in.definition,
		CommitMessage: in.commitMessage, Valid: in.result.Valid(), Errors: problems(in.result.Errors), Warnings: problems(in.result.Warnings),
	})
	if err != nil {
		s.internal(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, s.flowJSON(r, f, true))
}

func (s *Server) fetchFlow(w http.ResponseWriter, r *http.Request) {
	f, err := s.Store.Flow(r.Context(), r.PathValue("Sid"))
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.flowJSON(r, f, true))
}

func (s *Server) updateFlow(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	flowSID := r.PathValue("Sid")
	cur, err := s.Store.Flow(ctx, flowSID)
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	in, e := readFlow(w, r, false, false)
	if e != nil {
		writeError(w, e)
		return
	}
	if in.definition == nil {
		in.definition = cur.Definition
		in.result = schema.Validate(in.definition)
	}
	if !storable(in) {
		writeError(w, validationFailed(in.result))
		return
	}
	f, err := s.Store.AddRevision(ctx, flowSID, store.NewFlow{
		FriendlyName: in.friendlyName, Status: in.status, Definition: in.definition, CommitMessage: in.commitMessage,
		Valid: in.result.Valid(), Errors: problems(in.result.Errors), Warnings: problems(in.result.Warnings),
	})
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.flowJSON(r, f, true))
}

func (s *Server) deleteFlow(w http.ResponseWriter, r *http.Request) {
	if err := s.Store.DeleteFlow(r.Context(), r.PathValue("Sid")); err != nil {
		s.storeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) listFlows(w http.ResponseWriter, r *http.Request) {
	p, e := readPaging(r)
	if e != nil {
		writeError(w, e)
		return
	}
	rows, err := s.Store.Flows(r.Context(), p.storePage())
	if err != nil {
		s.internal(w, r, err)
		return
	}
	writePage(w, r, p, "flows", rows, store.FlowCursor, func(f *store.Flow) Flow { return s.flowJSON(r, f, false) })
}

func (s *Server) revisionJSON(r *http.Request, name string, rev *store.Revision, withDefinition bool) FlowRevision {
	out := FlowRevision{
		SID: rev.FlowSID, AccountSID: s.accountSID(), FriendlyName: name, Status: rev.Status, Revision: rev.Revision,
		CommitMessage: nullable(rev.CommitMessage), DateCreated: iso(rev.DateCreated), DateUpdated: nullable(iso(rev.DateCreated)),
		URL:        base(r) + "/v2/Flows/" + rev.FlowSID + "/Revisions/" + strconv.Itoa(rev.Revision),
		Definition: json.RawMessage("null"),
	}
	if withDefinition {
		valid := rev.Valid
		out.Definition, out.Valid, out.Errors = rev.Definition, &valid, nonNilProblems(rev.Errors)
	}
	return out
}

func (s *Server) listRevisions(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p, e := readPaging(r)
	if e != nil {
		writeError(w, e)
		return
	}
	f, err := s.Store.Flow(ctx, r.PathValue("Sid"))
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	rows, err := s.Store.Revisions(ctx, f.SID, p.storePage())
	if err != nil {
		s.internal(w, r, err)
		return
	}
	writePage(w, r, p, "revisions", rows, store.RevisionCursor, func(rev *store.Revision) FlowRevision {
		return s.revisionJSON(r, f.FriendlyName, rev, false)
	})
}

func (s *Server) fetchRevision(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	which := r.PathValue("Revision")
	if which != store.LatestPublished && which != store.LatestRevision {
		if n, err := strconv.Atoi(which); err != nil || n < 1 || strings.TrimSpace(which) != which {
			writeError(w, apiError(http.StatusBadRequest, CodeBadRevision,
				"Revision must be an integer or one of LatestPublished, LatestRevision; got %q", which))
			return
		}
	}
	f, err := s.Store.Flow(ctx, r.PathValue("Sid"))
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	rev, err := s.Store.FlowRevision(ctx, f.SID, which)
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.revisionJSON(r, f.FriendlyName, rev, true))
}

func (s *Server) fetchTestUsers(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	f, err := s.Store.Flow(ctx, r.PathValue("Sid"))
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	users, err := s.Store.TestUsers(ctx, f.SID)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, TestUsers{SID: f.SID, TestUsers: users, URL: base(r) + "/v2/Flows/" + f.SID + "/TestUsers"})
}

func (s *Server) updateTestUsers(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	f, err := s.Store.Flow(ctx, r.PathValue("Sid"))
	if err != nil {
		s.storeError(w, r, err)
		return
	}
	form, e := form(w, r)
	if e != nil {
		writeError(w, e)
		return
	}
	users, ok := form["TestUsers"]
	if !ok {
		writeError(w, missing("TestUsers"))
		return
	}
	clean := make([]string, 0, len(users))
	for _, u := range users {
		if u = strings.TrimSpace(u); u != "" {
			clean = append(clean, u)
		}
	}
	if err := s.Store.SetTestUsers(ctx, f.SID, clean); err != nil {
		s.internal(w, r, err)
		return
	}
	s.fetchTestUsers(w, r)
}

// storeError maps store errors to Twilio's.
func (s *Server) storeError(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case errors.Is(err, store.ErrNotFound):
		writeError(w, notFound(r))
	case errors.Is(err, store.ErrInvalid):
		writeError(w, apiError(http.StatusBadRequest, CodeInvalidParam, "%v", err))
	default:
		s.internal(w, r, err)
	}
}

// internal answers 500 and logs the error (never the request body).
func (s *Server) internal(w http.ResponseWriter, r *http.Request, err error) {
	s.Log.Error("api: internal error", "method", r.Method, "path", r.URL.Path, "err", err)
	writeError(w, apiError(http.StatusInternalServerError, CodeInternal, "Internal error"))
}
