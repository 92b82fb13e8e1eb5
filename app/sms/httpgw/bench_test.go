package httpgw

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/switchboard/switchboard/app/sms"
	"github.com/switchboard/switchboard/app/sms/smstest"
)

// BenchmarkSendGeneric: 1-part sends through the generic preset (JSON
// template, id from the answer) to a loopback server, one at a time as the
// queue sends; sends/s is the figure.
func BenchmarkSendGeneric(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"data":{"id":"m-1"}}`))
	}))
	defer srv.Close()
	raw, _ := json.Marshal(Settings{Preset: PresetGeneric, InboundSecret: "s", Generic: &Generic{
		URL: srv.URL + "/v1/messages", Token: "t", Headers: map[string]string{"Authorization": "Bearer {{token}}"},
		Body: `{"to":"{{to}}","from":"{{from}}","text":"{{body}}"}`, IDPath: "data.id"}})
	gw, err := New(sms.Config{SID: "SGbench", Settings: raw}, sms.Env{Sink: &smstest.Sink{}})
	if err != nil {
		b.Fatal(err)
	}
	m := sms.Outbound{From: "+15557654321", To: "+15550001111", Body: "Your appointment is confirmed for Tuesday at 10:30. Reply C to cancel."}
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := gw.Send(ctx, m); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "sends/s")
}
