package liquid

import (
	"errors"
	"math"
	"strconv"
	"strings"
	"time"
)

// toTime converts a date filter input to a time. It understands "now" and
// "today" (the engine's clock), Unix seconds (numbers or digit strings),
// time.Time, and the common textual forms (RFC 3339 / ISO 8601, RFC 1123 and
// 2822 as in HTTP and Twilio headers, "2006-01-02 15:04:05", "Jan 2, 2006",
// "01/02/2006", "15:04" for today at that time …). Text without a zone is
// read in loc; text with a zone or offset keeps it (as Ruby's Time.parse
// does). ok is false when the input is not a date.
func toTime(v any, loc *time.Location, now func() time.Time) (time.Time, bool) {
	switch t := v.(type) {
	case time.Time:
		return t, true
	case nil, bool:
		return time.Time{}, false
	case string:
		return parseTime(strings.TrimSpace(t), loc, now)
	}
	if isNumber(v) {
		n := toNum(v)
		if n.isFloat {
			if math.IsNaN(n.f) || math.IsInf(n.f, 0) || math.Abs(n.f) > 1e12 {
				return time.Time{}, false
			}
			sec, frac := math.Modf(n.f)
			return time.Unix(int64(sec), int64(frac*1e9)).In(loc), true
		}
		return time.Unix(int64(n.i), 0).In(loc), true
	}
	return time.Time{}, false
}

var dateLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05",
	"2006-01-02T15:04",
	"2006-01-02 15:04:05Z07:00",
	"2006-01-02 15:04:05 -0700",
	"2006-01-02 15:04:05 -07:00",
	"2006-01-02 15:04:05 MST",
	"2006-01-02 15:04:05",
	"2006-01-02 15:04",
	"2006-01-02",
	"20060102T150405Z",
	"20060102",
	time.RFC1123Z,
	time.RFC1123,
	"Mon, 2 Jan 2006 15:04:05 -0700",
	"Mon, 2 Jan 2006 15:04:05 MST",
	"2 Jan 2006 15:04:05 -0700",
	time.RFC850,
	time.RFC822Z,
	time.RFC822,
	time.RubyDate,
	time.UnixDate,
	time.ANSIC,
	"Mon Jan _2 15:04:05 -0700 2006",
	"January 2, 2006 15:04:05",
	"January 2, 2006 3:04 PM",
	"January 2, 2006",
	"January 2 2006",
	"Jan 2, 2006 15:04:05",
	"Jan 2, 2006 3:04 PM",
	"Jan 2, 2006",
	"Jan 2 2006",
	"2 January 2006",
	"2 Jan 2006",
	"01/02/2006 15:04:05",
	"01/02/2006 15:04",
	"01/02/2006",
	"2006/01/02 15:04:05",
	"2006/01/02",
}

var clockLayouts = []string{"15:04:05", "15:04", "3:04 PM", "3:04PM", "3:04:05 PM"}

func parseTime(s string, loc *time.Location, now func() time.Time) (time.Time, bool) {
	if s == "" {
		return time.Time{}, false
	}
	switch strings.ToLower(s) {
	case "now", "today":
		return now().In(loc), true
	}
	if allDigits(s) || (s[0] == '-' && allDigits(s[1:])) {
		if n, err := strconv.ParseInt(s, 10, 64); err == nil && n > -1e12 && n < 1e12 {
			return time.Unix(n, 0).In(loc), true
		}
		return time.Time{}, false
	}
	for _, layout := range dateLayouts {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, true
		}
	}
	for _, layout := range clockLayouts {
		if t, err := time.ParseInLocation(layout, strings.ToUpper(s), loc); err == nil {
			y, m, d := now().In(loc).Date()
			return time.Date(y, m, d, t.Hour(), t.Minute(), t.Second(), 0, loc), true
		}
	}
	return time.Time{}, false
}

var errDateTooLong = errors.New("date format builds too long a string")

