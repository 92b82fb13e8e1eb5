package schema

// TypeCapturePayments is the Studio type string of the Capture Payments widget.
const TypeCapturePayments = "capture-payments"

// CapturePayments holds the properties of a capture-payments widget: it
// collects card or bank details by keypad and passes them to a Pay connector,
// continuing on the payment's outcome.
type CapturePayments struct {
	Offset           Offset `json:"offset"`
	PaymentConnector string `json:"payment_connector,omitempty"`
	// PaymentAmount is a decimal amount written as a string.
	PaymentAmount string `json:"payment_amount,omitempty"`
	Currency      string `json:"currency,omitempty"`
	Description   string `json:"description,omitempty"`
	Language      string `json:"language,omitempty"`
	// Timeout is the seconds to wait for the next keypress (default 5).
	Timeout Scalar `json:"timeout,omitempty"`
	// MaxAttempts is how often the caller may retry (default 2).
	MaxAttempts Scalar `json:"max_attempts,omitempty"`
	// SecurityCode asks for the card security code (a JSON boolean, default true).
	SecurityCode Scalar `json:"security_code,omitempty"`
	// PostalCode is "true", "false" or a fixed postal code, always a string.
	PostalCode          string `json:"postal_code,omitempty"`
	MinPostalCodeLength Scalar `json:"min_postal_code_length,omitempty"`
	// PaymentTokenType is one-time or reusable.
	PaymentTokenType string `json:"payment_token_type,omitempty"`
	// PaymentMethod is CREDIT_CARD or ACH_DEBIT.
	PaymentMethod   string `json:"payment_method,omitempty"`
	BankAccountType string `json:"bank_account_type,omitempty"`
	// ValidCardTypes are card brands such as visa or master-card.
	ValidCardTypes []string   `json:"valid_card_types,omitempty"`
	Parameters     []KeyValue `json:"parameters,omitempty"`
}

func init() { registerProperties(TypeCapturePayments, func() any { return new(CapturePayments) }) }
