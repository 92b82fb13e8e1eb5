package engine

import "strings"

// Context is an execution's flow context with Studio's four namespaces:
//
//	flow.sid (the execution SID), flow.flow_sid, flow.channel.address,
//	flow.data.*, flow.variables.*
//	trigger.call|message|request|parent|conversation.*
//	widgets.<name>.*
//	contact.channel.address
//
// It is the data Liquid templates see.
type Context map[string]any

func newContext(x *Execution, t Trigger) Context {
	flow := map[string]any{
		"sid":       x.SID,
		"flow_sid":  x.FlowSID,
		"channel":   map[string]any{"address": t.Channel},
		"variables": map[string]any{},
	}
	trig := map[string]any{}
	params := copyMap(t.Params)
	switch t.Event {
	case EventIncomingCall:
		trig["call"] = params
	case EventIncomingMessage:
		trig["message"] = params
	case EventIncomingConversation:
		trig["conversation"] = params
	case EventIncomingParent:
		trig["parent"] = params
	case EventIncomingRequest:
		req := params
		data := copyMap(t.Data)
		req["parameters"] = data
		// Both casings are seen in the wild for the REST trigger's addresses.
		req["from"], req["From"] = t.Channel, t.Channel
		req["to"], req["To"] = t.Contact, t.Contact
		trig["request"] = req
		flow["data"] = data
	default:
		trig[strings.TrimPrefix(t.Event, "incoming")] = params
	}
	if _, ok := flow["data"]; !ok && t.Data != nil {
		flow["data"] = copyMap(t.Data)
	}
	return Context{
		"flow":    flow,
		"trigger": trig,
		"widgets": map[string]any{},
		"contact": map[string]any{"channel": map[string]any{"address": t.Contact}},
	}
}

func (c Context) ns(name string) map[string]any {
	m, ok := c[name].(map[string]any)
	if !ok {
		m = map[string]any{}
		c[name] = m
	}
	return m
}

// Widget returns what the named widget published, or nil.
func (c Context) Widget(name string) map[string]any {
	m, _ := c.ns("widgets")[name].(map[string]any)
	return m
}

// SetWidget replaces what the named widget published.
func (c Context) SetWidget(name string, outputs map[string]any) {
	if outputs == nil {
		outputs = map[string]any{}
	}
	c.ns("widgets")[name] = outputs
}

// Variables returns flow.variables.
func (c Context) Variables() map[string]any {
	flow := c.ns("flow")
	v, ok := flow["variables"].(map[string]any)
	if !ok {
		v = map[string]any{}
		flow["variables"] = v
	}
	return v
}

// Flow returns the flow namespace.
func (c Context) Flow() map[string]any { return c.ns("flow") }

// Trigger returns the trigger namespace.
func (c Context) Trigger() map[string]any { return c.ns("trigger") }

// ContactAddress is contact.channel.address.
func (c Context) ContactAddress() string {
	ch, _ := c.ns("contact")["channel"].(map[string]any)
	s, _ := ch["address"].(string)
	return s
}

// ChannelAddress is flow.channel.address.
func (c Context) ChannelAddress() string {
	ch, _ := c.ns("flow")["channel"].(map[string]any)
	s, _ := ch["address"].(string)
	return s
}

func copyMap(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
