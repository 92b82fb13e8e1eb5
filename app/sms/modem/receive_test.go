package modem

import (
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/app/sms"
	"github.com/switchboard/switchboard/app/sms/at/fakemodem"
	"github.com/switchboard/switchboard/app/sms/pdu"
)

func TestReceiveSingle(t *testing.T) {
	r := startRig(t, rigOpt{})
	hexPDU := deliverHex(t, "+15551234567", pdu.UserData{Coding: pdu.UCS2, Text: "Да, в 7 👍"}, scts)
	_, err := r.m.InjectMO(hexPDU)
	require.NoError(t, err)
	got := r.waitMessages(t, 1)
	require.Equal(t, "+15551234567", got[0].From)
	require.Equal(t, "Да, в 7 👍", got[0].Body)
	require.Equal(t, 1, got[0].Segments)
	require.False(t, got[0].Incomplete)
	require.Equal(t, singleID(hexPDU), got[0].ProviderID)
	eventually(t, "the message deleted from the SIM", func() bool { return len(r.m.Stored()) == 0 })
}

func TestReceiveLongOutOfOrderWithDuplicate(t *testing.T) {
	r := startRig(t, rigOpt{knobs: func(k *knobs) { k.sweep = 30 * time.Millisecond }})
	text := strings.Repeat("The quick brown fox jumps over the lazy dog. ", 9) // 405 septets: 3 parts
	parts := longParts(t, "+15551234567", text, 42)
	require.Len(t, parts, 3)
	for _, i := range []int{2, 0, 2, 1} { // part 3, part 1, part 3 again, part 2
		_, err := r.m.InjectMO(parts[i])
		require.NoError(t, err)
	}
	got := r.waitMessages(t, 1)
	require.Equal(t, text, got[0].Body)
	require.Equal(t, 3, got[0].Segments)
	require.False(t, got[0].Incomplete)
	require.Contains(t, got[0].ProviderID, "+15551234567")
	eventually(t, "all four SIM entries deleted", func() bool { return len(r.m.Stored()) == 0 })
	r.sweeps(t, 3)
	require.Len(t, r.sink.Messages(), 1, "no duplicate message")

	// the network resends part 2 later: dropped and deleted, not a message
	_, err := r.m.InjectMO(parts[1])
	require.NoError(t, err)
	eventually(t, "the late copy deleted", func() bool { return len(r.m.Stored()) == 0 })
	r.sweeps(t, 2)
	require.Len(t, r.sink.Messages(), 1)
}

// Parts already on the SIM when the gateway starts (a crash between them)
// are put together by the start-up sweep, with the same ProviderID as when
// read live.
func TestStartupSweepReassemblesStoredParts(t *testing.T) {
	text := strings.Repeat("Stored before we started. ", 8)
	var parts []string
	r := startRig(t, rigOpt{before: func(m *fakemodem.Modem) {
		parts = longParts(t, "+15551234567", text, 7)
		for _, i := range []int{1, 0} {
			_, err := m.StoreMO(parts[i])
			require.NoError(t, err)
		}
	}})
	got := r.waitMessages(t, 1)
	require.Equal(t, text, got[0].Body)
	eventually(t, "the SIM emptied", func() bool { return len(r.m.Stored()) == 0 })

	// the same parts read live, in the other order, give the same id
	r2 := startRig(t, rigOpt{})
	for _, p := range parts {
		_, err := r2.m.InjectMO(p)
		require.NoError(t, err)
	}
	got2 := r2.waitMessages(t, 1)
	require.Equal(t, got[0].ProviderID, got2[0].ProviderID)
}

func TestReceiveIncompleteAfterTimeout(t *testing.T) {
	r := startRig(t, rigOpt{knobs: func(k *knobs) { k.partTimeout = 150 * time.Millisecond }})
	text := strings.Repeat("abcdefghij", 40) // 400 septets: 3 parts
	parts := longParts(t, "+15551234567", text, 9)
	require.Len(t, parts, 3)
	for _, i := range []int{2, 0} {
		_, err := r.m.InjectMO(parts[i])
		require.NoError(t, err)
	}
	got := r.waitMessages(t, 1)
	require.True(t, got[0].Incomplete)
	require.Equal(t, []int{2}, got[0].Missing)
	require.Equal(t, 3, got[0].Segments)
	require.Contains(t, got[0].Body, pdu.MissingMarker)
	require.True(t, strings.HasPrefix(got[0].Body, text[:153]))
	eventually(t, "both parts deleted", func() bool { return len(r.m.Stored()) == 0 })
}

