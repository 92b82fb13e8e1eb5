// Package fakemodem is a GSM modem on a pseudo-terminal for tests: it speaks
// the AT dialect that gammu and our own client use (identification, SIM PIN,
// signal, registration, PDU mode, AT+CMGS with the "> " prompt and Ctrl-Z,
// stored messages with AT+CMGL/CMGR/CMGD) and lets a test make it
// misbehave: latency, replies split into small writes, a notice between a
// command's echo and its result, scripted errors, silence and disconnects.
//
// The client opens Path() like a serial device (or uses Port() directly), or
// a stable symlink made with LinkAt, as udev makes /dev/serial/by-id names:
// Disconnect removes the link with the terminal (the modem unplugged) and
// Replug brings the same modem back, its SIM and counters intact, on a new
// terminal behind the same link.
//
// Messages are PDUs in hex; the fake neither encodes nor decodes them. A
// test builds long messages' parts itself and injects them in any order, as
// often as it likes (the network does resend parts).
package fakemodem

import (
	"bytes"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/creack/pty"
)

// Sent is one message submitted with AT+CMGS.
type Sent struct {
	Length int    // the <length> of AT+CMGS=<length> (TPDU octets)
	PDU    string // the hex as received: SMSC field, then the TPDU
	MR     int    // the message reference the fake answered
}

// Modem is one fake modem. Its fields set before Start-up are its identity;
// change the rest through the methods (they lock).
type Modem struct {
	master, slave *os.File

	mu sync.Mutex
	// identity and network
	manufacturer, model, revision, imei, imsi string
	rssi, ber                                 int
	reg                                       int
	operator                                  string
	smsc                                      string
	// SIM
	sim      string // READY, SIM PIN, SIM PUK
	pin      string
	wrongPIN int // wrong AT+CPIN=… answers so far; the third locks the SIM (SIM PUK)
	pinTries int // AT+CPIN=… commands so far
	// settings
	echo bool
	cmgf int
	cnmi [5]int
	// storage: SM holds messages, SR status reports (+CDSI); mem1 is
	// the memory AT+CMGL/CMGR/CMGD work on (AT+CPMS's first argument)
	store    map[int]*stored
	sr       map[int]*stored
	mem1     string
	capacity int
	sent     []Sent
	mr       int
	// misbehaviour
	latency      time.Duration
	fragment     int
	between      []string // notices written after the next command's echo
	sendErrs     []int    // +CMS ERROR codes for the next AT+CMGS
	silent       bool
	silentSends  int // AT+CMGS PDUs taken (and sent) without any answer
	transcript   bytes.Buffer
	commands     []string
	closed       bool   // unplugged (Disconnect) or stopped (Close)
	link         string // a stable symlink to the terminal (LinkAt), kept across Replug
	writeMu      sync.Mutex
	done         chan struct{} // closed when the current terminal's reader ends
	cmgsPrompted int           // the <length> of the AT+CMGS whose PDU is being typed; 0 when none
}

type stored struct {
	stat int // 0 unread, 1 read, 2 unsent, 3 sent
	pdu  string
}

// New starts a fake modem on a new pseudo-terminal. Close it when done.
func New() (*Modem, error) {
	m := &Modem{
		manufacturer: "Switchboard Fakes", model: "FM-100", revision: "FM100_01.002",
		imei: "356938035643809", imsi: "001010123456789",
		rssi: 21, ber: 99, reg: 1, operator: "Fake Mobile",
		smsc: "+15550000000", sim: "READY", pin: "1234",
		echo: true, cmgf: 0, store: map[int]*stored{}, sr: map[int]*stored{}, mem1: "SM", capacity: 30,
	}
	if err := m.plug(); err != nil {
		return nil, err
	}
	return m, nil
}

