package schema

import (
	"os"
	"testing"
)

// BenchmarkValidateCorpus validates every corpus flow once per iteration;
// ns/flow is the figure to read.
func BenchmarkValidateCorpus(b *testing.B) {
	var flows [][]byte
	size := 0
	for _, f := range corpusFiles(b) {
		data, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		flows = append(flows, data)
		size += len(data)
	}
	Validate(flows[0]) // compile the schemas outside the timing
	b.SetBytes(int64(size))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, data := range flows {
			Validate(data)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(flows)), "ns/flow")
}

// BenchmarkParseCorpus measures Parse alone (no validation).
func BenchmarkParseCorpus(b *testing.B) {
	var flows [][]byte
	for _, f := range corpusFiles(b) {
		data, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		flows = append(flows, data)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, data := range flows {
			if _, err := Parse(data); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(flows)), "ns/flow")
}
