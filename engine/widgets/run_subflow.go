package widgets

import (
	"context"
	"strconv"
	"strings"

	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/schema"
)

// RunSubflow runs another flow inside this execution, as Studio does. The
// subflow starts at its trigger's incomingParent transition with the
// parent's trigger data and the rendered parameters under
// trigger.parent.parameters.<key>; its steps count toward this execution's
// limits and may wait (a gather, a reply...) like any other. When the
// subflow ends the sprint loop comes back to this widget, which follows
// completed and publishes the subflow's flow.variables as
// widgets.<name>.<key>.
//
// It follows failed (error 81024) when no subflow source is configured, the
// flow or revision cannot be found, or this widget itself runs inside a
// subflow (one nesting level only), and failed with 81021 when flow_revision
// is neither LatestPublished, LatestRevision nor a revision number.
type RunSubflow struct{}

func init() { engine.Register(schema.TypeRunSubflow, RunSubflow{}) }

// Enter loads the subflow and hands it to the sprint loop.
func (RunSubflow) Enter(ctx context.Context, r *engine.Run) (engine.Outcome, error) {
	p, ok := propsOf[schema.RunSubflow](r)
	if !ok {
		return badProps(r, "failed"), nil
	}
	if depth := r.Engine().Limits().SubflowDepth; len(r.Execution().Frames) >= depth {
		return r.Fail("failed", engine.CodeSubflow,
			"%s runs inside a subflow, and a subflow cannot run another subflow (nesting limit %d)", r.Name(), depth), nil
	}
	sid := strings.TrimSpace(p.FlowSID)
	switch {
	case sid == "":
		return r.Fail("failed", engine.CodeSubflow, "flow_sid is empty: there is no subflow to run"), nil
	case strings.Contains(sid, "{{") || strings.Contains(sid, "{%"):
		return r.Fail("failed", engine.CodeSubflow, "flow_sid %q must be a literal FW SID; Liquid is not supported there", sid), nil
	}
	rev, ok := subflowRevision(p.FlowRevision)
	if !ok {
		return r.Fail("failed", engine.CodeRevision,
			"flow_revision %q must be LatestPublished, LatestRevision or a revision number", p.FlowRevision), nil
	}
	src := r.Engine().Subflows()
	if src == nil {
		return r.Fail("failed", engine.CodeSubflow, "subflow %s cannot run: this host has no subflow source", sid), nil
	}
	prog, err := src.Subflow(ctx, sid, rev)
	if err != nil || prog == nil {
		if cerr := ctx.Err(); cerr != nil {
			return engine.Outcome{}, cerr
		}
		msg := "not found"
		if err != nil {
			msg = err.Error()
		}
		return r.Fail("failed", engine.CodeSubflow, "subflow %s (revision %s) cannot be loaded: %s", sid, rev, msg), nil
	}
	params := map[string]any{}
	for _, kv := range p.Parameters {
		key := strings.TrimSpace(kv.Key)
		if key == "" {
			r.Warn("a subflow parameter without a key is skipped")
			continue
		}
		params[key] = render(ctx, r, kv.Value)
	}
	return engine.Outcome{Subflow: prog, SubflowParams: params}, nil
}

// subflowRevision checks flow_revision and returns the form the Subflows
// source takes: LatestPublished (also when empty, the schema's default),
// LatestRevision (LatestDraft is read as the same), or a number from 1 up.
func subflowRevision(v string) (string, bool) {
	v = strings.TrimSpace(v)
	switch v {
	case "", "LatestPublished":
		return "LatestPublished", true
	case "LatestRevision", "LatestDraft":
		return "LatestRevision", true
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return "", false
	}
	return strconv.Itoa(n), true
}