// plug opens a new terminal pair and starts answering on it.
func (m *Modem) plug() error {
	master, slave, err := pty.Open()
	if err != nil {
		return fmt.Errorf("fakemodem: open a pty: %w", err)
	}
	if err := makeRaw(slave); err != nil {
		master.Close()
		slave.Close()
		return fmt.Errorf("fakemodem: raw mode: %w", err)
	}
	if master, err = pollable(master); err != nil {
		slave.Close()
		return fmt.Errorf("fakemodem: %w", err)
	}
	done := make(chan struct{})
	m.mu.Lock()
	m.master, m.slave, m.done, m.closed = master, slave, done, false
	m.echo = true // a modem powers up with echo on
	m.mem1 = "SM"
	m.cmgsPrompted = 0
	link := m.link
	m.mu.Unlock()
	if link != "" {
		if err := relink(slave.Name(), link); err != nil {
			return err
		}
	}
	go m.serve(master, done)
	return nil
}

func relink(target, link string) error {
	_ = os.Remove(link)
	if err := os.Symlink(target, link); err != nil {
		return fmt.Errorf("fakemodem: link %s: %w", link, err)
	}
	return nil
}

// LinkAt makes path a symlink to the terminal, as udev makes
// /dev/serial/by-id/usb-…; Disconnect removes it and Replug points it at
// the new terminal.
func (m *Modem) LinkAt(path string) error {
	m.mu.Lock()
	m.link = path
	target, closed := m.slave.Name(), m.closed
	m.mu.Unlock()
	if closed {
		return nil
	}
	return relink(target, path)
}

// Replug is the unplugged modem coming back: a new terminal (a new
// /dev/pts/N), the link made with LinkAt pointing at it, and the same SIM
// (stored messages, PIN state, message reference counter). Settings made
// by commands (echo, storage selection) start over, as on a power-up.
func (m *Modem) Replug() error {
	m.mu.Lock()
	closed, done := m.closed, m.done
	m.mu.Unlock()
	if !closed {
		return fmt.Errorf("fakemodem: Replug: the modem is plugged in")
	}
	<-done
	return m.plug()
}

// Path is the terminal device a client opens (/dev/pts/N).
func (m *Modem) Path() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.slave.Name()
}

// Port is the terminal side as an open file, for clients that take an
// io.ReadWriteCloser. Closing it does not stop the fake.
func (m *Modem) Port() (*os.File, error) {
	return os.OpenFile(m.Path(), os.O_RDWR|oNoCTTY, 0)
}

// Close stops the fake and closes both sides of the terminal.
func (m *Modem) Close() error {
	m.Disconnect()
	m.mu.Lock()
	done := m.done
	m.mu.Unlock()
	<-done
	return nil
}

// Disconnect is the modem unplugged: both sides of the terminal close, the
// link made with LinkAt disappears, and a client reading the device gets
// an error.
func (m *Modem) Disconnect() {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return
	}
	m.closed = true
	master, slave, link := m.master, m.slave, m.link
	m.mu.Unlock()
	if link != "" {
		_ = os.Remove(link)
	}
	master.Close()
	slave.Close()
}

// SetLatency delays every reply by d.
func (m *Modem) SetLatency(d time.Duration) { m.mu.Lock(); m.latency = d; m.mu.Unlock() }

// SetFragment writes replies in pieces of at most n bytes, with a short pause
// between them (0: whole replies).
func (m *Modem) SetFragment(n int) { m.mu.Lock(); m.fragment = n; m.mu.Unlock() }

// SetSilent makes the fake read commands and answer nothing.
func (m *Modem) SetSilent(on bool) { m.mu.Lock(); m.silent = on; m.mu.Unlock() }

// SetSignal sets the +CSQ rssi and ber.
func (m *Modem) SetSignal(rssi, ber int) { m.mu.Lock(); m.rssi, m.ber = rssi, ber; m.mu.Unlock() }

// SetRegistration sets the +CREG/+CEREG status (1 home, 2 searching, 3 denied, 5 roaming).
func (m *Modem) SetRegistration(stat int) { m.mu.Lock(); m.reg = stat; m.mu.Unlock() }

// RequirePIN makes the SIM ask for pin. Three wrong AT+CPIN=… lock it
// (SIM PUK), as a real SIM does.
func (m *Modem) RequirePIN(pin string) {
	m.mu.Lock()
	m.sim, m.pin, m.wrongPIN = "SIM PIN", pin, 0
	m.mu.Unlock()
}

