package smpp

import "time"

// SetBackoff shortens the re-bind back-off for tests; call it before Run.
func SetBackoff(g *Gateway, base, max time.Duration) { g.backoffBase, g.backoffMax = base, max }
