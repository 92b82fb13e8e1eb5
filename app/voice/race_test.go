//go:build race

package voice

// raceDetector: the tests run under -race, which slows every goroutine
// several times over; a test whose bar is timing skips itself.
const raceDetector = true
