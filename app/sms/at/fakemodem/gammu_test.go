package fakemodem_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/app/sms/at/fakemodem"
)

// deliverPDU is an SMS-DELIVER written by hand (its bytes are explained in
// app/sms/at/parser_test.go): "hello" from +15551234567, sent 2026-12-03
// 13:45:00 UTC, through the SMSC +447785016005.
const deliverPDU = "0791447758100650" + "04" + "0B915155214365F7" + "00" + "00" + "62213031540000" + "05" + "E8329BFD06"

// gammu is Debian's gammu pointed at the fake: a client that was not written
// with the fake in mind, so what it accepts is the modem dialect, not ours.
func gammu(t *testing.T, m *fakemodem.Modem, args ...string) string {
	t.Helper()
	out, log, err := gammuRun(t, m, args...)
	if err != nil {
		t.Logf("gammu %s: %v\n%s\n--- gammu log (tail) ---\n%s", strings.Join(args, " "), err, out, tail(log, 4000))
	}
	require.NoError(t, err, "gammu %s", strings.Join(args, " "))
	return out
}

// gammuRun runs gammu (killed after 60 s): its output, its debug log, and
// how it ended.
func gammuRun(t *testing.T, m *fakemodem.Modem, args ...string) (string, string, error) {
	t.Helper()
	dir := t.TempDir()
	rc := filepath.Join(dir, "gammurc")
	require.NoError(t, os.WriteFile(rc, []byte("[gammu]\ndevice = "+m.Path()+"\nconnection = at\nlogformat = textall\nlogfile = "+filepath.Join(dir, "gammu.log")+"\n"), 0o600))
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "gammu", append([]string{"-c", rc}, args...)...)
	cmd.WaitDelay = 2 * time.Second
	out, err := cmd.CombinedOutput()
	log, _ := os.ReadFile(filepath.Join(dir, "gammu.log"))
	return string(out), string(log), err
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

func startFake(t *testing.T) *fakemodem.Modem {
	t.Helper()
	if _, err := exec.LookPath("gammu"); err != nil {
		if os.Getenv("SWITCHBOARD_REQUIRE_SMS") == "1" {
			t.Fatalf("SWITCHBOARD_REQUIRE_SMS=1 but gammu is missing: %v", err)
		}
		t.Skip("gammu is not installed (Debian: apt-get install gammu; `make test-deps` does it)")
	}
	m, err := fakemodem.New()
	require.NoError(t, err)
	t.Cleanup(func() { m.Close() })
	return m
}

func TestGammuIdentify(t *testing.T) {
	m := startFake(t)
	out := gammu(t, m, "identify")
	require.Contains(t, out, "Switchboard Fakes")
	require.Contains(t, out, "FM-100")
	require.Contains(t, out, "356938035643809")
	require.Contains(t, out, "FM100_01.002")
}

func TestGammuReadsStoredMessage(t *testing.T) {
	m := startFake(t)
	idx, err := m.StoreMO(deliverPDU)
	require.NoError(t, err)
	out := gammu(t, m, "getallsms")
	require.Contains(t, out, "+15551234567")
	require.Contains(t, out, "hello")
	require.Contains(t, out, "+447785016005")

	out = gammu(t, m, "getsms", "1", "1")
	require.Contains(t, out, "+15551234567")
	require.Contains(t, out, "hello")
	require.Equal(t, []int{idx}, m.Stored())
}

func TestGammuSendsThroughFake(t *testing.T) {
	m := startFake(t)
	out := gammu(t, m, "sendsms", "TEXT", "+15557654321", "-text", "Hello from gammu")
	require.Contains(t, out, "reference=1")
	sent := m.Sent()
	require.Len(t, sent, 1)
	s := sent[0]
	// <length> counts the TPDU only: the PDU is the SMSC field (its length
	// octet and that many octets) plus exactly <length> octets
	smsc := int(hexByte(t, s.PDU[:2]))
	require.Equal(t, 2*(1+smsc+s.Length), len(s.PDU), "%s", s.PDU)
	tpdu := s.PDU[2+2*smsc:]
	require.Equal(t, byte(0x01), hexByte(t, tpdu[:2])&0x03, "TP-MTI is SMS-SUBMIT")
	require.Equal(t, "0B915155674523F1", tpdu[4:20], "TP-DA is +15557654321: 11 digits, international, pairs swapped (15 55 76 54 32 1F)")
}

func TestGammuSeesScriptedSendError(t *testing.T) {
	m := startFake(t)
	m.FailNextSend(500)
	out, _, err := gammuRun(t, m, "sendsms", "TEXT", "+15557654321", "-text", "fails")
	require.Error(t, err, "gammu must fail when the modem answers +CMS ERROR: 500:\n%s", out)
	require.Contains(t, out, "500")
	require.Empty(t, m.Sent())
}

func hexByte(t *testing.T, s string) byte {
	t.Helper()
	var b byte
	for _, c := range s {
		b <<= 4
		switch {
		case c >= '0' && c <= '9':
			b |= byte(c - '0')
		case c >= 'A' && c <= 'F':
			b |= byte(c - 'A' + 10)
		default:
			t.Fatalf("not hex: %q", s)
		}
	}
	return b
}

// Unplugged and plugged in again, the fake is the same modem to gammu: a
// new terminal behind the same link, the SIM's messages still there.
func TestGammuAfterReplug(t *testing.T) {
	m := startFake(t)
	link := filepath.Join(t.TempDir(), "usb-Switchboard_Fakes_FM-100-if00-port0")
	require.NoError(t, m.LinkAt(link))
	_, err := m.StoreMO(deliverPDU)
	require.NoError(t, err)
	m.Disconnect()
	_, err = os.Lstat(link)
	require.True(t, os.IsNotExist(err), "the link goes with the device")
	require.NoError(t, m.Replug())
	target, err := os.Readlink(link)
	require.NoError(t, err)
	require.Equal(t, m.Path(), target)
	out := gammu(t, m, "getallsms")
	require.Contains(t, out, "hello")
}
