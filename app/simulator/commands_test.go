package simulator

import (
	"errors"
	"strings"
	"testing"

	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/engine/enginetest"
)

// stranger is a command type describe does not list (it borrows Hangup's
// methods): what a verb added to engine without a case here is.
type stranger struct{ engine.Hangup }

// TestDescribeListsEveryCommand: every command type has its own transcript
// line; none reaches the default branch.
func TestDescribeListsEveryCommand(t *testing.T) {
	seen := map[string]string{}
	for _, c := range enginetest.EveryCommand() {
		t.Run(c.Verb(), func(t *testing.T) {
			s, err := describe(c)
			if err != nil || strings.TrimSpace(s) == "" {
				t.Fatalf("the simulator has no case for %T: %q %v", c, s, err)
			}
			if other, dup := seen[s]; dup {
				t.Fatalf("%s and %s read the same: %q", c.Verb(), other, s)
			}
			seen[s] = c.Verb()
		})
	}
	if _, err := describe(stranger{}); !errors.Is(err, engine.ErrUnknownCommand) {
		t.Fatalf("a command type with no case: %v, want engine.ErrUnknownCommand", err)
	}
	if s := Describe(stranger{}); !strings.Contains(s, "unknown command type") {
		t.Fatalf("Describe(stranger) = %q", s)
	}
}
