package httpgw

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	mathrand "math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/app/sms"
	"github.com/switchboard/switchboard/app/sms/smstest"
)

const (
	bearerbox = "/usr/sbin/bearerbox"
	smsbox    = "/usr/sbin/smsbox"
	fakesmsc  = "/usr/lib/kannel/test/fakesmsc"
)

// requirePeer skips (or fails under SWITCHBOARD_REQUIRE_SMS=1) when a
// Debian peer binary is missing.
func requirePeer(t *testing.T, paths ...string) {
	t.Helper()
	for _, p := range paths {
		if _, err := os.Stat(p); err != nil {
			msg := fmt.Sprintf("%s is missing: install Debian's kannel and kannel-extras (make sms-deps)", p)
			if os.Getenv("SWITCHBOARD_REQUIRE_SMS") == "1" {
				t.Fatal(msg)
			}
			t.Skip(msg)
		}
	}
}

// freePort finds a free port below the kernel's ephemeral range, so no
// outgoing connection (smsbox to bearerbox, our client to smsbox) can take
// it between this check and the peer's bind; taken lists ports handed out
// already.
func freePort(t *testing.T, taken map[int]bool) int {
	t.Helper()
	for range 200 {
		p := 20000 + mathrand.IntN(12000)
		if taken[p] {
			continue
		}
		l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p))
		if err != nil {
			continue
		}
		l.Close()
		taken[p] = true
		return p
	}
	t.Fatal("no free port in 20000-31999")
	return 0
}

// waitListening waits (bounded) until something accepts on port.
func waitListening(t *testing.T, port int, what string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), 200*time.Millisecond)
		if err == nil {
			c.Close()
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("%s did not listen on %d within 15 s", what, port)
}

// lockedBuffer collects a process's output for the test to read while it runs.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// start runs a peer process until the test ends (killed then, at most 2 min).
func start(t *testing.T, out *lockedBuffer, name string, args ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Stdout, cmd.Stderr = out, out
	cmd.WaitDelay = 2 * time.Second
	require.NoError(t, cmd.Start(), name)
	t.Cleanup(func() {
		cancel()
		_ = cmd.Wait()
	})
}

// kannel is bearerbox + smsbox + fakesmsc on loopback, with the sms-service
// get-url pointing at a gateway's inbound handler.
type kannel struct {
	sendsmsURL string
	fake       *lockedBuffer
	logs       string
}

func startKannel(t *testing.T, getURL, user, pass, moLine string) *kannel {
	t.Helper()
	requirePeer(t, bearerbox, smsbox, fakesmsc)
	dir := t.TempDir()
	taken := map[int]bool{}
	admin, boxPort, fakePort, sendPort := freePort(t, taken), freePort(t, taken), freePort(t, taken), freePort(t, taken)
	conf := fmt.Sprintf(`group = core
admin-port = %d
admin-interface = 127.0.0.1
admin-password = "%s"
smsbox-port = %d
smsbox-interface = 127.0.0.1
log-file = "%s/bearerbox.log"
log-level = 0
dlr-storage = internal

group = smsc
smsc = fake
smsc-id = fake
port = %d
our-host = 127.0.0.1
connect-allow-ip = 127.0.0.1

group = smsbox
bearerbox-host = 127.0.0.1
bearerbox-port = %d
sendsms-port = %d
sendsms-interface = 127.0.0.1
log-file = "%s/smsbox.log"
log-level = 0
http-request-retry = 3
http-queue-delay = 1

group = sendsms-user
username = "%s"
password = "%s"
max-messages = 10
concatenation = true

group = sms-service
keyword = default
catch-all = true
get-url = "%s"
max-messages = 0
omit-empty = true
`, admin, newRef(), boxPort, dir, fakePort, boxPort, sendPort, dir, user, pass, getURL)
	path := filepath.Join(dir, "kannel.conf")
	require.NoError(t, os.WriteFile(path, []byte(conf), 0o600))
	k := &kannel{sendsmsURL: fmt.Sprintf("http://127.0.0.1:%d", sendPort), fake: &lockedBuffer{}, logs: dir}
	var bbOut, sbOut lockedBuffer
	start(t, &bbOut, bearerbox, path)
	waitListening(t, boxPort, "bearerbox")
	start(t, &sbOut, smsbox, path)
	waitListening(t, sendPort, "smsbox")
	start(t, k.fake, fakesmsc, "-H", "127.0.0.1", "-r", fmt.Sprint(fakePort), "-i", "0.5", "-m", "1", moLine)
	t.Cleanup(func() {
		if t.Failed() {
			for _, f := range []string{"bearerbox.log", "smsbox.log"} {
				b, _ := os.ReadFile(filepath.Join(dir, f))
				t.Logf("--- %s (tail) ---\n%s", f, tailString(string(b), 3000))
			}
			t.Logf("--- fakesmsc ---\n%s", tailString(k.fake.String(), 3000))
		}
	})
	return k
}

