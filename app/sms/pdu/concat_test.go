package pdu

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestSplit(t *testing.T) {
	tests := []struct {
		name    string
		text    string
		coding  Coding
		lengths []int // per part, in septets or units
	}{
		{"empty", "", GSM7, []int{0}},
		{"160 septets fit one", strings.Repeat("a", 160), GSM7, []int{160}},
		{"161 septets make two", strings.Repeat("a", 161), GSM7, []int{153, 8}},
		{"80 euros fit one", strings.Repeat("€", 80), GSM7, []int{160}},
		// 152 'a' then '€': the escape and its code stay together in part 2.
		{"escape not cut", strings.Repeat("a", 152) + "€" + strings.Repeat("b", 10), GSM7, []int{152, 12}},
		{"70 units fit one", strings.Repeat("я", 70), UCS2, []int{70}},
		{"71 units make two", strings.Repeat("я", 71), UCS2, []int{67, 4}},
		// 66 'я' then an emoji: the surrogate pair stays together in part 2.
		{"surrogate pair not cut", strings.Repeat("я", 66) + "😀" + "яяя", UCS2, []int{66, 5}},
		{"three parts", strings.Repeat("x", 153*2+1), GSM7, []int{153, 153, 1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			parts, err := Split(tc.text, 9)
			if err != nil {
				t.Fatal(err)
			}
			var lengths []int
			var joined strings.Builder
			for i, p := range parts {
				if p.Coding != tc.coding {
					t.Errorf("part %d coding %v, want %v", i+1, p.Coding, tc.coding)
				}
				lengths = append(lengths, Length(p.Text, p.Coding))
				joined.WriteString(p.Text)
				c, ok := p.Concat()
				if len(parts) > 1 && (!ok || c.Ref != 9 || c.Seq != i+1 || c.Total != len(parts)) {
					t.Errorf("part %d concat %+v %v", i+1, c, ok)
				}
				if _, _, err := (&Submit{To: Address{Number: "1"}, UserData: p}).Encode(); err != nil {
					t.Errorf("part %d does not encode: %v", i+1, err)
				}
			}
			if !reflect.DeepEqual(lengths, tc.lengths) {
				t.Errorf("lengths %v, want %v", lengths, tc.lengths)
			}
			if joined.String() != tc.text {
				t.Error("parts do not join back to the text")
			}
		})
	}
	if _, err := Split(strings.Repeat("a", 153*255+1), 1); err == nil {
		t.Error("a text needing 256 parts split without error")
	}
	if _, err := Split("\xff", 1); err == nil {
		t.Error("invalid UTF-8 split without error")
	}
}

// deliverParts makes DELIVER parts of text from sender, through encode and decode like a modem's.
func deliverParts(t testing.TB, from, text string, ref byte) []*Deliver {
	parts, err := Split(text, ref)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]*Deliver, len(parts))
	for i, p := range parts {
		b, err := (&Deliver{From: Address{Number: from}, SCTimestamp: time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC), UserData: p}).Encode()
		if err != nil {
			t.Fatal(err)
		}
		m, err := Decode(b)
		if err != nil {
			t.Fatal(err)
		}
		out[i] = m.(*Deliver)
	}
	return out
}

func TestReassemblerOrderAndDuplicates(t *testing.T) {
	long := strings.Repeat("0123456789", 40) // 400 septets: 3 parts
	now := time.Unix(1_700_000_000, 0)
	tests := []struct {
		name  string
		order []int // indexes into the parts, repeats are duplicates
	}{
		{"in order", []int{0, 1, 2}},
		{"reversed", []int{2, 1, 0}},
		{"shuffled with duplicates", []int{1, 1, 2, 1, 0}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			parts := deliverParts(t, "+15551234567", long, 77)
			var r Reassembler
			var got []Assembled
			for i, k := range tc.order {
				out := r.Add(now, parts[k])
				if len(out) > 0 && i != len(tc.order)-1 {
					t.Fatalf("message came out after %d adds", i+1)
				}
				got = append(got, out...)
			}
			if len(got) != 1 || !got[0].Complete || got[0].Text != long || got[0].Total != 3 || got[0].From.Number != "+15551234567" {
				t.Fatalf("got %+v", got)
			}
			if r.Pending() != 0 || r.held != 0 {
				t.Errorf("pending %d held %d after completion", r.Pending(), r.held)
			}
			// A late copy of a part of the completed message is dropped, not a new message.
			if out := r.Add(now.Add(time.Minute), parts[1]); out != nil || r.Pending() != 0 {
				t.Errorf("late duplicate gave %+v, pending %d", out, r.Pending())
			}
		})
	}
}

func TestReassemblerKeys(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	var r Reassembler
	a := deliverParts(t, "+1555", strings.Repeat("a", 200), 5)
	b := deliverParts(t, "+1666", strings.Repeat("b", 200), 5) // same ref, other sender
	c := deliverParts(t, "+1555", strings.Repeat("c", 400), 5) // same sender and ref, other total
	var out []Assembled
	for _, p := range []*Deliver{a[0], b[0], c[0], c[1], a[1], b[1], c[2]} {
		out = append(out, r.Add(now, p)...)
	}
	if len(out) != 3 {
		t.Fatalf("got %d messages", len(out))
	}
	for _, m := range out {
		if !m.Complete || strings.Trim(m.Text, m.Text[:1]) != "" {
			t.Errorf("mixed message %q from %s", m.Text, m.From.Number)
		}
	}
}

