package voice

// A blind transfer by REFER during connect-call-to, against real peers on
// loopback: a baresip caller reaches the flow, which rings deskA (a
// baresip desk phone registered with us); deskA transfers with its
// /transfer command (REFER in the dialog we made with it).

import (
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/sip"
)

// startDesks registers baresip desk phones as users with us, each
// answering at once and sending its own tone.
func startDesks(t *testing.T, p *phone, tones map[string]float64) map[string]*baresip {
	t.Helper()
	var users []sip.User
	for u := range tones {
		users = append(users, sip.User{Username: u, Password: "pw-" + u})
	}
	p.sip.SetUsers(users)
	out := map[string]*baresip{}
	for u, hz := range tones {
		out[u] = startSoftphone(t, "<sip:"+u+"@127.0.0.1:"+strconv.Itoa(p.port)+">;auth_pass=pw-"+u+";regint=60;answermode=auto", hz, "-s")
	}
	deadline := time.Now().Add(5 * time.Second)
	for len(p.sip.Registrations()) < len(tones) {
		if time.Now().After(deadline) {
			t.Fatalf("desk phones did not register: %v", p.sip.Registrations())
		}
		time.Sleep(50 * time.Millisecond)
	}
	return out
}

// TestConnectTransfer: the caller (1 kHz) is bridged to deskA (440 Hz);
// deskA transfers to deskB (660 Hz). The caller hears ringback, then
// deskB's tone; deskA gets NOTIFY 200 and its call ends; deskB hangs up:
// callCompleted, with deskB's leg as DialCallSid and DialTransferredTo.
func TestConnectTransfer(t *testing.T) {
	p := connectPhone(t, `"noun": "number", "to": "deskA", "timeout": 10`)
	desks := startDesks(t, p, map[string]float64{"deskA": 440, "deskB": 660})
	a, b := desks["deskA"], desks["deskB"]
	caller := startCaller(t, 1000)
	g := runtime.NumGoroutine()

	caller.send(t, "/dial sip:"+connectFlow+"@127.0.0.1:"+strconv.Itoa(p.port))
	a.waitLog(t, "Call established", 10*time.Second)
	time.Sleep(1500 * time.Millisecond)
	a.send(t, "/transfer sip:deskB@127.0.0.1:"+strconv.Itoa(p.port))
	b.waitLog(t, "Call established", 10*time.Second)
	a.waitLog(t, "Call with sip:+15550001111@127.0.0.1 terminated", 5*time.Second) // NOTIFY 200 reached deskA, which closed its call
	time.Sleep(2500 * time.Millisecond)
	b.send(t, "/hangup")
	p.waitEnded(t, connectFlow, 10*time.Second)
	aLog := a.log()
	heardByB, heardByCaller := b.quit(t), caller.quit(t)
	_ = a.quit(t)

	x, steps := path(t, p.st, connectFlow)
	require.Equal(t, []string{"Trigger.incomingCall>connect", "connect.callCompleted>after", "after.audioComplete>Ended"}, steps)
	w := x.Context.Widget("connect")
	require.Equal(t, "completed", w["DialCallStatus"])
	require.Equal(t, "deskB", w["DialTransferredTo"])
	require.Regexp(t, `^CA[0-9a-f]{32}$`, w["DialCallSid"])
	dur, err := strconv.Atoi(w["DialCallDuration"].(string))
	require.NoError(t, err)
	require.GreaterOrEqual(t, dur, 2, "the duration is deskB's leg")
	require.LessOrEqual(t, dur, 5, "the duration is deskB's leg alone")
	require.Regexp(t, `(?s)SIP/2.0 202 Accepted.*NOTIFY sip:.*Event: refer.*SIP/2.0 100 Trying.*NOTIFY sip:.*Subscription-State: terminated.*SIP/2.0 200 OK`, aLog, "deskA's 202 and NOTIFYs")

	fromA, fromB := toneMs(heardByCaller, 440), toneMs(heardByCaller, 660)
	fromCaller := toneMs(heardByB, 1000)
	t.Logf("caller heard %d ms of deskA, %d ms of deskB; deskB heard %d ms of the caller", fromA, fromB, fromCaller)
	require.GreaterOrEqual(t, fromA, 1000, "the caller heard deskA before the transfer")
	require.GreaterOrEqual(t, fromB, 1500, "the caller hears deskB after the transfer")
	require.GreaterOrEqual(t, fromCaller, 1500, "deskB hears the caller")
	p.settle(t, g)
}