// SIM is the SIM state +CPIN? answers: READY, SIM PIN or SIM PUK.
func (m *Modem) SIM() string { m.mu.Lock(); defer m.mu.Unlock(); return m.sim }

// PINAttempts counts the AT+CPIN=… commands received (right or wrong).
func (m *Modem) PINAttempts() int { m.mu.Lock(); defer m.mu.Unlock(); return m.pinTries }

// SilenceNextSend makes the next AT+CMGS take its PDU (and count it as
// sent: the network got it) but never answer: a modem that hangs mid-send.
// Calls add up.
func (m *Modem) SilenceNextSend() { m.mu.Lock(); m.silentSends++; m.mu.Unlock() }

// NoticeBetween makes the next command's reply carry line (a notice such
// as `+CMTI: "SM",3`) between its echo and its result.
func (m *Modem) NoticeBetween(line string) {
	m.mu.Lock()
	m.between = append(m.between, line)
	m.mu.Unlock()
}

// FailNextSend makes the next AT+CMGS end with +CMS ERROR: code (after the
// PDU was typed); calls queue.
func (m *Modem) FailNextSend(code int) {
	m.mu.Lock()
	m.sendErrs = append(m.sendErrs, code)
	m.mu.Unlock()
}

// FailSends scripts the outcomes of the next AT+CMGS commands in order: 0
// accepts the PDU as usual, any other code answers +CMS ERROR: code (a
// long message whose second part fails: FailSends(0, 500)). It queues
// behind FailNextSend.
func (m *Modem) FailSends(codes ...int) {
	m.mu.Lock()
	m.sendErrs = append(m.sendErrs, codes...)
	m.mu.Unlock()
}

// Sent lists the messages submitted so far.
func (m *Modem) Sent() []Sent {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]Sent(nil), m.sent...)
}

// Commands lists the command lines received so far.
func (m *Modem) Commands() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]string(nil), m.commands...)
}

// Transcript is every byte in and out, marked "<" (from the client) and ">"
// (from the fake), for a failing test's log.
func (m *Modem) Transcript() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.transcript.String()
}

// Stored lists the indexes of the messages in SIM storage.
func (m *Modem) Stored() []int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return keys(m.store)
}

func keys(store map[int]*stored) []int {
	idx := make([]int, 0, len(store))
	for i := range store {
		idx = append(idx, i)
	}
	sort.Ints(idx)
	return idx
}

// StoreMO puts an SMS-DELIVER (hex, SMSC field first) into SIM storage as
// unread without a notice, as if it arrived while nobody listened. It
// returns the index.
func (m *Modem) StoreMO(pdu string) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.storeLocked(pdu, 0)
}

func (m *Modem) storeLocked(pdu string, stat int) (int, error) {
	return storeIn(m.store, m.capacity, pdu, stat)
}

func storeIn(store map[int]*stored, capacity int, pdu string, stat int) (int, error) {
	if len(store) >= capacity {
		return 0, fmt.Errorf("fakemodem: storage full (%d)", capacity)
	}
	for i := 1; ; i++ {
		if store[i] == nil {
			store[i] = &stored{stat: stat, pdu: strings.ToUpper(pdu)}
			return i, nil
		}
	}
}

// mem is the memory AT+CMGL/CMGR/CMGD work on (mu held).
func (m *Modem) mem() map[int]*stored {
	if m.mem1 == "SR" {
		return m.sr
	}
	return m.store
}

// InjectMO delivers an SMS-DELIVER (hex, SMSC field first) as the network
// would, following AT+CNMI's <mt>: mt=2 pushes it as "+CMT: ,<len>" and its
// PDU line; otherwise it is stored and, with mt=1, raises +CMTI. It returns
// the storage index (0 when pushed).
func (m *Modem) InjectMO(pdu string) (int, error) {
	m.mu.Lock()
	mt := m.cnmi[1]
	if mt == 2 {
		m.mu.Unlock()
		m.write(fmt.Sprintf("\r\n+CMT: ,%d\r\n%s\r\n", tpduLen(pdu), strings.ToUpper(pdu)))
		return 0, nil
	}
	idx, err := m.storeLocked(pdu, 0)
	m.mu.Unlock()
	if err != nil {
		return 0, err
	}
	if mt == 1 || mt == 3 {
		m.write(fmt.Sprintf("\r\n+CMTI: \"SM\",%d\r\n", idx))
	}
	return idx, nil
}

