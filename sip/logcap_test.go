package sip

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"
)

func TestCapHandlerShortensLongValues(t *testing.T) {
	var buf bytes.Buffer
	l := slog.New(capHandler{slog.NewTextHandler(&buf, nil)})
	huge := strings.Repeat("X", 65536)
	l.With("pre", huge).Error(huge, "data", huge, "err", errors.New(huge), "n", 5)
	if buf.Len() > 4*maxLogValue+400 {
		t.Fatalf("log line is %d bytes", buf.Len())
	}
	if !strings.Contains(buf.String(), "truncated") || !strings.Contains(buf.String(), "n=5") {
		t.Fatalf("unexpected line: %s", buf.String())
	}
}
