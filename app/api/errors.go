package api

import (
	"fmt"
	"net/http"
)

// Twilio error codes the API answers with.
const (
	CodeMissingParam   = 20001
	CodeUnauthorized   = 20003
	CodeNotFound       = 20404
	CodeConflict       = 20409
	CodeTooManyReqs    = 20429
	CodeInvalidParam   = 20001 // Twilio answers an invalid value with the same code as a missing one
	CodePageSize       = 20007
	CodeBadRevision    = 81021
	CodeInvalidFlow    = 81022
	CodeFriendlyName   = 20002 // "FriendlyNames must be between 1 and 64 characters long"
	CodeMethodNotAllow = 20004
	CodeInternal       = 20500
)

// Error is Twilio's error body.
type Error struct {
	Code     int            `json:"code"`
	Message  string         `json:"message"`
	MoreInfo string         `json:"more_info"`
	Status   int            `json:"status"`
	Details  map[string]any `json:"details,omitempty"`
}

func (e *Error) Error() string { return fmt.Sprintf("%d %d: %s", e.Status, e.Code, e.Message) }

// apiError builds an error with Twilio's more_info link for the code.
func apiError(status, code int, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), Status: status,
		MoreInfo: fmt.Sprintf("https://www.twilio.com/docs/errors/%d", code)}
}

func (e *Error) with(key string, v any) *Error {
	if e.Details == nil {
		e.Details = map[string]any{}
	}
	e.Details[key] = v
	return e
}

func missing(param string) *Error {
	return apiError(http.StatusBadRequest, CodeMissingParam, "Missing required parameter %s in the post body", param)
}

func notFound(r *http.Request) *Error {
	return apiError(http.StatusNotFound, CodeNotFound, "The requested resource %s was not found", r.URL.Path)
}

func invalid(param, format string, args ...any) *Error {
	return apiError(http.StatusBadRequest, CodeInvalidParam, "Invalid parameter %s: %s", param, fmt.Sprintf(format, args...))
}

func writeError(w http.ResponseWriter, e *Error) {
	if e.Status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Basic realm="Switchboard"`)
	}
	writeJSON(w, e.Status, e)
}
