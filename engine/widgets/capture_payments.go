package widgets

import (
	"context"

	"github.com/switchboard/switchboard/engine"
	"github.com/switchboard/switchboard/schema"
)

// CapturePayments, in Studio, runs Twilio Pay on the call: the caller keys in
// card or bank details, which a Pay connector sends to the payment
// processor to charge an amount or make a token; it continues on success,
// maxFailedAttempts, providerError, payInterrupted, hangup or
// validationError and publishes Result, PaymentToken and the like.
//
// Here there is no Pay service and no connector to a processor, so no
// details are collected: the widget logs a CodeOffline event and follows
// providerError, the event Studio takes when the payment provider cannot be
// used.
type CapturePayments struct{}

func init() { engine.Register(schema.TypeCapturePayments, CapturePayments{}) }

// Enter fails at once through providerError: capture-payments cannot run offline.
func (CapturePayments) Enter(_ context.Context, r *engine.Run) (engine.Outcome, error) {
	return unavailable(r, "providerError", "Twilio Pay (a payment connector)"), nil
}
