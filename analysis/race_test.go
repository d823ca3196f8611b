//go:build race

package analysis

// raceEnabled: the race detector slows the brute-force oracle tenfold, so
// its default campaign shrinks (the fuzz target and plain runs go deeper).
const raceEnabled = true
