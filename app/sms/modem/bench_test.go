package modem

import (
	"testing"
	"time"

	"github.com/switchboard/switchboard/app/sms"
)

// BenchmarkSendFakeModem: one-part messages through the whole path (Split,
// SUBMIT encoding, the session, go.bug.st/serial, a pty, the fake modem
// answering at once), one after another, with status reports requested.
func BenchmarkSendFakeModem(b *testing.B) {
	r := startRig(b, rigOpt{})
	ctx := ctxT(b, time.Hour)
	m := sms.Outbound{To: "+15557654321", Body: "Your appointment is tomorrow at 10:00. Reply C to confirm."}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := r.g.Send(ctx, m); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
	if got := len(r.m.Sent()); got != b.N {
		b.Fatalf("the fake modem got %d messages, want %d", got, b.N)
	}
}
