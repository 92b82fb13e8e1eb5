package store

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestRevisionNumber: the light lookups a REST create makes find the same
// revision that FlowRevision reads in full, and say when there is none.
func TestRevisionNumber(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, t.TempDir())
	require.NoError(t, err)
	defer s.Close()
	const sid = "FW00000000000000000000000000000007"
	ok, err := s.FlowExists(ctx, sid)
	require.NoError(t, err)
	require.False(t, ok)
	def := json.RawMessage(`{}`)
	_, err = s.CreateFlow(ctx, NewFlow{SID: sid, FriendlyName: "x", Status: StatusDraft, Definition: def})
	require.NoError(t, err)
	ok, err = s.FlowExists(ctx, sid)
	require.NoError(t, err)
	require.True(t, ok)
	_, err = s.RevisionNumber(ctx, sid, LatestPublished)
	require.ErrorIs(t, err, ErrNotFound, "only a draft so far")
	_, err = s.StartRevision(ctx, sid, "+15550001")
	require.ErrorIs(t, err, ErrNotFound, "only a draft so far")

	// Revisions 2 published, 3 draft.
	_, err = s.AddRevision(ctx, sid, NewFlow{Status: StatusPublished, Definition: def})
	require.NoError(t, err)
	_, err = s.AddRevision(ctx, sid, NewFlow{Status: StatusDraft, Definition: def})
	require.NoError(t, err)
	for _, tc := range []struct {
		which string
		want  int
	}{{LatestPublished, 2}, {LatestRevision, 3}} {
		n, err := s.RevisionNumber(ctx, sid, tc.which)
		require.NoError(t, err)
		require.Equal(t, tc.want, n, tc.which)
		rev, err := s.FlowRevision(ctx, sid, tc.which)
		require.NoError(t, err)
		require.Equal(t, rev.Revision, n, tc.which)
	}
	// A contact starts the latest published revision; a test user the
	// latest revision, published or not.
	n, err := s.StartRevision(ctx, sid, "+15550001")
	require.NoError(t, err)
	require.Equal(t, 2, n)
	require.NoError(t, s.SetTestUsers(ctx, sid, []string{"+15550001"}))
	n, err = s.StartRevision(ctx, sid, "+15550001")
	require.NoError(t, err)
	require.Equal(t, 3, n, "a test user")
	n, err = s.StartRevision(ctx, sid, "+15550002")
	require.NoError(t, err)
	require.Equal(t, 2, n, "not a test user")
	_, err = s.StartRevision(ctx, "FW00000000000000000000000000000008", "+15550001")
	require.ErrorIs(t, err, ErrNotFound)

	_, err = s.RevisionNumber(ctx, sid, "2")
	require.ErrorIs(t, err, ErrInvalid)
	_, err = s.RevisionNumber(ctx, "FW00000000000000000000000000000008", LatestRevision)
	require.ErrorIs(t, err, ErrNotFound)
}

// ActiveOrStartRevision answers what ActiveExecution and StartRevision
// would, in one read: the contact's active execution first, else the
// revision it starts, else ErrNotFound.
func TestActiveOrStartRevision(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, t.TempDir())
	require.NoError(t, err)
	defer s.Close()
	const flow = "FW00000000000000000000000000000007"
	def := json.RawMessage(`{}`)
	same := func(contact string) {
		t.Helper()
		active, rev, err := s.ActiveOrStartRevision(ctx, flow, contact)
		wantActive, aerr := s.ActiveExecution(ctx, flow, contact)
		require.NoError(t, aerr)
		require.Equal(t, wantActive, active)
		if active != "" {
			require.NoError(t, err)
			require.Zero(t, rev)
			return
		}
		wantRev, serr := s.StartRevision(ctx, flow, contact)
		require.Equal(t, wantRev, rev)
		if serr != nil {
			require.ErrorIs(t, err, ErrNotFound)
			require.ErrorIs(t, serr, ErrNotFound)
		} else {
			require.NoError(t, err)
		}
	}
	same("+15550001") // no flow
	_, err = s.CreateFlow(ctx, NewFlow{SID: flow, FriendlyName: "x", Status: StatusDraft, Definition: def})
	require.NoError(t, err)
	same("+15550001") // a draft only
	_, err = s.AddRevision(ctx, flow, NewFlow{Status: StatusPublished, Definition: def})
	require.NoError(t, err)
	_, err = s.AddRevision(ctx, flow, NewFlow{Status: StatusDraft, Definition: def})
	require.NoError(t, err)
	require.NoError(t, s.SetTestUsers(ctx, flow, []string{"+15550001"}))
	_, rev, err := s.ActiveOrStartRevision(ctx, flow, "+15550001")
	require.NoError(t, err)
	require.Equal(t, 3, rev, "a test user starts the latest revision")
	same("+15550001")
	same("+15550002")

	rec := sprintFor("FNactive")
	rec.Execution.FlowSID, rec.SessionKey = flow, "+15550002"
	require.NoError(t, s.SaveSprint(ctx, rec))
	active, _, err := s.ActiveOrStartRevision(ctx, flow, "+15550002")
	require.NoError(t, err)
	require.Equal(t, "FNactive", active)
	same("+15550002")
	same("+15550001")
}
