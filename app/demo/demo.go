// Package demo holds the flow that `make run` starts the appliance with: a
// small branch-office IVR (menu, opening hours, voicemail) and an SMS
// auto-reply. It is written for Switchboard; it must validate with no errors
// and no warnings.
package demo

import _ "embed"

// Name is the demo flow's friendly name.
const Name = "Demo IVR"

// Extension is the number that rings the demo flow.
const Extension = "1000"

//go:embed demo-ivr.json
var definition []byte

// Definition returns the demo flow definition (a copy).
func Definition() []byte { return append([]byte(nil), definition...) }
