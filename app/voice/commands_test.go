package voice

import (
	"context"
	"errors"
	"testing"

	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/engine/enginetest"
)

// stranger is a command type the executor does not list (it borrows
// Hangup's methods): what a verb added to engine without a case here is.
type stranger struct{ engine.Hangup }

// TestExecutorListsEveryCommand: the executor carries out, skips or answers
// as unsupported every command type; none reaches its default branch, which
// is the error a type added to engine without a case here gets.
func TestExecutorListsEveryCommand(t *testing.T) {
	for _, c := range enginetest.EveryCommand() {
		t.Run(c.Verb(), func(t *testing.T) {
			e, _, _ := newExec()
			_, err := e.Run(context.Background(), &engine.Sprint{Commands: []engine.Command{c}})
			if errors.Is(err, engine.ErrUnknownCommand) {
				t.Fatalf("the voice executor has no case for %T: %v", c, err)
			}
			if p, ok := c.(engine.Prompt); ok {
				if _, err := e.prompt(context.Background(), p, false); errors.Is(err, engine.ErrUnknownCommand) {
					t.Fatalf("the voice executor's prompts have no case for %T: %v", c, err)
				}
			}
		})
	}
	e, _, _ := newExec()
	_, err := e.Run(context.Background(), &engine.Sprint{Commands: []engine.Command{stranger{}}})
	if !errors.Is(err, engine.ErrUnknownCommand) {
		t.Fatalf("a command type with no case: %v, want engine.ErrUnknownCommand", err)
	}
}
