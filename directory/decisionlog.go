package directory

import (
	"context"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ramauthz/ramauthz/evaluator"
	"github.com/ramauthz/ramauthz/policy"
	"github.com/ramauthz/ramauthz/principal"
)

// DecisionLog configures the decision log (Options.DecisionLog): one
// slog record per logged decision of Authorize, AuthorizeAccessKey and
// AuthorizeSession, with the attributes
//
//	decision_id  "<replica>-<n>" (n counts this directory's logged decisions)
//	revision     the revision decided at
//	replica      Options.ReplicaID (omitted when empty)
//	principal    the identity's ARN, or the AccessKeyId's owner
//	access_key_id  for AuthorizeAccessKey and AuthorizeSession (never a
//	             secret or a SecurityToken)
//	action, resource
//	decision     Allow, ExplicitDeny or ImplicitDeny
//	layer        the layer that decided (Explain's Layer)
//	policy, statement  the deciding statement: the first Deny that
//	             matched for ExplicitDeny, the first Allow for Allow
//	             (omitted for ImplicitDeny and when no statement decided)
//	staleness    how long ago the directory last confirmed the store's
//	             head (directories on a store)
//	error        the refusal, when there was one
//
// Every deny is logged and one allow in AllowSample; at most PerSecond
// records a second are written, the rest are dropped and counted
// (DecisionsDropped). Records go to the handler from one goroutine through
// a buffer of 1,024; when the handler falls behind, records are dropped
// rather than slowing decisions. The goroutine starts with the first
// logged decision and ends in Directory.Close, once the records already
// queued are written; decisions after Close are not logged (counted as
// dropped). A directory with a decision log should be closed, also one
// from New.
//
// The budget: a decision that is not logged (logging disabled, or an
// allow sampled out) costs at most one atomic add and allocates nothing; a
// logged one costs an Explain of the same request (microseconds,
// allocating) and a non-blocking channel send.
type DecisionLog struct {
	// Handler receives the records; nil disables the log.
	Handler slog.Handler
	// AllowSample logs one allowed decision in AllowSample (0: none; 1:
	// every one).
	AllowSample uint32
	// PerSecond caps the records written per second (default 1,000).
	PerSecond int
}

// decisionLog is the running log.
type decisionLog struct {
	cfg     DecisionLog
	replica string
	records chan slog.Record
	allows  atomic.Uint32
	seq     atomic.Uint64
	window  atomic.Int64 // the second being counted
	count   atomic.Int64
	dropped atomic.Uint64

	// mu orders queueing (read-locked) against close (locked): no record
	// is sent on the closed channel, and none is left behind in it.
	mu      sync.RWMutex
	closed  bool
	start   sync.Once
	started atomic.Bool
	done    chan struct{} // closed when the writer goroutine returns
}

func newDecisionLog(cfg DecisionLog, replica string) *decisionLog {
	if cfg.Handler == nil {
		return nil
	}
	if cfg.PerSecond <= 0 {
		cfg.PerSecond = 1000
	}
	return &decisionLog{cfg: cfg, replica: replica, records: make(chan slog.Record, 1024), done: make(chan struct{})}
}

// run writes the queued records until the channel is closed and drained.
func (l *decisionLog) run() {
	defer close(l.done)
	for r := range l.records {
		_ = l.cfg.Handler.Handle(context.Background(), r)
	}
}

// queue hands r to the writer goroutine (started on first use) without
// blocking; a full buffer or a closed log drops it.
func (l *decisionLog) queue(r slog.Record) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	if l.closed {
		l.dropped.Add(1)
		return
	}
	l.start.Do(func() { l.started.Store(true); go l.run() })
	select {
	case l.records <- r:
	default:
		l.dropped.Add(1)
	}
}

// close stops the writer goroutine after it wrote what was queued, and
// waits for it. Safe to call more than once and on a nil log.
func (l *decisionLog) close() {
	if l == nil {
		return
	}
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return
	}
	l.closed = true
	close(l.records)
	l.mu.Unlock()
	if l.started.Load() {
		<-l.done
	}
}

