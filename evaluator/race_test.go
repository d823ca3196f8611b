//go:build race

package evaluator

// raceEnabled: under the race detector sync.Pool drops some of what it is
// given, so reuse through the pool is not certain.
const raceEnabled = true
