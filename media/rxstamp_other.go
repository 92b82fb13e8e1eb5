//go:build !(linux && (amd64 || arm64))

package media

import (
	"net"
	"time"
)

// Without kernel receive timestamps, arrival is when the reader got the
// datagram.

func enableRxStamps(*net.UDPConn) bool { return false }

func rxArrival([]byte) time.Duration { return monoNow() }
