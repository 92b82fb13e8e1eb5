package sip

import (
	"os"
	"testing"
	"time"
)

// TestMain shortens the SIP timers once for the whole package: they are
// process-wide (sipgo's), so a test that set them while another test's
// transactions were still running raced with those transactions. Timer H
// (64×T1) is 3.2 s, short enough for the tests that wait out transactions
// nobody ACKs.
func TestMain(m *testing.M) {
	SetTimers(50*time.Millisecond, 200*time.Millisecond, 250*time.Millisecond)
	os.Exit(m.Run())
}
