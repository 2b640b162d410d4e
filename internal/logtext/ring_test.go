package logtext

import (
	"testing"
	"time"
)

func TestLogBookKeepsServicesApart(t *testing.T) {
	b := NewLogBook(2, 1<<20)
	t0 := time.Now()
	for i := range 5 {
		b.Add(LogLine{Service: "web", Text: "w", Time: t0.Add(time.Duration(i) * time.Second)})
	}
	b.Add(LogLine{Service: "db", Text: "d"})
	if n := b.Ring("db").Len(); n != 1 {
		t.Fatalf("the chatty service pushed out the quiet one: db holds %d", n)
	}
	if st := b.Stats("web"); st.Dropped != 3 || st.Held != 2 {
		t.Fatalf("web stats %+v", st)
	}
	if got := b.Services(); len(got) != 2 || got[0] != "db" || got[1] != "web" {
		t.Fatalf("services %v", got)
	}
	if b.Dropped() != 3 {
		t.Fatalf("dropped %d", b.Dropped())
	}
}
