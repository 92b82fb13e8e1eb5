package smpp

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// Settings is the "smpp" kind's settings object (its JSON Schema is settingsSchema).
type Settings struct {
	Host       string `json:"host"`
	Port       int    `json:"port,omitempty"`
	SystemID   string `json:"system_id"`
	Password   string `json:"password,omitempty"`
	SystemType string `json:"system_type,omitempty"`
	// TON/NPI overrides; nil picks by address: international 1/1 for digits, alphanumeric
	// 5/0 for a sender name.
	SourceTON *int `json:"source_ton,omitempty"`
	SourceNPI *int `json:"source_npi,omitempty"`
	DestTON   *int `json:"dest_ton,omitempty"`
	DestNPI   *int `json:"dest_npi,omitempty"`
	Window    int  `json:"window,omitempty"`
	// EnquireLinkSeconds: idle time before a link check.
	EnquireLinkSeconds int `json:"enquire_link_seconds,omitempty"`
	// ResponseTimeoutSeconds: how long a request waits for its response.
	ResponseTimeoutSeconds int     `json:"response_timeout_seconds,omitempty"`
	DataCoding             string  `json:"data_coding,omitempty"` // auto | ucs2 | latin1
	RegisteredDelivery     *bool   `json:"registered_delivery,omitempty"`
	Throughput             float64 `json:"throughput,omitempty"` // submit_sm per second; 0: no limit
}

// Data coding policies.
const (
	CodingAuto   = "auto"   // GSM 7-bit (data_coding 0) when it fits, else UCS-2 (8)
	CodingUCS2   = "ucs2"   // always UCS-2
	CodingLatin1 = "latin1" // Latin-1 (3) when it fits, else UCS-2
)

func (s *Settings) defaults() {
	if s.Port == 0 {
		s.Port = 2775
	}
	if s.Window == 0 {
		s.Window = 10
	}
	if s.EnquireLinkSeconds == 0 {
		s.EnquireLinkSeconds = 30
	}
	if s.ResponseTimeoutSeconds == 0 {
		s.ResponseTimeoutSeconds = 10
	}
	if s.DataCoding == "" {
		s.DataCoding = CodingAuto
	}
	if s.RegisteredDelivery == nil {
		t := true
		s.RegisteredDelivery = &t
	}
}

// parseSettings reads and checks a settings object, defaults filled in. Its errors never
// repeat the password.
func parseSettings(raw json.RawMessage) (Settings, error) {
	var s Settings
	if len(raw) == 0 {
		return s, errors.New("smpp: settings are empty")
	}
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return s, fmt.Errorf("smpp: settings: %w", err)
	}
	s.defaults()
	var errs []error
	if strings.TrimSpace(s.Host) == "" {
		errs = append(errs, errors.New("host is required"))
	}
	if s.Port < 1 || s.Port > 65535 {
		errs = append(errs, fmt.Errorf("port %d is not 1–65535", s.Port))
	}
	if s.SystemID == "" {
		errs = append(errs, errors.New("system_id is required"))
	}
	if len(s.SystemID) > maxSystemID-1 {
		errs = append(errs, fmt.Errorf("system_id is longer than %d characters", maxSystemID-1))
	}
	if len(s.Password) > maxPassword-1 {
		errs = append(errs, fmt.Errorf("password is longer than %d characters (SMPP 3.4 allows 8)", maxPassword-1))
	}
	if len(s.SystemType) > maxSystemType-1 {
		errs = append(errs, fmt.Errorf("system_type is longer than %d characters", maxSystemType-1))
	}
	for _, f := range []struct {
		v    *int
		name string
	}{{s.SourceTON, "source_ton"}, {s.SourceNPI, "source_npi"}, {s.DestTON, "dest_ton"}, {s.DestNPI, "dest_npi"}} {
		if f.v != nil && (*f.v < 0 || *f.v > 255) {
			errs = append(errs, fmt.Errorf("%s %d is not 0–255", f.name, *f.v))
		}
	}
	if s.Window < 1 || s.Window > 1000 {
		errs = append(errs, fmt.Errorf("window %d is not 1–1000", s.Window))
	}
	if s.EnquireLinkSeconds < 1 || s.EnquireLinkSeconds > 3600 {
		errs = append(errs, fmt.Errorf("enquire_link_seconds %d is not 1–3600", s.EnquireLinkSeconds))
	}
	if s.ResponseTimeoutSeconds < 1 || s.ResponseTimeoutSeconds > 300 {
		errs = append(errs, fmt.Errorf("response_timeout_seconds %d is not 1–300", s.ResponseTimeoutSeconds))
	}
	switch s.DataCoding {
	case CodingAuto, CodingUCS2, CodingLatin1:
	default:
		errs = append(errs, fmt.Errorf("data_coding %q is not auto, ucs2 or latin1", s.DataCoding))
	}
	if s.Throughput < 0 || s.Throughput > 10000 {
		errs = append(errs, fmt.Errorf("throughput %g is not 0–10000 per second", s.Throughput))
	}
	if len(errs) > 0 {
		return s, fmt.Errorf("smpp: settings: %w", errors.Join(errs...))
	}
	return s, nil
}

