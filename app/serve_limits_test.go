package app

import (
	"io"
	"net"
	"net/http"
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
