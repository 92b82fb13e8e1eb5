package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/app/store"
	"github.com/switchboard/switchboard/app/voice"
	"github.com/switchboard/switchboard/sip"
)

// queueFixture is the API with desk phones desk1 (registered) and desk2
// (not) and the real queue manager, whose published states are kept.
func queueFixture(t *testing.T) (*fixture, func() []voice.QueueState) {
	t.Helper()
	f, _ := settingsFixture(t)
	ctx := context.Background()
	_, err := f.st.CreateCredentialList(ctx, store.CredentialList{SID: "CL1", FriendlyName: "desks"})
	require.NoError(t, err)
	for _, u := range []string{"desk1", "desk2"} {
		_, err := f.st.CreateCredential(ctx, store.Credential{SID: "CR" + u, ListSID: "CL1", Username: u, HA1: "x", Realm: "r"})
		require.NoError(t, err)
	}
	var mu sync.Mutex
	var published []voice.QueueState
	f.server.Queues = &voice.QueueManager{Store: f.st,
		Registrations: func() []sip.Registration {
			return []sip.Registration{{User: "desk1", Expires: time.Now().Add(time.Hour)}}
		},
		OnChange: func(s voice.QueueState) { mu.Lock(); published = append(published, s); mu.Unlock() }}
	return f, func() []voice.QueueState {
		mu.Lock()
		defer mu.Unlock()
		return append([]voice.QueueState(nil), published...)
	}
}

func TestQueuesCRUD(t *testing.T) {
	f, published := queueFixture(t)
	base := "/2010-04-01/Accounts/" + testCreds.AccountSID + "/Queues"
	code, q := f.do("POST", base+".json", url.Values{"FriendlyName": {"sales"}, "Agents": {"desk1, desk2"}, "AnnouncePosition": {"true"}})
	require.Equal(t, http.StatusCreated, code, "%v", q)
	sid, _ := q["sid"].(string)
	require.Regexp(t, `^QU[0-9a-f]{32}$`, sid)
	require.Equal(t, "sales", q["friendly_name"])
	require.Equal(t, float64(100), q["max_size"])
	require.Equal(t, float64(0), q["current_size"])
	require.Equal(t, "tone", q["hold_music"])
	require.Equal(t, true, q["announce_position"])
	require.Equal(t, float64(1), q["agents_free"])
	require.Equal(t, []any{map[string]any{"user": "desk1", "state": "free"}, map[string]any{"user": "desk2", "state": "offline"}}, q["agents"])
	require.Equal(t, base+"/"+sid+".json", q["uri"])
	_, err := time.Parse(time.RFC1123Z, q["date_created"].(string))
	require.NoError(t, err, "RFC 2822 date")
	require.NotEmpty(t, published(), "a change is published")

	// Update: only what is given changes; Agents as repeated parameters.
	code, q = f.do("POST", base+"/"+sid+".json", url.Values{"MaxSize": {"2"}, "Agents": {"desk2", "desk1"}, "HoldMusic": {"hold.wav"}})
	require.Equal(t, http.StatusOK, code, "%v", q)
	require.Equal(t, float64(2), q["max_size"])
	require.Equal(t, "hold.wav", q["hold_music"])
	require.Equal(t, "sales", q["friendly_name"])
	require.Equal(t, true, q["announce_position"])
	require.Equal(t, "desk2", q["agents"].([]any)[0].(map[string]any)["user"])

	code, q = f.do("GET", base+"/"+sid+".json", nil)
	require.Equal(t, http.StatusOK, code)
	require.Equal(t, float64(2), q["max_size"])
	code, list := f.do("GET", base+".json", nil)
	require.Equal(t, http.StatusOK, code)
	require.Len(t, list["queues"], 1)

	code, _ = f.do("DELETE", base+"/"+sid+".json", nil)
	require.Equal(t, http.StatusNoContent, code)
	code, _ = f.do("GET", base+"/"+sid+".json", nil)
	require.Equal(t, http.StatusNotFound, code)
	code, _ = f.do("GET", "/2010-04-01/Accounts/ACffffffffffffffffffffffffffffffff/Queues.json", nil)
	require.Equal(t, http.StatusNotFound, code, "another account's path")
}

func TestQueuesBadInput(t *testing.T) {
	f, _ := queueFixture(t)
	base := "/2010-04-01/Accounts/" + testCreds.AccountSID + "/Queues.json"
	code, _ := f.do("POST", base, url.Values{"FriendlyName": {"sales"}})
	require.Equal(t, http.StatusCreated, code)
	for _, c := range []struct {
		name  string
		form  url.Values
		code  int
		param string
		text  string
	}{
		{"unknown agent", url.Values{"FriendlyName": {"a"}, "Agents": {"desk1,nobody"}}, 400, "Agents", "nobody"},
		{"no name", url.Values{"MaxSize": {"3"}}, 400, "FriendlyName", ""},
		{"long name", url.Values{"FriendlyName": {strings.Repeat("q", 65)}}, 400, "FriendlyName", "64"},
		{"max size zero", url.Values{"FriendlyName": {"b"}, "MaxSize": {"0"}}, 400, "MaxSize", "5000"},
		{"max size text", url.Values{"FriendlyName": {"b"}, "MaxSize": {"ten"}}, 400, "MaxSize", ""},
		{"announce", url.Values{"FriendlyName": {"b"}, "AnnouncePosition": {"sometimes"}}, 400, "AnnouncePosition", ""},
		{"taken name", url.Values{"FriendlyName": {"sales"}}, 409, "FriendlyName", "sales"},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, out := f.do("POST", base, c.form)
			require.Equal(t, c.code, code, "%v", out)
			require.Equal(t, c.param, out["details"].(map[string]any)["parameter"], "%v", out)
			require.Contains(t, out["message"], c.text)
		})
	}
}