func TestReassembler16BitAndSingle(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	var r Reassembler
	mk := func(seq int, text string) *Deliver {
		return &Deliver{From: Address{Number: "+1"}, UserData: UserData{Text: text,
			Header: []IE{{ID: IEConcat16, Data: []byte{0xBE, 0xEF, 2, byte(seq)}}}}}
	}
	if out := r.Add(now, mk(2, "world")); out != nil {
		t.Fatal(out)
	}
	out := r.Add(now, mk(1, "hello "))
	if len(out) != 1 || out[0].Text != "hello world" {
		t.Fatalf("got %+v", out)
	}
	// No header, or a concatenation IE the spec says to ignore (seq 0, seq > total): delivered as is.
	for _, d := range []*Deliver{
		{From: Address{Number: "+1"}, UserData: UserData{Text: "single"}},
		{From: Address{Number: "+1"}, UserData: UserData{Text: "seq0", Header: []IE{ConcatIE(1, 2, 0)}}},
		{From: Address{Number: "+1"}, UserData: UserData{Text: "seq3of2", Header: []IE{ConcatIE(1, 2, 3)}}},
		{From: Address{Number: "+1"}, UserData: UserData{Text: "1of1", Header: []IE{ConcatIE(1, 1, 1)}}},
	} {
		out := r.Add(now, d)
		if len(out) != 1 || out[0].Text != d.Text || !out[0].Complete {
			t.Errorf("%q: %+v", d.Text, out)
		}
	}
}

func TestReassemblerExpire(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	r := Reassembler{Timeout: 10 * time.Minute}
	parts := deliverParts(t, "+1555", strings.Repeat("p1-", 51)+strings.Repeat("p2-", 51)+strings.Repeat("p3-", 51)+"p4", 3)
	if len(parts) != 4 {
		t.Fatalf("%d parts", len(parts))
	}
	r.Add(now, parts[0])
	r.Add(now.Add(time.Minute), parts[2])
	if out := r.Expire(now.Add(9 * time.Minute)); len(out) != 0 {
		t.Fatalf("expired early: %+v", out)
	}
	out := r.Expire(now.Add(10 * time.Minute))
	if len(out) != 1 {
		t.Fatalf("got %+v", out)
	}
	m := out[0]
	want := strings.Repeat("p1-", 51) + MissingMarker + strings.Repeat("p3-", 51) + MissingMarker
	if m.Complete || m.Text != want || !reflect.DeepEqual(m.Missing, []int{2, 4}) || m.Total != 4 {
		t.Errorf("got %+v", m)
	}
	if r.Pending() != 0 || r.held != 0 {
		t.Errorf("pending %d held %d", r.Pending(), r.held)
	}
	// A straggler after expiry starts afresh (and will expire on its own); nothing panics.
	if out := r.Add(now.Add(11*time.Minute), parts[1]); out != nil || r.Pending() != 1 {
		t.Errorf("straggler: %+v, pending %d", out, r.Pending())
	}
}

func TestReassemblerBounds(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	r := Reassembler{MaxPending: 3, MaxPartsHeld: 5}
	var evicted []Assembled
	for i := 0; i < 10; i++ {
		p := deliverParts(t, fmt.Sprintf("+1%03d", i), strings.Repeat("z", 400), byte(i))
		evicted = append(evicted, r.Add(now, p[0])...)
		if r.Pending() > 3 || r.held > 5 {
			t.Fatalf("after %d: pending %d held %d", i, r.Pending(), r.held)
		}
	}
	if len(evicted) != 7 || evicted[0].From.Number != "+1000" || evicted[0].Complete || !reflect.DeepEqual(evicted[0].Missing, []int{2, 3}) {
		t.Errorf("evicted %d, first %+v", len(evicted), evicted[0])
	}
	// Parts held are bounded across messages too: 2 parts each of 3 messages is over 5.
	r = Reassembler{MaxPending: 10, MaxPartsHeld: 5}
	for i := 0; i < 3; i++ {
		p := deliverParts(t, fmt.Sprintf("+2%03d", i), strings.Repeat("y", 400), byte(i))
		r.Add(now, p[0])
		evicted = r.Add(now, p[1])
	}
	if r.held > 5 || len(evicted) != 1 || evicted[0].From.Number != "+2000" {
		t.Errorf("held %d, evicted %+v", r.held, evicted)
	}
	// The record of completed messages stays bounded as well.
	r = Reassembler{MaxPending: 4}
	for i := 0; i < 50; i++ {
		for _, p := range deliverParts(t, fmt.Sprintf("+3%03d", i), strings.Repeat("x", 200), byte(i)) {
			r.Add(now, p)
		}
	}
	if len(r.done) > 4 {
		t.Errorf("%d completed messages remembered", len(r.done))
	}
}
