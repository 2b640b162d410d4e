package logtext

import (
	"bytes"
	"fmt"
	"runtime"
	"testing"
)

// logFrames makes n framed, timestamped log lines as the engine sends them.
func logFrames(n int) []byte {
	var b bytes.Buffer
	for i := range n {
		b.Write(frame(Stdout, fmt.Sprintf("2026-12-04T10:00:00.%09dZ GET /static/css/portal.css 200 in 0.42ms request %d\n", i%1e9, i)))
	}
	return b.Bytes()
}

// BenchmarkLogIngest measures lines/s through the demultiplexer, joiner,
// sanitiser and ring.
func BenchmarkLogIngest(b *testing.B) {
	data := logFrames(100_000)
	ring := NewRing(10_000, 8<<20)
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for range b.N {
		ReadLogStream(bytes.NewReader(data), false, true, ring.Add)
	}
	b.ReportMetric(float64(100_000*b.N)/b.Elapsed().Seconds(), "lines/s")
}

func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

// BenchmarkLogMemory pushes 100k and then 1M lines into a ring of the
// console's default size and reports the heap after each: bounded memory
// means the two are about the same.
func BenchmarkLogMemory(b *testing.B) {
	for range b.N {
		chunk := logFrames(100_000) // the input is not what we measure
		base := heapInUse()
		ring := NewRing(10_000, 8<<20)
		ReadLogStream(bytes.NewReader(chunk), false, true, ring.Add)
		after100k := heapInUse() - base
		for range 9 {
			ReadLogStream(bytes.NewReader(chunk), false, true, ring.Add)
		}
		after1M := heapInUse() - base
		if st := ring.Stats(); st.Total != 1_000_000 {
			b.Fatalf("ring saw %d lines", st.Total)
		}
		b.ReportMetric(float64(after100k)/(1<<20), "MB-after-100k")
		b.ReportMetric(float64(after1M)/(1<<20), "MB-after-1M")
		b.ReportMetric(float64(after1M)/float64(max(after100k, 1)), "growth-ratio")
		runtime.KeepAlive(ring)
		runtime.KeepAlive(chunk)
	}
}
