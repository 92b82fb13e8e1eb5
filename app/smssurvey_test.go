package app

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/app/auth"
	"github.com/switchboard/switchboard/app/config"
	"github.com/switchboard/switchboard/app/sms/at/fakemodem"
	"github.com/switchboard/switchboard/app/sms/pdu"
)

// surveyChildEnv names the data directory of the appliance process the
// survey test starts (this test binary, running TestSurveyChild).
const surveyChildEnv = "SWITCHBOARD_SURVEY_CHILD_DIR"

// TestSurveyChild is the appliance process of TestSMSSurveyOverModem: it
// serves until it is killed.
func TestSurveyChild(t *testing.T) {
	dir := os.Getenv(surveyChildEnv)
	if dir == "" {
		t.Skip("the appliance process of TestSMSSurveyOverModem")
	}
	ready := make(chan string, 1)
	go func() { fmt.Printf("LISTENING %s\n", <-ready) }()
	cfg := config.Config{DataDir: dir, HTTPAddr: "127.0.0.1:0", SIPAddr: "127.0.0.1:0"}
	assets := fstest.MapFS{"frontend/dist/index.html": {Data: []byte("<title>editor</title>")}}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	if err := serve(context.Background(), cfg, assets, log, ready, nil); err != nil {
		t.Fatal(err)
	}
}

const surveyFlow = `{"description": "SMS survey", "initial_state": "Trigger", "flags": {"allow_concurrent_calls": true}, "states": [
  {"name": "Trigger", "type": "trigger", "properties": {}, "transitions": [{"event": "incomingMessage", "next": "q1"}]},
  {"name": "q1", "type": "send-and-wait-for-reply", "properties": {"from": "{{flow.channel.address}}", "body": "Q1: What is your name?", "timeout": "3600"},
   "transitions": [{"event": "incomingMessage", "next": "q2"}, {"event": "timeout"}, {"event": "deliveryFailure"}]},
  {"name": "q2", "type": "send-and-wait-for-reply", "properties": {"from": "{{flow.channel.address}}", "body": "Q2: Thanks {{widgets.q1.inbound.Body}}. Tell us about your visit.", "timeout": "3600"},
   "transitions": [{"event": "incomingMessage", "next": "q3"}, {"event": "timeout"}, {"event": "deliveryFailure"}]},
  {"name": "q3", "type": "send-and-wait-for-reply", "properties": {"from": "{{flow.channel.address}}", "body": "Q3: Would you come back? (yes/no)", "timeout": "3600"},
   "transitions": [{"event": "incomingMessage", "next": "keep"}, {"event": "timeout"}, {"event": "deliveryFailure"}]},
  {"name": "keep", "type": "set-variables", "properties": {"variables": [
     {"key": "name", "value": "{{widgets.q1.inbound.Body}}"},
     {"key": "visit", "value": "{{widgets.q2.inbound.Body}}"},
     {"key": "again", "value": "{{widgets.q3.inbound.Body | downcase}}"}]},
   "transitions": [{"event": "next", "next": "thanks"}]},
  {"name": "thanks", "type": "send-message", "properties": {"from": "{{flow.channel.address}}", "to": "{{contact.channel.address}}", "body": "Thank you, {{flow.variables.name}}!"},
   "transitions": [{"event": "sent"}, {"event": "failed"}]}]}`

// appliance is one run of the appliance process.
type appliance struct {
	cmd  *exec.Cmd
	base string
	logs *strings.Builder
}

func startAppliance(t *testing.T, dir string) *appliance {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run", "^TestSurveyChild$", "-test.count=1", "-test.v=false")
	cmd.Env = append(os.Environ(), surveyChildEnv+"="+dir)
	logs := &strings.Builder{}
	cmd.Stderr = &syncWriter{b: logs}
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if a, ok := strings.CutPrefix(sc.Text(), "LISTENING "); ok {
				addr <- a
			}
		}
	}()
	select {
	case a := <-addr:
		return &appliance{cmd: cmd, base: "http://" + a, logs: logs}
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatalf("the appliance did not start:\n%s", logs.String())
	}
	return nil
}

