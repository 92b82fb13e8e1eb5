//go:build !(linux && (amd64 || arm64))

package media

// Elsewhere each session reads its RTP and its RTCP on a goroutine each.

type rxReg struct{}

var sharedReaders = false

func rxAttach(s *Session) {
	s.wg.Add(2)
	go s.readRTP()
	go s.readRTCP()
}

func rxDetach(*Session) {}

// rxFlush: each session's own goroutine reads its socket as packets come.
func rxFlush(*Session) {}

// rxTallies: no shared readers here, nothing counted.
func rxTallies() (reads, datagrams uint64) { return 0, 0 }
