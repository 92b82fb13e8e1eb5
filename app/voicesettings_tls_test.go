package app

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/app/config"
	"github.com/switchboard/switchboard/sip/siptest"
)

// TestTLSTrunkThroughTheAPI: a TLS trunk added through the API to a running
// appliance whose registrar's certificate is signed by a private CA fails
// with the certificate sentence on last_error until its CA file is set,
// then registers with the real kamailio over TLS.
func TestTLSTrunkThroughTheAPI(t *testing.T) {
	files := siptest.TLSCerts(t)
	_, tlsPort, kamLog := siptest.KamailioTLS(t, files, siptest.FreePort(t))
	logs := &lockedBuffer{}
	cfg := config.Config{DataDir: t.TempDir(), HTTPAddr: "127.0.0.1:0", SIPAddr: "127.0.0.1:0", AccountSID: testAccount, AuthToken: testToken}
	base, stop := serveLogged(t, cfg, logs)
	defer stop()

	code, tk := call(t, "POST", base+"/v2/Voice/Trunks", url.Values{"FriendlyName": {"carrier-tls"}, "Registrar": {"127.0.0.1:" + strconv.Itoa(tlsPort)},
		"Username": {"ivr"}, "Password": {"secret"}, "Expires": {"60"}, "Transport": {"tls"}})
	require.Equal(t, http.StatusCreated, code, tk)
	sid := tk["sid"].(string)
	var got map[string]any
	eventually(t, 5*time.Second, "the certificate problem on the trunk", func() bool {
		_, got = call(t, "GET", base+"/v2/Voice/Trunks/"+sid, nil)
		le, _ := got["last_error"].(string)
		return got["status"] == "failed" && strings.Contains(le, "unknown authority") && strings.Contains(le, "CA file")
	})

	code, got = call(t, "POST", base+"/v2/Voice/Trunks/"+sid, url.Values{"TlsCaFile": {files.CA}})
	require.Equal(t, http.StatusOK, code, got)
	require.Equal(t, files.CA, got["tls_ca_file"])
	eventually(t, 5*time.Second, "registered over TLS", func() bool {
		_, got = call(t, "GET", base+"/v2/Voice/Trunks/"+sid, nil)
		return got["status"] == "registered" && slices.Contains(siptest.KamailioAORs(t, kamLog), "ivr")
	})
	require.Nil(t, got["last_error"])
}
