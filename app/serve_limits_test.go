package app

import (
	"bufio"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/app/auth"
	"github.com/switchboard/switchboard/app/config"
	"github.com/switchboard/switchboard/sip/siptest"
)

var testCreds = auth.Credentials{AccountSID: "AC00000000000000000000000000000abc", AuthToken: "secretsecretsecretsecretsecret42"}

// metricsText fetches /metrics with the test credentials.
func metricsText(t *testing.T, base string) string {
	t.Helper()
	req, _ := http.NewRequest("GET", base+"/metrics", nil)
	req.SetBasicAuth(testCreds.AccountSID, testCreds.AuthToken)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	require.Equal(t, http.StatusOK, resp.StatusCode, string(b))
	return string(b)
}

// TestServeCountsSIPDropsInMetrics: garbage datagrams on the SIP port are
// counted in /metrics.
func TestServeCountsSIPDropsInMetrics(t *testing.T) {
	sipAddr := "127.0.0.1:" + strconv.Itoa(siptest.FreePort(t))
	base, stop := startServe(t, t.TempDir(), func(c *config.Config) {
		c.SIPAddr = sipAddr
		c.AccountSID, c.AuthToken = testCreds.AccountSID, testCreds.AuthToken
	})
	defer stop()
	c, err := net.Dial("udp", sipAddr)
	require.NoError(t, err)
	defer c.Close()
	for i := 0; i < 30; i++ {
		_, err := c.Write([]byte("\x00\x01 garbage " + strconv.Itoa(i) + "\r\n\r\n"))
		require.NoError(t, err)
		time.Sleep(time.Millisecond)
	}
	want := `switchboard_sip_dropped_total{reason="unparsable"} 30`
	var m string
	for i := 0; i < 50 && !strings.Contains(m, want); i++ {
		time.Sleep(50 * time.Millisecond)
		m = metricsText(t, base)
	}
	require.Contains(t, m, want)
}

// shortLimits makes serve's HTTP limits short for one test.
func shortLimits(t *testing.T, change func(*httpLimits)) {
	t.Helper()
	old := serveHTTPLimits
	lim := old
	change(&lim)
	serveHTTPLimits = lim
	t.Cleanup(func() { serveHTTPLimits = old })
}

// closedWithin reports whether the server ends c (EOF, reset, or a
// response followed by the close) within d.
func closedWithin(c net.Conn, d time.Duration) bool {
	_ = c.SetReadDeadline(time.Now().Add(d))
	buf := make([]byte, 4096)
	for {
		_, err := c.Read(buf)
		if err == nil {
			continue
		}
		var ne net.Error
		return !(errors.As(err, &ne) && ne.Timeout())
	}
}

// TestServeCutsTrickledBody: a webhook body sent a byte at a time is cut
// off by the read timeout (it used to hold the connection 46 s and more).
func TestServeCutsTrickledBody(t *testing.T) {
	shortLimits(t, func(l *httpLimits) { l.ReadTimeout = 500 * time.Millisecond })
	base, stop := startServe(t, t.TempDir(), func(c *config.Config) {
		c.AccountSID, c.AuthToken = testCreds.AccountSID, testCreds.AuthToken
	})
	defer stop()
	c, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	require.NoError(t, err)
	defer c.Close()
	_, err = io.WriteString(c, "POST /v1/Accounts/"+testCreds.AccountSID+"/Flows/FW00000000000000000000000000000001 HTTP/1.1\r\n"+
		"Host: x\r\nContent-Type: application/x-www-form-urlencoded\r\nX-Twilio-Signature: x\r\nContent-Length: 100\r\n\r\n")
	require.NoError(t, err)
	start := time.Now()
	cut := false
	for i := 0; i < 40 && !cut; i++ { // at most 40 bytes, 4 s
		if _, err := c.Write([]byte("a")); err != nil {
			cut = true
			break
		}
		cut = closedWithin(c, 100*time.Millisecond)
	}
	require.True(t, cut, "a trickled body held the connection for %v", time.Since(start))
	require.Less(t, time.Since(start), 3*time.Second)
}

// TestServeClosesIdleConnections: a keep-alive connection that sits idle
// after its request is closed by the idle timeout.
func TestServeClosesIdleConnections(t *testing.T) {
	shortLimits(t, func(l *httpLimits) { l.IdleTimeout = 300 * time.Millisecond })
	base, stop := startServe(t, t.TempDir())
	defer stop()
	c, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	require.NoError(t, err)
	defer c.Close()
	_, err = io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
	require.NoError(t, err)
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	require.NoError(t, err)
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.True(t, closedWithin(c, 3*time.Second), "idle keep-alive connection still open after 3 s")
}

