// Package pdu encodes and decodes SMS PDUs (3GPP TS 23.040, alphabets per TS 23.038) as
// GSM/LTE modems exchange them in PDU mode (AT+CMGF=0). It is our own code: no Go library for
// this is served here. It knows nothing of serial ports or AT commands (that is app/sms/at).
//
// # What it does
//
//   - Alphabets: the GSM 7-bit default alphabet and its extension table (€ [ ] { } \ ^ ~ | and
//     form feed, two septets each after the escape 0x1B), septets packed with the fill bits a
//     user data header needs; UCS-2 as UTF-16BE (an emoji is a surrogate pair, two units);
//     8-bit data as bytes. ChooseCoding picks GSM7 when every character is in the alphabet or
//     its extension, else UCS2.
//   - Addresses: international (0x91, shown with +), unknown/national (0x81), alphanumeric
//     originators (0xD0, 7-bit packed); semi-octets with the F filler.
//   - SMS-SUBMIT: Submit.Encode / EncodeHex, with or without an SMSC prefix (empty SMSC is
//     written 00, the modem's own), status report request, relative validity, message
//     reference. EncodeHex returns the hex to send after the "> " prompt and the length for
//     AT+CMGS=<n>, which excludes the SMSC field.
//   - Decode / DecodeHex read what +CMGR, +CMGL, +CMT and +CDS give (SMSC field first):
//     SMS-DELIVER (originator, SCTS with its time zone in quarter hours, PID, DCS and class,
//     UDH), SMS-STATUS-REPORT (message reference, recipient, times, TP-ST classified by
//     Outcome as delivered / pending / failed) and SMS-SUBMIT (for the fake modem and tests).
//     Deliver and StatusReport also encode, so a fake modem can store and report them.
//   - Long messages: Split(text, ref) gives one part, or parts of 153 septets / 67 UCS-2 units
//     with the 8-bit reference concatenation header (05 00 03 ref total seq); an escape
//     sequence or a surrogate pair is never cut across parts; at most 255 parts.
//   - Reassembler puts received parts together, keyed by originator, reference (8- or 16-bit)
//     and total: any order; duplicates dropped (also a late copy of a part of a message completed
//     within the timeout, recognised by its identical text); a concatenation IE the spec says to
//     ignore (seq 0 or past the total) delivers the part as a message of its own.
//
// # Parts that never come: delivered, marked
//
// Expire(now), called by the receiver every minute or so, returns each message whose first
// part came more than Timeout (default 10 minutes, gammu's MultipartTimeout) ago, with
// Complete false, Missing listing the absent sequence numbers and MissingMarker ("[…]") in
// the text where they belong. We deliver rather than drop: the sender's words that did arrive
// are not ours to lose, and a reader sees plainly that something is missing. The same happens
// early when the bounds are reached (MaxPending incomplete messages, default 256; MaxPartsHeld
// parts, default 4096): Add returns the oldest incomplete message with its marker. A part that
// arrives after its message expired starts a new pending message and expires in its turn.
//
// # Errors
//
// No input makes a decoder panic (FuzzDecode). Garbage, truncated PDUs and lengths that
// disagree with the data give errors wrapping ErrTruncated or ErrMalformed and naming the
// field. Two things are read leniently because failing would lose a message for no good
// reason: an unreadable time stamp reads as the zero time, and a type-of-address without its
// always-one bit 7 is normalised. Compressed text (DCS bit 5) is refused as ErrMalformed.
//
// # Tests
//
// testdata/golden.json holds PDUs generated once with Debian's python3-gammu by
// testdata/gen_golden.py (the script's header says how); the tests need no gammu. Our SUBMIT
// TPDUs equal gammu's byte for byte (the whole PDU when an SMSC is set; gammu writes an empty
// SMSC as 01 81 where we write 00), and DELIVER and STATUS-REPORT PDUs decode to what gammu
// decoded and re-encode to the same bytes.
package pdu
