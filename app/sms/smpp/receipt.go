package smpp

import (
	"strconv"
	"strings"
	"time"

	"github.com/switchboard/switchboard/app/sms"
)

// Receipt is a delivery receipt read from a deliver_sm: the text SMPP 3.4 Appendix B
// suggests ("id:… sub:… dlvrd:… submit date:… done date:… stat:… err:… text:…") and the
// receipted_message_id / message_state TLVs, the TLVs winning where both are present.
type Receipt struct {
	ID       string
	Stat     string // DELIVRD, UNDELIV, EXPIRED, DELETED, REJECTD, ACCEPTD, ENROUTE, UNKNOWN
	Err      string
	DoneDate time.Time
}

// message_state values (SMPP 3.4 §5.3.2.35) as the receipt's stat words.
var messageStates = map[byte]string{
	1: "ENROUTE", 2: "DELIVRD", 3: "EXPIRED", 4: "DELETED", 5: "UNDELIV", 6: "ACCEPTD", 7: "UNKNOWN", 8: "REJECTD",
}

// receiptFields are the keys of the receipt text, in the order SMSCs write them.
var receiptFields = []string{"id:", "sub:", "dlvrd:", "submit date:", "done date:", "stat:", "err:", "text:"}

// parseReceiptText reads the receipt text leniently: keys in any case, in any order, some
// missing; each value runs to the next key. text: is last and may hold anything.
func parseReceiptText(s string) map[string]string {
	lower := strings.ToLower(s)
	type at struct {
		key      string
		pos, end int
	}
	var found []at
	for _, k := range receiptFields {
		from := 0
		for {
			i := strings.Index(lower[from:], k)
			if i < 0 {
				break
			}
			i += from
			// a key starts the text or follows a space ("submit date:" holds "date:")
			if i == 0 || lower[i-1] == ' ' {
				found = append(found, at{k, i, i + len(k)})
				break
			}
			from = i + 1
		}
	}
	out := map[string]string{}
	for _, f := range found {
		end := len(s)
		if f.key != "text:" {
			for _, g := range found {
				if g.pos > f.pos && g.pos < end {
					end = g.pos
				}
			}
		}
		out[strings.TrimSuffix(f.key, ":")] = strings.TrimSpace(s[f.end:end])
	}
	return out
}

// parseReceipt reads a receipt deliver_sm; ok is false when it names no message id.
func parseReceipt(p *PDU, text string) (Receipt, bool) {
	f := parseReceiptText(text)
	r := Receipt{ID: f["id"], Stat: strings.ToUpper(f["stat"]), Err: f["err"]}
	if d := f["done date"]; d != "" {
		for _, layout := range []string{"0601021504", "060102150405"} {
			if t, err := time.Parse(layout, d); err == nil {
				r.DoneDate = t
				break
			}
		}
	}
	if v, ok := p.TLV(TagReceiptedMessageID); ok {
		if id := strings.TrimRight(string(v), "\x00"); id != "" {
			r.ID = id
		}
	}
	if v, ok := p.TLV(TagMessageState); ok && len(v) == 1 {
		if st, ok := messageStates[v[0]]; ok {
			r.Stat = st
		}
	}
	return r, r.ID != ""
}

// Report turns a receipt into the queue's report: Twilio's status words and error codes.
func (r Receipt) Report(now time.Time) sms.Report {
	rep := sms.Report{Ref: r.ID, At: r.DoneDate, Detail: "stat:" + r.Stat}
	if r.Err != "" {
		rep.Detail += " err:" + r.Err
	}
	if rep.At.IsZero() {
		rep.At = now
	}
	switch r.Stat {
	case "DELIVRD":
		rep.Status = "delivered"
	case "UNDELIV":
		rep.Status, rep.ErrorCode = "undelivered", sms.CodeUnreachable
	case "EXPIRED":
		rep.Status, rep.ErrorCode = "undelivered", sms.CodeUnreachable
	case "REJECTD":
		rep.Status, rep.ErrorCode = "failed", sms.CodeFiltered
	case "DELETED":
		rep.Status, rep.ErrorCode = "failed", sms.CodeUnknown
	case "UNKNOWN":
		rep.Status, rep.ErrorCode = "undelivered", sms.CodeUnknown
	default: // ACCEPTD, ENROUTE and words we do not know change nothing final
		rep.Status = "sent"
	}
	if n, err := strconv.Atoi(r.Err); err == nil && n != 0 && rep.Status == "delivered" {
		rep.Detail += " (error on a delivered receipt)"
	}
	return rep
}
