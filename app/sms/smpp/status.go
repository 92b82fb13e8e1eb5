package smpp

import (
	"fmt"
	"time"

	"github.com/switchboard/switchboard/app/sms"
)

// command_status values (SMPP 3.4 §5.1.3) this client names or acts on.
const (
	StatusOK              uint32 = 0x00
	StatusInvMsgLen       uint32 = 0x01
	StatusInvCmdLen       uint32 = 0x02
	StatusInvCmdID        uint32 = 0x03
	StatusInvBindStatus   uint32 = 0x04
	StatusAlreadyBound    uint32 = 0x05
	StatusSysErr          uint32 = 0x08
	StatusInvSrcAddr      uint32 = 0x0A
	StatusInvDstAddr      uint32 = 0x0B
	StatusBindFail        uint32 = 0x0D
	StatusInvPassword     uint32 = 0x0E
	StatusInvSystemID     uint32 = 0x0F
	StatusMsgQueueFull    uint32 = 0x14
	StatusInvESMClass     uint32 = 0x43
	StatusSubmitFail      uint32 = 0x45
	StatusInvSrcTON       uint32 = 0x48
	StatusInvSrcNPI       uint32 = 0x49
	StatusInvDstTON       uint32 = 0x50
	StatusInvDstNPI       uint32 = 0x51
	StatusInvSystemType   uint32 = 0x53
	StatusThrottled       uint32 = 0x58
	StatusInvDataCoding   uint32 = 0x63 // ESME_RINVDFTMSGID in 3.4; kept for the table's sake
	StatusTempAppError    uint32 = 0x64 // ESME_RX_T_APPN: the ESME cannot take it now; redeliver
	StatusPermAppError    uint32 = 0x65
	StatusInvOptParam     uint32 = 0xC4
	StatusDeliveryFailure uint32 = 0xFE
	StatusUnknownErr      uint32 = 0xFF
)

var statusNames = map[uint32]string{
	StatusOK: "ESME_ROK", StatusInvMsgLen: "ESME_RINVMSGLEN", StatusInvCmdLen: "ESME_RINVCMDLEN",
	StatusInvCmdID: "ESME_RINVCMDID", StatusInvBindStatus: "ESME_RINVBNDSTS", StatusAlreadyBound: "ESME_RALYBND",
	StatusSysErr: "ESME_RSYSERR", StatusInvSrcAddr: "ESME_RINVSRCADR", StatusInvDstAddr: "ESME_RINVDSTADR",
	StatusBindFail: "ESME_RBINDFAIL", StatusInvPassword: "ESME_RINVPASWD", StatusInvSystemID: "ESME_RINVSYSID",
	StatusMsgQueueFull: "ESME_RMSGQFUL", StatusInvESMClass: "ESME_RINVESMCLASS", StatusSubmitFail: "ESME_RSUBMITFAIL",
	StatusInvSrcTON: "ESME_RINVSRCTON", StatusInvSrcNPI: "ESME_RINVSRCNPI", StatusInvDstTON: "ESME_RINVDSTTON",
	StatusInvDstNPI: "ESME_RINVDSTNPI", StatusInvSystemType: "ESME_RINVSYSTYP", StatusThrottled: "ESME_RTHROTTLED",
	StatusInvDataCoding: "ESME_RINVDFTMSGID", StatusTempAppError: "ESME_RX_T_APPN", StatusPermAppError: "ESME_RX_P_APPN",
	StatusInvOptParam: "ESME_RINVOPTPARAMVAL", StatusDeliveryFailure: "ESME_RDELIVERYFAILURE", StatusUnknownErr: "ESME_RUNKNOWNERR",
}

// StatusName is the spec's name for a command_status, or its number.
func StatusName(s uint32) string {
	if n, ok := statusNames[s]; ok {
		return fmt.Sprintf("%s (0x%02X)", n, s)
	}
	return fmt.Sprintf("command_status 0x%08X", s)
}

// StatusError is a non-zero command_status in a response.
type StatusError struct {
	Command CommandID
	Status  uint32
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("smpp: %s answered %s", e.Command, StatusName(e.Status))
}

// How long to wait after a throttled or queue-full answer; the SMSC says nothing more
// precise in SMPP 3.4.
const (
	throttleRetryAfter  = 2 * time.Second
	queueFullRetryAfter = 10 * time.Second
)

// classifySubmit turns a submit_sm_resp's non-zero command_status into the queue's failure
// classes. Busy and transient errors are retryable; an answer about the message itself
// (address, length, coding) is permanent, since sending it again gets the same answer.
// A status we do not know is permanent too: retrying blind would repeat it forever.
func classifySubmit(status uint32) *sms.Failure {
	err := &StatusError{Command: SubmitSMResp, Status: status}
	switch status {
	case StatusThrottled:
		return &sms.Failure{Code: sms.CodeQueueOverflow, Err: err, RetryAfter: throttleRetryAfter}
	case StatusMsgQueueFull:
		return &sms.Failure{Code: sms.CodeQueueOverflow, Err: err, RetryAfter: queueFullRetryAfter}
	case StatusSysErr, StatusSubmitFail, StatusUnknownErr, StatusInvBindStatus, StatusTempAppError:
		return &sms.Failure{Code: sms.CodeUnknown, Err: err}
	case StatusInvDstAddr, StatusInvDstTON, StatusInvDstNPI:
		return &sms.Failure{Permanent: true, Code: sms.CodeInvalidTo, Err: err}
	case StatusInvMsgLen:
		return &sms.Failure{Permanent: true, Code: sms.CodeBodyTooLong, Err: err}
	case StatusDeliveryFailure:
		return &sms.Failure{Permanent: true, Code: sms.CodeUnreachable, Err: err}
	}
	return &sms.Failure{Permanent: true, Code: sms.CodeUnknown, Err: err}
}

// bindBlocked says whether a bind refusal needs a person (credentials, account), so the
// gateway waits the longest back-off instead of hammering the SMSC.
func bindBlocked(status uint32) bool {
	switch status {
	case StatusInvPassword, StatusInvSystemID, StatusInvSystemType, StatusBindFail:
		return true
	}
	return false
}