// TestLimitListenerCapsConnections: no more than the cap are accepted at
// once; closing one lets the next in.
func TestLimitListenerCapsConnections(t *testing.T) {
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	ln := limitListener(inner, 3)
	defer ln.Close()
	accepted := make(chan net.Conn, 10)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted <- c
		}
	}()
	for i := 0; i < 6; i++ {
		c, err := net.Dial("tcp", inner.Addr().String())
		require.NoError(t, err)
		defer c.Close()
	}
	var open []net.Conn
	for len(open) < 3 {
		select {
		case c := <-accepted:
			open = append(open, c)
		case <-time.After(2 * time.Second):
			t.Fatalf("only %d of 3 accepted", len(open))
		}
	}
	select {
	case <-accepted:
		t.Fatal("a 4th connection was accepted while 3 were open")
	case <-time.After(300 * time.Millisecond):
	}
	require.NoError(t, open[0].Close())
	select {
	case c := <-accepted:
		defer c.Close()
	case <-time.After(2 * time.Second):
		t.Fatal("closing a connection did not let the next in")
	}
	for _, c := range open[1:] {
		c.Close()
	}
}

// TestServeThrottlesFailedBasicAuth: after 10 failures from one address,
// that address gets 429 with Retry-After and its credentials go unchecked
// (the right ones too), while a client with the right credentials from
// another address is served; the refusals are counted in /metrics.
func TestServeThrottlesFailedBasicAuth(t *testing.T) {
	base, stop := startServe(t, t.TempDir(), func(c *config.Config) {
		c.AccountSID, c.AuthToken = testCreds.AccountSID, testCreds.AuthToken
	})
	defer stop()
	from := func(ip string) *http.Client {
		d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
		return &http.Client{Transport: &http.Transport{DialContext: d.DialContext}}
	}
	get := func(c *http.Client, pass string) *http.Response {
		req, _ := http.NewRequest("GET", base+"/v2/Flows", nil)
		req.SetBasicAuth(testCreds.AccountSID, pass)
		resp, err := c.Do(req)
		require.NoError(t, err)
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp
	}
	attacker := from("127.0.0.2")
	var codes []int
	for i := 0; i < 12; i++ {
		codes = append(codes, get(attacker, "guess"+strconv.Itoa(i)).StatusCode)
	}
	require.Equal(t, http.StatusUnauthorized, codes[0])
	require.Equal(t, http.StatusTooManyRequests, codes[11], "codes %v", codes)
	resp := get(attacker, testCreds.AuthToken)
	require.Equal(t, http.StatusTooManyRequests, resp.StatusCode, "credentials were checked while throttled")
	require.NotEmpty(t, resp.Header.Get("Retry-After"))
	require.Equal(t, http.StatusOK, get(from("127.0.0.1"), testCreds.AuthToken).StatusCode)
	m := metricsText(t, base)
	require.Contains(t, m, "switchboard_auth_failures_total 10")
	require.Contains(t, m, "switchboard_auth_throttled_total 3")
}

// TestServeEventStreamOutlivesTimeouts: GET /v2/Events/Stream keeps
// delivering events after the server's read and write timeouts.
func TestServeEventStreamOutlivesTimeouts(t *testing.T) {
	shortLimits(t, func(l *httpLimits) {
		l.ReadTimeout, l.WriteTimeout = 300*time.Millisecond, 300*time.Millisecond
	})
	base, stop := startServe(t, t.TempDir(), func(c *config.Config) {
		c.AccountSID, c.AuthToken = testCreds.AccountSID, testCreds.AuthToken
	})
	defer stop()
	req, _ := http.NewRequest("GET", base+"/v2/Events/Stream", nil)
	req.SetBasicAuth(testCreds.AccountSID, testCreds.AuthToken)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	lines := make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	time.Sleep(time.Second) // past both timeouts
	post := func(path string, form url.Values) string {
		req, _ := http.NewRequest("POST", base+path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth(testCreds.AccountSID, testCreds.AuthToken)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		require.Less(t, resp.StatusCode, 300, string(b))
		return string(b)
	}
	const flow = `{"initial_state": "Trigger", "states": [
	  {"name": "Trigger", "type": "trigger", "properties": {}, "transitions": [{"event": "incomingRequest"}]}]}`
	var f struct{ SID string }
	require.NoError(t, json.Unmarshal([]byte(post("/v2/Flows", url.Values{"FriendlyName": {"s"}, "Status": {"published"}, "Definition": {flow}})), &f))
	post("/v2/Flows/"+f.SID+"/Executions", url.Values{"To": {"+15550001111"}, "From": {"+15550002222"}})
	deadline := time.After(5 * time.Second)
	for {
		select {
		case l, ok := <-lines:
			require.True(t, ok, "the stream ended")
			if strings.HasPrefix(l, "data:") && strings.Contains(l, "execution") {
				return
			}
		case <-deadline:
			t.Fatal("no event on the stream after the timeouts")
		}
	}
}
