package demo

import (
	"testing"

	"github.com/switchboard/switchboard/schema"
)

func TestDemoFlowIsClean(t *testing.T) {
	r := schema.Validate(Definition())
	if !r.Valid() || len(r.Warnings) > 0 {
		t.Fatalf("demo flow: errors %v, warnings %v", r.Errors, r.Warnings)
	}
}