func TestSweepFindsMessageWithoutNotice(t *testing.T) {
	r := startRig(t, rigOpt{knobs: func(k *knobs) { k.sweep = 30 * time.Millisecond }})
	_, err := r.m.StoreMO(deliverHex(t, "+15551234567", pdu.UserData{Text: "no notice came"}, scts))
	require.NoError(t, err)
	got := r.waitMessages(t, 1)
	require.Equal(t, "no notice came", got[0].Body)
	eventually(t, "deleted", func() bool { return len(r.m.Stored()) == 0 })
}

func TestSinkFailureKeepsMessageOnSIM(t *testing.T) {
	for _, tc := range []struct {
		name  string
		parts func(t *testing.T) []string
		body  string
	}{
		{"single", func(t *testing.T) []string {
			return []string{deliverHex(t, "+15551234567", pdu.UserData{Text: "keep me"}, scts)}
		}, "keep me"},
		{"long", func(t *testing.T) []string { return longParts(t, "+15551234567", strings.Repeat("keep me ", 30), 3) },
			strings.Repeat("keep me ", 30)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var refuse atomic.Bool
			var refused atomic.Int32
			refuse.Store(true)
			r := startRig(t, rigOpt{knobs: func(k *knobs) { k.sweep = 30 * time.Millisecond }, fail: func(sms.Inbound) error {
				if refuse.Load() {
					refused.Add(1)
					return errors.New("database is locked")
				}
				return nil
			}})
			parts := tc.parts(t)
			for _, p := range parts {
				_, err := r.m.InjectMO(p)
				require.NoError(t, err)
			}
			eventually(t, "the store refusing twice", func() bool { return refused.Load() >= 2 })
			r.sweeps(t, 2)
			require.Len(t, r.m.Stored(), len(parts), "nothing deleted while the store refuses")
			require.Empty(t, r.sink.Messages())

			refuse.Store(false)
			got := r.waitMessages(t, 1)
			require.Equal(t, tc.body, got[0].Body)
			eventually(t, "deleted after the commit", func() bool { return len(r.m.Stored()) == 0 })
			r.sweeps(t, 2)
			require.Len(t, r.sink.Messages(), 1)
		})
	}
}

// With AT+CNMI=2,2,0,1,0 (set by the extra init command) messages are
// pushed (+CMT), not stored.
func TestPushedMessage(t *testing.T) {
	r := startRig(t, rigOpt{settings: map[string]any{"init": "AT+CNMI=2,2,0,1,0"}})
	idx, err := r.m.InjectMO(deliverHex(t, "+15551234567", pdu.UserData{Text: "pushed"}, scts))
	require.NoError(t, err)
	require.Zero(t, idx, "pushed as +CMT, not stored")
	got := r.waitMessages(t, 1)
	require.Equal(t, "pushed", got[0].Body)
	require.Contains(t, r.m.Commands(), "AT+CNMI=2,2,0,1,0")
}

// Garbage on the SIM is left there (and logged once), and does not stop
// the messages after it.
func TestGarbageStoredMessageIsLeftAlone(t *testing.T) {
	r := startRig(t, rigOpt{knobs: func(k *knobs) { k.sweep = 30 * time.Millisecond }})
	bad, err := r.m.StoreMO("0791447758100650040B91")
	require.NoError(t, err)
	_, err = r.m.InjectMO(deliverHex(t, "+15551234567", pdu.UserData{Text: "after garbage"}, scts))
	require.NoError(t, err)
	got := r.waitMessages(t, 1)
	require.Equal(t, "after garbage", got[0].Body)
	r.sweeps(t, 2)
	require.Equal(t, []int{bad}, r.m.Stored())
}

// Sends and receiving share the session; a steady stream of sends does not
// keep a new message waiting until the stream ends.
func TestReceiveWhileSending(t *testing.T) {
	r := startRig(t, rigOpt{})
	const total = 2000
	var done atomic.Int32
	stop := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		for i := 0; i < total; i++ {
			select {
			case <-stop:
				return
			default:
			}
			if _, err := r.g.Send(ctxT(t, 10*time.Second), sms.Outbound{To: "+15557654321", Body: strings.Repeat("busy ", 50)}); err != nil {
				t.Error(err)
				return
			}
			done.Add(1)
		}
	}()
	eventually(t, "sending under way", func() bool { return done.Load() >= 5 })
	_, err := r.m.InjectMO(deliverHex(t, "+15551234567", pdu.UserData{Text: "let me in"}, scts))
	require.NoError(t, err)
	got := r.waitMessages(t, 1)
	require.Equal(t, "let me in", got[0].Body)
	require.Less(t, int(done.Load()), total, "received while the sends were still going")
	close(stop)
	<-finished
}