// kill stops the appliance the hard way: no shutdown, no flush.
func (a *appliance) kill(t *testing.T) {
	t.Helper()
	require.NoError(t, a.cmd.Process.Signal(syscall.SIGKILL))
	_ = a.cmd.Wait()
}

type syncWriter struct {
	mu chan struct{}
	b  *strings.Builder
}

func (w *syncWriter) Write(p []byte) (int, error) {
	if w.mu == nil {
		w.mu = make(chan struct{}, 1)
	}
	w.mu <- struct{}{}
	defer func() { <-w.mu }()
	return w.b.Write(p)
}

// TestSMSSurveyOverModem is issue 12's acceptance test: a survey by SMS
// over the fake modem (a pty driven through the real serial code) — an
// inbound message, three send-and-wait rounds, a Unicode reply, a
// 300-character answer in two parts — with the appliance SIGKILLed between
// rounds, and once while a reply arrives. It ends with the right variables,
// and every message went out and came in exactly once.
func TestSMSSurveyOverModem(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: starts the appliance four times")
	}
	ctx := context.Background()
	modem, err := fakemodem.New()
	require.NoError(t, err)
	defer modem.Close()
	link := filepath.Join(t.TempDir(), "usb-Fake_Modem-if00-port0")
	require.NoError(t, modem.LinkAt(link))
	dir := t.TempDir()
	const contact, number = "+15550001111", "+15550002222"

	app := startAppliance(t, dir)
	defer func() {
		if app != nil && app.cmd.ProcessState == nil {
			app.kill(t)
		}
	}()
	creds, _, err := auth.LoadOrCreate(dir, auth.Credentials{})
	require.NoError(t, err)
	call := func(method, path string, form url.Values, into any) {
		t.Helper()
		var body io.Reader
		if form != nil {
			body = strings.NewReader(form.Encode())
		}
		req, err := http.NewRequestWithContext(ctx, method, app.base+path, body)
		require.NoError(t, err)
		req.SetBasicAuth(creds.AccountSID, creds.AuthToken)
		if form != nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		require.Less(t, resp.StatusCode, 300, "%s %s: %s", method, path, b)
		if into != nil {
			require.NoError(t, json.Unmarshal(b, into), string(b))
		}
	}

	var flow struct{ SID string }
	call("POST", "/v2/Flows", url.Values{"FriendlyName": {"survey"}, "Status": {"published"}, "Definition": {surveyFlow}}, &flow)
	call("POST", "/2010-04-01/Accounts/"+creds.AccountSID+"/IncomingPhoneNumbers.json",
		url.Values{"PhoneNumber": {number}, "SmsUrl": {flow.SID}}, nil)
	var gw struct {
		SID    string
		Health struct{ State string }
	}
	call("POST", "/v2/Messaging/Gateways", url.Values{"Kind": {"modem"}, "FriendlyName": {"Branch SIM"}, "Addresses": {number},
		"Settings": {`{"device": "` + link + `", "sweep_seconds": 5, "health_seconds": 5}`}}, &gw)

	// sentTexts decodes what the modem was asked to send, joining parts.
	sentTexts := func() []string {
		var out []string
		for _, s := range modem.Sent() {
			m, err := pdu.DecodeHex(s.PDU)
			require.NoError(t, err)
			sub, ok := m.(*pdu.Submit)
			require.True(t, ok)
			require.Equal(t, contact, sub.To.Number)
			out = append(out, sub.UserData.Text)
		}
		return out
	}
	waitSent := func(n int, want string) {
		t.Helper()
		for i := 0; i < 300; i++ {
			if got := sentTexts(); len(got) >= n {
				require.Equal(t, want, got[n-1])
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
		t.Fatalf("message %d (%q) was not sent; sent: %q\nlogs:\n%s", n, want, sentTexts(), app.logs.String())
	}
	// recorded waits until the store has the n-th outbound message as sent,
	// so a kill now cannot be inside the at-least-once window.
	recorded := func(n int) {
		t.Helper()
		for i := 0; i < 300; i++ {
			var list struct {
				Messages []struct{ Status, Direction string }
			}
			call("GET", "/2010-04-01/Accounts/"+creds.AccountSID+"/Messages.json?To="+url.QueryEscape(contact), nil, &list)
			sent := 0
			for _, m := range list.Messages {
				if m.Direction == "outbound-api" && m.Status == "sent" {
					sent++
				}
			}
			if sent >= n {
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
		t.Fatalf("message %d was not recorded as sent", n)
	}
	scts := time.Date(2026, 12, 3, 10, 0, 0, 0, time.FixedZone("", 3600))
	inject := func(text string, ref byte, outOfOrder bool) {
		t.Helper()
		parts, err := pdu.Split(text, ref)
		require.NoError(t, err)
		if outOfOrder {
			for i, j := 0, len(parts)-1; i < j; i, j = i+1, j-1 {
				parts[i], parts[j] = parts[j], parts[i]
			}
		}
		scts = scts.Add(time.Minute)
		for _, u := range parts {
			b, err := (&pdu.Deliver{From: pdu.Address{Number: contact}, SCTimestamp: scts, UserData: u}).Encode()
			require.NoError(t, err)
			_, err = modem.InjectMO(fmt.Sprintf("%X", b))
			require.NoError(t, err)
		}
	}
	restart := func() {
		t.Helper()
		app.kill(t)
		app = startAppliance(t, dir)
	}

	// Round 0: the contact texts in; Q1 goes out.
	inject("survey", 0, false)
	waitSent(1, "Q1: What is your name?")
	recorded(1)
	restart()

	// Round 1: a Unicode reply (UCS-2 with an emoji); Q2 names it.
	name := "Zoë 😀"
	inject(name, 0, false)
	waitSent(2, "Q2: Thanks "+name+". Tell us about your visit.")
	recorded(2)

	// Round 2: the appliance is down when the 300-character answer comes
	// (two parts, the second first); the start-up sweep finds it on the SIM.
	app.kill(t)
	visit := strings.Repeat("The staff were friendly and the queue was short. ", 7)[:300]
	inject(visit, 42, true)
	app = startAppliance(t, dir)
	waitSent(3, "Q3: Would you come back? (yes/no)")
	recorded(3)
	restart()

	// Round 3: the last answer; the thanks goes out.
	inject("YES", 0, false)
	waitSent(4, "Thank you, "+name+"!")
	recorded(4)

	// Let a doubled send or a doubled flow start show itself, then look.
	time.Sleep(700 * time.Millisecond)
	require.Equal(t, []string{"Q1: What is your name?", "Q2: Thanks " + name + ". Tell us about your visit.",
		"Q3: Would you come back? (yes/no)", "Thank you, " + name + "!"}, sentTexts(), "each message was sent once")
	require.Empty(t, modem.Stored(), "every received message was deleted from the SIM after it was saved")

	var execs struct {
		Executions []struct{ SID, Status string }
	}
	call("GET", "/v2/Flows/"+flow.SID+"/Executions", nil, &execs)
	require.Len(t, execs.Executions, 1, "one execution for the whole survey")
	require.Equal(t, "ended", execs.Executions[0].Status)
	var xc struct {
		Context struct {
			Flow struct {
				Variables map[string]string `json:"variables"`
			} `json:"flow"`
		} `json:"context"`
	}
	call("GET", "/v2/Flows/"+flow.SID+"/Executions/"+execs.Executions[0].SID+"/Context", nil, &xc)
	require.Equal(t, map[string]string{"name": name, "visit": visit, "again": "yes"}, xc.Context.Flow.Variables)

	var in struct {
		Messages []struct{ Body, Direction, Status string }
	}
	call("GET", "/2010-04-01/Accounts/"+creds.AccountSID+"/Messages.json?From="+url.QueryEscape(contact), nil, &in)
	var bodies []string
	for _, m := range in.Messages {
		require.Equal(t, "inbound", m.Direction)
		bodies = append(bodies, m.Body)
	}
	require.ElementsMatch(t, []string{"survey", name, visit, "YES"}, bodies, "every message came in once")
}
