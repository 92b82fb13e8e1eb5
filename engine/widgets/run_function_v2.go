package widgets

import (
	"context"

	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/schema"
)

// RunFunctionV2 is the newer Run Function widget. Its own properties are not
// documented, so it runs exactly like run-function: same request, same
// success and fail events, same outputs and parsed merging.
type RunFunctionV2 struct{}

func init() { engine.Register(schema.TypeRunFunctionV2, RunFunctionV2{}) }

// Enter calls the Function.
func (RunFunctionV2) Enter(ctx context.Context, r *engine.Run) (engine.Outcome, error) {
	p, ok := propsOf[schema.RunFunctionV2](r)
	if !ok {
		return badProps(r, "fail"), nil
	}
	return runFunction(ctx, r, (*schema.RunFunction)(p))
}
