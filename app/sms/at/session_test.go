package at_test

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/app/sms/at"
	"github.com/switchboard/switchboard/app/sms/at/fakemodem"
)

// deliverPDU: see parser_test.go for its bytes ("hello" from +15551234567).
const deliverPDU = "0791447758100650" + "04" + "0B915155214365F7" + "00" + "00" + "62213031540000" + "05" + "E8329BFD06"

// submitPDU is an SMS-SUBMIT: 00 (SMSC from the modem), 11 (SUBMIT, VP
// relative), 00 (MR), 0B91 5155214365F7 (+15551234567), 00 PID, 00 DCS, AA VP,
// 05 UDL, "hello". 18 octets without the SMSC field.
const submitPDU = "00" + "11" + "00" + "0B915155214365F7" + "00" + "00" + "AA" + "05" + "E8329BFD06"

func start(t *testing.T, opt at.Options) (*fakemodem.Modem, *at.Session) {
	t.Helper()
	m, err := fakemodem.New()
	require.NoError(t, err)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("transcript:\n%s", m.Transcript())
		}
		m.Close()
	})
	port, err := m.Port()
	require.NoError(t, err)
	s := at.New(port, opt)
	t.Cleanup(func() { s.Close() })
	return m, s
}

func ctxT(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

func nextNotice(t *testing.T, s *at.Session) at.Notice {
	t.Helper()
	select {
	case n, ok := <-s.Notices():
		require.True(t, ok, "notices closed")
		return n
	case <-time.After(5 * time.Second):
		t.Fatal("no notice within 5 s")
	}
	return at.Notice{}
}

func TestInitAgainstFakeModem(t *testing.T) {
	for _, misbehave := range []string{"plain", "fragmented", "slow", "notice between echo and result"} {
		t.Run(misbehave, func(t *testing.T) {
			m, s := start(t, at.Options{})
			switch misbehave {
			case "fragmented":
				m.SetFragment(1)
			case "slow":
				m.SetLatency(30 * time.Millisecond)
			case "notice between echo and result":
				m.NoticeBetween(`+CMTI: "SM",7`) // rides on ATE0's reply, echo still on
			}
			m.SetSignal(21, 99)
			st, err := at.Init(ctxT(t, 20*time.Second), s, at.InitOptions{})
			require.NoError(t, err)
			require.Equal(t, at.State{SIM: "READY", RSSI: 21, BER: 99, SignalDBM: -71, SignalKnown: true,
				Registration: at.RegHome, Operator: "Fake Mobile", Notices: true}, st)
			require.Equal(t, []string{"ATE0", "AT+CMEE=1", "AT+CMGF=0", "AT+CPIN?", "AT+CSQ", "AT+CREG?", "AT+CGREG?", "AT+CEREG?", "AT+COPS?", "AT+CNMI=2,1,0,2,0"}, m.Commands())
			if misbehave == "notice between echo and result" {
				n := nextNotice(t, s)
				require.Equal(t, "+CMTI", n.Name)
				require.Equal(t, 7, n.Index)
			}
		})
	}
}

func TestInitPIN(t *testing.T) {
	t.Run("no PIN configured", func(t *testing.T) {
		m, s := start(t, at.Options{})
		m.RequirePIN("4321")
		_, err := at.Init(ctxT(t, 10*time.Second), s, at.InitOptions{})
		require.ErrorIs(t, err, at.ErrPINRequired)
	})
	t.Run("wrong PIN is sent once and kept out of the error", func(t *testing.T) {
		m, s := start(t, at.Options{})
		m.RequirePIN("4321")
		_, err := at.Init(ctxT(t, 10*time.Second), s, at.InitOptions{PIN: "9999"})
		require.ErrorIs(t, err, at.ErrPINRequired)
		code, ok := at.CMECode(err)
		require.True(t, ok)
		require.Equal(t, 16, code)
		require.NotContains(t, err.Error(), "9999")
		pins := 0
		for _, c := range m.Commands() {
			if strings.HasPrefix(c, "AT+CPIN=") {
				pins++
			}
		}
		require.Equal(t, 1, pins)
	})
	t.Run("right PIN", func(t *testing.T) {
		m, s := start(t, at.Options{})
		m.RequirePIN("4321")
		st, err := at.Init(ctxT(t, 10*time.Second), s, at.InitOptions{PIN: "4321"})
		require.NoError(t, err)
		require.Equal(t, "READY", st.SIM)
	})
	t.Run("not registered", func(t *testing.T) {
		m, s := start(t, at.Options{})
		m.SetRegistration(2)
		m.SetSignal(99, 99)
		st, err := at.Init(ctxT(t, 10*time.Second), s, at.InitOptions{})
		require.NoError(t, err)
		require.Equal(t, at.RegSearching, st.Registration)
		require.False(t, st.SignalKnown)
		require.Empty(t, st.Operator)
	})
}

func TestSendPDU(t *testing.T) {
	m, s := start(t, at.Options{})
	m.SetFragment(3)
	ctx := ctxT(t, 10*time.Second)
	mr, err := s.SendPDU(ctx, 18, submitPDU)
	require.NoError(t, err)
	require.Equal(t, 1, mr)
	mr, err = s.SendPDU(ctx, 18, submitPDU)
	require.NoError(t, err)
	require.Equal(t, 2, mr)
	require.Equal(t, []fakemodem.Sent{{Length: 18, PDU: submitPDU, MR: 1}, {Length: 18, PDU: submitPDU, MR: 2}}, m.Sent())

	m.FailNextSend(500)
	_, err = s.SendPDU(ctx, 18, submitPDU)
	code, ok := at.CMSCode(err)
	require.True(t, ok, "%v", err)
	require.Equal(t, 500, code)
	require.Len(t, m.Sent(), 2)

	// a notice while the prompt is open does not confuse the send
	m.NoticeBetween("RING")
	mr, err = s.SendPDU(ctx, 18, submitPDU)
	require.NoError(t, err)
	require.Equal(t, 3, mr)
	require.Equal(t, "RING", nextNotice(t, s).Name)

	_, err = s.SendPDU(ctx, 40, submitPDU)
	require.ErrorIs(t, err, at.ErrBadCommand)
	_, err = s.Do(ctx, "AT\r\nAT+CMGD=1,4")
	require.ErrorIs(t, err, at.ErrBadCommand)
}

func TestReceive(t *testing.T) {
	m, s := start(t, at.Options{})
	ctx := ctxT(t, 10*time.Second)
	_, err := s.Do(ctx, "AT+CNMI=2,1,0,2,0")
	require.NoError(t, err)

	idx, err := m.InjectMO(deliverPDU)
	require.NoError(t, err)
	n := nextNotice(t, s)
	require.Equal(t, at.Notice{Name: "+CMTI", Line: `+CMTI: "SM",1`, Storage: "SM", Index: idx}, n)
	lines, err := s.Do(ctx, "AT+CMGR=1")
	require.NoError(t, err)
	require.Equal(t, []string{"+CMGR: 0,,24", deliverPDU}, lines)
	lines, err = s.Do(ctx, "AT+CMGL=4")
	require.NoError(t, err)
	require.Equal(t, []string{"+CMGL: 1,1,,24", deliverPDU}, lines)
	_, err = s.Do(ctx, "AT+CMGD=1")
	require.NoError(t, err)
	_, err = s.Do(ctx, "AT+CMGR=1")
	code, _ := at.CMSCode(err)
	require.Equal(t, 321, code)

	// pushed directly, and a delivery report, split into small writes
	m.SetFragment(5)
	_, err = s.Do(ctx, "AT+CNMI=2,2,0,1,0")
	require.NoError(t, err)
	_, err = m.InjectMO(deliverPDU)
	require.NoError(t, err)
	n = nextNotice(t, s)
	require.Equal(t, "+CMT", n.Name)
	require.Equal(t, deliverPDU, n.PDU)
	require.Equal(t, 24, n.Length)
	report := "00" + "06" + "01" + "0B915155214365F7" + "62213031540000" + "62213031541000" + "00"
	m.DeliverReport(report)
	n = nextNotice(t, s)
	require.Equal(t, "+CDS", n.Name)
	require.Equal(t, report, n.PDU)
	require.Equal(t, 25, n.Length)
}

func TestTimeoutAndLateReply(t *testing.T) {
	m, s := start(t, at.Options{Timeout: 300 * time.Millisecond, Settle: 3 * time.Second})
	ctx := ctxT(t, 10*time.Second)
	m.SetSilent(true)
	_, err := s.Do(ctx, "AT+CSQ")
	require.ErrorIs(t, err, at.ErrTimeout)
	m.SetSilent(false)
	// the modem answers again: the next command gets its own reply once the
	// settle time for the abandoned one passed
	lines, err := s.Do(ctx, "AT+CGMI")
	require.NoError(t, err)
	require.Equal(t, []string{"Switchboard Fakes"}, lines)

	// a slow reply to a cancelled command is swallowed, not handed to the next one
	m.SetLatency(400 * time.Millisecond)
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	_, err = s.Do(short, "AT+CSQ")
	require.ErrorIs(t, err, context.DeadlineExceeded)
	m.SetLatency(0)
	lines, err = s.Do(ctx, "AT+CGMM")
	require.NoError(t, err)
	require.Equal(t, []string{"FM-100"}, lines)
	require.NoError(t, s.Err())
}

func TestDisconnect(t *testing.T) {
	m, s := start(t, at.Options{Timeout: 10 * time.Second})
	ctx := ctxT(t, 10*time.Second)
	_, err := s.Do(ctx, "AT")
	require.NoError(t, err)
	m.SetSilent(true)
	errc := make(chan error, 1)
	go func() {
		_, err := s.Do(ctx, "AT+CSQ")
		errc <- err
	}()
	time.Sleep(100 * time.Millisecond)
	m.Disconnect()
	select {
	case err := <-errc:
		require.ErrorIs(t, err, at.ErrClosed)
	case <-time.After(5 * time.Second):
		t.Fatal("the command in flight did not fail after the disconnect")
	}
	select {
	case <-s.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("the session did not notice the port is gone")
	}
	require.ErrorIs(t, s.Err(), at.ErrClosed)
	_, err = s.Do(ctx, "AT")
	require.ErrorIs(t, err, at.ErrClosed)
	_, ok := <-s.Notices()
	require.False(t, ok, "notices stay open after the end")
}

func TestCloseEndsCommands(t *testing.T) {
	m, s := start(t, at.Options{})
	m.SetSilent(true)
	errc := make(chan error, 1)
	go func() {
		_, err := s.Do(context.Background(), "AT")
		errc <- err
	}()
	time.Sleep(50 * time.Millisecond)
	require.NoError(t, s.Close())
	err := <-errc
	require.True(t, errors.Is(err, at.ErrClosed), "%v", err)
}

// TestNoGoroutineLeft: a session that ran commands, got notices and ended
// (closed or unplugged) leaves no goroutine behind.
func TestNoGoroutineLeft(t *testing.T) {
	before := runtime.NumGoroutine()
	for _, unplug := range []bool{false, true} {
		m, err := fakemodem.New()
		require.NoError(t, err)
		port, err := m.Port()
		require.NoError(t, err)
		s := at.New(port, at.Options{Notices: 1})
		_, err = s.Do(ctxT(t, 5*time.Second), "AT+CNMI=2,1,0,2,0")
		require.NoError(t, err)
		for range 3 { // more notices than the buffer holds: dropped, not blocking
			_, err = m.InjectMO(deliverPDU)
			require.NoError(t, err)
		}
		_, err = s.Do(ctxT(t, 5*time.Second), "AT")
		require.NoError(t, err)
		if unplug {
			m.Disconnect()
			<-s.Done()
		}
		s.Close()
		m.Close()
	}
	deadline := time.Now().Add(3 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	require.LessOrEqual(t, runtime.NumGoroutine(), before)
}

// A send that ends without an answer tells whether the PDU went out: after
// the prompt the message may have been sent (ErrPDUWritten), before it not.
func TestSendPDUSilenceTellsWhetherPDUWasWritten(t *testing.T) {
	for _, tc := range []struct {
		name    string
		silence func(m *fakemodem.Modem)
		written bool
	}{
		{"silent before the prompt", func(m *fakemodem.Modem) { m.SetSilent(true) }, false},
		{"silent after the PDU", func(m *fakemodem.Modem) { m.SilenceNextSend() }, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, s := start(t, at.Options{SendTimeout: 200 * time.Millisecond, Settle: 50 * time.Millisecond})
			tc.silence(m)
			_, err := s.SendPDU(ctxT(t, 5*time.Second), 18, submitPDU)
			require.ErrorIs(t, err, at.ErrTimeout)
			require.Equal(t, tc.written, errors.Is(err, at.ErrPDUWritten), "%v", err)
			require.Equal(t, tc.written, len(m.Sent()) == 1)
		})
	}
}
