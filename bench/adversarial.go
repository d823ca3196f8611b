package bench

// AdvProbe is the outcome of one engine's first adversarial decision.
type AdvProbe struct {
	Engine   string
	N        int
	CapSec   float64
	Over     bool     // killed at the cap
	Decision Decision // valid when !Over
	Err      string   // the child failed to load or prepare
	Nanos    int64    // the child's time for one decision, load excluded
}

// OK reports whether the probe answered the specification's decision
// (ImplicitDeny) within the cap.
func (p AdvProbe) OK() bool { return !p.Over && p.Err == "" && p.Decision == ImplicitDeny }
