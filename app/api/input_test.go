package api

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// hostileAddresses are To/From values no channel has: control characters
// (NUL, CR/LF, escapes, DEL, C1), line separators, invalid UTF-8, and more
// than any address needs.
var hostileAddresses = map[string]string{
	"NUL and CRLF":     "+1555\u0000\r\n",
	"LF":               "+1555\n0001111",
	"terminal escape":  "+1555\u001b[31m",
	"DEL":              "+1555\u007f",
	"C1 control":       "+1555\u0085",
	"line separator":   "+1555\u2028",
	"invalid UTF-8":    "+1555\xff",
	"over-long":        "+" + strings.Repeat("5", 300),
	"only a tab":       "\t",
	"trailing newline": "+15550001111\n",
}

// TestExecutionAddressesValidated: the REST create refuses hostile To and
// From with 400 / 20001 and creates no contact.
func TestExecutionAddressesValidated(t *testing.T) {
	f := newFixture(t)
	flowSID := f.createFlow(waiter, "published")
	path := "/v2/Flows/" + flowSID + "/Executions"
	for name, bad := range hostileAddresses {
		for _, field := range []string{"To", "From"} {
			t.Run(field+" "+name, func(t *testing.T) {
				form := url.Values{"To": {"+15550001111"}, "From": {"+15550009999"}}
				form.Set(field, bad)
				code, out := f.do("POST", path, form)
				require.Equal(t, http.StatusBadRequest, code, "%v", out)
				require.Equal(t, float64(CodeInvalidParam), out["code"], "%v", out)
				require.Contains(t, out["message"], field)
			})
		}
	}
	code, out := f.do("GET", path, nil)
	require.Equal(t, http.StatusOK, code)
	require.Empty(t, out["executions"], "no execution, no contact")
	// A good pair still works.
	code, out = f.do("POST", path, url.Values{"To": {"+15550001111"}, "From": {"+15550009999"}})
	require.Equal(t, http.StatusCreated, code, "%v", out)
}

// TestWebhookAddressesValidated: a signed webhook with a hostile From or To
// is refused with 400 / 20001 and starts nothing.
func TestWebhookAddressesValidated(t *testing.T) {
	e := newWebhookEnv(t)
	for name, bad := range hostileAddresses {
		for _, field := range []string{"From", "To"} {
			t.Run(field+" "+name, func(t *testing.T) {
				sms := smsForm("SM1", "hi")
				sms.Set(field, bad)
				code, body := e.post(t, e.url(testAccount, smsFlow, ""), sms, bySignature)
				checkError(t, code, body, http.StatusBadRequest, CodeInvalidParam, "")
				call := callForm("CA1")
				call.Set(field, bad)
				code, body = e.post(t, e.url(testAccount, callFlow, ""), call, bySignature)
				checkError(t, code, body, http.StatusBadRequest, CodeInvalidParam, "")
			})
		}
	}
	require.Equal(t, 0, e.count(t, ""))
}

// TestFlowFriendlyNameValidated: Twilio's FriendlyName is 1 to 64
// characters (https://www.twilio.com/docs/api/errors/20002) and, here, has
// no control characters; create, update and Validate refuse others with
// 400 / 20002.
func TestFlowFriendlyNameValidated(t *testing.T) {
	f := newFixture(t)
	flowSID := f.createFlow(waiter, "draft")
	long64 := strings.Repeat("é", 64) // characters, not bytes
	code, out := f.do("POST", "/v2/Flows", url.Values{"FriendlyName": {long64}, "Status": {"draft"}, "Definition": {waiter}})
	require.Equal(t, http.StatusCreated, code, "%v", out)
	require.Equal(t, long64, out["friendly_name"])

	for name, bad := range map[string]string{
		"65 characters": strings.Repeat("a", 65),
		"newline":       "survey\nv2",
		"NUL":           "survey\u0000",
		"escape":        "\u001b[31mred",
		"invalid UTF-8": "survey\xff",
	} {
		t.Run(name, func(t *testing.T) {
			for _, c := range []struct{ path string }{{"/v2/Flows"}, {"/v2/Flows/Validate"}, {"/v2/Flows/" + flowSID}} {
				code, out := f.do("POST", c.path, url.Values{"FriendlyName": {bad}, "Status": {"draft"}, "Definition": {waiter}})
				require.Equal(t, http.StatusBadRequest, code, "%s: %v", c.path, out)
				require.Equal(t, float64(CodeFriendlyName), out["code"], "%s: %v", c.path, out)
			}
		})
	}
	code, out = f.do("GET", "/v2/Flows/"+flowSID, nil)
	require.Equal(t, http.StatusOK, code)
	require.Equal(t, "waiter", out["friendly_name"], "the update changed nothing")
}
