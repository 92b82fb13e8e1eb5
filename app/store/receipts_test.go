package store

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/engine"
)

// TestReceiptCommitsWithItsSprint: a webhook's receipt is written in the
// transaction of the sprint it caused; a sprint carrying a key stored
// before writes nothing at all; answers are kept once written; old
// receipts are purged.
func TestReceiptCommitsWithItsSprint(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, t.TempDir())
	require.NoError(t, err)
	defer s.Close()
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	s.SetClock(func() time.Time { return now })
	sprint := func(sid, contact string) SprintRecord {
		x := &engine.Execution{SID: sid, FlowSID: "FW1", FlowRevision: 1, Status: engine.StatusActive, Contact: contact,
			CreatedAt: now, UpdatedAt: now}
		return SprintRecord{Execution: x, New: true, SessionKey: contact,
			Receipt: &Receipt{Key: "sms|FW1|SM1", FlowSID: "FW1"}}
	}
	require.NoError(t, s.SaveSprint(ctx, sprint("FN1", "+1")))
	rc, err := s.Receipt(ctx, "sms|FW1|SM1")
	require.NoError(t, err)
	require.NotNil(t, rc)
	require.Equal(t, 0, rc.Status, "claimed, not answered yet")

	err = s.SaveSprint(ctx, sprint("FN2", "+2"))
	require.True(t, errors.Is(err, ErrDuplicateReceipt), "%v", err)
	_, err = s.Execution(ctx, "FN2")
	require.True(t, errors.Is(err, ErrNotFound), "the duplicate's sprint was not written: %v", err)
	// In a group commit too.
	err = s.SaveSprints(ctx, []SprintRecord{sprint("FN3", "+3")})
	require.True(t, errors.Is(err, ErrDuplicateReceipt), "%v", err)

	require.NoError(t, s.FinishReceipt(ctx, Receipt{Key: "sms|FW1|SM1", FlowSID: "FW1", Status: 200, ContentType: "text/xml", Body: "<Response/>"}))
	require.NoError(t, s.FinishReceipt(ctx, Receipt{Key: "sms|FW1|SM1", FlowSID: "FW1", Status: 200, ContentType: "text/xml", Body: "other"}))
	rc, err = s.Receipt(ctx, "sms|FW1|SM1")
	require.NoError(t, err)
	require.Equal(t, "<Response/>", rc.Body, "the first answer stays")

	now = now.Add(time.Hour)
	require.NoError(t, s.FinishReceipt(ctx, Receipt{Key: "sms|FW1|SM2", FlowSID: "FW1", Status: 200, Body: "x"}))
	n, err := s.PurgeReceipts(ctx, now.Add(-time.Minute), 100)
	require.NoError(t, err)
	require.Equal(t, 1, n)
	rc, err = s.Receipt(ctx, "sms|FW1|SM1")
	require.NoError(t, err)
	require.Nil(t, rc)
	rc, err = s.Receipt(ctx, "sms|FW1|SM2")
	require.NoError(t, err)
	require.NotNil(t, rc)
}
