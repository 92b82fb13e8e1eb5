package sip

import (
	"context"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/switchboard/switchboard/sip/siptest"
)

// TestSetTrunksLive adds, changes and removes trunks on a running server
// against a real kamailio: an added trunk registers within seconds, a
// registrar that does not answer holds up no other trunk, a removed trunk's
// binding leaves kamailio (REGISTER Expires: 0), and every change is heard.
func TestSetTrunksLive(t *testing.T) {
	port, logPath := siptest.Kamailio(t)
	old := trunkBackoffMin
	trunkBackoffMin = 200 * time.Millisecond
	t.Cleanup(func() { trunkBackoffMin = old })
	var mu sync.Mutex
	var heard []TrunkStatus
	ts := startServer(t, Config{
		Handler: func(ctx context.Context, c *Call) {},
		OnTrunk: func(st TrunkStatus) { mu.Lock(); heard = append(heard, st); mu.Unlock() },
	})
	kam := Trunk{Key: "TK1", Name: "kam", Registrar: "127.0.0.1:" + strconv.Itoa(port), Username: "ivr", Password: "secret", Expires: time.Minute}
	dead := Trunk{Key: "TK2", Name: "dead", Registrar: "127.0.0.1:" + strconv.Itoa(siptest.FreePort(t)), Username: "x", Password: "y", Transport: "tcp"}
	state := func(key string) TrunkStatus {
		for _, st := range ts.Trunks() {
			if st.Key == key {
				return st
			}
		}
		return TrunkStatus{}
	}
	waitFor := func(what string, ok func() bool) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for !ok() {
			if time.Now().After(deadline) {
				t.Fatalf("after 5 s: not %s; trunks %+v", what, ts.Trunks())
			}
			time.Sleep(50 * time.Millisecond)
		}
	}

	kamTCP := Trunk{Key: "TK3", Name: "kam-tcp", Registrar: kam.Registrar, Username: "ivrtcp", Password: "secret", Expires: time.Minute, Transport: "tcp"}
	ts.SetTrunks([]Trunk{dead, kam, kamTCP})
	waitFor("registered", func() bool { return state("TK1").State == TrunkRegistered })
	waitFor("registered over TCP", func() bool { return state("TK3").State == TrunkRegistered })
	waitFor("dead failed", func() bool { return state("TK2").State == TrunkFailed && state("TK2").LastError != "" })
	if st := state("TK2"); st.NextAttempt.IsZero() {
		t.Fatalf("a failed trunk has no next attempt: %+v", st)
	}
	if aors := siptest.KamailioAORs(t, logPath); !slices.Contains(aors, "ivr") || !slices.Contains(aors, "ivrtcp") {
		t.Fatalf("kamailio holds %v, want ivr and ivrtcp", aors)
	}

	// A change re-registers: the new user is bound, the old one is gone.
	kam2 := kam
	kam2.Username = "ivr2"
	ts.SetTrunks([]Trunk{dead, kam2})
	waitFor("re-registered", func() bool {
		aors := siptest.KamailioAORs(t, logPath)
		return state("TK1").State == TrunkRegistered && slices.Contains(aors, "ivr2") && !slices.Contains(aors, "ivr")
	})

	ts.SetTrunks(nil)
	waitFor("unregistered", func() bool { return len(siptest.KamailioAORs(t, logPath)) == 0 })
	if n := len(ts.Trunks()); n != 0 {
		t.Fatalf("%d trunks left", n)
	}
	mu.Lock()
	defer mu.Unlock()
	removed := 0
	for _, st := range heard {
		if st.State == "removed" {
			removed++
		}
		if st.Key == "" {
			t.Fatalf("a change without its key: %+v", st)
		}
	}
	if removed != 3 {
		t.Fatalf("heard %d removals, want 3: %+v", removed, heard)
	}
}
