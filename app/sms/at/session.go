package at

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Options tune a Session. Zero values take the defaults.
type Options struct {
	// Timeout for an ordinary command (default 10 s).
	Timeout time.Duration
	// SendTimeout for AT+CMGS, from the command to the final result (default
	// 60 s: a network can take several seconds to accept a message).
	SendTimeout time.Duration
	// Settle: after a command was abandoned (timeout, cancellation) its late
	// final result code is swallowed; the next command waits at most this
	// long for it (default 1 s).
	Settle time.Duration
	// Notices buffers unsolicited result codes (default 64). When the buffer
	// is full a notice is dropped and logged; the gateway's periodic sweep of
	// stored messages finds what a lost +CMTI pointed at.
	Notices int
	// Log receives the session's diagnostics (default slog.Default()).
	Log *slog.Logger
}

// Session serializes AT commands on one port. One goroutine (the owner)
// writes to the port and parses what comes back; a helper goroutine only
// reads. Callers send commands through Do and SendPDU from any goroutine;
// they are run one at a time, in arrival order.
type Session struct {
	port    io.ReadWriteCloser
	opt     Options
	log     *slog.Logger
	reqs    chan *request
	notices chan Notice
	done    chan struct{}
	quit    chan struct{}

	closeOnce sync.Once
	mu        sync.Mutex
	err       error
}

type request struct {
	ctx     context.Context
	cmd     string
	name    string // cmd as errors and logs show it (a PIN masked)
	pdu     string // for AT+CMGS: written after the prompt
	timeout time.Duration
	reply   chan result
}

type result struct {
	lines []string
	err   error
}

type chunk struct {
	b   []byte
	err error
}

// New starts a session on port. The session owns port from now on: it closes
// it on Close or when reading fails.
func New(port io.ReadWriteCloser, opt Options) *Session {
	if opt.Timeout <= 0 {
		opt.Timeout = 10 * time.Second
	}
	if opt.SendTimeout <= 0 {
		opt.SendTimeout = 60 * time.Second
	}
	if opt.Settle <= 0 {
		opt.Settle = time.Second
	}
	if opt.Notices <= 0 {
		opt.Notices = 64
	}
	if opt.Log == nil {
		opt.Log = slog.Default()
	}
	s := &Session{
		port:    port,
		opt:     opt,
		log:     opt.Log,
		reqs:    make(chan *request),
		notices: make(chan Notice, opt.Notices),
		done:    make(chan struct{}),
		quit:    make(chan struct{}),
	}
	chunks := make(chan chunk)
	go s.read(chunks)
	go s.own(chunks)
	return s
}

// Notices delivers unsolicited result codes in arrival order. It is closed
// when the session ends.
func (s *Session) Notices() <-chan Notice { return s.notices }

// Done is closed when the session ended: the port failed or Close was
// called. Err then tells why.
func (s *Session) Done() <-chan struct{} { return s.done }

// Err is nil while the session runs, and an error wrapping ErrClosed once it
// ended.
func (s *Session) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// Close ends the session and closes the port. Commands in flight fail with
// ErrClosed.
func (s *Session) Close() error {
	s.closeOnce.Do(func() { close(s.quit) })
	<-s.done
	return nil
}

// Do runs one command ("AT+CSQ") and returns its intermediate response lines
// (no echo, no final code). A final code other than OK is an *Error. Send
// messages with SendPDU, not Do("AT+CMGS=…"): only SendPDU answers the prompt.
func (s *Session) Do(ctx context.Context, cmd string) ([]string, error) {
	cmd = strings.TrimSpace(cmd)
	if cmd == "" || strings.ContainsAny(cmd, "\r\n\x1a\x1b") {
		return nil, fmt.Errorf("%w: %q", ErrBadCommand, cmd)
	}
	timeout := s.opt.Timeout
	if strings.HasPrefix(strings.ToUpper(cmd), "AT+CMGS") {
		timeout = s.opt.SendTimeout
	}
	return s.run(ctx, &request{ctx: ctx, cmd: cmd, timeout: timeout})
}

// SendPDU sends one message in PDU mode: AT+CMGS=<length>, then, at the
// prompt, the hex PDU (SMSC field first) and Ctrl-Z. length is the TPDU
// length in octets without the SMSC field. It returns the message reference
// (TP-MR) from +CMGS: <mr>. The PDU goes out the moment the prompt arrives;
// a send abandoned after that (timeout, cancellation) may still have been
// sent, so the caller counts it as "unknown", not "failed".
func (s *Session) SendPDU(ctx context.Context, length int, hex string) (int, error) {
	if length <= 0 || !isHex(hex) || len(hex)/2 < length {
		return 0, fmt.Errorf("%w: PDU of %d hex digits for length %d", ErrBadCommand, len(hex), length)
	}
	lines, err := s.run(ctx, &request{ctx: ctx, cmd: "AT+CMGS=" + strconv.Itoa(length), pdu: hex, timeout: s.opt.SendTimeout})
	if err != nil {
		return 0, err
	}
	for _, l := range lines {
		if rest, ok := strings.CutPrefix(l, "+CMGS:"); ok {
			mr, err := strconv.Atoi(strings.TrimSpace(strings.Split(rest, ",")[0]))
			if err != nil {
				return 0, fmt.Errorf("at: AT+CMGS: bad reply %q: %w", l, err)
			}
			return mr, nil
		}
	}
	return 0, fmt.Errorf("at: AT+CMGS: no +CMGS: in the reply %q", lines)
}

// redact masks the PIN/PUK in AT+CPIN="…" and the password in AT+CLCK/AT+CPWD
// for errors and logs.
func redact(cmd string) string {
	u := strings.ToUpper(cmd)
	for _, p := range []string{"AT+CPIN=", "AT+CLCK=", "AT+CPWD="} {
		if strings.HasPrefix(u, p) {
			return cmd[:len(p)] + "***"
		}
	}
	return cmd
}

