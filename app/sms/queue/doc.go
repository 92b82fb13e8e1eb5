// Package queue moves SMS between the store and the gateways: it runs one
// gateway per stored configuration (rebuilt when the configuration
// changes, without a restart), routes each queued message to the gateway
// that owns its From address, sends it with a lease, retries what can be
// retried, records what the gateways receive and report, hands inbound
// messages to the flows and tells executions and status callbacks what
// became of their messages.
//
// Every step works from rows in the store, so a restart carries on where
// the last process stopped:
//   - a message is queued in its sprint's transaction (or by the Messages
//     API) and is claimed (status sending, lease_until) before the gateway
//     sees it; a lease that runs out (the process died mid-send) queues it
//     again. That is the one at-least-once window: a gateway that had taken
//     the message when the process died sends it a second time.
//   - a received message is committed before its gateway acknowledges it
//     to the peer, and handed to the flows by a separate loop, whose sprint
//     claims a receipt keyed by the message's SID: a message reaches its
//     flow once, whenever the process stops.
//   - a status change is told to the message's execution and status
//     callback, and then marked told; a change told twice is ignored by the
//     widget (it waits for that message no more) and a callback may repeat.
package queue
