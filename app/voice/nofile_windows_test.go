//go:build windows

package voice

import "testing"

// raiseNoFile: Windows has no open-files limit to raise.
func raiseNoFile(*testing.T) {}
