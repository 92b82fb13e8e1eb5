//go:build !(linux && (amd64 || arm64))

package media

import (
	"errors"
	"net/netip"
)

var errNoRawUDP = errors.New("media: raw UDP sockets unavailable")

func openRawUDP(netip.Addr, int) (int, bool, error) { return -1, false, errNoRawUDP }

func sendRawUDP(int, bool, []byte, netip.AddrPort) error { return errNoRawUDP }

func closeRaw(int) error { return nil }
