// Package conditions evaluates the condition types of Studio's Split Based
// On... widget (split-based-on): equal_to, matches_any_of, regex, less_than,
// is_before_time and the rest, seventeen in all.
//
// The package works on plain strings. The engine renders the widget's input
// (the subject) and the condition's value through Liquid first and then calls
// Evaluate; nothing here knows about flows, Liquid, clocks or time zones.
//
// # Rules shared by every type
//
// Leading and trailing white space (Unicode) is cut from both the subject and
// the value before anything else. Text comparisons ignore case using Unicode
// simple case folding, so "TRÊS" equals "três"; the full folds of a few
// letters (ß against "ss") and Unicode normalisation (a precomposed letter
// against letter plus combining mark) are not applied. Invalid UTF-8 bytes
// are compared as U+FFFD.
//
// A type string must be one of the seventeen exactly (case and spacing
// count); anything else yields ErrUnknownType.
//
// Errors say the value cannot be an operand of the type (ErrBadValue) or the
// type is unknown (ErrUnknownType). They never depend on the subject: a
// subject that is not a number, time or date simply does not match. When
// Evaluate returns an error the result is always false, so a broken
// condition behaves as "no match" and the engine can log why. CheckValue
// reports the same errors without a subject, for validating a flow before it
// runs (skip values that contain Liquid; they are only known at run time).
//
// # Text types
//
//   - equal_to / not_equal_to: the whole texts are compared. The comparison is
//     textual, so "1.0" is not equal to "1". Two blank strings are equal.
//   - matches_any_of / does_not_match_any_of: the value is split on commas,
//     each item is trimmed, and empty items are dropped, so "yes, Yes ,yes,"
//     is the list [yes Yes yes]. The subject matches when it equals one item
//     (as equal_to would). A list with no items matches nothing, not even a
//     blank subject. There is no way to put a comma inside an item.
//   - contains / does_not_contain and starts_with / does_not_start_with:
//     substring and prefix tests after trimming and folding. An empty value is
//     contained in, and a prefix of, every subject.
//   - is_blank / is_not_blank: the subject is empty once trimmed. The value is
//     ignored (Studio's Console fills it with a label such as "Is Blank").
//
// Each does_not_* / not_* type is the exact negation of its positive twin,
// and is_not_blank of is_blank.
//
// # regex
//
// The value is a Go (RE2) regular expression, written without slashes. It
// must match the whole trimmed subject, and letters match either case: the
// expression is checked on its own and then run as (?i)\A(?:value)\z, so
// authors may still write their own ^...$ or (?i) without harm, and a value
// such as "a)|(b" is rejected instead of escaping the anchors. Flags set
// inside the value apply inside it, so (?-i) restores case sensitivity and
// (?s) lets "." match a newline (it does not by default, which matters for
// multi-line SMS bodies). RE2 has no back-references or look-around; such a
// value, or any value that does not compile, is ErrBadValue. A backslash is
// a regex backslash: a value stored in JSON as "\\d" is the regex \d, while
// one stored as "\\\\d" is a literal backslash followed by d.
//
// # less_than and greater_than
//
// Both sides must be plain decimal numbers: an optional sign, ASCII digits
// with at most one decimal point, and an optional exponent, as in "12",
// "+3", "-2", "12.5", ".5", "5." and "1e3". Anything else is not a number:
// thousands separators ("1,000", also because the comma is the decimal mark
// in many locales), "1 000", "0x10", "1_000", currency signs, "Inf" and
// "NaN". The comparison is exact decimal arithmetic, not float64, so long
// digit strings such as account numbers compare correctly; -0 equals 0.
// Exponents are limited to nine digits. A non-number subject is simply false
// for both types; a non-number value is ErrBadValue. Equal numbers are
// neither less nor greater.
//
// # Times and dates
//
// is_before_time / is_after_time compare clock times at minute precision;
// is_before_date / is_after_date compare calendar days. Both are strict
// comparisons: the same minute (or day) is neither before nor after.
//
// The value must be exactly HH:MM, zero-padded, 24-hour, 00:00 to 23:59, or
// exactly YYYY-MM-DD naming a real day (2023-02-29 is rejected). Anything
// else is ErrBadValue.
//
// The subject is whatever the engine rendered, typically the current time
// through a Liquid date filter such as {{ 'now' | date: '%H:%M' }}. It is read
// leniently, from its start:
//
//   - a time is H:MM or HH:MM, optionally followed by :SS and a fraction,
//     which are dropped (17:00:59 is the minute 17:00, so it is not after
//     17:00; this keeps "%H:%M" and "%H:%M:%S" renderings of the same moment
//     in agreement). A following AM or PM (any case, dots allowed, as from
//     '%I:%M %p') turns a 12-hour reading into 24-hour; with AM/PM the hour
//     must be 1 to 12. A leading date followed by "T" or spaces is skipped,
//     so "2024-01-02T17:00:00Z" and "2024-01-02 17:00" give 17:00.
//   - a date is a four-digit year, month and day separated by "-" (or all
//     by "/"), the month and day having one or two digits; whatever follows a
//     non-digit is dropped, so "2024-01-02T10:00:00Z" and "2024-01-02 10:00"
//     give 2024-01-02.
//   - text after the time or date (a zone such as "Z", "+02:00" or "PST") is
//     ignored; no time-zone conversion happens. The engine must render the
//     subject in the zone the flow means.
//
// A subject that does not start with a time (or date) matches neither
// type of its pair.
package conditions
