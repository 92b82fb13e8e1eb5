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

// TestCallWatchKeysBeforeTheEnd: the flow hears of the call's end (onEnd)
// only after the keys that were already waiting have reached its digits,
// whichever the watcher's select would have picked first; and it hears of
// it once, also when the end is a media timeout.
func TestCallWatchKeysBeforeTheEnd(t *testing.T) {
	t.Run("hang-up", func(t *testing.T) {
		for i := 0; i < 20; i++ {
			sess, updates, _, _ := watchedSession(t, time.Minute)
			done := make(chan struct{})
			info := make(chan byte, 4)
			info <- '4'
			info <- '2'
			close(done)
			ends := make(chan int, 2)
			var m *callMedia
			ready := make(chan struct{})
			m = newCallMedia(sess, g711.Ulaw, true, info, callWatch{done: done, updates: updates,
				onUpdate: func(sip.MediaUpdate) {},
				onEnd: func() {
					<-ready
					ends <- len(m.digits)
				}})
			close(ready)
			select {
			case n := <-ends:
				require.Equal(t, 2, n, "run %d: keys waiting when the flow heard of the end", i)
			case <-time.After(5 * time.Second):
				t.Fatal("the flow never heard of the call's end")
			}
			require.Equal(t, byte('4'), <-m.digits)
			require.Equal(t, byte('2'), <-m.digits)
			sess.Close()
			time.Sleep(10 * time.Millisecond)
			require.Empty(t, ends, "onEnd called twice")
		}
	})
	t.Run("media timeout", func(t *testing.T) {
		sess, updates, _, timedOut := watchedSession(t, 200*time.Millisecond)
		ends := make(chan struct{}, 2)
		newCallMedia(sess, g711.Ulaw, true, make(chan byte), callWatch{done: make(chan struct{}), updates: updates,
			onUpdate:  func(sip.MediaUpdate) {},
			onTimeout: func() { timedOut <- struct{}{} },
			onEnd:     func() { ends <- struct{}{} }})
		select {
		case <-ends:
		case <-time.After(5 * time.Second):
			t.Fatal("a media timeout did not end the call for the flow")
		}
		require.Len(t, timedOut, 1)
		sess.Close()
		time.Sleep(10 * time.Millisecond)
		require.Empty(t, ends, "onEnd called twice")
	})
	t.Run("session closed first", func(t *testing.T) {
		sess, updates, _, _ := watchedSession(t, time.Minute)
		ends := make(chan struct{}, 2)
		newCallMedia(sess, g711.Ulaw, true, make(chan byte), callWatch{done: make(chan struct{}), updates: updates,
			onUpdate: func(sip.MediaUpdate) {},
			onEnd:    func() { ends <- struct{}{} }})
		sess.Close()
		select {
		case <-ends:
		case <-time.After(5 * time.Second):
			t.Fatal("the session's close did not end the call for the flow")
		}
	})
}
