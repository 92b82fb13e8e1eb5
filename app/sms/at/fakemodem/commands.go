package fakemodem

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// command answers one command line.
func (m *Modem) command(raw string) {
	m.mu.Lock()
	m.commands = append(m.commands, raw)
	echo, silent, latency := m.echo, m.silent, m.latency
	between := m.between
	m.between = nil
	m.mu.Unlock()
	if silent {
		return
	}
	var out strings.Builder
	if echo {
		out.WriteString(raw + "\r")
	}
	for _, n := range between {
		out.WriteString("\r\n" + n + "\r\n")
	}
	if latency > 0 {
		// the echo comes at once (the modem typed it back), the reply later
		m.write(out.String())
		out.Reset()
		time.Sleep(latency)
	}
	lines, final, prompt := m.answer(raw)
	for _, l := range lines {
		out.WriteString("\r\n" + l + "\r\n")
	}
	if prompt {
		out.WriteString("\r\n> ")
	} else {
		out.WriteString("\r\n" + final + "\r\n")
	}
	m.write(out.String())
}

// pduDone ends the PDU typed after the prompt: Ctrl-Z sends, ESC aborts.
func (m *Modem) pduDone(hex string, send bool) {
	m.mu.Lock()
	length := m.cmgsPrompted
	m.cmgsPrompted = 0
	echo, latency := m.echo, m.latency
	m.mu.Unlock()
	var out strings.Builder
	if echo {
		out.WriteString(hex)
		if send {
			out.WriteString("\x1a")
		}
	}
	if !send {
		m.write(out.String() + "\r\nOK\r\n")
		return
	}
	if latency > 0 {
		m.write(out.String())
		out.Reset()
		time.Sleep(latency)
	}
	m.mu.Lock()
	var reply string
	switch {
	case m.silentSends > 0 && isHex(hex):
		// the network took it; the modem never says so
		m.silentSends--
		m.mr = (m.mr + 1) % 256
		m.sent = append(m.sent, Sent{Length: length, PDU: strings.ToUpper(hex), MR: m.mr})
		m.mu.Unlock()
		m.write(out.String())
		return
	case len(m.sendErrs) > 0 && m.sendErrs[0] != 0:
		reply = fmt.Sprintf("\r\n+CMS ERROR: %d\r\n", m.sendErrs[0])
		m.sendErrs = m.sendErrs[1:]
	case !isHex(hex) || len(hex)/2 < length+1:
		reply = "\r\n+CMS ERROR: 304\r\n"
	default:
		if len(m.sendErrs) > 0 { // a scripted 0: this one goes through
			m.sendErrs = m.sendErrs[1:]
		}
		m.mr = (m.mr + 1) % 256
		m.sent = append(m.sent, Sent{Length: length, PDU: strings.ToUpper(hex), MR: m.mr})
		reply = fmt.Sprintf("\r\n+CMGS: %d\r\n\r\nOK\r\n", m.mr)
	}
	m.mu.Unlock()
	m.write(out.String() + reply)
}

