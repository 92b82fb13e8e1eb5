package api

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/app/twiliosig"
)

// TestWebhookOversizedBody: a webhook body over the cap answers 413 however
// it authenticates — with a valid signature over it, a bad one, none, or
// Basic credentials — and whether or not it declares its length; nothing
// runs.
func TestWebhookOversizedBody(t *testing.T) {
	e := newWebhookEnv(t)
	rawURL := e.url(testAccount, smsFlow, "")
	form := smsForm("SM1", strings.Repeat("x", maxWebhookForm+1))
	for _, tt := range []struct {
		name    string
		by      authBy
		chunked bool
	}{
		{"signed", bySignature, false},
		{"signed, no length", bySignature, true},
		{"bad signature", byBadSignature, false},
		{"basic auth", byBasic, false},
		{"basic auth, no length", byBasic, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var body io.Reader = strings.NewReader(form.Encode())
			if tt.chunked {
				body = io.MultiReader(body) // hides the length: chunked
			}
			req, err := http.NewRequest(http.MethodPost, rawURL, body)
			require.NoError(t, err)
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			switch tt.by {
			case bySignature:
				req.Header.Set(twiliosig.Header, twiliosig.Sign(testToken, rawURL, form))
			case byBadSignature:
				req.Header.Set(twiliosig.Header, twiliosig.Sign("not-the-token", rawURL, form))
			case byBasic:
				req.SetBasicAuth(testAccount, testToken)
			}
			resp, err := e.srv.Client().Do(req)
			require.NoError(t, err)
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			checkError(t, resp.StatusCode, string(b), http.StatusRequestEntityTooLarge, CodeInvalidParam, "")
		})
	}
	require.Equal(t, 0, e.count(t, ""))
	// Just under the cap is fine.
	ok := smsForm("SM2", "hi")
	ok.Set("Pad", strings.Repeat("y", maxWebhookForm-len(ok.Encode())-len("&Pad=")))
	require.Len(t, ok.Encode(), maxWebhookForm)
	code, body := e.post(t, rawURL, ok, bySignature)
	require.Equal(t, http.StatusOK, code, body)
}