// TestConnectTransferFails: deskA transfers to a user that is not
// registered (and there is no trunk): deskA gets 202, NOTIFY 100 and a
// final NOTIFY 404 (terminated). baresip 1.0.0 then ends its call by
// itself (it does so after any final NOTIFY), so the caller cannot stay
// with it: callCompleted with DialCallStatus failed and the target noted.
// The caller is not cut off: the flow goes on to its next widget.
func TestConnectTransferFails(t *testing.T) {
	p := connectPhone(t, `"noun": "number", "to": "deskA", "timeout": 10`)
	a := startDesks(t, p, map[string]float64{"deskA": 440})["deskA"]
	caller := startCaller(t, 1000)
	g := runtime.NumGoroutine()

	caller.send(t, "/dial sip:"+connectFlow+"@127.0.0.1:"+strconv.Itoa(p.port))
	a.waitLog(t, "Call established", 10*time.Second)
	time.Sleep(time.Second)
	a.send(t, "/transfer sip:nobody@127.0.0.1:"+strconv.Itoa(p.port))
	a.waitLog(t, "transfer failed: 404", 5*time.Second) // the final NOTIFY's sipfrag
	p.waitEnded(t, connectFlow, 10*time.Second)
	aLog := a.log()
	_, _ = a.quit(t), caller.quit(t)

	x, steps := path(t, p.st, connectFlow)
	require.Equal(t, []string{"Trigger.incomingCall>connect", "connect.callCompleted>after", "after.audioComplete>Ended"}, steps)
	w := x.Context.Widget("connect")
	require.Equal(t, "failed", w["DialCallStatus"])
	require.Equal(t, "nobody", w["DialTransferredTo"])
	require.Regexp(t, `(?s)SIP/2.0 202 Accepted.*Subscription-State: active.*SIP/2.0 100 Trying.*Subscription-State: terminated.*SIP/2.0 404 Not Found`, aLog, "deskA's 202 and NOTIFYs")
	p.settle(t, g)
}

// TestConnectTransferFailsBackToDesk: the desk phone (sipp, reached by a
// sip: URI; its RTP goes to a port the test owns) transfers to a user that
// is not registered. It gets 202, NOTIFY 100 and a final NOTIFY 404 and,
// unlike baresip, stays on the call: the caller is put back to it, and the
// caller's audio reaches its port again after the final NOTIFY. The desk
// phone hangs up later: callCompleted with DialCallStatus completed.
func TestConnectTransferFailsBackToDesk(t *testing.T) {
	sink := newRTPSink(t)
	notified := filepath.Join(t.TempDir(), "notified")
	src, err := os.ReadFile(filepath.Join("testdata", "sipp", "desk_refer_fail.xml"))
	require.NoError(t, err)
	// Refer-To without a port names us (sip.Server.ParseReferTo).
	xml := strings.NewReplacer("SINK", strconv.Itoa(sink.port()), "NOTIFIED", notified, "HOLDMS", "3000",
		"REFERTO", "sip:nobody@127.0.0.1").Replace(string(src))
	deskPort, wait := sippUASText(t, "desk_refer_fail.xml", xml)
	p := connectPhone(t, `"noun": "sip", "sip_endpoint": "sip:desk@127.0.0.1:`+strconv.Itoa(deskPort)+`", "timeout": 10`)
	caller := startCaller(t, 1000)
	g := runtime.NumGoroutine()

	caller.send(t, "/dial sip:"+connectFlow+"@127.0.0.1:"+strconv.Itoa(p.port))
	deadline := time.Now().Add(15 * time.Second)
	for {
		if _, err := os.Stat(notified); err == nil {
			break
		}
		if time.Now().After(deadline) {
			rc, logs := wait()
			t.Fatalf("the desk phone did not get its final NOTIFY (sipp %d):\n%s", rc, logs)
		}
		time.Sleep(20 * time.Millisecond)
	}
	before := sink.pcmu.Load()
	time.Sleep(2 * time.Second)
	after := sink.pcmu.Load()
	rc, logs := wait()
	require.Equal(t, 0, rc, logs)
	p.waitEnded(t, connectFlow, 10*time.Second)
	_ = caller.quit(t)

	t.Logf("desk port: %d RTP packets before the final NOTIFY, %d in the 2 s after", before, after-before)
	require.Greater(t, before, int64(40), "the caller's audio reached the desk phone before the transfer")
	require.Greater(t, after-before, int64(70), "the caller is back on the desk phone after the failed transfer")
	x, steps := path(t, p.st, connectFlow)
	require.Equal(t, []string{"Trigger.incomingCall>connect", "connect.callCompleted>after", "after.audioComplete>Ended"}, steps)
	w := x.Context.Widget("connect")
	require.Equal(t, "completed", w["DialCallStatus"])
	require.Equal(t, "nobody", w["DialTransferredTo"])
	p.settle(t, g)
}
