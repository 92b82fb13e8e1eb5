package pdu

import (
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode/utf8"
)

// Per-part capacities (TS 23.040 §9.2.3.24.1): a single part holds 160 septets or 70 UCS-2
// units; with the 6-octet 8-bit reference concatenation header, 153 septets or 67 units.
const (
	SinglePartSeptets = 160
	SinglePartUnits   = 70
	PartSeptets       = 153
	PartUnits         = 67
	MaxParts          = 255
)

// Split turns text into the user data of one message, or of several parts with an 8-bit
// reference concatenation header (ref, total, seq) when it does not fit in one. The coding is
// GSM7 when every character is in the default alphabet or its extension table, else UCS2.
// An escape sequence or a surrogate pair is never cut across parts.
func Split(text string, ref byte) ([]UserData, error) {
	if !utf8.ValidString(text) {
		return nil, fmt.Errorf("split: text is not valid UTF-8")
	}
	coding := ChooseCoding(text)
	single, per := SinglePartSeptets, PartSeptets
	cost := gsm7Cost
	if coding == UCS2 {
		single, per, cost = SinglePartUnits, PartUnits, ucs2Cost
	}
	if Length(text, coding) <= single {
		return []UserData{{Coding: coding, Text: text}}, nil
	}
	texts := cut(text, per, cost)
	if len(texts) > MaxParts {
		return nil, fmt.Errorf("split: text needs %d parts, more than %d", len(texts), MaxParts)
	}
	parts := make([]UserData, len(texts))
	for i, t := range texts {
		parts[i] = UserData{Coding: coding, Text: t, Header: []IE{ConcatIE(ref, len(texts), i+1)}}
	}
	return parts, nil
}

// cut splits text into parts of at most per units, a character costing
// cost(r) units; a character (an escape sequence, a surrogate pair) is never
// cut across parts.
func cut(text string, per int, cost func(rune) int) []string {
	var texts []string
	start, used := 0, 0
	for i, r := range text {
		c := cost(r)
		if used+c > per {
			texts = append(texts, text[start:i])
			start, used = i, 0
		}
		used += c
	}
	return append(texts, text[start:])
}

// Assembled is a message put back together by a Reassembler.
type Assembled struct {
	From        Address
	SCTimestamp time.Time // of the first part that arrived
	Coding      Coding
	// Text is the parts' text in order. In an incomplete message, each run of missing parts
	// shows as MissingMarker, so a reader sees that something is absent and where.
	Text     string
	Data     []byte // Data8 parts, concatenated in order (missing parts leave nothing)
	Complete bool
	Total    int   // parts announced (1 for a message that was never split)
	Missing  []int // sequence numbers that never came (incomplete messages only)
}

// MissingMarker stands in the Text of an incomplete message for each run of missing parts.
const MissingMarker = "[…]"

type reKey struct {
	from  string
	ref   uint16
	ref16 bool
	total int
}

type pending struct {
	first   time.Time // when the first part arrived
	from    Address
	scts    time.Time
	coding  Coding
	parts   map[int]UserData
	ordinal uint64
}

type doneEntry struct {
	at    time.Time
	parts map[int]string // seq → text (or data) of a completed message, to drop late duplicates
}

// Reassembler puts long messages back together from their parts (SMS-DELIVER with a
// concatenation header), keyed by originator, reference (8- or 16-bit) and total.
//
// Parts may come in any order. A part whose sequence number already arrived is a duplicate
// and is dropped (so is a late copy of a part of a message completed within Timeout).
// Parts that never come: Expire returns, after Timeout, what arrived of each incomplete
// message with Complete false, Missing filled and MissingMarker in the text. We deliver rather
// than drop, because losing what the sender wrote is worse than showing a gap; the caller
// decides how to present it. Memory is bounded: when MaxPending messages or MaxPartsHeld
// parts wait, the oldest incomplete message is returned early by Add, the same way.
//
// A Reassembler is not safe for concurrent use; one per modem is the intended shape.
type Reassembler struct {
	Timeout      time.Duration // default 10 minutes (gammu's MultipartTimeout)
	MaxPending   int           // incomplete messages held; default 256
	MaxPartsHeld int           // parts held across them; default 4096

	pending map[reKey]*pending
	done    map[reKey]doneEntry
	held    int
	next    uint64
}

func (r *Reassembler) timeout() time.Duration {
	if r.Timeout > 0 {
		return r.Timeout
	}
	return 10 * time.Minute
}

func (r *Reassembler) maxPending() int {
	if r.MaxPending > 0 {
		return r.MaxPending
	}
	return 256
}

func (r *Reassembler) maxParts() int {
	if r.MaxPartsHeld > 0 {
		return r.MaxPartsHeld
	}
	return 4096
}

