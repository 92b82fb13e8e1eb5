package smpp

import (
	"bufio"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"log/slog"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/app/sms"
	"github.com/switchboard/switchboard/app/sms/smstest"
)

// perlSMSC is testdata/smsc.pl (Net::SMPP) running as the SMSC on a free port.
type perlSMSC struct {
	port  int
	stdin interface{ Write([]byte) (int, error) }
	mu    sync.Mutex
	lines []string
	used  []bool
}

func startPerlSMSC(t *testing.T, password string) *perlSMSC {
	t.Helper()
	if err := exec.Command("perl", "-MNet::SMPP", "-e", "1").Run(); err != nil {
		if os.Getenv("SWITCHBOARD_REQUIRE_SMS") == "1" {
			t.Fatalf("SWITCHBOARD_REQUIRE_SMS=1 but perl with Net::SMPP is missing: %v", err)
		}
		t.Skip("Net::SMPP is not installed (Debian: apt-get install libnet-smpp-perl; `make sms-deps` does it)")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, "perl", "testdata/smsc.pl", password)
	cmd.WaitDelay = 2 * time.Second
	in, err := cmd.StdinPipe()
	require.NoError(t, err)
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	cmd.Stderr = &testLog{t: t, who: "smsc.pl"}
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		cancel()
		_ = cmd.Wait()
	})
	p := &perlSMSC{stdin: in}
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			p.mu.Lock()
			p.lines = append(p.lines, sc.Text())
			p.used = append(p.used, false)
			p.mu.Unlock()
		}
	}()
	l := p.wait(t, "LISTEN ")
	p.port, err = strconv.Atoi(strings.TrimPrefix(l, "LISTEN "))
	require.NoError(t, err)
	return p
}

// testLog passes the script's warnings to the test log.
type testLog struct {
	t   *testing.T
	who string
}

func (l *testLog) Write(b []byte) (int, error) {
	l.t.Logf("%s: %s", l.who, strings.TrimSpace(string(b)))
	return len(b), nil
}

func (p *perlSMSC) do(t *testing.T, command string) {
	t.Helper()
	_, err := p.stdin.Write([]byte(command + "\n"))
	require.NoError(t, err)
}

// wait returns the first line not returned before that starts with prefix (10 s at most).
func (p *perlSMSC) wait(t *testing.T, prefix string) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		p.mu.Lock()
		for i, l := range p.lines {
			if !p.used[i] && strings.HasPrefix(l, prefix) {
				p.used[i] = true
				p.mu.Unlock()
				return l
			}
		}
		p.mu.Unlock()
		time.Sleep(10 * time.Millisecond)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	t.Fatalf("smsc.pl printed no %q line within 10 s; it printed:\n%s", prefix, strings.Join(p.lines, "\n"))
	return ""
}

func (p *perlSMSC) count(prefix string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, l := range p.lines {
		if strings.HasPrefix(l, prefix) {
			n++
		}
	}
	return n
}

// fields reads "k=v k=v" from a line.
func fields(line string) map[string]string {
	out := map[string]string{}
	for _, w := range strings.Fields(line) {
		if k, v, ok := strings.Cut(w, "="); ok {
			out[k] = v
		}
	}
	return out
}

func unhex(t *testing.T, s string) string {
	t.Helper()
	b, err := hex.DecodeString(s)
	require.NoError(t, err)
	return string(b)
}

// startGateway runs a gateway against port until the test ends.
func startGateway(t *testing.T, port int, password string, extra map[string]any, opts ...func(*Gateway)) (*Gateway, *smstest.Sink) {
	t.Helper()
	set := map[string]any{"host": "127.0.0.1", "port": port, "system_id": "switchboard", "password": password, "response_timeout_seconds": 2}
	for k, v := range extra {
		set[k] = v
	}
	raw, err := json.Marshal(set)
	require.NoError(t, err)
	sink := &smstest.Sink{}
	g, err := New(sms.Config{SID: "SGtest", Kind: "smpp", Addresses: []string{"+15551234567"}, Settings: raw}, sms.Env{Sink: sink, Log: slog.New(slog.NewTextHandler(&testLog{t: t, who: "gateway"}, nil))})
	require.NoError(t, err)
	g.backoffBase, g.backoffMax = 50*time.Millisecond, 400*time.Millisecond
	for _, o := range opts {
		o(g)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = g.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Error("Run did not return within 5 s of its context ending")
		}
	})
	return g, sink
}