func (s *Session) run(ctx context.Context, r *request) ([]string, error) {
	r.name = redact(r.cmd)
	r.reply = make(chan result, 1)
	select {
	case s.reqs <- r:
	case <-ctx.Done():
		return nil, fmt.Errorf("at: %s: %w", r.name, ctx.Err())
	case <-s.done:
		return nil, s.Err()
	}
	res := <-r.reply // the owner always answers
	return res.lines, res.err
}

// read is the only reader of the port; it hands chunks to the owner.
func (s *Session) read(out chan<- chunk) {
	for {
		buf := make([]byte, 512)
		n, err := s.port.Read(buf)
		if n > 0 {
			select {
			case out <- chunk{b: buf[:n]}:
			case <-s.done:
				return
			}
		}
		if err != nil {
			select {
			case out <- chunk{err: err}:
			case <-s.done:
			}
			return
		}
	}
}

// flight is the command the owner is running.
type flight struct {
	req      *request
	lines    []string
	prompted bool
	timer    *time.Timer
}

// own is the owner goroutine: the only writer to the port and the only user
// of the parser.
func (s *Session) own(chunks <-chan chunk) {
	var (
		p        Parser
		cur      *flight
		held     *request // a request waiting for an abandoned command's result
		orphan   bool     // an abandoned command's final code is still due
		settle   <-chan time.Time
		deadline <-chan time.Time
		cancel   <-chan struct{}
	)
	finish := func(err error) {
		if cur == nil {
			return
		}
		cur.timer.Stop()
		lines := cur.lines
		if err != nil {
			lines = nil
			var final *Error
			if cur.prompted && !errors.As(err, &final) {
				// timed out, cancelled or unplugged after the PDU went out:
				// the message may have been sent
				err = fmt.Errorf("%w (%w)", err, ErrPDUWritten)
			}
		}
		cur.req.reply <- result{lines: lines, err: err}
		cur, deadline, cancel = nil, nil, nil
		p.SetCommand("")
	}
	var end error
	closedHere := false
	start := func(r *request) {
		if err := r.ctx.Err(); err != nil {
			r.reply <- result{err: fmt.Errorf("at: %s: %w", r.name, err)}
			return
		}
		cur = &flight{req: r, timer: time.NewTimer(r.timeout)}
		deadline, cancel = cur.timer.C, r.ctx.Done()
		p.SetCommand(r.cmd)
		if _, err := s.port.Write([]byte(r.cmd + "\r")); err != nil {
			end = fmt.Errorf("%w: write: %w", ErrClosed, err)
			finish(end)
		}
	}
	abandon := func(err error) {
		finish(err)
		orphan = true
		settle = time.After(s.opt.Settle)
	}
	for end == nil {
		reqs := s.reqs
		if cur != nil || held != nil {
			reqs = nil
		}
		select {
		case r := <-reqs:
			if orphan {
				held = r
				continue
			}
			start(r)
		case <-deadline:
			s.log.Warn("modem did not answer", "command", cur.req.name, "timeout", cur.req.timeout)
			abandon(fmt.Errorf("at: %s: %w after %s", cur.req.name, ErrTimeout, cur.req.timeout))
		case <-cancel:
			abandon(fmt.Errorf("at: %s: %w", cur.req.name, cur.req.ctx.Err()))
		case <-settle:
			orphan, settle = false, nil
			if held != nil {
				r := held
				held = nil
				start(r)
			}
		case c := <-chunks:
			if c.err != nil {
				end = fmt.Errorf("%w: %w", ErrClosed, c.err)
				break
			}
			for _, ev := range p.Feed(c.b) {
				switch ev.Kind {
				case KindNotice:
					s.deliver(*ev.Notice)
				case KindEcho:
				case KindPrompt:
					if cur != nil && cur.req.pdu != "" && !cur.prompted {
						cur.prompted = true
						p.SetCommand(cur.req.pdu)
						if _, err := s.port.Write([]byte(cur.req.pdu + "\x1a")); err != nil {
							end = fmt.Errorf("%w: write: %w", ErrClosed, err)
						}
					}
				case KindInfo:
					if cur != nil {
						cur.lines = append(cur.lines, ev.Line)
					} else {
						s.log.Debug("modem line outside a command", "line", ev.Line)
					}
				case KindOK, KindError:
					if cur == nil {
						if orphan {
							orphan, settle = false, nil
							if held != nil {
								r := held
								held = nil
								start(r)
							}
						}
						continue
					}
					if ev.Kind == KindOK {
						if cur.req.pdu != "" && !cur.prompted {
							finish(fmt.Errorf("at: %s: %w (got OK)", cur.req.name, ErrNoPrompt))
						} else {
							finish(nil)
						}
						continue
					}
					e := *ev.Err
					e.Command = cur.req.name
					finish(&e)
				}
			}
		case <-s.quit:
			end = fmt.Errorf("%w: session closed", ErrClosed)
			closedHere = true
		}
	}
	s.mu.Lock()
	s.err = end
	s.mu.Unlock()
	s.closeOnce.Do(func() { close(s.quit) })
	_ = s.port.Close()
	finish(end)
	if held != nil {
		held.reply <- result{err: end}
	}
	close(s.done)
	close(s.notices)
	if !closedHere {
		s.log.Warn("modem port gone", "err", end)
	}
}

func (s *Session) deliver(n Notice) {
	select {
	case s.notices <- n:
	default:
		s.log.Warn("modem notice dropped: the notice buffer is full", "notice", n.Name)
	}
}
