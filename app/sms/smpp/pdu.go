package smpp

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// CommandID is an SMPP command_id.
type CommandID uint32

// The commands this client speaks (SMPP 3.4 §5.1.2.1). A response is its request's id with
// bit 31 set.
const (
	GenericNack         CommandID = 0x80000000
	BindTransceiver     CommandID = 0x00000009
	BindTransceiverResp CommandID = 0x80000009
	SubmitSM            CommandID = 0x00000004
	SubmitSMResp        CommandID = 0x80000004
	DeliverSM           CommandID = 0x00000005
	DeliverSMResp       CommandID = 0x80000005
	Unbind              CommandID = 0x00000006
	UnbindResp          CommandID = 0x80000006
	EnquireLink         CommandID = 0x00000015
	EnquireLinkResp     CommandID = 0x80000015
)

// IsResponse says whether id is a response (or generic_nack).
func (id CommandID) IsResponse() bool { return id&0x80000000 != 0 }

func (id CommandID) String() string {
	switch id {
	case GenericNack:
		return "generic_nack"
	case BindTransceiver:
		return "bind_transceiver"
	case BindTransceiverResp:
		return "bind_transceiver_resp"
	case SubmitSM:
		return "submit_sm"
	case SubmitSMResp:
		return "submit_sm_resp"
	case DeliverSM:
		return "deliver_sm"
	case DeliverSMResp:
		return "deliver_sm_resp"
	case Unbind:
		return "unbind"
	case UnbindResp:
		return "unbind_resp"
	case EnquireLink:
		return "enquire_link"
	case EnquireLinkResp:
		return "enquire_link_resp"
	}
	return fmt.Sprintf("command(0x%08X)", uint32(id))
}

// Framing limits. A command_length outside them is refused before anything is allocated:
// 16 is the header alone; the largest PDU we accept is a deliver_sm with a 64 KiB
// message_payload and its mandatory fields.
const (
	HeaderLen = 16
	MaxPDULen = 70 * 1024
)

// TLV tags read or written here (SMPP 3.4 §5.3.2).
const (
	TagReceiptedMessageID uint16 = 0x001E
	TagSARMsgRefNum       uint16 = 0x020C
	TagSARTotalSegments   uint16 = 0x020E
	TagSARSegmentSeqnum   uint16 = 0x020F
	TagMessagePayload     uint16 = 0x0424
	TagMessageState       uint16 = 0x0427
)

// Errors the codec wraps (errors.Is).
var (
	// ErrFraming: the command_length is impossible; the byte stream cannot be trusted.
	ErrFraming = errors.New("smpp: bad command_length")
	// ErrMalformed: a PDU whose length is right but whose body is not.
	ErrMalformed = errors.New("smpp: malformed PDU")
)

// TLV is an optional parameter.
type TLV struct {
	Tag   uint16
	Value []byte
}

// Bind is the body of bind_transceiver.
type Bind struct {
	SystemID         string
	Password         string
	SystemType       string
	InterfaceVersion byte
	AddrTON, AddrNPI byte
	AddressRange     string
}

// ShortMessage is the body of submit_sm and deliver_sm (the same fields in SMPP 3.4).
type ShortMessage struct {
	ServiceType          string
	SourceTON, SourceNPI byte
	Source               string
	DestTON, DestNPI     byte
	Dest                 string
	ESMClass             byte
	ProtocolID           byte
	PriorityFlag         byte
	ScheduleDeliveryTime string
	ValidityPeriod       string
	RegisteredDelivery   byte
	ReplaceIfPresent     byte
	DataCoding           byte
	SMDefaultMsgID       byte
	ShortMessage         []byte
}

// PDU is one decoded SMPP PDU. Which body field is set follows Command.
type PDU struct {
	Command CommandID
	Status  uint32
	Seq     uint32
	Bind    *Bind         // bind_transceiver
	SM      *ShortMessage // submit_sm, deliver_sm
	// SystemID is bind_transceiver_resp's; MessageID is submit_sm_resp's and deliver_sm_resp's.
	SystemID  string
	MessageID string
	TLVs      []TLV
}

