package store

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestFlowTestsSaveListReplaceDelete(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, t.TempDir())
	require.NoError(t, err)
	defer s.Close()
	const sid = "FW0123456789abcdef0123456789abcdef"
	_, err = s.CreateFlow(ctx, NewFlow{SID: sid, FriendlyName: "x", Status: StatusDraft, Definition: json.RawMessage(`{}`)})
	require.NoError(t, err)

	_, err = s.SaveFlowTest(ctx, "FWnope", "a", json.RawMessage(`{}`), false)
	require.True(t, errors.Is(err, ErrNotFound), "%v", err)

	a, err := s.SaveFlowTest(ctx, sid, "a", json.RawMessage(`{"name":"a","trigger":"call"}`), false)
	require.NoError(t, err)
	require.JSONEq(t, `{"name":"a","trigger":"call"}`, string(a.Test))
	_, err = s.SaveFlowTest(ctx, sid, "b", json.RawMessage(`{"name":"b","trigger":"message"}`), false)
	require.NoError(t, err)

	_, err = s.SaveFlowTest(ctx, sid, "a", json.RawMessage(`{"name":"a","trigger":"message"}`), false)
	require.True(t, errors.Is(err, ErrExists), "a taken name is refused: %v", err)
	got, err := s.FlowTest(ctx, sid, "a")
	require.NoError(t, err)
	require.JSONEq(t, `{"name":"a","trigger":"call"}`, string(got.Test), "the refused save changed nothing")

	_, err = s.SaveFlowTest(ctx, sid, "a", json.RawMessage(`{"name":"a","trigger":"message"}`), true)
	require.NoError(t, err)
	all, err := s.FlowTests(ctx, sid)
	require.NoError(t, err)
	require.Len(t, all, 2)
	require.Equal(t, "a", all[0].Name)
	require.JSONEq(t, `{"name":"a","trigger":"message"}`, string(all[0].Test))

	require.NoError(t, s.DeleteFlowTest(ctx, sid, "a"))
	require.True(t, errors.Is(s.DeleteFlowTest(ctx, sid, "a"), ErrNotFound))
	_, err = s.FlowTest(ctx, sid, "a")
	require.True(t, errors.Is(err, ErrNotFound))

	// Tests go with their flow.
	require.NoError(t, s.DeleteFlow(ctx, sid))
	all, err = s.FlowTests(ctx, sid)
	require.NoError(t, err)
	require.Empty(t, all)
}
