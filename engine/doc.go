// Package engine runs Studio flows: executions, steps, context, the sprint
// loop and Studio's limits, with one file per widget under engine/widgets.
// It is pure: no sockets, calls, modems or databases. A sprint returns the
// commands the host must perform and what it waits for; the host resumes it
// with an input. It may import schema/, Liquid and the standard library only.
package engine
