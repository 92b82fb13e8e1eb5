package voice

// What goes wrong while the executor carries out a widget's commands (a
// TwiML fetch, a media stream, an outbound call it must refuse) is the
// flow author's business, so it becomes an execution event, not only a log
// line: the executor keeps the events until it answers a wait and hands
// them over on that Input (engine.Input.Events), which records them on the
// step of the widget it resumes. A stream that fails in the background is
// noticed then too, and named by its own widget.

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"net/url"
	"strconv"
	"syscall"

	"github.com/switchboard/switchboard/app/voice/stream"
	"github.com/switchboard/switchboard/engine"
)

// Twilio's Media Streams error codes.
const (
	codeStreamTimeout   = 31901 // the connection got no answer
	codeStreamRefused   = 31902 // the host refused the connection
	codeStreamTLS       = 31910 // TLS handshake failed
	codeStreamHandshake = 31920 // the server answered other than 101
	codeStreamURL       = 31923 // malformed URL
)

// report keeps an event for the next Input the executor returns.
func (e *Executor) report(level string, code int, widget, msg string) {
	e.events = append(e.events, engine.Event{Level: level, Code: code, Widget: widget, Message: msg})
}

// withEvents hands the kept events, and those of streams that failed
// since, to in (nil: they wait for the next input).
func (e *Executor) withEvents(in *engine.Input) *engine.Input {
	if in == nil {
		return nil
	}
	e.noticeStreams()
	if len(e.events) > 0 {
		in.Events = append(in.Events, e.events...)
		e.events = nil
	}
	return in
}

// noticeStreams reports each stream that failed since it started, once.
func (e *Executor) noticeStreams() {
	for _, ls := range e.streams {
		e.noticeStream(ls)
	}
}

// noticeStream reports ls's failure once it has ended with one.
func (e *Executor) noticeStream(ls *liveStream) {
	if ls.reported {
		return
	}
	select {
	case <-ls.s.Done():
	default:
		return
	}
	ls.reported = true
	if err := ls.s.Err(); err != nil {
		code, msg := streamFailure(err)
		e.report("error", code, ls.widget, msg)
	}
}

// streamFailure is the code and message of a failed stream: Twilio's codes
// for what it has them (connect, TLS, handshake), ours when the server
// stopped reading or writing failed mid-call.
func streamFailure(err error) (int, string) {
	msg := "media stream failed; the call went on without it: " + err.Error()
	var cve *tls.CertificateVerificationError
	var rhe tls.RecordHeaderError
	var uae x509.UnknownAuthorityError
	var ne net.Error
	switch {
	case errors.Is(err, stream.ErrHandshake):
		return codeStreamHandshake, msg
	case !errors.Is(err, stream.ErrConnect):
		return engine.CodeMediaStream, msg
	case errors.As(err, &cve), errors.As(err, &rhe), errors.As(err, &uae):
		return codeStreamTLS, msg
	case errors.Is(err, syscall.ECONNREFUSED):
		return codeStreamRefused, msg
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return codeStreamTimeout, msg
	}
	return codeStreamRefused, msg
}

// badStreamURL says why raw is not a ws:// or wss:// URL ("" when it is).
// The URL is quoted without its password.
func badStreamURL(raw string) string {
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // without the URL, which may hold a password
		}
		return "the stream URL does not parse: " + err.Error()
	case u.Scheme != "ws" && u.Scheme != "wss":
		return "the stream URL " + strconv.Quote(u.Redacted()) + " is not a ws:// or wss:// address"
	case u.Host == "":
		return "the stream URL " + strconv.Quote(u.Redacted()) + " names no host"
	}
	return ""
}