// answer runs a command on the fake's state: its intermediate lines, its
// final result code, or the prompt.
func (m *Modem) answer(raw string) (lines []string, final string, prompt bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	cmd := strings.ToUpper(raw)
	if !strings.HasPrefix(cmd, "AT") {
		return nil, "ERROR", false
	}
	body, arg := cmd[2:], raw[2:]
	name, rest := body, ""
	if i := strings.IndexAny(body, "=?"); i >= 0 {
		name, rest, arg = body[:i], body[i:], arg[i:]
	}
	cms := func(code int) (lines []string, final string, prompt bool) {
		return nil, fmt.Sprintf("+CMS ERROR: %d", code), false
	}
	switch name {
	case "", "Z", "&F", "E0Q0V1", "V1", "Q0", "+CMEE", "+CSCS", "+CFUN", "+CSMS", "+CNMA", "+CMMS", "+CSCA", "+CREG", "+CGREG", "+CEREG":
		switch {
		case name == "+CSCS" && rest == "?":
			return []string{`+CSCS: "GSM"`}, "OK", false
		case name == "+CSCS" && rest == "=?":
			return []string{`+CSCS: ("GSM","IRA","UCS2")`}, "OK", false
		case name == "+CFUN" && rest == "?":
			return []string{"+CFUN: 1"}, "OK", false
		case name == "+CSMS" && rest == "?":
			return []string{"+CSMS: 0,1,1,1"}, "OK", false
		case name == "+CSCA" && rest == "?":
			return []string{fmt.Sprintf(`+CSCA: "%s",145`, m.smsc)}, "OK", false
		case (name == "+CREG" || name == "+CGREG" || name == "+CEREG") && rest == "?":
			return []string{fmt.Sprintf("%s: 0,%d", name, m.reg)}, "OK", false
		case name == "Z":
			m.echo = true
		}
		return nil, "OK", false
	case "E0", "E1":
		m.echo = name == "E1"
		return nil, "OK", false
	case "+CGMI", "+GMI":
		return []string{m.manufacturer}, "OK", false
	case "+CGMM", "+GMM":
		return []string{m.model}, "OK", false
	case "+CGMR", "+GMR":
		return []string{m.revision}, "OK", false
	case "+CGSN", "+GSN":
		return []string{m.imei}, "OK", false
	case "+CIMI":
		if m.sim != "READY" {
			return nil, "+CME ERROR: 11", false
		}
		return []string{m.imsi}, "OK", false
	case "+CPIN":
		switch {
		case rest == "?":
			return []string{"+CPIN: " + m.sim}, "OK", false
		case strings.HasPrefix(rest, "="):
			m.pinTries++
			if m.sim != "SIM PIN" {
				return nil, "+CME ERROR: 3", false
			}
			if strings.Trim(arg[1:], `"`) != m.pin {
				if m.wrongPIN++; m.wrongPIN >= 3 {
					m.sim = "SIM PUK"
				}
				return nil, "+CME ERROR: 16", false
			}
			m.sim = "READY"
			return nil, "OK", false
		}
	case "+CSQ":
		return []string{fmt.Sprintf("+CSQ: %d,%d", m.rssi, m.ber)}, "OK", false
	case "+COPS":
		if rest == "?" {
			if m.reg == 1 || m.reg == 5 {
				return []string{fmt.Sprintf(`+COPS: 0,0,"%s",7`, m.operator)}, "OK", false
			}
			return []string{"+COPS: 0"}, "OK", false
		}
		return nil, "OK", false
	case "+CMGF":
		switch rest {
		case "?":
			return []string{fmt.Sprintf("+CMGF: %d", m.cmgf)}, "OK", false
		case "=?":
			return []string{"+CMGF: (0,1)"}, "OK", false
		case "=0":
			m.cmgf = 0
			return nil, "OK", false
		case "=1":
			m.cmgf = 1 // accepted, but this fake speaks PDU mode only
			return nil, "OK", false
		}
	case "+CNMI":
		switch {
		case rest == "?":
			c := m.cnmi
			return []string{fmt.Sprintf("+CNMI: %d,%d,%d,%d,%d", c[0], c[1], c[2], c[3], c[4])}, "OK", false
		case rest == "=?":
			return []string{"+CNMI: (0-2),(0-3),(0,2),(0-2),(0,1)"}, "OK", false
		case strings.HasPrefix(rest, "="):
			var c [5]int
			for i, f := range strings.Split(rest[1:], ",") {
				if i >= 5 {
					break
				}
				c[i], _ = strconv.Atoi(strings.TrimSpace(f))
			}
			m.cnmi = c
			return nil, "OK", false
		}
	case "+CPMS":
		// <mem1> (read, list, delete) may be SM or SR (status reports);
		// <mem2> and <mem3> (write, receive) only SM
		used, mem1 := len(m.mem()), m.mem1
		switch {
		case rest == "=?":
			return []string{`+CPMS: ("SM","SR"),("SM"),("SM")`}, "OK", false
		case rest == "?":
			sm := len(m.store)
			return []string{fmt.Sprintf(`+CPMS: "%s",%d,%d,"SM",%d,%d,"SM",%d,%d`, mem1, used, m.capacity, sm, m.capacity, sm, m.capacity)}, "OK", false
		case strings.HasPrefix(rest, "="):
			for i, f := range strings.Split(rest[1:], ",") {
				mem := strings.Trim(strings.TrimSpace(f), `"`)
				if mem != "SM" && (i > 0 || mem != "SR") {
					return cms(302)
				}
				if i == 0 {
					mem1 = mem
				}
			}
			m.mem1 = mem1
			used, sm := len(m.mem()), len(m.store)
			return []string{fmt.Sprintf("+CPMS: %d,%d,%d,%d,%d,%d", used, m.capacity, sm, m.capacity, sm, m.capacity)}, "OK", false
		}
	case "+CMGS":
		if m.cmgf != 0 {
			return cms(302)
		}
		n, err := strconv.Atoi(strings.TrimPrefix(rest, "="))
		if err != nil || n < 1 || n > 176 {
			return cms(304)
		}
		m.cmgsPrompted = n
		return nil, "", true
	case "+CMGL":
		if m.cmgf != 0 {
			return cms(302)
		}
		want, err := strconv.Atoi(strings.TrimPrefix(rest, "="))
		if rest == "" {
			want, err = 0, nil
		}
		if err != nil || want < 0 || want > 4 {
			return cms(304)
		}
		store := m.mem()
		for _, i := range keys(store) {
			s := store[i]
			if want != 4 && s.stat != want {
				continue
			}
			lines = append(lines, fmt.Sprintf("+CMGL: %d,%d,,%d", i, s.stat, tpduLen(s.pdu)), s.pdu)
			if s.stat == 0 {
				s.stat = 1
			}
		}
		return lines, "OK", false
	case "+CMGR":
		i, err := strconv.Atoi(strings.TrimPrefix(rest, "="))
		if err != nil {
			return cms(304)
		}
		s := m.mem()[i]
		if s == nil {
			return cms(321)
		}
		lines = []string{fmt.Sprintf("+CMGR: %d,,%d", s.stat, tpduLen(s.pdu)), s.pdu}
		if s.stat == 0 {
			s.stat = 1
		}
		return lines, "OK", false
	case "+CMGD":
		if rest == "=?" {
			return []string{"+CMGD: (1-30),(0-4)"}, "OK", false
		}
		f := strings.Split(strings.TrimPrefix(rest, "="), ",")
		i, err := strconv.Atoi(strings.TrimSpace(f[0]))
		if err != nil {
			return cms(304)
		}
		store := m.mem()
		if len(f) > 1 && strings.TrimSpace(f[1]) == "4" {
			for i := range store {
				delete(store, i)
			}
			return nil, "OK", false
		}
		if store[i] == nil {
			return cms(321)
		}
		delete(store, i)
		return nil, "OK", false
	}
	// everything else (gammu's probes among them) is refused
	return nil, "ERROR", false
}

func isHex(s string) bool {
	if len(s)%2 != 0 || s == "" {
		return false
	}
	for _, c := range s {
		if !strings.ContainsRune("0123456789abcdefABCDEF", c) {
			return false
		}
	}
	return true
}