func waitReady(t *testing.T, g *Gateway) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for g.Health().State != sms.StateReady {
		if time.Now().After(deadline) {
			t.Fatalf("gateway not ready within 10 s: %+v", g.Health())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func send(t *testing.T, g *Gateway, from, to, body string) (sms.Sent, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	return g.Send(ctx, sms.Outbound{SID: "SMtest", From: from, To: to, Body: body, Attempt: 1})
}

func TestNetSMPPSubmitAndReceipt(t *testing.T) {
	smsc := startPerlSMSC(t, "secret")
	g, sink := startGateway(t, smsc.port, "secret", nil)
	require.Contains(t, smsc.wait(t, "BIND "), "system_id=switchboard ok=1")
	waitReady(t, g)
	require.Equal(t, "perlsmsc", g.Health().Detail["smsc_system_id"])

	sent, err := send(t, g, "+15551234567", "+15557654321", "Hello € {ok}")
	require.NoError(t, err)
	f := fields(smsc.wait(t, "SUBMIT "))
	require.Equal(t, map[string]string{"src": "15551234567", "ston": "1", "snpi": "1", "dst": "15557654321", "dton": "1", "dnpi": "1",
		"esm": "0", "dc": "0", "reg": "1", "ref": "-", "total": "1", "seq": "1", "id": "m1"}, without(f, "text"))
	require.Equal(t, "Hello € {ok}", unhex(t, f["text"]))
	require.Equal(t, sms.Sent{Segments: 1, Refs: []string{"m1"}}, sent)

	smsc.do(t, "receipt m1 DELIVRD")
	require.NoError(t, sink.WaitFor(10*time.Second, "a delivery report", func(s *smstest.Sink) bool { return len(s.Reports()) == 1 }))
	rep := sink.Reports()[0]
	require.Equal(t, "m1", rep.Ref)
	require.Equal(t, "delivered", rep.Status)
	require.Contains(t, rep.Detail, "stat:DELIVRD")
	require.Equal(t, time.Date(2026, 12, 3, 13, 46, 0, 0, time.UTC), rep.At)
	require.Contains(t, smsc.wait(t, "DELIVER_RESP "), "status=0")

	smsc.do(t, "receipt m1 UNDELIV")
	require.NoError(t, sink.WaitFor(10*time.Second, "a second report", func(s *smstest.Sink) bool { return len(s.Reports()) == 2 }))
	require.Equal(t, "undelivered", sink.Reports()[1].Status)
	require.Equal(t, sms.CodeUnreachable, sink.Reports()[1].ErrorCode)
}

func without(m map[string]string, k string) map[string]string {
	out := map[string]string{}
	for key, v := range m {
		if key != k {
			out[key] = v
		}
	}
	return out
}

func TestNetSMPPLongMessages(t *testing.T) {
	smsc := startPerlSMSC(t, "secret")
	g, _ := startGateway(t, smsc.port, "secret", nil)
	waitReady(t, g)
	tests := []struct {
		name, from, body string
		parts            int
		dc, ston         string
	}{
		// 66 units then an emoji: the pair may not be cut, so it opens part 2.
		{"ucs2 with emoji", "+15551234567", strings.Repeat("ж", 66) + "😀" + strings.Repeat("я", 70), 3, "8", "1"},
		// an escape (€) right at the 153-septet boundary opens part 2 whole.
		{"gsm7 with escape", "Switchbrd", strings.Repeat("a", 152) + "€" + strings.Repeat("b", 160), 3, "0", "5"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sent, err := send(t, g, tc.from, "+15557654321", tc.body)
			require.NoError(t, err)
			require.Equal(t, tc.parts, sent.Segments)
			require.Len(t, sent.Refs, tc.parts)
			var text strings.Builder
			ref := ""
			for i := 1; i <= tc.parts; i++ {
				f := fields(smsc.wait(t, "SUBMIT "))
				require.Equal(t, "64", f["esm"], "esm_class says a UDH is there")
				require.Equal(t, tc.dc, f["dc"])
				require.Equal(t, tc.ston, f["ston"])
				require.Equal(t, strconv.Itoa(tc.parts), f["total"])
				require.Equal(t, strconv.Itoa(i), f["seq"])
				if ref == "" {
					ref = f["ref"]
				}
				require.Equal(t, ref, f["ref"], "one reference for all parts")
				require.Equal(t, sent.Refs[i-1], f["id"])
				text.WriteString(unhex(t, f["text"]))
			}
			require.Equal(t, tc.body, text.String())
		})
	}
}

func utf16hex(s string) string {
	var b []byte
	for _, r := range s {
		if r >= 0x10000 {
			r -= 0x10000
			hi, lo := 0xD800+(r>>10), 0xDC00+(r&0x3FF)
			b = append(b, byte(hi>>8), byte(hi), byte(lo>>8), byte(lo))
			continue
		}
		b = append(b, byte(r>>8), byte(r))
	}
	return hex.EncodeToString(b)
}

func TestNetSMPPInbound(t *testing.T) {
	smsc := startPerlSMSC(t, "secret")
	g, sink := startGateway(t, smsc.port, "secret", nil)
	waitReady(t, g)
	count := func(n int) func(*smstest.Sink) bool {
		return func(s *smstest.Sink) bool { return len(s.Messages()) >= n }
	}

	smsc.do(t, "mo 15557654321 15551234567 0 0 "+hex.EncodeToString([]byte("STOP")))
	require.NoError(t, sink.WaitFor(10*time.Second, "MO STOP", count(1)))
	m := sink.Messages()[0]
	require.Equal(t, "+15557654321", m.From)
	require.Equal(t, "+15551234567", m.To)
	require.Equal(t, "STOP", m.Body)
	require.Equal(t, 1, m.Segments)
	require.Empty(t, m.ProviderID, "SMPP 3.4 MO has no id: the queue must not drop a second STOP as a redelivery")
	require.Contains(t, smsc.wait(t, "DELIVER_RESP "), "status=0")

	// A 2-part UCS-2 message with UDH, part 2 first.
	smsc.do(t, "mo 15557654321 15551234567 8 64 050003ab0202"+utf16hex("мир 😀"))
	require.Contains(t, smsc.wait(t, "DELIVER_RESP "), "status=0", "a held part is acknowledged")
	smsc.do(t, "mo 15557654321 15551234567 8 64 050003ab0201"+utf16hex("Привет, "))
	require.NoError(t, sink.WaitFor(10*time.Second, "2-part UCS-2 MO", count(2)))
	m = sink.Messages()[1]
	require.Equal(t, "Привет, мир 😀", m.Body)
	require.Equal(t, 2, m.Segments)
	require.False(t, m.Incomplete)
	require.Contains(t, smsc.wait(t, "DELIVER_RESP "), "status=0")

	// A 2-part GSM 7-bit message with sar_* TLVs instead of a UDH.
	smsc.do(t, "mo 15557654321 15551234567 0 0 "+hex.EncodeToString([]byte("Hello "))+" 700 2 1")
	smsc.do(t, "mo 15557654321 15551234567 0 0 "+hex.EncodeToString([]byte("world"))+" 700 2 2")
	require.NoError(t, sink.WaitFor(10*time.Second, "2-part sar MO", count(3)))
	require.Equal(t, "Hello world", sink.Messages()[2].Body)

	// The store refuses: the SMSC is told to try again (0x64), and its redelivery is taken.
	var failOnce sync.Once
	sink.Fail = func(sms.Inbound) error {
		var err error
		failOnce.Do(func() { err = errors.New("disk full") })
		return err
	}
	smsc.wait(t, "DELIVER_RESP ")
	smsc.wait(t, "DELIVER_RESP ")
	smsc.do(t, "mo 15557654321 15551234567 3 0 "+hex.EncodeToString([]byte("caf\xe9")))
	require.Contains(t, smsc.wait(t, "DELIVER_RESP "), "status=100")
	require.Len(t, sink.Messages(), 3)
	smsc.do(t, "mo 15557654321 15551234567 3 0 "+hex.EncodeToString([]byte("caf\xe9")))
	require.Contains(t, smsc.wait(t, "DELIVER_RESP "), "status=0")
	require.NoError(t, sink.WaitFor(10*time.Second, "the redelivered MO", count(4)))
	require.Equal(t, "café", sink.Messages()[3].Body)
}

func TestNetSMPPReconnect(t *testing.T) {
	smsc := startPerlSMSC(t, "secret")
	g, sink := startGateway(t, smsc.port, "secret", map[string]any{"enquire_link_seconds": 1})
	waitReady(t, g)
	smsc.wait(t, "ENQUIRE") // idle link checked
	_, err := send(t, g, "", "+15557654321", "one")
	require.NoError(t, err)

	smsc.do(t, "drop")
	smsc.wait(t, "CLOSED")
	smsc.wait(t, "BIND ")
	smsc.wait(t, "BIND ")
	waitReady(t, g)
	sent, err := send(t, g, "", "+15557654321", "two")
	require.NoError(t, err)
	require.Equal(t, []string{"m2"}, sent.Refs)
	require.Contains(t, strings.Join(sink.States(), ","), "ready,failed,connecting,ready")

	// The SMSC checks the link, then unbinds: the gateway answers both and binds again.
	smsc.do(t, "enquire")
	smsc.wait(t, "ENQUIRE_RESP ")
	smsc.do(t, "unbind")
	smsc.wait(t, "UNBIND_RESP")
	smsc.wait(t, "BIND ")
	waitReady(t, g)
	sent, err = send(t, g, "", "+15557654321", "three")
	require.NoError(t, err)
	require.Equal(t, []string{"m3"}, sent.Refs)
	require.Contains(t, g.Health().State, sms.StateReady)
}

func TestNetSMPPSubmitErrors(t *testing.T) {
	smsc := startPerlSMSC(t, "secret")
	g, _ := startGateway(t, smsc.port, "secret", map[string]any{"response_timeout_seconds": 1})
	waitReady(t, g)
	tests := []struct {
		command              string
		permanent, uncertain bool
		code                 int
		retryAfter           bool
	}{
		{"status 58", false, false, sms.CodeQueueOverflow, true},
		{"status 14", false, false, sms.CodeQueueOverflow, true},
		{"status 08", false, false, sms.CodeUnknown, false},
		{"status 0B", true, false, sms.CodeInvalidTo, false},
		{"status 01", true, false, sms.CodeBodyTooLong, false},
		{"noresp", false, true, sms.CodeUnknown, false},
	}
	for _, tc := range tests {
		t.Run(tc.command, func(t *testing.T) {
			smsc.do(t, tc.command)
			smsc.wait(t, "OK ")
			_, err := send(t, g, "", "+15557654321", "hi")
			require.Error(t, err)
			f := sms.AsFailure(err)
			require.Equal(t, tc.permanent, f.Permanent, "%v", err)
			require.Equal(t, tc.uncertain, f.Uncertain, "%v", err)
			require.Equal(t, tc.code, f.Code)
			require.Equal(t, tc.retryAfter, f.RetryAfter > 0)
			smsc.wait(t, "SUBMIT ")
		})
	}
	// Still bound after all that.
	_, err := send(t, g, "", "+15557654321", "fine")
	require.NoError(t, err)
}

func TestNetSMPPBadPasswordBlocks(t *testing.T) {
	smsc := startPerlSMSC(t, "secret")
	// backoffMax is what a refused bind waits.
	g, sink := startGateway(t, smsc.port, "wrong", nil, func(g *Gateway) { g.backoffMax = time.Hour })
	require.Contains(t, smsc.wait(t, "BIND "), "ok=0")
	require.NoError(t, sink.WaitFor(10*time.Second, "blocked", func(s *smstest.Sink) bool {
		return g.Health().State == sms.StateBlocked
	}))
	h := g.Health()
	require.Contains(t, h.LastError, "ESME_RINVPASWD")
	require.NotContains(t, h.LastError, "wrong")
	time.Sleep(300 * time.Millisecond)
	require.Equal(t, 1, smsc.count("BIND "), "no second bind while blocked")
	_, err := send(t, g, "", "+15557654321", "hi")
	f := sms.AsFailure(err)
	require.False(t, f.Permanent || f.Uncertain, "not bound: retryable, nothing went out: %v", err)
	require.ErrorIs(t, err, ErrNotBound)
}