func tailString(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

var gotMessage = regexp.MustCompile(`Got message \d+: <(\S+) (\S+) (.*)>`)

// fakeGot waits (bounded) until fakesmsc printed n messages to `to`, and
// returns their "type data" parts.
func (k *kannel) fakeGot(t *testing.T, to string, n int) []string {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		var got []string
		for _, m := range gotMessage.FindAllStringSubmatch(k.fake.String(), -1) {
			if m[2] == to {
				got = append(got, m[3])
			}
		}
		if len(got) >= n {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("fakesmsc got %d of %d messages to %s within 15 s", len(got), n, to)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// decodeFake turns fakesmsc's "ucs-2 …", "data …", "text …" or
// "udh <udh> data …" into text.
func decodeFake(t *testing.T, s string) string {
	t.Helper()
	kind, rest, _ := strings.Cut(s, " ")
	if kind == "udh" {
		_, rest, _ = strings.Cut(rest, " ")
		kind, rest, _ = strings.Cut(rest, " ")
	}
	switch kind {
	case "text":
		return rest
	case "data", "ucs-2":
		raw, err := url.QueryUnescape(rest)
		require.NoError(t, err)
		if kind == "ucs-2" {
			return kannelText(raw, "2", "UTF-16BE")
		}
		return raw
	}
	t.Fatalf("fakesmsc line %q: unknown type", s)
	return ""
}

func TestKannel(t *testing.T) {
	// The first MO call finds the store failing: the handler answers 503
	// and smsbox must try again (http-request-retry).
	var moCalls int
	sink := &smstest.Sink{Fail: func(sms.Inbound) error {
		moCalls++
		if moCalls == 1 {
			return errors.New("store unavailable")
		}
		return nil
	}}
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	callback := srv.URL + "/sms/gateways/SGkannel/"

	const sendUser, sendPass = "switchboard", "p&ss w0rd+/="
	const inUser, inSecret = "kannel", "in-secret-7f3a"
	set := Settings{Preset: PresetKannel, Username: sendUser, Password: sendPass,
		InboundUsername: inUser, InboundSecret: inSecret, CallbackURL: callback}
	getURL := KannelGetURL(callback, inUser, inSecret)
	k := startKannel(t, getURL, sendUser, sendPass, "+15551230001 +15557654321 text Hello from a phone")
	set.BaseURL = k.sendsmsURL
	raw, err := json.Marshal(set)
	require.NoError(t, err)
	gw, err := New(sms.Config{SID: "SGkannel", Addresses: []string{"+15557654321"}, Settings: raw}, sms.Env{Sink: sink})
	require.NoError(t, err)
	mux.Handle("/sms/gateways/SGkannel/", http.StripPrefix("/sms/gateways/SGkannel", gw.(sms.Inbounder).Inbound()))
	ctx := context.Background()

	t.Run("MO through the sms-service get-url lands once", func(t *testing.T) {
		require.NoError(t, sink.WaitFor(20*time.Second, "the MO", func(s *smstest.Sink) bool { return len(s.Messages()) > 0 }))
		time.Sleep(time.Second) // a second delivery would come now
		msgs := sink.Messages()
		require.Len(t, msgs, 1)
		m := msgs[0]
		require.Equal(t, "+15551230001", m.From)
		require.Equal(t, "+15557654321", m.To)
		require.Equal(t, "Hello from a phone", m.Body)
		require.Regexp(t, `^kannel:[0-9a-f-]{36}$`, m.ProviderID)
		require.Equal(t, 2, moCalls, "one refused call (503), one stored")
	})

	t.Run("MT non-ASCII with a delivery report", func(t *testing.T) {
		body := `Grüße "quoted" — 😀 ok`
		sent, err := gw.Send(ctx, sms.Outbound{SID: "SM1", From: "+15557654321", To: "+15550000001", Body: body, StatusReport: true})
		require.NoError(t, err)
		require.Equal(t, 1, sent.Segments)
		require.Len(t, sent.Refs, 1)
		got := k.fakeGot(t, "+15550000001", 1)
		require.Equal(t, body, decodeFake(t, got[0]))
		ref := sent.Refs[0]
		// Kannel sends type 8 (SMSC took it: "sent") and type 1
		// ("delivered") as separate calls; they may arrive in either order.
		statesOf := func(s *smstest.Sink) map[string]bool {
			got := map[string]bool{}
			for _, r := range s.Reports() {
				if r.Ref == ref {
					got[r.Status] = true
					require.Equal(t, "+15550000001", r.To)
				}
			}
			return got
		}
		require.NoError(t, sink.WaitFor(15*time.Second, "the sent and delivered reports", func(s *smstest.Sink) bool {
			st := statesOf(s)
			return st["sent"] && st["delivered"]
		}))
		require.Len(t, statesOf(sink), 2)
	})

	t.Run("MT long message in parts", func(t *testing.T) {
		body := strings.Repeat("The quick brown fox jumps over the lazy dog. ", 7)[:300]
		sent, err := gw.Send(ctx, sms.Outbound{SID: "SM2", From: "+15557654321", To: "+15550000002", Body: body})
		require.NoError(t, err)
		require.Equal(t, 2, sent.Segments)
		got := k.fakeGot(t, "+15550000002", 2)
		var text string
		for _, part := range got {
			require.True(t, strings.HasPrefix(part, "udh "), "part %q has no UDH", part)
			text += decodeFake(t, part)
		}
		require.Equal(t, body, text)
	})

	t.Run("wrong password is permanent and the password stays out of the error", func(t *testing.T) {
		bad := set
		bad.Password = "wr&ng secret+pw"
		raw, _ := json.Marshal(bad)
		g2, err := New(sms.Config{SID: "SGbad", Settings: raw}, sms.Env{Sink: &smstest.Sink{}})
		require.NoError(t, err)
		_, err = g2.Send(ctx, sms.Outbound{To: "+15550000003", Body: "x"})
		require.Error(t, err)
		f := sms.AsFailure(err)
		require.True(t, f.Permanent, "%v", err)
		requireNoSecret(t, err.Error(), bad.Password, inSecret)
		require.Contains(t, err.Error(), "Authorization failed")
	})

	t.Run("probe", func(t *testing.T) {
		state, why := gw.(*Gateway).probe(ctx)
		require.Equal(t, sms.StateReady, state, why)
	})
}

// requireNoSecret fails when s holds a secret in any of its usual spellings.
func requireNoSecret(t *testing.T, s string, secrets ...string) {
	t.Helper()
	for _, sec := range secrets {
		for _, form := range []string{sec, url.QueryEscape(sec), url.PathEscape(sec)} {
			require.NotContains(t, s, form, "a secret leaked")
		}
	}
}