// fakeQueues holds members for the Members paging test (callers are live
// calls; the voice tests put real ones in a queue).
type fakeQueues struct{ members []voice.QueueMember }

func (q fakeQueues) State(s *store.Queue) voice.QueueState {
	return voice.QueueState{SID: s.SID, FriendlyName: s.FriendlyName, Members: q.members, Agents: []voice.QueueAgent{},
		LongestWait: time.Since(q.members[0].Enqueued)}
}
func (fakeQueues) Changed(context.Context, string) {}
func (fakeQueues) Removed(string, string)          {}

// TestQueueDeletePublishesRemoval: a deleted queue's last event says so,
// so that other open pages drop it at once.
func TestQueueDeletePublishesRemoval(t *testing.T) {
	f, _ := queueFixture(t)
	var mu sync.Mutex
	var got []QueueEvent
	f.server.Queues = &voice.QueueManager{Store: f.st, OnChange: func(st voice.QueueState) {
		mu.Lock()
		got = append(got, QueueEventOf(st))
		mu.Unlock()
	}}
	base := "/2010-04-01/Accounts/" + testCreds.AccountSID + "/Queues"
	code, q := f.do("POST", base+".json", url.Values{"FriendlyName": {"support"}})
	require.Equal(t, http.StatusCreated, code)
	sid := q["sid"].(string)
	// An edit's event carries the settings, so other open pages show it.
	code, _ = f.do("POST", base+"/"+sid+".json", url.Values{"MaxSize": {"7"}, "AnnouncePosition": {"true"}})
	require.Equal(t, http.StatusOK, code)
	mu.Lock()
	require.NotEmpty(t, got)
	edit, err := json.Marshal(got[len(got)-1])
	mu.Unlock()
	require.NoError(t, err)
	require.Contains(t, string(edit), `"max_size":7`)
	require.Contains(t, string(edit), `"hold_music":"tone"`)
	require.Contains(t, string(edit), `"announce_position":true`)
	code, _ = f.do("DELETE", base+"/"+sid+".json", nil)
	require.Equal(t, http.StatusNoContent, code)
	mu.Lock()
	defer mu.Unlock()
	require.NotEmpty(t, got)
	last := got[len(got)-1]
	require.Equal(t, sid, last.SID)
	require.Equal(t, "support", last.FriendlyName)
	require.True(t, last.Removed)
	b, err := json.Marshal(last)
	require.NoError(t, err)
	require.Contains(t, string(b), `"removed":true`)
	require.NotContains(t, string(b), "max_size", "a removed queue's event carries no settings")
	code, _ = f.do("DELETE", base+"/"+sid+".json", nil)
	require.Equal(t, http.StatusNotFound, code, "a second delete finds nothing and publishes nothing")
	require.Equal(t, 1, func() int {
		n := 0
		for _, e := range got {
			if e.Removed {
				n++
			}
		}
		return n
	}())
}

func TestQueueMembersPaging(t *testing.T) {
	f, _ := queueFixture(t)
	base := "/2010-04-01/Accounts/" + testCreds.AccountSID + "/Queues"
	code, q := f.do("POST", base+".json", url.Values{"FriendlyName": {"support"}})
	require.Equal(t, http.StatusCreated, code)
	sid := q["sid"].(string)
	now := time.Now()
	var fq fakeQueues
	for i := 0; i < 5; i++ {
		fq.members = append(fq.members, voice.QueueMember{CallSID: fmt.Sprintf("CA%032d", i), Enqueued: now.Add(-time.Duration(60-i) * time.Second), Position: i + 1})
	}
	f.server.Queues = fq
	code, page := f.do("GET", base+"/"+sid+"/Members.json?PageSize=2&Page=1", nil)
	require.Equal(t, http.StatusOK, code, "%v", page)
	ms := page["queue_members"].([]any)
	require.Len(t, ms, 2)
	m := ms[0].(map[string]any)
	require.Equal(t, fmt.Sprintf("CA%032d", 2), m["call_sid"])
	require.Equal(t, float64(3), m["position"])
	require.InDelta(t, 58, m["wait_time"], 1)
	require.Equal(t, sid, m["queue_sid"])
	require.Equal(t, base+"/"+sid+"/Members/"+m["call_sid"].(string)+".json", m["uri"])
	require.NotNil(t, page["next_page_uri"])
	code, q = f.do("GET", base+"/"+sid+".json", nil)
	require.Equal(t, http.StatusOK, code)
	require.Equal(t, float64(5), q["current_size"])
	require.InDelta(t, 60, q["longest_wait"], 1)
	code, _ = f.do("GET", base+"/QU0000/Members.json", nil)
	require.Equal(t, http.StatusNotFound, code)

	// The dashboard and /metrics show the same queue.
	code, dash := f.do("GET", "/v2/Dashboard", nil)
	require.Equal(t, http.StatusOK, code)
	dq := dash["queues"].([]any)[0].(map[string]any)
	require.Equal(t, sid, dq["sid"])
	require.Equal(t, float64(5), dq["current_size"])
	code, metrics := f.raw("GET", "/metrics", nil)
	require.Equal(t, http.StatusOK, code)
	require.Contains(t, metrics, `switchboard_queue_waiting{queue="support"} 5`)
	require.Contains(t, metrics, `switchboard_queue_agents_free{queue="support"} 0`)
	require.Regexp(t, `switchboard_queue_longest_wait_seconds\{queue="support"\} (59|60|61)`, metrics)
}
