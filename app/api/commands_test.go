package api

import (
	"errors"
	"testing"

	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/engine/enginetest"
)

// stranger is a command type callsBackAfter does not list (it borrows
// Hangup's methods): what a verb added to engine without a case here is.
type stranger struct{ engine.Hangup }

// TestCallsBackListsEveryCommand: the voice webhook knows, for every command
// type, whether Twilio calls back after it; none reaches the default branch.
func TestCallsBackListsEveryCommand(t *testing.T) {
	back := map[string]bool{}
	for _, c := range enginetest.EveryCommand() {
		yes, err := callsBackAfter(c)
		if err != nil {
			t.Fatalf("the webhook has no case for %T: %v", c, err)
		}
		back[c.Verb()] = yes
	}
	for _, v := range []string{engine.VerbGather, engine.VerbRecord, engine.VerbDial, engine.VerbEnqueue, engine.VerbRedirect} {
		if !back[v] {
			t.Errorf("%s has an action URL: Twilio calls back after it", v)
		}
	}
	if back[engine.VerbSay] || back[engine.VerbHangup] || back[engine.VerbMessage] {
		t.Errorf("calls back after say, hangup or message: %v", back)
	}
	if _, err := callsBackAfter(stranger{}); !errors.Is(err, engine.ErrUnknownCommand) {
		t.Fatalf("a command type with no case: %v, want engine.ErrUnknownCommand", err)
	}
}
