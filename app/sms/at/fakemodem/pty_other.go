//go:build !linux

package fakemodem

import (
	"errors"
	"fmt"
	"os"
)

// The fake modem lives on a Linux pseudo-terminal; elsewhere (Windows has
// no ptys) New fails with errors.ErrUnsupported and the modem tests skip or
// fail there, while the package still compiles for `go vet`.

const oNoCTTY = 0

func pollable(f *os.File) (*os.File, error) {
	f.Close()
	return nil, fmt.Errorf("fakemodem: pseudo-terminals: %w", errors.ErrUnsupported)
}

func makeRaw(*os.File) error {
	return fmt.Errorf("fakemodem: raw terminal mode: %w", errors.ErrUnsupported)
}