// TLV returns the value of the first optional parameter with tag.
func (p *PDU) TLV(tag uint16) ([]byte, bool) {
	for _, t := range p.TLVs {
		if t.Tag == tag {
			return t.Value, true
		}
	}
	return nil, false
}

// C-octet string maximum sizes, NUL included (SMPP 3.4 §4).
const (
	maxSystemID     = 16
	maxPassword     = 9
	maxSystemType   = 13
	maxAddressRange = 41
	maxServiceType  = 6
	maxAddr         = 21
	maxTime         = 17
	maxMessageID    = 65
)

// ReadFrame reads one PDU's bytes (header included) from r. A command_length under 16 or
// over MaxPDULen is ErrFraming, found from the header alone.
func ReadFrame(r io.Reader) ([]byte, error) {
	var h [HeaderLen]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return nil, err
	}
	n := binary.BigEndian.Uint32(h[:4])
	if n < HeaderLen || n > MaxPDULen {
		return nil, fmt.Errorf("%w: %d (command 0x%08X)", ErrFraming, n, binary.BigEndian.Uint32(h[4:8]))
	}
	b := make([]byte, n)
	copy(b, h[:])
	if _, err := io.ReadFull(r, b[HeaderLen:]); err != nil {
		return nil, fmt.Errorf("smpp: PDU cut short after its header: %w", err)
	}
	return b, nil
}

// Decode reads one whole PDU. On a malformed body the header fields of the returned PDU are
// still set, so the caller can answer the sequence number with an error.
func Decode(b []byte) (PDU, error) {
	var p PDU
	if len(b) < HeaderLen {
		return p, fmt.Errorf("%w: %d octets, less than a header", ErrFraming, len(b))
	}
	n := binary.BigEndian.Uint32(b[:4])
	if n < HeaderLen || n > MaxPDULen || int(n) != len(b) {
		return p, fmt.Errorf("%w: command_length %d for %d octets", ErrFraming, n, len(b))
	}
	p.Command = CommandID(binary.BigEndian.Uint32(b[4:8]))
	p.Status = binary.BigEndian.Uint32(b[8:12])
	p.Seq = binary.BigEndian.Uint32(b[12:16])
	r := &reader{b: b[HeaderLen:]}
	var err error
	switch p.Command {
	case BindTransceiver:
		p.Bind, err = r.bind()
	case BindTransceiverResp:
		if r.more() { // an error response may leave the body out
			p.SystemID, err = r.cstring(maxSystemID, "system_id")
		}
	case SubmitSM, DeliverSM:
		p.SM, err = r.shortMessage()
	case SubmitSMResp, DeliverSMResp:
		if r.more() {
			p.MessageID, err = r.cstring(maxMessageID, "message_id")
		}
	case GenericNack, Unbind, UnbindResp, EnquireLink, EnquireLinkResp:
	default:
		return p, fmt.Errorf("%w: unknown command_id 0x%08X", ErrMalformed, uint32(p.Command))
	}
	if err != nil {
		return p, fmt.Errorf("%s: %w", p.Command, err)
	}
	if p.TLVs, err = r.tlvs(); err != nil {
		return p, fmt.Errorf("%s: %w", p.Command, err)
	}
	return p, nil
}

type reader struct {
	b   []byte
	off int
}

func (r *reader) more() bool { return r.off < len(r.b) }

func (r *reader) byte(what string) (byte, error) {
	if r.off >= len(r.b) {
		return 0, fmt.Errorf("%w: ends before %s", ErrMalformed, what)
	}
	r.off++
	return r.b[r.off-1], nil
}

// cstring reads a NUL-terminated string of at most max octets, NUL included.
func (r *reader) cstring(max int, what string) (string, error) {
	for i := r.off; i < len(r.b) && i-r.off < max; i++ {
		if r.b[i] == 0 {
			s := string(r.b[r.off:i])
			r.off = i + 1
			return s, nil
		}
	}
	if len(r.b)-r.off < max {
		return "", fmt.Errorf("%w: %s has no terminating NUL", ErrMalformed, what)
	}
	return "", fmt.Errorf("%w: %s longer than %d octets", ErrMalformed, what, max-1)
}