// strftime formats t the way Ruby's Time#strftime does, for the directives
// Studio documents and the rest of the common set:
//
//	%a %A %b %B %h %c %C %d %D %e %F %G %g %H %I %j %k %l %L %m %M %n %N %p %P
//	%r %R %s %S %t %T %u %U %V %w %W %x %X %y %Y %z %:z %Z %%
//
// Flags: "-" (no padding), "_" (pad with spaces), "0" (pad with zeros), "^"
// (upper case), "#" (swap case); an optional width follows. An unknown
// directive is copied as written. limit bounds the output (< 0: none).
func strftime(format string, t time.Time, limit int) (string, error) {
	var b strings.Builder
	for i := 0; i < len(format); i++ {
		if limit >= 0 && b.Len() > limit {
			return "", errDateTooLong
		}
		c := format[i]
		if c != '%' || i+1 == len(format) {
			b.WriteByte(c)
			continue
		}
		start := i
		i++
		var pad byte // 0: default for the directive
		upper, swap := false, false
	flags:
		for ; i < len(format); i++ {
			switch format[i] {
			case '-':
				pad = '-'
			case '_':
				pad = ' '
			case '0':
				pad = '0'
			case '^':
				upper = true
			case '#':
				swap = true
			default:
				break flags
			}
		}
		width := 0
		for ; i < len(format) && format[i] >= '0' && format[i] <= '9'; i++ {
			if width < 1000 {
				width = width*10 + int(format[i]-'0')
			}
		}
		colon := false
		if i < len(format) && format[i] == ':' {
			colon = true
			i++
		}
		if i >= len(format) {
			b.WriteString(format[start:])
			break
		}
		if limit >= 0 && width > limit {
			return "", errDateTooLong
		}
		s, numeric, defPad, defWidth, ok := directive(format[i], t, colon, width)
		if !ok {
			b.WriteString(format[start : i+1])
			continue
		}
		if upper {
			s = strings.ToUpper(s)
		} else if swap {
			s = swapCase(s)
		}
		w := defWidth
		if width > 0 {
			w = width
		}
		p := defPad
		switch pad {
		case '-':
			w = 0
		case ' ', '0':
			p = pad
		}
		if numeric && pad == '-' {
			s = strings.TrimLeft(s, "0")
			if s == "" {
				s = "0"
			}
		}
		if n := len(s); n < w {
			if numeric && strings.HasPrefix(s, "-") && p == '0' {
				s = "-" + strings.Repeat("0", w-n) + s[1:]
			} else {
				s = strings.Repeat(string(p), w-n) + s
			}
		}
		b.WriteString(s)
	}
	if limit >= 0 && b.Len() > limit {
		return "", errDateTooLong
	}
	return b.String(), nil
}

