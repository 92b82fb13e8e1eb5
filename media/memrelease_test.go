package media

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestReleaserPolicy(t *testing.T) {
	const quiet = 30 * time.Second
	type step struct {
		at       time.Duration // since the start
		sessions int
		want     bool
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"load then quiet releases once", []step{
			{0, 1000, false}, {10 * time.Second, 0, false}, {39 * time.Second, 0, false},
			{40 * time.Second, 0, true}, {80 * time.Second, 0, false}, {200 * time.Second, 0, false},
		}},
		{"small peak never releases", []step{
			{0, 20, false}, {10 * time.Second, 0, false}, {100 * time.Second, 0, false},
		}},
		{"steady load never releases", []step{
			{0, 500, false}, {30 * time.Second, 480, false}, {60 * time.Second, 510, false}, {90 * time.Second, 495, false},
		}},
		{"a new burst restarts the quiet period", []step{
			{0, 400, false}, {10 * time.Second, 50, false}, {30 * time.Second, 300, false},
			{35 * time.Second, 10, false}, {64 * time.Second, 10, false}, {65 * time.Second, 10, true},
		}},
		{"a second load after a release releases again", []step{
			{0, 400, false}, {1 * time.Second, 0, false}, {31 * time.Second, 0, true},
			{40 * time.Second, 800, false}, {50 * time.Second, 100, false}, {80 * time.Second, 100, true},
		}},
		{"above a quarter of the peak is still load", []step{
			{0, 400, false}, {1 * time.Second, 101, false}, {100 * time.Second, 101, false},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r releaser
			t0 := time.Unix(1_700_000_000, 0)
			for i, s := range tt.steps {
				require.Equal(t, s.want, r.observe(t0.Add(s.at), s.sessions, quiet), "step %d (%s, %d sessions)", i, s.at, s.sessions)
			}
		})
	}
}

// TestReleaseRunsHooks: every hook runs at a release, in order, one's error
// does not keep the next from running, and each gets the caller's context.
func TestReleaseRunsHooks(t *testing.T) {
	type key struct{}
	ctx := context.WithValue(context.Background(), key{}, "release")
	var ran []string
	hook := func(name string, err error) func(context.Context) error {
		return func(ctx context.Context) error {
			require.Equal(t, "release", ctx.Value(key{}))
			ran = append(ran, name)
			return err
		}
	}
	var logged bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logged, nil))
	release(ctx, log, []func(context.Context) error{hook("store", errors.New("disk gone")), hook("other", nil)})
	require.Equal(t, []string{"store", "other"}, ran)
	require.Contains(t, logged.String(), "disk gone")
}
