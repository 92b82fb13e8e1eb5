package voice

import (
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/media"
	"github.com/switchboard/switchboard/media/g711"
	"github.com/switchboard/switchboard/sip"
)

// watchedSession is a started session whose far end never sends, with a
// media timeout, and the channels a callWatch reports on.
func watchedSession(t *testing.T, timeout time.Duration) (*media.Session, chan sip.MediaUpdate, chan sip.MediaUpdate, chan struct{}) {
	t.Helper()
	base := freeRTPRange(t, 2)
	sess, err := media.NewPortPool(netip.MustParseAddr("127.0.0.1"), base, base+2).Open()
	require.NoError(t, err)
	t.Cleanup(func() { sess.Close() })
	far, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	require.NoError(t, err)
	t.Cleanup(func() { far.Close() })
	require.NoError(t, sess.Start(far.LocalAddr().(*net.UDPAddr).AddrPort(), 0, 8000, -1))
	sess.SetMediaTimeout(timeout)
	return sess, make(chan sip.MediaUpdate, 4), make(chan sip.MediaUpdate, 4), make(chan struct{}, 4)
}

// TestCallWatchUpdatesThenTimeout: the call's one watcher applies the
// caller's re-INVITEs and reports the media timeout once, while the digits
// keep flowing.
func TestCallWatchUpdatesThenTimeout(t *testing.T) {
	sess, updates, applied, timedOut := watchedSession(t, 300*time.Millisecond)
	done := make(chan struct{})
	info := make(chan byte, 1)
	m := newCallMedia(sess, g711.Ulaw, true, info, callWatch{done: done, updates: updates,
		onUpdate:  func(u sip.MediaUpdate) { applied <- u },
		onTimeout: func() { timedOut <- struct{}{} }})

	updates <- sip.MediaUpdate{Hold: false}
	select {
	case u := <-applied:
		require.False(t, u.Hold)
	case <-time.After(5 * time.Second):
		t.Fatal("the re-INVITE was not applied")
	}
	info <- '5'
	select {
	case d := <-m.digits:
		require.Equal(t, byte('5'), d)
	case <-time.After(5 * time.Second):
		t.Fatal("a SIP INFO digit did not reach the flow")
	}
	select {
	case <-timedOut:
	case <-time.After(5 * time.Second):
		t.Fatal("no media timeout reported")
	}
	// After the timeout the call is over for the watcher: updates are no
	// longer applied, and the digits still flow.
	updates <- sip.MediaUpdate{Hold: true}
	info <- '7'
	select {
	case d := <-m.digits:
		require.Equal(t, byte('7'), d)
	case <-time.After(5 * time.Second):
		t.Fatal("a SIP INFO digit after the timeout did not reach the flow")
	}
	require.Empty(t, applied, "a re-INVITE applied after the media timeout")
	require.Empty(t, timedOut, "the timeout reported twice")
}

// TestCallWatchEndsWithTheCall: once the call has ended (done), neither a
// re-INVITE nor the media timeout is acted on; the digits keep flowing
// until the session closes.
func TestCallWatchEndsWithTheCall(t *testing.T) {
	sess, updates, applied, timedOut := watchedSession(t, 200*time.Millisecond)
	done := make(chan struct{})
	info := make(chan byte, 1)
	m := newCallMedia(sess, g711.Ulaw, true, info, callWatch{done: done, updates: updates,
		onUpdate:  func(u sip.MediaUpdate) { applied <- u },
		onTimeout: func() { timedOut <- struct{}{} }})
	digit := func(d byte) {
		t.Helper()
		info <- d
		select {
		case got := <-m.digits:
			require.Equal(t, d, got)
		case <-time.After(5 * time.Second):
			t.Fatalf("SIP INFO digit %c did not reach the flow", d)
		}
	}
	close(done)
	// Two digits through: the second one's turn began after the first's
	// ended, so the watcher has seen the call end by then.
	digit('1')
	digit('2')
	updates <- sip.MediaUpdate{Hold: true}
	// Past the media timeout (the session reports it within a pacer tick).
	time.Sleep(600 * time.Millisecond)
	digit('3')
	require.Empty(t, applied, "a re-INVITE applied after the call ended")
	require.Empty(t, timedOut, "a media timeout reported after the call ended")
}
