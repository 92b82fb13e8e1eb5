package api

import (
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/switchboard/switchboard/media"
	"github.com/switchboard/switchboard/sip"
)

func (s *Server) routesVoice(mux *http.ServeMux) {
	mux.HandleFunc("GET /2010-04-01/Accounts/{AccountSid}/Recordings/{Sid}", s.fetchRecording)
}

// fetchRecording serves a recording's WAV (with or without Twilio's .wav).
func (s *Server) fetchRecording(w http.ResponseWriter, r *http.Request) {
	if r.PathValue("AccountSid") != s.accountSID() || s.Recordings == nil {
		writeError(w, notFound(r))
		return
	}
	id := strings.TrimSuffix(r.PathValue("Sid"), ".wav")
	path := s.Recordings.Path(id)
	if path == "" {
		writeError(w, notFound(r))
		return
	}
	f, err := os.Open(path)
	if err != nil {
		writeError(w, notFound(r))
		return
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		s.internal(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "audio/x-wav")
	http.ServeContent(w, r, id+".wav", fi.ModTime(), f)
}

var (
	descCalls      = prometheus.NewDesc("switchboard_calls_active", "SIP calls in progress.", nil, nil)
	descTrunk      = prometheus.NewDesc("switchboard_sip_trunk_registered", "1 when the trunk is registered.", []string{"trunk", "state"}, nil)
	descPaceFrames = prometheus.NewDesc("switchboard_rtp_frames_sent_total", "RTP frames sent by the pacer.", nil, nil)
	descPaceLate   = prometheus.NewDesc("switchboard_rtp_frames_late_total", "RTP frames sent late (in a burst).", nil, nil)
	descPaceSkip   = prometheus.NewDesc("switchboard_rtp_frames_skipped_total", "RTP frames skipped because the pacer fell behind.", nil, nil)
	descPaceDev    = prometheus.NewDesc("switchboard_rtp_send_deviation_seconds", "Send-interval deviation from 20 ms.", []string{"quantile"}, nil)
	descSIPDropped = prometheus.NewDesc("switchboard_sip_dropped_total",
		"SIP messages dropped or refused before any call, by reason (unparsable, missing_header, not_allowed, too_large, call_limit, overload); their log lines are rate-limited.", []string{"reason"}, nil)
	descInvitesRefused = prometheus.NewDesc("switchboard_sip_invites_refused_total",
		"New INVITEs refused with 503 and Retry-After, by reason (call_limit: over --max-calls; overload: the media path fell behind; admission_rate: new calls came faster than the rate learned from the box).", []string{"reason"}, nil)
	descAdmitRate = prometheus.NewDesc("switchboard_sip_admission_rate",
		"The new calls per second the box takes now, learned from its own load (halved when the media path falls behind, grown back while calm).", nil, nil)
)

// admitRater is a SIP side with a learned admission rate (*sip.Server).
type admitRater interface{ AdmitRate() float64 }

// voiceCollector reports calls, trunks and RTP pacing at scrape time.
type voiceCollector struct{ s *Server }

func (c voiceCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descCalls, descTrunk, descPaceFrames, descPaceLate, descPaceSkip, descPaceDev, descSIPDropped, descInvitesRefused, descAdmitRate} {
		ch <- d
	}
}

func (c voiceCollector) Collect(ch chan<- prometheus.Metric) {
	ch <- prometheus.MustNewConstMetric(descCalls, prometheus.GaugeValue, float64(c.s.Voice.ActiveCalls()))
	for _, t := range c.s.Voice.Trunks() {
		v := 0.0
		if t.State == "registered" {
			v = 1
		}
		ch <- prometheus.MustNewConstMetric(descTrunk, prometheus.GaugeValue, v, t.Name, t.State)
	}
	dropped := c.s.Voice.Dropped()
	for reason, n := range dropped {
		ch <- prometheus.MustNewConstMetric(descSIPDropped, prometheus.CounterValue, float64(n), reason)
	}
	for _, reason := range []string{sip.DropCallLimit, sip.DropOverload, sip.DropAdmitRate} {
		ch <- prometheus.MustNewConstMetric(descInvitesRefused, prometheus.CounterValue, float64(dropped[reason]), reason)
	}
	if a, ok := c.s.Voice.(admitRater); ok {
		if r := a.AdmitRate(); r > 0 { // 0: no learned rate (no load guard)
			ch <- prometheus.MustNewConstMetric(descAdmitRate, prometheus.GaugeValue, r)
		}
	}
	p := media.PacerStats()
	ch <- prometheus.MustNewConstMetric(descPaceFrames, prometheus.CounterValue, float64(p.Frames))
	ch <- prometheus.MustNewConstMetric(descPaceLate, prometheus.CounterValue, float64(p.Late))
	ch <- prometheus.MustNewConstMetric(descPaceSkip, prometheus.CounterValue, float64(p.Skipped))
	for q, d := range map[string]time.Duration{"0.5": p.P50, "0.99": p.P99, "0.999": p.P999} {
		ch <- prometheus.MustNewConstMetric(descPaceDev, prometheus.GaugeValue, d.Seconds(), q)
	}
}