// DeliverReport raises a status report (hex, SMSC field first) as
// "+CDS: <len>" and its PDU line (AT+CNMI <ds>=1: pushed, not stored).
func (m *Modem) DeliverReport(pdu string) {
	m.write(fmt.Sprintf("\r\n+CDS: %d\r\n%s\r\n", tpduLen(pdu), strings.ToUpper(pdu)))
}

// StoreReport puts a status report (hex, SMSC field first) into the SR
// memory and raises +CDSI: "SR",<index> (AT+CNMI <ds>=2). The client reads
// it with AT+CPMS="SR", AT+CMGR and deletes it with AT+CMGD.
func (m *Modem) StoreReport(pdu string) (int, error) {
	m.mu.Lock()
	idx, err := storeIn(m.sr, m.capacity, pdu, 0)
	m.mu.Unlock()
	if err != nil {
		return 0, err
	}
	m.write(fmt.Sprintf("\r\n+CDSI: \"SR\",%d\r\n", idx))
	return idx, nil
}

// StoredReports lists the indexes of the status reports in SR memory.
func (m *Modem) StoredReports() []int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return keys(m.sr)
}

// Notice writes any unsolicited line now (RING, ^RSSI:12, +CREG: 2).
func (m *Modem) Notice(line string) { m.write("\r\n" + line + "\r\n") }

// tpduLen is the PDU's length in octets without the SMSC field.
func tpduLen(pdu string) int {
	if len(pdu) < 2 {
		return 0
	}
	n, err := strconv.ParseUint(pdu[:2], 16, 8)
	if err != nil {
		return 0
	}
	return len(pdu)/2 - 1 - int(n)
}

// write sends bytes to the client: after the latency, in fragments when set.
func (m *Modem) write(s string) {
	m.writeMu.Lock()
	defer m.writeMu.Unlock()
	m.mu.Lock()
	frag, closed, master := m.fragment, m.closed, m.master
	m.transcript.WriteString("> " + strconv.Quote(s) + "\n")
	m.mu.Unlock()
	if closed {
		return
	}
	b := []byte(s)
	for len(b) > 0 {
		n := len(b)
		if frag > 0 && n > frag {
			n = frag
		}
		if _, err := master.Write(b[:n]); err != nil {
			return
		}
		b = b[n:]
		if len(b) > 0 {
			time.Sleep(2 * time.Millisecond)
		}
	}
}

// serve reads the client's bytes: command lines end in CR; after the prompt
// the PDU ends in Ctrl-Z (send) or ESC (abort).
func (m *Modem) serve(master *os.File, done chan struct{}) {
	defer close(done)
	buf := make([]byte, 256)
	var line []byte
	for {
		n, err := master.Read(buf)
		if err != nil {
			m.mu.Lock()
			gone := m.closed || m.master != master
			m.mu.Unlock()
			if gone {
				return
			}
			// EIO while no client holds the terminal: keep waiting
			time.Sleep(5 * time.Millisecond)
			continue
		}
		m.mu.Lock()
		m.transcript.WriteString("< " + strconv.Quote(string(buf[:n])) + "\n")
		m.mu.Unlock()
		for _, c := range buf[:n] {
			m.mu.Lock()
			prompted := m.cmgsPrompted
			m.mu.Unlock()
			switch {
			case prompted > 0 && (c == 0x1a || c == 0x1b):
				m.pduDone(string(line), c == 0x1a)
				line = line[:0]
			case prompted > 0:
				if c != '\r' && c != '\n' {
					line = append(line, c)
				}
			case c == '\r':
				if len(line) > 0 {
					m.command(string(line))
				}
				line = line[:0]
			case c < 0x20:
				// LF, NUL, a stray ESC or Ctrl-Z: not part of a command
			default:
				if len(line) < 4096 {
					line = append(line, c)
				}
			}
		}
	}
}