// directive returns the unpadded text for one conversion, whether it is
// numeric, and its default padding and width.
func directive(c byte, t time.Time, colon bool, width int) (s string, numeric bool, pad byte, w int, ok bool) {
	itoa := strconv.Itoa
	switch c {
	case 'a':
		return t.Weekday().String()[:3], false, ' ', 0, true
	case 'A':
		return t.Weekday().String(), false, ' ', 0, true
	case 'b', 'h':
		return t.Month().String()[:3], false, ' ', 0, true
	case 'B':
		return t.Month().String(), false, ' ', 0, true
	case 'c':
		s, _ := strftime("%a %b %e %H:%M:%S %Y", t, -1)
		return s, false, ' ', 0, true
	case 'C':
		return itoa(t.Year() / 100), true, '0', 2, true
	case 'd':
		return itoa(t.Day()), true, '0', 2, true
	case 'D', 'x':
		s, _ := strftime("%m/%d/%y", t, -1)
		return s, false, ' ', 0, true
	case 'e':
		return itoa(t.Day()), true, ' ', 2, true
	case 'F':
		s, _ := strftime("%Y-%m-%d", t, -1)
		return s, false, ' ', 0, true
	case 'G':
		y, _ := t.ISOWeek()
		return itoa(y), true, '0', 4, true
	case 'g':
		y, _ := t.ISOWeek()
		return itoa(y % 100), true, '0', 2, true
	case 'H':
		return itoa(t.Hour()), true, '0', 2, true
	case 'I':
		return itoa(hour12(t)), true, '0', 2, true
	case 'j':
		return itoa(t.YearDay()), true, '0', 3, true
	case 'k':
		return itoa(t.Hour()), true, ' ', 2, true
	case 'l':
		return itoa(hour12(t)), true, ' ', 2, true
	case 'L':
		digits := 3
		if width > 0 {
			digits = width
		}
		return fraction(t, digits), false, '0', 0, true
	case 'm':
		return itoa(int(t.Month())), true, '0', 2, true
	case 'M':
		return itoa(t.Minute()), true, '0', 2, true
	case 'n':
		return "\n", false, ' ', 0, true
	case 'N':
		digits := 9
		if width > 0 {
			digits = width
		}
		return fraction(t, digits), false, '0', 0, true
	case 'p':
		if t.Hour() < 12 {
			return "AM", false, ' ', 0, true
		}
		return "PM", false, ' ', 0, true
	case 'P':
		if t.Hour() < 12 {
			return "am", false, ' ', 0, true
		}
		return "pm", false, ' ', 0, true
	case 'r':
		s, _ := strftime("%I:%M:%S %p", t, -1)
		return s, false, ' ', 0, true
	case 'R':
		s, _ := strftime("%H:%M", t, -1)
		return s, false, ' ', 0, true
	case 's':
		return strconv.FormatInt(t.Unix(), 10), true, '0', 0, true
	case 'S':
		return itoa(t.Second()), true, '0', 2, true
	case 't':
		return "\t", false, ' ', 0, true
	case 'T', 'X':
		s, _ := strftime("%H:%M:%S", t, -1)
		return s, false, ' ', 0, true
	case 'u':
		wd := int(t.Weekday())
		if wd == 0 {
			wd = 7
		}
		return itoa(wd), true, '0', 1, true
	case 'U':
		return itoa((t.YearDay() + 6 - int(t.Weekday())) / 7), true, '0', 2, true
	case 'V':
		_, wk := t.ISOWeek()
		return itoa(wk), true, '0', 2, true
	case 'w':
		return itoa(int(t.Weekday())), true, '0', 1, true
	case 'W':
		return itoa((t.YearDay() + 6 - (int(t.Weekday())+6)%7) / 7), true, '0', 2, true
	case 'y':
		return itoa(t.Year() % 100), true, '0', 2, true
	case 'Y':
		return itoa(t.Year()), true, '0', 0, true
	case 'z':
		_, off := t.Zone()
		sign := '+'
		if off < 0 {
			sign, off = '-', -off
		}
		h, m := off/3600, off%3600/60
		sep := ""
		if colon {
			sep = ":"
		}
		return string(sign) + pad2(h) + sep + pad2(m), false, ' ', 0, true
	case 'Z':
		name, _ := t.Zone()
		if name == "" {
			name = t.Format("-0700")
		}
		return name, false, ' ', 0, true
	case '%':
		return "%", false, ' ', 0, true
	}
	return "", false, 0, 0, false
}

func hour12(t time.Time) int {
	h := t.Hour() % 12
	if h == 0 {
		h = 12
	}
	return h
}

func pad2(n int) string {
	if n < 10 {
		return "0" + strconv.Itoa(n)
	}
	return strconv.Itoa(n)
}

// fraction returns the first digits of the second's fraction.
func fraction(t time.Time, digits int) string {
	s := strconv.Itoa(t.Nanosecond())
	s = strings.Repeat("0", 9-len(s)) + s
	if digits <= 9 {
		return s[:digits]
	}
	return s + strings.Repeat("0", digits-9)
}

func swapCase(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z':
			return r - 'a' + 'A'
		case r >= 'A' && r <= 'Z':
			return r - 'A' + 'a'
		}
		return r
	}, s)
}
