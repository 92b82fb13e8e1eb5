package pdu

import (
	"bytes"
	"fmt"
)

// submitDiff describes how a decoded SUBMIT differs from the one encoded ("" when equal).
func submitDiff(want, got *Submit) string {
	if want.SMSC.Number != got.SMSC.Number {
		return fmt.Sprintf("SMSC %q, want %q", got.SMSC.Number, want.SMSC.Number)
	}
	if got.To.Number != want.To.Number || (want.To.Type != 0 && got.To.Type != want.To.Type) {
		return fmt.Sprintf("To %+v, want %+v", got.To, want.To)
	}
	if got.MessageRef != want.MessageRef || got.StatusReport != want.StatusReport || got.RejectDuplicates != want.RejectDuplicates ||
		got.ReplyPath != want.ReplyPath || got.PID != want.PID {
		return fmt.Sprintf("flags %+v, want %+v", got, want)
	}
	if want.Validity > 0 && got.Validity != validityDuration(validityOctet(want.Validity)) || want.Validity <= 0 && got.Validity != 0 {
		return fmt.Sprintf("validity %v for %v", got.Validity, want.Validity)
	}
	if got.Coding != want.Coding || got.Class != want.Class || got.Text != want.Text || !bytes.Equal(got.Data, want.Data) {
		return fmt.Sprintf("user data %+v, want %+v", got.UserData, want.UserData)
	}
	if len(got.Header) != len(want.Header) {
		return fmt.Sprintf("header %v, want %v", got.Header, want.Header)
	}
	for i := range got.Header {
		if got.Header[i].ID != want.Header[i].ID || !bytes.Equal(got.Header[i].Data, want.Header[i].Data) {
			return fmt.Sprintf("header %v, want %v", got.Header, want.Header)
		}
	}
	return ""
}