func (r *reader) bytes(n int, what string) ([]byte, error) {
	if n > len(r.b)-r.off {
		return nil, fmt.Errorf("%w: %s says %d octets, %d left", ErrMalformed, what, n, len(r.b)-r.off)
	}
	out := append([]byte(nil), r.b[r.off:r.off+n]...)
	r.off += n
	return out, nil
}

func (r *reader) bind() (*Bind, error) {
	var b Bind
	var err error
	if b.SystemID, err = r.cstring(maxSystemID, "system_id"); err != nil {
		return nil, err
	}
	if b.Password, err = r.cstring(maxPassword, "password"); err != nil {
		return nil, err
	}
	if b.SystemType, err = r.cstring(maxSystemType, "system_type"); err != nil {
		return nil, err
	}
	for _, f := range []struct {
		p    *byte
		what string
	}{{&b.InterfaceVersion, "interface_version"}, {&b.AddrTON, "addr_ton"}, {&b.AddrNPI, "addr_npi"}} {
		if *f.p, err = r.byte(f.what); err != nil {
			return nil, err
		}
	}
	if b.AddressRange, err = r.cstring(maxAddressRange, "address_range"); err != nil {
		return nil, err
	}
	return &b, nil
}

func (r *reader) shortMessage() (*ShortMessage, error) {
	var m ShortMessage
	type field struct {
		s    *string
		b    *byte
		max  int
		what string
	}
	fields := []field{
		{s: &m.ServiceType, max: maxServiceType, what: "service_type"},
		{b: &m.SourceTON, what: "source_addr_ton"},
		{b: &m.SourceNPI, what: "source_addr_npi"},
		{s: &m.Source, max: maxAddr, what: "source_addr"},
		{b: &m.DestTON, what: "dest_addr_ton"},
		{b: &m.DestNPI, what: "dest_addr_npi"},
		{s: &m.Dest, max: maxAddr, what: "destination_addr"},
		{b: &m.ESMClass, what: "esm_class"},
		{b: &m.ProtocolID, what: "protocol_id"},
		{b: &m.PriorityFlag, what: "priority_flag"},
		{s: &m.ScheduleDeliveryTime, max: maxTime, what: "schedule_delivery_time"},
		{s: &m.ValidityPeriod, max: maxTime, what: "validity_period"},
		{b: &m.RegisteredDelivery, what: "registered_delivery"},
		{b: &m.ReplaceIfPresent, what: "replace_if_present_flag"},
		{b: &m.DataCoding, what: "data_coding"},
		{b: &m.SMDefaultMsgID, what: "sm_default_msg_id"},
	}
	var err error
	for _, f := range fields {
		if f.s != nil {
			*f.s, err = r.cstring(f.max, f.what)
		} else {
			*f.b, err = r.byte(f.what)
		}
		if err != nil {
			return nil, err
		}
	}
	n, err := r.byte("sm_length")
	if err != nil {
		return nil, err
	}
	if n > 254 {
		return nil, fmt.Errorf("%w: sm_length %d is more than 254", ErrMalformed, n)
	}
	if m.ShortMessage, err = r.bytes(int(n), "sm_length"); err != nil {
		return nil, err
	}
	return &m, nil
}

func (r *reader) tlvs() ([]TLV, error) {
	var out []TLV
	for r.more() {
		if len(r.b)-r.off < 4 {
			return nil, fmt.Errorf("%w: %d stray octets where an optional parameter should start", ErrMalformed, len(r.b)-r.off)
		}
		tag := binary.BigEndian.Uint16(r.b[r.off:])
		n := int(binary.BigEndian.Uint16(r.b[r.off+2:]))
		r.off += 4
		v, err := r.bytes(n, fmt.Sprintf("optional parameter 0x%04X", tag))
		if err != nil {
			return nil, err
		}
		out = append(out, TLV{Tag: tag, Value: v})
	}
	return out, nil
}

