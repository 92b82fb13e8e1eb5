// Command switchboard is a local, offline Twilio Studio: the flow editor, the
// Studio v2 REST API, the SIP and SMS channels and the execution engine in one
// binary. Everything lives in app/; this file only embeds the editor's build.
package main

import (
	"embed"
	"os"

	"github.com/switchboard/switchboard/app"
)

//go:embed all:frontend/dist
var assets embed.FS

func main() {
	os.Exit(app.Main(os.Args[1:], assets))
}
