package sip

// SRTP is the call's SDES keying once media is agreed (after Answer for an
// inbound call, on return from Dial for an outbound one); nil for plain
// RTP. The app hands it to its media session before the first packet.
func (c *Call) SRTP() *SRTP {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.media.SRTP
}
