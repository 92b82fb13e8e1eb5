package runner

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/switchboard/switchboard/app/store"
	"github.com/switchboard/switchboard/engine"
)

func TestProgramCache(t *testing.T) {
	type op struct {
		put    string // key to put (with weight), or
		get    string // key to get
		weight int
	}
	cases := []struct {
		name string
		max  int
		ops  []op
		kept []string // most recently used first
	}{
		{"within the bound", 30, []op{{put: "a", weight: 10}, {put: "b", weight: 10}, {put: "c", weight: 10}}, []string{"c", "b", "a"}},
		{"the least recently used goes", 30, []op{{put: "a", weight: 10}, {put: "b", weight: 10}, {put: "c", weight: 10}, {put: "d", weight: 10}},
			[]string{"d", "c", "b"}},
		{"a get keeps it", 30, []op{{put: "a", weight: 10}, {put: "b", weight: 10}, {put: "c", weight: 10}, {get: "a"}, {put: "d", weight: 10}},
			[]string{"d", "a", "c"}},
		{"a heavy one pushes out several", 30, []op{{put: "a", weight: 10}, {put: "b", weight: 10}, {put: "c", weight: 10}, {put: "d", weight: 25}},
			[]string{"d"}},
		{"one over the whole bound stays alone", 30, []op{{put: "a", weight: 10}, {put: "big", weight: 50}}, []string{"big"}},
		{"put again keeps the first", 30, []op{{put: "a", weight: 10}, {put: "b", weight: 10}, {put: "a", weight: 10}}, []string{"a", "b"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			pc := newProgramCache(c.max)
			progs := map[string]*engine.Program{}
			for _, o := range c.ops {
				if o.put != "" {
					p := &engine.Program{}
					_, had := pc.items[o.put]
					got := pc.put(o.put, p, o.weight)
					if had {
						require.Same(t, progs[o.put], got, "put again returns the program kept")
						continue
					}
					require.Same(t, p, got)
					progs[o.put] = p
					continue
				}
				require.NotNil(t, pc.get(o.get), "get %s", o.get)
			}
			var kept []string
			for el := pc.order.Front(); el != nil; el = el.Next() {
				kept = append(kept, el.Value.(*programEntry).key)
			}
			require.Equal(t, c.kept, kept)
			size := 0
			for _, k := range kept {
				size += pc.items[k].Value.(*programEntry).weight
				require.Same(t, progs[k], pc.get(k))
			}
			require.Equal(t, size, pc.size, "size follows the entries kept")
		})
	}
}

// TestProgramsBounded: a flow saved and run revision after revision keeps
// only as many compiled as the bound allows (it used to keep them all, for
// as long as the process ran), and an execution whose revision left the
// cache still resumes: its revision compiles again.
func TestProgramsBounded(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, t.TempDir())
	f.createFlow(t, survey, store.StatusPublished)
	f.r.programs = newProgramCache(3 * len(survey))

	_, sp, err := f.r.Message(ctx, flowSID, "+15550000001", "+15559999999", map[string]any{"Body": "hi"})
	require.NoError(t, err)
	require.Equal(t, []string{"Rate us 1-5"}, messages(sp))
	const revisions = 12
	for i := 2; i <= revisions; i++ {
		def := strings.Replace(survey, "Rate us 1-5", fmt.Sprintf("Rate us 1-5 (revision %d)", i), 1)
		_, err := f.st.AddRevision(ctx, flowSID, store.NewFlow{FriendlyName: "survey", Status: store.StatusPublished, Definition: json.RawMessage(def), Valid: true})
		require.NoError(t, err)
		_, sp, err := f.r.Message(ctx, flowSID, fmt.Sprintf("+1555000%04d", i), "+15559999999", map[string]any{"Body": "hi"})
		require.NoError(t, err)
		require.Equal(t, []string{fmt.Sprintf("Rate us 1-5 (revision %d)", i)}, messages(sp), "revision %d runs", i)
		require.LessOrEqual(t, f.r.programs.len(), 3, "programs kept after revision %d", i)
	}
	require.Nil(t, f.r.programs.get(flowSID+"/1"), "revision 1 left the cache")
	// The first contact's execution runs revision 1: its reply resumes it.
	x, sp, err := f.r.Message(ctx, flowSID, "+15550000001", "+15559999999", map[string]any{"Body": "5"})
	require.NoError(t, err)
	require.Equal(t, 1, x.FlowRevision)
	require.Equal(t, []string{"Thanks for 5"}, messages(sp))
}