// settingsSchema is the JSON Schema the editor generates its form from.
const settingsSchema = `{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "SMPP 3.4 SMSC",
  "type": "object",
  "additionalProperties": false,
  "required": ["host", "system_id"],
  "properties": {
    "host": {"type": "string", "title": "SMSC host", "description": "Host name or IP address of the SMSC.", "minLength": 1},
    "port": {"type": "integer", "title": "Port", "description": "TCP port of the SMSC.", "default": 2775, "minimum": 1, "maximum": 65535},
    "system_id": {"type": "string", "title": "System ID", "description": "The account name the SMSC gave you (bind system_id).", "minLength": 1, "maxLength": 15},
    "password": {"type": "string", "title": "Password", "description": "The account password (at most 8 characters in SMPP 3.4). Never shown again after saving.", "maxLength": 8, "writeOnly": true},
    "system_type": {"type": "string", "title": "System type", "description": "Only if the SMSC asks for one; usually empty.", "maxLength": 12},
    "source_ton": {"type": "integer", "title": "Sender type of number", "description": "Leave empty to choose by sender: 1 (international) for a phone number, 5 (alphanumeric) for a name.", "minimum": 0, "maximum": 255},
    "source_npi": {"type": "integer", "title": "Sender numbering plan", "description": "Leave empty to choose by sender: 1 (ISDN/E.164) for a phone number, 0 for a name.", "minimum": 0, "maximum": 255},
    "dest_ton": {"type": "integer", "title": "Recipient type of number", "description": "Leave empty for 1 (international, E.164).", "minimum": 0, "maximum": 255},
    "dest_npi": {"type": "integer", "title": "Recipient numbering plan", "description": "Leave empty for 1 (ISDN/E.164).", "minimum": 0, "maximum": 255},
    "window": {"type": "integer", "title": "Window", "description": "Requests sent before their answers come back.", "default": 10, "minimum": 1, "maximum": 1000},
    "enquire_link_seconds": {"type": "integer", "title": "Link check every (seconds)", "description": "After this long without traffic, an enquire_link checks the connection.", "default": 30, "minimum": 1, "maximum": 3600},
    "response_timeout_seconds": {"type": "integer", "title": "Answer timeout (seconds)", "description": "How long to wait for the SMSC to answer a request. A message whose answer never comes is marked as possibly sent, never sent twice.", "default": 10, "minimum": 1, "maximum": 300},
    "data_coding": {"type": "string", "title": "Character set", "description": "auto: GSM 7-bit when every character fits, else UCS-2 (Unicode). ucs2: always Unicode. latin1: ISO-8859-1 when it fits, else UCS-2.", "enum": ["auto", "ucs2", "latin1"], "default": "auto"},
    "registered_delivery": {"type": "boolean", "title": "Ask for delivery receipts", "description": "Request a delivery receipt for every message (registered_delivery 1).", "default": true},
    "throughput": {"type": "number", "title": "Messages per second", "description": "Most submit_sm per second the SMSC allows; empty for no limit.", "minimum": 0, "maximum": 10000}
  }
}`
