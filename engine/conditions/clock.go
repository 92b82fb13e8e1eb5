package conditions

// Times are minutes since midnight; dates are year*10000 + month*100 + day,
// which orders the same way as the calendar.

// strictTime reads a value that must be exactly HH:MM, 00:00 to 23:59.
func strictTime(v string) (int, bool) {
	if len(v) != 5 || v[2] != ':' || !isDigit(v[0]) || !isDigit(v[1]) || !isDigit(v[3]) || !isDigit(v[4]) {
		return 0, false
	}
	h := int(v[0]-'0')*10 + int(v[1]-'0')
	m := int(v[3]-'0')*10 + int(v[4]-'0')
	if h > 23 || m > 59 {
		return 0, false
	}
	return h*60 + m, true
}

// strictDate reads a value that must be exactly YYYY-MM-DD naming a real
// day.
func strictDate(v string) (int, bool) {
	if len(v) != 10 || v[4] != '-' || v[7] != '-' {
		return 0, false
	}
	for _, i := range [...]int{0, 1, 2, 3, 5, 6, 8, 9} {
		if !isDigit(v[i]) {
			return 0, false
		}
	}
	y := atoi(v[0:4])
	m := atoi(v[5:7])
	d := atoi(v[8:10])
	if !validDay(y, m, d) {
		return 0, false
	}
	return y*10000 + m*100 + d, true
}

// leadingDate reads a date at the start of a trimmed subject: a four-digit
// year, then month and day of one or two digits, all separated by '-' or
// all by '/', not followed by another digit. It returns the date and the
// rest of s.
func leadingDate(s string) (int, string, bool) {
	if len(s) < 8 {
		return 0, s, false
	}
	for i := 0; i < 4; i++ {
		if !isDigit(s[i]) {
			return 0, s, false
		}
	}
	sep := s[4]
	if sep != '-' && sep != '/' {
		return 0, s, false
	}
	y := atoi(s[:4])
	m, rest, ok := digits12(s[5:])
	if !ok || rest == "" || rest[0] != sep {
		return 0, s, false
	}
	d, rest, ok := digits12(rest[1:])
	if !ok || !validDay(y, m, d) {
		return 0, s, false
	}
	return y*10000 + m*100 + d, rest, true
}

// leadingTime reads a clock time at the start of a trimmed subject, as
// described in the package documentation, and returns minutes since
// midnight.
func leadingTime(s string) (int, bool) {
	if _, rest, ok := leadingDate(s); ok && rest != "" && (rest[0] == 'T' || rest[0] == 't' || rest[0] == ' ') {
		s = trimLeftSpaces(rest[1:])
	}
	h, rest, ok := digits12(s)
	if !ok || len(rest) < 3 || rest[0] != ':' || !isDigit(rest[1]) || !isDigit(rest[2]) {
		return 0, false
	}
	m := atoi(rest[1:3])
	rest = rest[3:]
	if len(rest) >= 3 && rest[0] == ':' && isDigit(rest[1]) && isDigit(rest[2]) {
		if atoi(rest[1:3]) > 60 { // 60 allows a leap second
			return 0, false
		}
		rest = rest[3:]
		if len(rest) >= 2 && (rest[0] == '.' || rest[0] == ',') && isDigit(rest[1]) {
			rest = rest[1:]
			for rest != "" && isDigit(rest[0]) {
				rest = rest[1:]
			}
		}
	}
	if rest != "" && isDigit(rest[0]) {
		return 0, false
	}
	if h > 23 || m > 59 {
		return 0, false
	}
	switch meridiem(rest) {
	case 'a':
		if h < 1 || h > 12 {
			return 0, false
		}
		if h == 12 {
			h = 0
		}
	case 'p':
		if h < 1 || h > 12 {
			return 0, false
		}
		if h != 12 {
			h += 12
		}
	}
	return h*60 + m, true
}

// meridiem returns 'a' or 'p' when rest, after optional spaces, starts with
// AM or PM (any case, optionally as A.M. / P.M.) not followed by a letter,
// and 0 otherwise.
func meridiem(rest string) byte {
	r := trimLeftSpaces(rest)
	if r == "" {
		return 0
	}
	var ap byte
	switch r[0] {
	case 'a', 'A':
		ap = 'a'
	case 'p', 'P':
		ap = 'p'
	default:
		return 0
	}
	r = r[1:]
	if r != "" && r[0] == '.' {
		r = r[1:]
	}
	if r == "" || (r[0] != 'm' && r[0] != 'M') {
		return 0
	}
	r = r[1:]
	if r != "" && r[0] == '.' {
		r = r[1:]
	}
	if r != "" && isLetter(r[0]) {
		return 0
	}
	return ap
}

// digits12 reads one or two digits, not followed by a third.
func digits12(s string) (int, string, bool) {
	n := 0
	for n < len(s) && n < 3 && isDigit(s[n]) {
		n++
	}
	if n == 0 || n > 2 {
		return 0, s, false
	}
	return atoi(s[:n]), s[n:], true
}

func atoi(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}

func validDay(y, m, d int) bool {
	if m < 1 || m > 12 || d < 1 {
		return false
	}
	days := [...]int{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}[m-1]
	if m == 2 && y%4 == 0 && (y%100 != 0 || y%400 == 0) {
		days = 29
	}
	return d <= days
}

func trimLeftSpaces(s string) string {
	for s != "" && (s[0] == ' ' || s[0] == '\t') {
		s = s[1:]
	}
	return s
}

func isLetter(c byte) bool { return ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') }
