package api

import (
	"fmt"
	"net/http"
	"unicode"
	"unicode/utf8"
)

// maxAddress caps a To or From: E.164 numbers, SIP URIs, client:name and
// e-mail-like addresses all fit with room to spare.
const maxAddress = 256

// maxFriendlyName is Twilio's FriendlyName limit: "FriendlyNames must be
// between 1 and 64 characters long" (https://www.twilio.com/docs/api/errors/20002).
const maxFriendlyName = 64

// textProblem says what makes s unfit as one line of text of at most max
// characters: invalid UTF-8, a control character (C0 such as NUL, CR, LF,
// ESC; DEL; C1) or a line or paragraph separator, or its length. "" is fit.
func textProblem(s string, max int) string {
	if !utf8.ValidString(s) {
		return "is not valid UTF-8"
	}
	n := 0
	for i, r := range s {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return fmt.Sprintf("must not contain control characters or line breaks (%U at byte %d)", r, i)
		}
		n++
	}
	if n > max {
		return fmt.Sprintf("is %d characters long; the most is %d", n, max)
	}
	return ""
}

// checkAddress refuses a To or From that no channel has (400 / 20001).
func checkAddress(param, v string) *Error {
	if p := textProblem(v, maxAddress); p != "" {
		return invalid(param, "%s", p)
	}
	return nil
}

// checkFriendlyName refuses a FriendlyName Twilio would not take (400 / 20002).
func checkFriendlyName(v string) *Error {
	if p := textProblem(v, maxFriendlyName); p != "" {
		return apiError(http.StatusBadRequest, CodeFriendlyName, "Invalid FriendlyName: it %s", p)
	}
	return nil
}