// DecisionsDropped returns how many decision records were dropped by the
// rate limit or a full buffer (0 without a decision log).
func (d *Directory) DecisionsDropped() uint64 {
	if d.log == nil {
		return 0
	}
	return d.log.dropped.Load()
}

// wants reports whether a decision is to be logged (and counts sampling).
func (l *decisionLog) wants(dec evaluator.Decision) bool {
	if dec == evaluator.Allow {
		n := l.cfg.AllowSample
		if n == 0 || l.allows.Add(1)%n != 0 {
			return false
		}
	}
	now := time.Now().Unix()
	if w := l.window.Load(); w != now && l.window.CompareAndSwap(w, now) {
		l.count.Store(0)
	}
	if l.count.Add(1) > int64(l.cfg.PerSecond) {
		l.dropped.Add(1)
		return false
	}
	return true
}

// logDecision writes the record of one decision; x explains it (nil when
// no explanation applies).
func (d *Directory) logDecision(res Result, who, keyID string, req *evaluator.Request, x *Explanation, err error) {
	l := d.log
	r := slog.NewRecord(time.Now(), slog.LevelInfo, "ramauthz decision", 0)
	id := strconv.FormatUint(l.seq.Add(1), 10)
	if l.replica != "" {
		id = l.replica + "-" + id
	}
	r.AddAttrs(slog.String("decision_id", id), slog.Uint64("revision", uint64(res.Revision)))
	if l.replica != "" {
		r.AddAttrs(slog.String("replica", l.replica))
	}
	if who != "" {
		r.AddAttrs(slog.String("principal", who))
	}
	if keyID != "" {
		r.AddAttrs(slog.String("access_key_id", keyID))
	}
	r.AddAttrs(slog.String("action", req.Action), slog.String("resource", req.Resource), slog.String("decision", res.Decision.String()))
	if x != nil {
		r.AddAttrs(slog.String("layer", x.Layer.String()))
		want := policy.Allow
		if res.Decision == evaluator.ExplicitDeny {
			want = policy.Deny
		}
		for _, m := range x.Detail.Matched {
			if m.Effect == want && res.Decision != evaluator.ImplicitDeny {
				r.AddAttrs(slog.String("policy", m.PolicyID), slog.String("statement", m.Path))
				break
			}
		}
	}
	if d.follower != nil {
		if at := d.follower.Status().ConfirmedAt; !at.IsZero() {
			r.AddAttrs(slog.Duration("staleness", d.clock().Sub(at)))
		}
	}
	if err != nil {
		r.AddAttrs(slog.String("error", err.Error()))
	}
	l.queue(r)
}

// logAuthorize logs a decision of Authorize (cold: only when wanted).
func (d *Directory) logAuthorize(id principal.ID, req *evaluator.Request, res Result, err error) {
	var x *Explanation
	if err == nil {
		if e, xerr := d.Explain(id, *req); xerr == nil {
			x = &e
		}
	}
	d.logDecision(res, id.String(), "", req, x, err)
}

// logAccessKey logs a decision of AuthorizeAccessKey.
func (d *Directory) logAccessKey(keyID string, req *evaluator.Request, res Result, err error) {
	who := ""
	var x *Explanation
	if _, u, _, kerr := activeKey(d.cur.Load(), keyID); kerr == nil {
		who = u.arn
		if err == nil {
			if e, xerr := d.Explain(u.id, *req); xerr == nil {
				x = &e
			}
		}
	}
	d.logDecision(res, who, keyID, req, x, err)
}

// logSession logs a decision of AuthorizeSession (the token is never
// logged).
func (d *Directory) logSession(keyID, token string, req *evaluator.Request, res Result, err error) {
	who := ""
	var x *Explanation
	if err == nil {
		if e, xerr := d.ExplainSession(keyID, token, *req); xerr == nil {
			x = &e
		}
		if sid, _, serr := d.SessionCredential(keyID, token); serr == nil {
			who = sid.String()
		}
	}
	d.logDecision(res, who, keyID, req, x, err)
}
