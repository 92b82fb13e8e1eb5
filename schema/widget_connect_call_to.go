package schema

// TypeConnectCallTo is the Studio type string of the Connect Call To widget.
const TypeConnectCallTo = "connect-call-to"

// ConnectCallTo holds the properties of a connect-call-to widget: it bridges
// the live call to numbers, a client, a SIM, a SIP endpoint or a conference,
// continuing on callCompleted or hangup.
type ConnectCallTo struct {
	Offset Offset `json:"offset"`
	// Noun is the destination kind: number, number-multi, client, sim, sip or conference.
	Noun string `json:"noun"`
	// To is the destination; up to 10 comma-separated numbers for number-multi.
	To       string `json:"to,omitempty"`
	CallerID string `json:"caller_id"`
	// Record records the bridged call (boolean).
	Record Scalar `json:"record,omitempty"`
	// Timeout is the ring time in seconds, 1-600 (default 30).
	Timeout Scalar `json:"timeout,omitempty"`
	// TimeLimit is the maximum call duration in seconds, as a string.
	TimeLimit   string `json:"time_limit,omitempty"`
	SIPEndpoint string `json:"sip_endpoint,omitempty"`
	SIPUsername string `json:"sip_username,omitempty"`
	SIPPassword string `json:"sip_password,omitempty"`
}

func init() { registerProperties(TypeConnectCallTo, func() any { return new(ConnectCallTo) }) }
