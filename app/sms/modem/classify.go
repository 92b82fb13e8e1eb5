package modem

import (
	"errors"
	"fmt"

	"github.com/switchboard/switchboard/app/sms"
	"github.com/switchboard/switchboard/app/sms/at"
)

// class is how a send error is treated: permanent (sending again cannot
// help: the number, a barring, our PDU) or retryable (the modem, the SIM,
// the network, congestion), with Twilio's error code for the callback.
type class struct {
	permanent bool
	code      int
	why       string
}

// cmsClasses classifies +CMS ERROR codes (27.005 §3.2.5; 1–127 are the
// network's RP causes of 24.011 §8.2.5.4, 128–255 the SMSC's TP-FCS of
// 23.040 §9.2.3.22). Codes not listed are retryable (30008).
var cmsClasses = map[int]class{
	// network (RP) causes
	1:  {true, sms.CodeUnknownDestination, "unassigned number"},
	8:  {true, sms.CodeBlocked, "operator determined barring"},
	10: {true, sms.CodeBlocked, "call barred"},
	21: {true, sms.CodeFiltered, "short message transfer rejected"},
	22: {false, sms.CodeQueueOverflow, "memory capacity exceeded at the recipient"},
	27: {false, sms.CodeUnreachable, "destination out of service"},
	28: {true, sms.CodeUnknownDestination, "unidentified subscriber"},
	29: {true, sms.CodeFiltered, "facility rejected"},
	30: {true, sms.CodeUnknownDestination, "unknown subscriber"},
	38: {false, sms.CodeUnknown, "network out of order"},
	41: {false, sms.CodeUnknown, "temporary failure"},
	42: {false, sms.CodeQueueOverflow, "congestion"},
	47: {false, sms.CodeUnknown, "resources unavailable"},
	50: {true, sms.CodeBlocked, "requested facility not subscribed"},
	69: {true, sms.CodeUnknown, "requested facility not implemented"},
	// SMSC (TP-FCS) causes
	128: {true, sms.CodeUnknown, "telematic interworking not supported"},
	144: {true, sms.CodeUnknown, "data coding scheme not supported"},
	176: {true, sms.CodeUnknown, "TPDU not supported"},
	192: {false, sms.CodeQueueOverflow, "message centre busy"},
	193: {true, sms.CodeBlocked, "no message centre subscription"},
	194: {false, sms.CodeUnknown, "message centre system failure"},
	195: {true, sms.CodeInvalidTo, "invalid recipient address"},
	196: {true, sms.CodeBlocked, "recipient barred"},
	197: {true, sms.CodeUnknown, "rejected as a duplicate"},
	198: {true, sms.CodeUnknown, "validity period format not supported"},
	199: {true, sms.CodeUnknown, "validity period not supported"},
	// modem and SIM (27.005)
	300: {false, sms.CodeUnknown, "modem failure"},
	302: {false, sms.CodeUnknown, "operation not allowed"},
	303: {false, sms.CodeUnknown, "operation not supported"},
	304: {true, sms.CodeUnknown, "invalid PDU parameter"},
	305: {true, sms.CodeUnknown, "invalid text parameter"},
	310: {false, sms.CodeUnknown, "SIM not inserted"},
	311: {false, sms.CodeUnknown, "SIM PIN required"},
	313: {false, sms.CodeUnknown, "SIM failure"},
	314: {false, sms.CodeUnknown, "SIM busy"},
	316: {false, sms.CodeUnknown, "SIM PUK required"},
	322: {false, sms.CodeUnknown, "memory full"},
	330: {false, sms.CodeUnknown, "message centre address unknown"},
	331: {false, sms.CodeUnreachable, "no network service"},
	332: {false, sms.CodeUnknown, "network timeout"},
	500: {false, sms.CodeUnknown, "unknown error"},
}

// cmeClasses classifies +CME ERROR codes during a send (27.007 §9.2).
var cmeClasses = map[int]class{
	10: {false, sms.CodeUnknown, "SIM not inserted"},
	11: {false, sms.CodeUnknown, "SIM PIN required"},
	13: {false, sms.CodeUnknown, "SIM failure"},
	14: {false, sms.CodeUnknown, "SIM busy"},
	30: {false, sms.CodeUnreachable, "no network service"},
}

// classify turns an error from AT+CMGS into the Failure the queue acts on
// (Send makes it Uncertain when earlier parts went out already).
func classify(err error) *sms.Failure {
	if errors.Is(err, at.ErrPDUWritten) {
		return &sms.Failure{Uncertain: true, Code: sms.CodeUnknown, Err: fmt.Errorf("the modem took the message and did not answer; it may have been sent: %w", err)}
	}
	c := class{code: sms.CodeUnknown}
	if code, ok := at.CMSCode(err); ok {
		if k, ok := cmsClasses[code]; ok {
			c = k
		} else {
			c.why = "network or modem error"
		}
	} else if code, ok := at.CMECode(err); ok {
		if k, ok := cmeClasses[code]; ok {
			c = k
		}
	}
	if c.why != "" {
		err = fmt.Errorf("%s: %w", c.why, err)
	}
	return &sms.Failure{Permanent: c.permanent, Code: c.code, Err: err}
}
