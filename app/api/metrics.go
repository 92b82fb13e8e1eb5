package api

import (
	"context"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

var (
	descStarted = prometheus.NewDesc("switchboard_executions_started_total", "Executions started.", nil, nil)
	descEnded   = prometheus.NewDesc("switchboard_executions_ended_total", "Executions that ended.", nil, nil)
	descSprints = prometheus.NewDesc("switchboard_sprints_total", "Sprints persisted.", nil, nil)
	descSteps   = prometheus.NewDesc("switchboard_steps_total", "Steps persisted.", nil, nil)
	descEvents  = prometheus.NewDesc("switchboard_execution_events_total",
		"Error and warning events of steps, by level and Studio code.", []string{"level", "code"}, nil)
	descActive = prometheus.NewDesc("switchboard_executions_active", "Executions active now.", nil, nil)
)

// runnerCollector reports the runner's counters and the store's count of
// active executions at scrape time.
type runnerCollector struct{ s *Server }

func (c runnerCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descStarted, descEnded, descSprints, descSteps, descEvents, descActive} {
		ch <- d
	}
}

func (c runnerCollector) Collect(ch chan<- prometheus.Metric) {
	st := c.s.Runner.Stats()
	ch <- prometheus.MustNewConstMetric(descStarted, prometheus.CounterValue, float64(st.Started))
	ch <- prometheus.MustNewConstMetric(descEnded, prometheus.CounterValue, float64(st.Ended))
	ch <- prometheus.MustNewConstMetric(descSprints, prometheus.CounterValue, float64(st.Sprints))
	ch <- prometheus.MustNewConstMetric(descSteps, prometheus.CounterValue, float64(st.Steps))
	for k, v := range st.Events {
		ch <- prometheus.MustNewConstMetric(descEvents, prometheus.CounterValue, float64(v), k.Level, strconv.Itoa(k.Code))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if n, err := c.s.Store.CountExecutions(ctx, "active"); err == nil {
		ch <- prometheus.MustNewConstMetric(descActive, prometheus.GaugeValue, float64(n))
	}
}

var (
	descGatewayUp = prometheus.NewDesc("switchboard_sms_gateway_up",
		"1 when an SMS gateway is ready, else 0; state is its health state.", []string{"gateway", "kind", "state"}, nil)
	descGatewaySignal = prometheus.NewDesc("switchboard_sms_gateway_signal_dbm",
		"A modem's signal strength (dBm), when it reports one.", []string{"gateway", "operator"}, nil)
	descMessagesQueued = prometheus.NewDesc("switchboard_sms_messages_queued",
		"Outbound messages waiting to be sent, by gateway (\"\" not routed yet).", []string{"gateway"}, nil)
)

// messagingCollector reports the SMS gateways' health and queues at
// scrape time.
type messagingCollector struct{ s *Server }

func (c messagingCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descGatewayUp, descGatewaySignal, descMessagesQueued} {
		ch <- d
	}
}

func (c messagingCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	health := c.s.Messaging.Health()
	gws, err := c.s.Store.Gateways(ctx)
	if err == nil {
		for _, g := range gws {
			h := health[g.SID]
			up := 0.0
			if h.State == "ready" {
				up = 1
			}
			ch <- prometheus.MustNewConstMetric(descGatewayUp, prometheus.GaugeValue, up, g.FriendlyName, g.Kind, h.State)
			if h.SignalDBM != nil {
				ch <- prometheus.MustNewConstMetric(descGatewaySignal, prometheus.GaugeValue, float64(*h.SignalDBM), g.FriendlyName, h.Operator)
			}
		}
	}
	if counts, err := c.s.Store.QueueCounts(ctx); err == nil {
		names := map[string]string{}
		for _, g := range gws {
			names[g.SID] = g.FriendlyName
		}
		for sid, n := range counts {
			name := names[sid]
			if name == "" && sid != "" {
				name = sid
			}
			ch <- prometheus.MustNewConstMetric(descMessagesQueued, prometheus.GaugeValue, float64(n), name)
		}
	}
}
