package runner

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestRecentEventsRing(t *testing.T) {
	var q recentEvents
	require.Empty(t, q.list())
	for i := range recentCap + 7 {
		q.add(RecentEvent{Message: fmt.Sprint(i), Time: time.Unix(int64(i), 0)})
	}
	got := q.list()
	require.Len(t, got, recentCap, "only the last ones are kept")
	require.Equal(t, fmt.Sprint(recentCap+6), got[0].Message, "newest first")
	require.Equal(t, "7", got[recentCap-1].Message, "the oldest kept")
}
