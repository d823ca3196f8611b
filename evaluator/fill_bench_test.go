package evaluator

import "testing"

var sinkOK bool

// BenchmarkFillParts times the pieces of filling a Context from strings:
// Reset, each slot key's Set, and the parsers they run. (The slot key
// lookup is not timed alone: with a constant key the compiler folds it.)
func BenchmarkFillParts(b *testing.B) {
	var c Context
	c.Set("acs:SourceIp", "10.1.2.3")
	c.Set("acs:CurrentTime", "2026-05-01T12:00:00Z")
	c.Set("acs:SecureTransport", "true")
	b.Run("Reset", func(b *testing.B) {
		for b.Loop() {
			c.Reset()
		}
	})
	b.Run("Set-SourceIp", func(b *testing.B) {
		for b.Loop() {
			c.Set("acs:SourceIp", "10.1.2.3")
		}
	})
	b.Run("Set-CurrentTime", func(b *testing.B) {
		for b.Loop() {
			c.Set("acs:CurrentTime", "2026-05-01T12:00:00Z")
		}
	})
	b.Run("Set-SecureTransport", func(b *testing.B) {
		for b.Loop() {
			c.Set("acs:SecureTransport", "true")
		}
	})
	b.Run("parseIPv4", func(b *testing.B) {
		for b.Loop() {
			_, sinkOK = parseIPv4("10.1.2.3")
		}
	})
	b.Run("parseDate", func(b *testing.B) {
		for b.Loop() {
			_, sinkOK = parseDate("2026-05-01T12:00:00Z")
		}
	})
}

// BenchmarkFillStrings is the fill of BenchmarkRequestPath/conditions-strings
// without the decision: Reset and the three slot keys from strings.
func BenchmarkFillStrings(b *testing.B) {
	var c Context
	ip, now, tls := "10.1.2.3", "2026-05-01T12:00:00Z", "true"
	for b.Loop() {
		c.Reset()
		c.Set("acs:SourceIp", ip)
		c.Set("acs:CurrentTime", now)
		c.Set("acs:SecureTransport", tls)
	}
}
