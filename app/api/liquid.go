package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"

	"github.com/switchboard/switchboard/schema/liquid"
)

// maxTemplate caps the Template of a preview: Studio's own limit on a widget
// property is far below it, and the renderer refuses longer sources anyway.
const maxTemplate = 64 << 10

// renderJSON is the answer of POST /v2/Liquid/Render: the rendered text, or
// the renderer's error (Studio's 84003) with its position. Exactly one of the
// two is non-null.
type renderJSON struct {
	Rendered *string          `json:"rendered"`
	Error    *renderErrorJSON `json:"error"`
}

type renderErrorJSON struct {
	Code    int    `json:"code"`
	Kind    string `json:"kind"`
	Message string `json:"message"`
	Line    int    `json:"line,omitempty"`
	Column  int    `json:"column,omitempty"`
}

// renderLiquid renders a template against a context the caller supplies,
// with the same renderer, limits and time zone as executions: the editor's
// live preview of a Liquid field, and a way for an integrator to try a
// template without running a flow. It is Switchboard's own resource (Studio
// has none); nothing is stored.
//
//	POST /v2/Liquid/Render  Template=…  Context={"flow":{…},"trigger":{…},"widgets":{…}}
//
// A template that fails to render is an answer (200 with error), not a
// request error; a missing Template or a Context that is not a JSON object is 400.
func (s *Server) renderLiquid(w http.ResponseWriter, r *http.Request) {
	f, e := form(w, r)
	if e != nil {
		writeError(w, e)
		return
	}
	tmpl, ok := f["Template"]
	if !ok || len(tmpl) != 1 {
		writeError(w, apiError(http.StatusBadRequest, CodeInvalidParam, "Required parameter Template missing"))
		return
	}
	if len(tmpl[0]) > maxTemplate {
		writeError(w, apiError(http.StatusBadRequest, CodeInvalidParam, "Template is %d bytes; the limit is %d", len(tmpl[0]), maxTemplate))
		return
	}
	vars := map[string]any{}
	if c := f.Get("Context"); c != "" {
		dec := json.NewDecoder(bytes.NewReader([]byte(c)))
		dec.UseNumber()
		var v any
		if err := dec.Decode(&v); err != nil || dec.More() {
			writeError(w, apiError(http.StatusBadRequest, CodeInvalidParam, "Context is not valid JSON: %s", jsonProblem(err)))
			return
		}
		m, ok := v.(map[string]any)
		if !ok {
			writeError(w, apiError(http.StatusBadRequest, CodeInvalidParam, "Context must be a JSON object (keys flow, trigger, widgets, contact)"))
			return
		}
		vars = m
	}
	eng := liquid.New(liquid.DefaultLimits())
	if s.Runner != nil {
		eng = eng.WithLocation(s.Runner.Engine().Location())
	}
	out, err := eng.Render(r.Context(), tmpl[0], vars)
	if err != nil {
		var re *liquid.RenderError
		if !errors.As(err, &re) {
			s.internal(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, renderJSON{Error: &renderErrorJSON{
			Code: re.Code, Kind: re.Kind.String(), Message: re.Message, Line: re.Line, Column: re.Column,
		}})
		return
	}
	writeJSON(w, http.StatusOK, renderJSON{Rendered: &out})
}

func jsonProblem(err error) string {
	if err == nil {
		return "more than one value"
	}
	return err.Error()
}