// Pending is the number of incomplete messages held.
func (r *Reassembler) Pending() int { return len(r.pending) }

func partKey(u UserData) string {
	if u.Coding == Data8 {
		return string(u.Data)
	}
	return u.Text
}

// Add takes one received message or part. It returns the messages now ready: the one this
// part completed (or this message itself when it was never split), and any older incomplete
// message pushed out to keep within the bounds. A duplicate part returns nothing.
func (r *Reassembler) Add(now time.Time, d *Deliver) []Assembled {
	c, ok := d.Concat()
	if !ok || c.Total == 1 {
		return []Assembled{{From: d.From, SCTimestamp: d.SCTimestamp, Coding: d.Coding, Text: d.Text,
			Data: append([]byte(nil), d.Data...), Complete: true, Total: 1}}
	}
	if r.pending == nil {
		r.pending = map[reKey]*pending{}
		r.done = map[reKey]doneEntry{}
	}
	k := reKey{from: d.From.Number, ref: c.Ref, ref16: c.Ref16, total: c.Total}
	if e, ok := r.done[k]; ok {
		if now.Sub(e.at) > r.timeout() {
			delete(r.done, k)
		} else if t, seen := e.parts[c.Seq]; seen && t == partKey(d.UserData) {
			return nil // late copy of a part of a message already delivered
		}
	}
	p := r.pending[k]
	if p == nil {
		r.next++
		p = &pending{first: now, from: d.From, scts: d.SCTimestamp, coding: d.Coding, parts: map[int]UserData{}, ordinal: r.next}
		r.pending[k] = p
	}
	if _, dup := p.parts[c.Seq]; dup {
		return nil
	}
	u := d.UserData
	u.Header = nil
	p.parts[c.Seq] = u
	r.held++
	var out []Assembled
	if len(p.parts) == c.Total {
		out = append(out, r.finish(k, p, now))
	}
	for len(r.pending) > r.maxPending() || r.held > r.maxParts() {
		out = append(out, r.finish(r.oldest(), nil, now))
	}
	return out
}

func (r *Reassembler) oldest() reKey {
	var best reKey
	var bestOrd uint64
	for k, p := range r.pending {
		if bestOrd == 0 || p.ordinal < bestOrd {
			best, bestOrd = k, p.ordinal
		}
	}
	return best
}

// finish removes a pending message and assembles what it has.
func (r *Reassembler) finish(k reKey, p *pending, now time.Time) Assembled {
	if p == nil {
		p = r.pending[k]
	}
	delete(r.pending, k)
	r.held -= len(p.parts)
	a := Assembled{From: p.from, SCTimestamp: p.scts, Coding: p.coding, Total: k.total, Complete: len(p.parts) == k.total}
	var b strings.Builder
	gap := false
	for seq := 1; seq <= k.total; seq++ {
		u, ok := p.parts[seq]
		if !ok {
			a.Missing = append(a.Missing, seq)
			if !gap {
				b.WriteString(MissingMarker)
			}
			gap = true
			continue
		}
		gap = false
		b.WriteString(u.Text)
		a.Data = append(a.Data, u.Data...)
	}
	a.Text = b.String()
	if a.Complete {
		e := doneEntry{at: now, parts: map[int]string{}}
		for seq, u := range p.parts {
			e.parts[seq] = partKey(u)
		}
		r.done[k] = e
		if len(r.done) > r.maxPending() {
			r.pruneDone(now, true)
		}
	}
	return a
}

// pruneDone forgets completed messages older than Timeout; with force, also the oldest
// until the record is within MaxPending.
func (r *Reassembler) pruneDone(now time.Time, force bool) {
	for k, e := range r.done {
		if now.Sub(e.at) > r.timeout() {
			delete(r.done, k)
		}
	}
	for force && len(r.done) > r.maxPending() {
		var oldK reKey
		var oldT time.Time
		first := true
		for k, e := range r.done {
			if first || e.at.Before(oldT) {
				oldK, oldT, first = k, e.at, false
			}
		}
		delete(r.done, oldK)
	}
}

// Expire returns the incomplete messages whose first part came more than Timeout before now,
// oldest first, and forgets them (see Reassembler for why they are delivered, not dropped).
func (r *Reassembler) Expire(now time.Time) []Assembled {
	var keys []reKey
	for k, p := range r.pending {
		if now.Sub(p.first) >= r.timeout() {
			keys = append(keys, k)
		}
	}
	sort.Slice(keys, func(i, j int) bool { return r.pending[keys[i]].ordinal < r.pending[keys[j]].ordinal })
	out := make([]Assembled, 0, len(keys))
	for _, k := range keys {
		out = append(out, r.finish(k, nil, now))
	}
	r.pruneDone(now, false)
	return out
}
