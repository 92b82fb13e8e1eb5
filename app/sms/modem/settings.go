package modem

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/switchboard/switchboard/app/sms/pdu"
)

// Settings of one modem gateway, as stored and edited on the settings page.
type Settings struct {
	Device        string `json:"device"`
	Baud          int    `json:"baud,omitempty"`
	PIN           string `json:"pin,omitempty"`
	SMSC          string `json:"smsc,omitempty"`
	Storage       string `json:"storage,omitempty"`
	StatusReports *bool  `json:"status_reports,omitempty"`
	SweepSeconds  int    `json:"sweep_seconds,omitempty"`
	HealthSeconds int    `json:"health_seconds,omitempty"`
	Init          string `json:"init,omitempty"`
}

// Defaults.
const (
	defaultBaud    = 115200
	defaultStorage = "SM"
	defaultSweep   = 30
	defaultHealth  = 30
)

var bauds = []int{9600, 19200, 38400, 57600, 115200, 230400, 460800, 921600}

var storages = []string{"SM", "ME", "MT"}

// schema is the settings' JSON Schema; the editor builds its form from it.
const schema = `{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "USB modem",
  "type": "object",
  "additionalProperties": false,
  "required": ["device"],
  "properties": {
    "device": {"type": "string", "minLength": 1, "title": "Device",
      "description": "The modem's serial port. Use its stable name under /dev/serial/by-id/ (for example /dev/serial/by-id/usb-HUAWEI_Mobile-if00-port0): it stays the same when the modem is unplugged and plugged in again, where /dev/ttyUSB0 may change.",
      "examples": ["/dev/serial/by-id/usb-HUAWEI_Technology_HUAWEI_Mobile-if00-port0"]},
    "baud": {"type": "integer", "enum": [9600, 19200, 38400, 57600, 115200, 230400, 460800, 921600], "default": 115200,
      "title": "Speed (baud)", "description": "Serial speed. USB modems ignore it; leave 115200 unless the modem's manual says otherwise."},
    "pin": {"type": "string", "pattern": "^[0-9]{4,8}$", "writeOnly": true, "title": "SIM PIN",
      "description": "Only if the SIM asks for a PIN. It is sent once: if the SIM refuses it, the modem stops as 'blocked' and waits for you to correct it (three wrong tries would lock the SIM)."},
    "smsc": {"type": "string", "pattern": "^\\+?[0-9]{3,20}$", "title": "Message centre number",
      "description": "Leave empty to use the one stored on the SIM. Set it only if your operator told you to (international format, e.g. +447785016005)."},
    "storage": {"type": "string", "enum": ["SM", "ME", "MT"], "default": "SM", "title": "Message storage",
      "description": "Where the modem keeps received messages until Switchboard has saved them: SM is the SIM card (the usual choice), ME the modem's memory, MT both."},
    "status_reports": {"type": "boolean", "default": true, "title": "Ask for delivery reports",
      "description": "Ask the network to confirm delivery of every message, so messages can show 'delivered'."},
    "sweep_seconds": {"type": "integer", "minimum": 5, "maximum": 3600, "default": 30, "title": "Check for missed messages every (seconds)",
      "description": "Besides listening for new-message notices, the modem's storage is read this often, so a message whose notice was lost is still picked up."},
    "health_seconds": {"type": "integer", "minimum": 5, "maximum": 3600, "default": 30, "title": "Check signal and network every (seconds)"},
    "init": {"type": "string", "pattern": "^AT[^\\r\\n\\u001a\\u001b]*$", "title": "Extra set-up command",
      "description": "One AT command sent after the standard set-up, for modems that need it (for example AT^CURC=0 on Huawei sticks). Leave empty if unsure."}
  }
}`

// Secrets are the settings the API never returns.
var secrets = []string{"pin"}

// parseSettings reads and validates raw settings, filling in defaults. It
// opens nothing.
func parseSettings(raw json.RawMessage) (Settings, error) {
	var s Settings
	if len(bytes.TrimSpace(raw)) == 0 {
		return s, errors.New("modem settings: empty; the device is required")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return s, fmt.Errorf("modem settings: %w", err)
	}
	var errs []error
	s.Device = strings.TrimSpace(s.Device)
	switch {
	case s.Device == "":
		errs = append(errs, errors.New("device: required (the modem's serial port, e.g. /dev/serial/by-id/usb-…)"))
	case !strings.HasPrefix(s.Device, "/"):
		errs = append(errs, fmt.Errorf("device: %q is not an absolute path like /dev/serial/by-id/usb-…", s.Device))
	}
	if s.Baud == 0 {
		s.Baud = defaultBaud
	} else if !contains(bauds, s.Baud) {
		errs = append(errs, fmt.Errorf("baud: %d is not one of %v", s.Baud, bauds))
	}
	if s.PIN != "" && !digits(s.PIN, 4, 8) {
		errs = append(errs, errors.New("pin: must be 4 to 8 digits")) // never the PIN itself
	}
	if s.SMSC != "" {
		if _, err := pdu.ParseAddress(s.SMSC); err != nil || !digits(strings.TrimPrefix(s.SMSC, "+"), 3, 20) {
			errs = append(errs, fmt.Errorf("smsc: %q is not a phone number like +447785016005", s.SMSC))
		}
	}
	s.Storage = strings.ToUpper(strings.TrimSpace(s.Storage))
	if s.Storage == "" {
		s.Storage = defaultStorage
	} else if !contains(storages, s.Storage) {
		errs = append(errs, fmt.Errorf("storage: %q is not one of %v", s.Storage, storages))
	}
	if s.StatusReports == nil {
		on := true
		s.StatusReports = &on
	}
	s.SweepSeconds, errs = seconds("sweep_seconds", s.SweepSeconds, defaultSweep, errs)
	s.HealthSeconds, errs = seconds("health_seconds", s.HealthSeconds, defaultHealth, errs)
	s.Init = strings.TrimSpace(s.Init)
	if s.Init != "" && (!strings.HasPrefix(strings.ToUpper(s.Init), "AT") || strings.ContainsAny(s.Init, "\r\n\x1a\x1b")) {
		errs = append(errs, fmt.Errorf("init: %q is not one AT command", s.Init))
	}
	if len(errs) > 0 {
		return s, fmt.Errorf("modem settings: %w", errors.Join(errs...))
	}
	return s, nil
}

func seconds(name string, v, def int, errs []error) (int, []error) {
	switch {
	case v == 0:
		return def, errs
	case v < 5 || v > 3600:
		return v, append(errs, fmt.Errorf("%s: %d is outside 5..3600", name, v))
	}
	return v, errs
}

func contains[T comparable](list []T, v T) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

func digits(s string, min, max int) bool {
	if len(s) < min || len(s) > max {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
