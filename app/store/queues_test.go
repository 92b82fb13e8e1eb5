package store

import (
	"context"
	"errors"
	"testing"
)

// A queue round-trips with its defaults; names are unique; update, lookup
// by name and delete behave as the API needs.
func TestQueues(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	q, err := s.CreateQueue(ctx, Queue{SID: "QU1", FriendlyName: "sales", Agents: []string{"desk1", "desk2"}})
	if err != nil {
		t.Fatal(err)
	}
	if q.MaxSize != DefaultQueueSize || q.HoldMusic != "tone" || q.AnnouncePosition || len(q.Agents) != 2 || q.Agents[1] != "desk2" {
		t.Fatalf("created: %+v", q)
	}
	if _, err := s.CreateQueue(ctx, Queue{SID: "QU2", FriendlyName: "sales"}); !errors.Is(err, ErrDuplicate) {
		t.Fatalf("duplicate name: %v", err)
	}
	q.MaxSize, q.HoldMusic, q.AnnouncePosition, q.Agents = 5, "hold.wav", true, nil
	if q, err = s.UpdateQueue(ctx, *q); err != nil || q.MaxSize != 5 || q.HoldMusic != "hold.wav" || !q.AnnouncePosition || len(q.Agents) != 0 {
		t.Fatalf("updated: %+v %v", q, err)
	}
	if byName, err := s.QueueByName(ctx, "sales"); err != nil || byName.SID != "QU1" {
		t.Fatalf("by name: %+v %v", byName, err)
	}
	if _, err := s.QueueByName(ctx, "support"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown name: %v", err)
	}
	if _, err := s.UpdateQueue(ctx, Queue{SID: "QU9", FriendlyName: "x"}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("update unknown: %v", err)
	}
	if err := s.DeleteQueue(ctx, "QU1"); err != nil {
		t.Fatal(err)
	}
	if all, err := s.Queues(ctx); err != nil || len(all) != 0 {
		t.Fatalf("after delete: %v %v", all, err)
	}
	if err := s.DeleteQueue(ctx, "QU1"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("delete twice: %v", err)
	}
}
