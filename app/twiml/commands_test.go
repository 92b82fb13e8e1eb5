package twiml

import (
	"errors"
	"testing"

	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/engine/enginetest"
)

// stranger is a command type Voice does not list (it borrows Hangup's
// methods): what a verb added to engine without a case here is.
type stranger struct{ engine.Hangup }

// TestVoiceListsEveryCommand: every command type renders as TwiML or is
// ErrUnsupported; none reaches the default branch, which is the error a
// type added to engine without a case here gets.
func TestVoiceListsEveryCommand(t *testing.T) {
	for _, c := range enginetest.EveryCommand() {
		t.Run(c.Verb(), func(t *testing.T) {
			var r Response
			if err := r.Voice(c, action); errors.Is(err, engine.ErrUnknownCommand) {
				t.Fatalf("twiml has no case for %T: %v", c, err)
			}
		})
	}
	var r Response
	if err := r.Voice(stranger{}, action); !errors.Is(err, engine.ErrUnknownCommand) || errors.Is(err, ErrUnsupported) {
		t.Fatalf("a command type with no case: %v, want engine.ErrUnknownCommand", err)
	}
}
