//go:build !(linux && (amd64 || arm64))

package media

// Elsewhere each session reads its RTP on a goroutine of its own.

type rxReg struct{}

var sharedReaders = false

func rxAttach(s *Session) {
	s.wg.Add(1)
	go s.readRTP()
}

func rxDetach(*Session) {}
