package store

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestOpenMigratesOnceAndKeepsData(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := Open(ctx, dir)
	require.NoError(t, err)
	v, err := s.SchemaVersion(ctx)
	require.NoError(t, err)
	files, err := migrations.ReadDir("migrations")
	require.NoError(t, err)
	// The version is the highest file number; numbers are handed out to
	// parallel branches, so one may land before a lower one does.
	last, err := strconv.Atoi(files[len(files)-1].Name()[:4])
	require.NoError(t, err)
	require.Equal(t, last, v, "every migration applied")

	def := json.RawMessage(`{"initial_state":"Trigger","states":[]}`)
	f, err := s.CreateFlow(ctx, NewFlow{SID: "FW0123456789abcdef0123456789abcdef", FriendlyName: "Demo",
		Status: StatusPublished, Definition: def, Valid: false,
		Errors: []Problem{{Message: "there must be a minimum of 1 items in the array", PropertyPath: "#/states"}}})
	require.NoError(t, err)
	require.Equal(t, 1, f.Revision)
	require.JSONEq(t, string(def), string(f.Definition))
	require.Len(t, f.Errors, 1)
	require.NotNil(t, f.Warnings)
	require.NoError(t, s.Close())

	// Reopen: migrations are not applied twice and the flow is still there.
	s, err = Open(ctx, dir)
	require.NoError(t, err)
	defer s.Close()
	n, err := s.CountFlows(ctx)
	require.NoError(t, err)
	require.Equal(t, 1, n)
	got, err := s.Flow(ctx, f.SID)
	require.NoError(t, err)
	require.Equal(t, f.Errors, got.Errors)
	require.Equal(t, "#/states", got.Errors[0].PropertyPath)
}

func TestCreateFlowRejectsBadInput(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, t.TempDir())
	require.NoError(t, err)
	defer s.Close()
	_, err = s.CreateFlow(ctx, NewFlow{SID: "FW1", FriendlyName: "x", Status: "live", Definition: json.RawMessage(`{}`)})
	require.True(t, errors.Is(err, ErrInvalid), "%v", err)
	_, err = s.CreateFlow(ctx, NewFlow{SID: "FW1", Status: StatusDraft, Definition: json.RawMessage(`{}`)})
	require.True(t, errors.Is(err, ErrInvalid), "%v", err)
	_, err = s.Flow(ctx, "FWnope")
	require.True(t, errors.Is(err, ErrNotFound), "%v", err)
	// A duplicate SID fails and leaves no half-written flow behind.
	ok := NewFlow{SID: "FW2", FriendlyName: "x", Status: StatusDraft, Definition: json.RawMessage(`{}`)}
	_, err = s.CreateFlow(ctx, ok)
	require.NoError(t, err)
	_, err = s.CreateFlow(ctx, ok)
	require.Error(t, err)
	n, err := s.CountFlows(ctx)
	require.NoError(t, err)
	require.Equal(t, 1, n)
}

func TestFlowNames(t *testing.T) {
	ctx := context.Background()
	st, err := Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for sid, name := range map[string]string{"FW00000000000000000000000000000001": "one", "FW00000000000000000000000000000002": "two"} {
		if _, err := st.CreateFlow(ctx, NewFlow{SID: sid, FriendlyName: name, Status: StatusDraft, Definition: []byte(`{}`)}); err != nil {
			t.Fatal(err)
		}
	}
	got, err := st.FlowNames(ctx, []string{"FW00000000000000000000000000000002", "FW000000000000000000000000000000ff"})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got["FW00000000000000000000000000000002"] != "two" {
		t.Fatalf("names %v", got)
	}
	if got, err := st.FlowNames(ctx, nil); err != nil || len(got) != 0 {
		t.Fatalf("none: %v %v", got, err)
	}
}