// Encode writes p as bytes, header included. A string too long for its field, or holding a
// NUL, is an error (never silently cut).
func Encode(p PDU) ([]byte, error) {
	w := &writer{b: make([]byte, HeaderLen, 64)}
	switch p.Command {
	case BindTransceiver:
		if p.Bind == nil {
			return nil, fmt.Errorf("smpp: %s without a body", p.Command)
		}
		b := p.Bind
		w.cstring(b.SystemID, maxSystemID, "system_id")
		w.cstring(b.Password, maxPassword, "password")
		w.cstring(b.SystemType, maxSystemType, "system_type")
		w.b = append(w.b, b.InterfaceVersion, b.AddrTON, b.AddrNPI)
		w.cstring(b.AddressRange, maxAddressRange, "address_range")
	case BindTransceiverResp:
		w.cstring(p.SystemID, maxSystemID, "system_id")
	case SubmitSM, DeliverSM:
		if p.SM == nil {
			return nil, fmt.Errorf("smpp: %s without a body", p.Command)
		}
		m := p.SM
		w.cstring(m.ServiceType, maxServiceType, "service_type")
		w.b = append(w.b, m.SourceTON, m.SourceNPI)
		w.cstring(m.Source, maxAddr, "source_addr")
		w.b = append(w.b, m.DestTON, m.DestNPI)
		w.cstring(m.Dest, maxAddr, "destination_addr")
		w.b = append(w.b, m.ESMClass, m.ProtocolID, m.PriorityFlag)
		w.cstring(m.ScheduleDeliveryTime, maxTime, "schedule_delivery_time")
		w.cstring(m.ValidityPeriod, maxTime, "validity_period")
		w.b = append(w.b, m.RegisteredDelivery, m.ReplaceIfPresent, m.DataCoding, m.SMDefaultMsgID)
		if len(m.ShortMessage) > 254 && w.err == nil {
			w.err = fmt.Errorf("smpp: short_message of %d octets is more than 254 (use message_payload)", len(m.ShortMessage))
		}
		w.b = append(w.b, byte(len(m.ShortMessage)))
		w.b = append(w.b, m.ShortMessage...)
	case SubmitSMResp, DeliverSMResp:
		w.cstring(p.MessageID, maxMessageID, "message_id")
	case GenericNack, Unbind, UnbindResp, EnquireLink, EnquireLinkResp:
	default:
		return nil, fmt.Errorf("smpp: cannot encode command_id 0x%08X", uint32(p.Command))
	}
	for _, t := range p.TLVs {
		if len(t.Value) > 0xFFFF {
			return nil, fmt.Errorf("smpp: optional parameter 0x%04X of %d octets is too long", t.Tag, len(t.Value))
		}
		w.b = binary.BigEndian.AppendUint16(w.b, t.Tag)
		w.b = binary.BigEndian.AppendUint16(w.b, uint16(len(t.Value)))
		w.b = append(w.b, t.Value...)
	}
	if w.err != nil {
		return nil, w.err
	}
	if len(w.b) > MaxPDULen {
		return nil, fmt.Errorf("smpp: %s of %d octets is more than %d", p.Command, len(w.b), MaxPDULen)
	}
	binary.BigEndian.PutUint32(w.b[0:], uint32(len(w.b)))
	binary.BigEndian.PutUint32(w.b[4:], uint32(p.Command))
	binary.BigEndian.PutUint32(w.b[8:], p.Status)
	binary.BigEndian.PutUint32(w.b[12:], p.Seq)
	return w.b, nil
}

type writer struct {
	b   []byte
	err error
}

func (w *writer) cstring(s string, max int, what string) {
	if w.err == nil {
		for i := 0; i < len(s); i++ {
			if s[i] == 0 {
				w.err = fmt.Errorf("smpp: %s holds a NUL", what)
			}
		}
		if len(s) > max-1 {
			w.err = fmt.Errorf("smpp: %s of %d octets is longer than %d", what, len(s), max-1)
		}
	}
	w.b = append(append(w.b, s...), 0)
}
