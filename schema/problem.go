package schema

import (
	"fmt"
	"strings"
)

// Problem is one finding of Flow Validate, shaped as Studio reports it: a
// message and the JSON pointer of the property at fault
// ("#/states/3/properties/timeout").
type Problem struct {
	Message      string `json:"message"`
	PropertyPath string `json:"property_path"`
}

func (p Problem) String() string { return p.PropertyPath + ": " + p.Message }

// Pointer builds a JSON-pointer property path ("#/states/3/name") from
// tokens; strings and ints are accepted.
func Pointer[T string | int](tokens ...T) string {
	var b strings.Builder
	b.WriteString("#")
	for _, t := range tokens {
		b.WriteByte('/')
		s := fmt.Sprint(t)
		s = strings.ReplaceAll(s, "~", "~0")
		s = strings.ReplaceAll(s, "/", "~1")
		b.WriteString(s)
	}
	return b.String()
}
