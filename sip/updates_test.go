package sip

import (
	"net/netip"
	"sync"
	"testing"
)

// Updates keeps the latest unread update: a reader that fell behind gets
// the current state (the last of several re-INVITEs), not the first, and
// concurrent senders never block.
func TestUpdatesKeepTheLatest(t *testing.T) {
	c := &Call{upd: make(chan MediaUpdate, 1)}
	hold := MediaUpdate{Hold: true, Media: Media{Offered: SendOnly}}
	resume := MediaUpdate{Remote: netip.MustParseAddrPort("127.0.0.1:4000"), Media: Media{Offered: SendRecv}}
	c.pushUpdate(hold)
	c.pushUpdate(resume)
	select {
	case u := <-c.Updates():
		if u != resume {
			t.Fatalf("read %+v, want the latest %+v", u, resume)
		}
	default:
		t.Fatal("no update")
	}
	select {
	case u := <-c.Updates():
		t.Fatalf("a second update %+v: the first was superseded", u)
	default:
	}

	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.pushUpdate(MediaUpdate{Media: Media{PTime: i + 1}})
		}()
	}
	wg.Wait()
	if u := <-c.Updates(); u.Media.PTime == 0 {
		t.Fatalf("read %+v", u)
	}
}
