package api

import (
	"context"
	"encoding/json"
	"html"
	"net/http"
	"net/http/httptest"
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/app/runner"
	"github.com/switchboard/switchboard/app/store"
)

// loopMenu asks for a key again and again until the caller stays silent.
const loopMenu = `{"description": "loop", "initial_state": "Trigger", "states": [
  {"name": "Trigger", "type": "trigger", "properties": {}, "transitions": [{"event": "incomingCall", "next": "menu"}]},
  {"name": "menu", "type": "gather-input-on-call", "properties": {"say": "Press a key", "timeout": 5, "number_of_digits": 1},
   "transitions": [{"event": "keypress", "next": "menu"}, {"event": "speech"}, {"event": "timeout"}]}]}`

// steps counts the steps of the flows' executions.
func (e *webhookEnv) steps(t *testing.T) int {
	t.Helper()
	var n int
	var sids []store.ExecutionRow
	for _, flow := range []string{smsFlow, loopFlow} {
		rows, err := e.st.Executions(context.Background(), flow, store.ExecutionFilter{}, store.Page{Limit: 100})
		require.NoError(t, err)
		sids = append(sids, rows...)
	}
	for _, x := range sids {
		st, err := e.st.Steps(context.Background(), x.SID)
		require.NoError(t, err)
		n += len(st)
	}
	return n
}

const loopFlow = "FW00000000000000000000000000000009"

var actionAttr = regexp.MustCompile(`action="([^"]+)"`)

// TestWebhookRedeliveredSMS: the same signed SMS webhook three times starts
// one execution and answers the same three times; it is not taken as the
// contact's reply, nor as a new start.
func TestWebhookRedeliveredSMS(t *testing.T) {
	e := newWebhookEnv(t)
	form := smsForm("SM00000000000000000000000000000001", "hi")
	code, first := e.post(t, e.url(testAccount, smsFlow, ""), form, bySignature)
	require.Equal(t, http.StatusOK, code, first)
	require.Contains(t, first, "What&#39;s your name?")
	steps := e.steps(t)
	for i := 0; i < 2; i++ {
		code, body := e.post(t, e.url(testAccount, smsFlow, ""), form, bySignature)
		require.Equal(t, http.StatusOK, code, body)
		require.Equal(t, first, body, "delivery %d", i+2)
	}
	require.Equal(t, 1, e.count(t, ""), "one execution")
	require.Equal(t, 1, e.count(t, "active"), "still waiting for the reply")
	require.Equal(t, steps, e.steps(t), "nothing ran again")

	// A new message is the reply.
	code, body := e.post(t, e.url(testAccount, smsFlow, ""), smsForm("SM00000000000000000000000000000002", "Ada"), bySignature)
	require.Equal(t, http.StatusOK, code, body)
	require.Contains(t, body, "Thanks Ada")
	require.Equal(t, 0, e.count(t, "active"))
}

// TestWebhookRedeliveredCall: a call's first webhook and each of its action
// callbacks, delivered three times, answer the same and run once; two
// callbacks of the same call that look alike (the same key at the same
// menu) are different requests and both run.
func TestWebhookRedeliveredCall(t *testing.T) {
	e := newWebhookEnv(t)
	_, err := e.st.CreateFlow(context.Background(), store.NewFlow{SID: loopFlow, FriendlyName: "loop",
		Status: store.StatusPublished, Definition: json.RawMessage(loopMenu), Valid: true})
	require.NoError(t, err)

	thrice := func(rawURL string, form map[string][]string) string {
		t.Helper()
		code, first := e.post(t, rawURL, form, bySignature)
		require.Equal(t, http.StatusOK, code, first)
		steps := e.steps(t)
		for i := 0; i < 2; i++ {
			code, body := e.post(t, rawURL, form, bySignature)
			require.Equal(t, http.StatusOK, code, body)
			require.Equal(t, first, body, "delivery %d of %s", i+2, rawURL)
		}
		require.Equal(t, steps, e.steps(t), "a repeat ran widgets")
		return first
	}
	gatherURL := func(body string) string {
		m := actionAttr.FindStringSubmatch(body)
		require.NotNil(t, m, body)
		return html.UnescapeString(m[1])
	}

	body := thrice(e.url(testAccount, loopFlow, ""), callForm("CA1"))
	require.Equal(t, 1, e.count(t, ""))
	before := e.steps(t)
	body2 := thrice(gatherURL(body), callForm("CA1", "Digits", "1"))
	require.Greater(t, e.steps(t), before, "the first key press ran")
	before = e.steps(t)
	// The same key at the same menu again: a new request, not a repeat.
	body3 := thrice(gatherURL(body2), callForm("CA1", "Digits", "1"))
	require.Greater(t, e.steps(t), before, "the second key press ran")
	require.Contains(t, body3, "<Gather")
	require.Equal(t, 1, e.count(t, "active"))
	// The status callback at the end, three times.
	thrice(e.url(testAccount, loopFlow, ""), callForm("CA1", "CallStatus", "completed"))
	require.Equal(t, 0, e.count(t, "active"))
	require.Equal(t, 1, e.count(t, ""))
}

// TestWebhookAnswerLostInACrash: the sprint a webhook caused committed with
// its receipt, and the process stopped before the answer was written. The
// webhook delivered again runs nothing and answers an empty TwiML response.
func TestWebhookAnswerLostInACrash(t *testing.T) {
	e := newWebhookEnv(t)
	form := smsForm("SM00000000000000000000000000000007", "hi")
	params := map[string]any{}
	for k, v := range form {
		params[k] = v[0]
	}
	r := httptest.NewRequest(http.MethodPost, e.url(testAccount, smsFlow, ""), nil)
	key := receiptKey(smsFlow, r, form)
	ctx := runner.WithReceipt(context.Background(), store.Receipt{Key: key, FlowSID: smsFlow})
	_, _, err := e.run.Message(ctx, smsFlow, contact, ourNumber, params)
	require.NoError(t, err)
	steps := e.steps(t)

	code, body := e.post(t, e.url(testAccount, smsFlow, ""), form, bySignature)
	require.Equal(t, http.StatusOK, code, body)
	require.Equal(t, xmlHead+`<Response/>`, body)
	require.Equal(t, steps, e.steps(t))
	require.Equal(t, 1, e.count(t, "active"))
}
