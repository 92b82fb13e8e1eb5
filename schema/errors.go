package schema

import "errors"

// ErrUnknownWidgetType is returned when a state's type is not a Studio widget type.
var ErrUnknownWidgetType = errors.New("unknown widget type")
