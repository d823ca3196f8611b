package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/ramauthz/ramauthz/analysis"
	"github.com/ramauthz/ramauthz/authztest/casefile"
	"github.com/ramauthz/ramauthz/evaluator"
	"github.com/ramauthz/ramauthz/internal/fileinput"
	"github.com/ramauthz/ramauthz/policy"
	"github.com/ramauthz/ramauthz/policy/system"
)

// The analysis commands: diff, check-not-granted, check-always-allows
// (package analysis). Each answers Holds (exit 0), Fails (exit 1, with
// witnesses) or Unknown (exit 2, with the reason); usage errors exit 2.

const analysisFlags = `Policies: a file name, or system:NAME for a shipped system policy
(such as system:AliyunARMSReadOnlyAccess). A document with a Principal
element is read as a trust policy, any other as an identity policy.

Universe flags (what counts as a request; by default every request the
evaluator accepts):
  --catalogue FILE      action names, one per line ('#' starts a comment):
                        actions range over this list, and witnesses are
                        real action names
  --arn-shape           resources have the shape acs:SERVICE:REGION:ACCOUNT:RELATIVE
  --single-valued KEY   requests carry at most one value for KEY (repeat);
                        by default a key may carry a list of values
  --states N            budget of automaton states (default 1048576)
  --decisions N         budget of search decisions (default 65536)
  --json                print one JSON object (see below)

Exit codes: 0 the property holds (proved); 1 it fails (witnesses
printed, each confirmed by the evaluator); 2 unknown (a budget ran out,
or a construct is not analysed: the reason is printed), or a usage error,
or a policy that cannot be read, parsed or compiled.

JSON output (--json):
  {"command": C, "verdict": "Holds" | "Fails" | "Unknown",
   "error": TEXT,                               (Unknown only)
   "reasons": [{"policy": ID, "statement": N, "sid": SID, "effect": E,
                "path": "Statement[N]",         (no statement: -1, "")
                "witness": {"action": A, "resource": R,
                            "context": {KEY: [VALUES]},
                            "principal": {"type": T, "account_id": ID, "arn": ARN}},
                "left": DECISION, "right": DECISION,
                "denied_by": {"policy": ID, "statement": N, "sid": SID,
                              "effect": "Deny", "path": P}}],  (diff, when
                                                 OLD denies explicitly)
   "stats": {"states": N, "decisions": N,
             "atoms": [{"variable": V, "atoms": N}]}}
"reasons" is always a list (empty unless Fails); "context" and
"principal" appear only when the witness has them, "sid" only when the
statement has one, and "effect" only when a statement is named.
`

var diffCmd = &command{
	name:    "diff",
	summary: "new access a policy change grants, with witnesses",
	usage: `Usage: ramauthz diff OLD NEW [universe flags] [--json]

Reports whether NEW allows anything OLD does not. For every Allow statement
of NEW that grants new access it prints one witness request: NEW allows it
and OLD does not (the right-hand decision says whether OLD denies it
implicitly or explicitly).

` + analysisFlags,
}

var checkNotGrantedCmd = &command{
	name:    "check-not-granted",
	summary: "prove a policy never allows some actions",
	usage: `Usage: ramauthz check-not-granted POLICY... --action PATTERN... [--resource PATTERN]...
                                  [universe flags] [--json]

Holds when the policies together never allow any action matching an
--action pattern (repeat; actions compare without regard to ASCII case) on
any resource matching a --resource pattern (repeat; default "*").
Patterns use '*' and '?'. Fails prints, per Allow statement that grants
such a request, one witness.

` + analysisFlags,
}

var checkAlwaysAllowsCmd = &command{
	name:    "check-always-allows",
	summary: "prove a policy allows every request of a kind",
	usage: `Usage: ramauthz check-always-allows POLICY... --action PATTERN... [--resource PATTERN]...
                                    [--context KEY=VALUE]... [universe flags] [--json]

Holds when the policies together allow every request whose action matches
an --action pattern and whose resource matches a --resource pattern
(default "*"), with the keys given by --context pinned to those values
(repeat a key for a list; KEY= with no value pins the key absent) and
every other key taking any value. Fails prints one witness per Deny
statement that refuses such a request, and one with no statement when
some such request is allowed by nothing.

` + analysisFlags,
}

func init() {
	diffCmd.run = func(args []string, stdout, stderr io.Writer) int { return runAnalysis(diffCmd, args, stdout, stderr) }
	checkNotGrantedCmd.run = func(args []string, stdout, stderr io.Writer) int {
		return runAnalysis(checkNotGrantedCmd, args, stdout, stderr)
	}
	checkAlwaysAllowsCmd.run = func(args []string, stdout, stderr io.Writer) int {
		return runAnalysis(checkAlwaysAllowsCmd, args, stdout, stderr)
	}
}

type jsonWitness struct {
	Action    string              `json:"action"`
	Resource  string              `json:"resource"`
	Context   map[string][]string `json:"context,omitempty"`
	Principal *jsonPrincipal      `json:"principal,omitempty"`
}

type jsonReason struct {
	Policy    string      `json:"policy"`
	Statement int         `json:"statement"`
	Sid       string      `json:"sid,omitempty"`
	Effect    string      `json:"effect,omitempty"`
	Path      string      `json:"path"`
	Witness   jsonWitness `json:"witness"`
	Left      string      `json:"left"`
	Right     string      `json:"right"`
	DeniedBy  *jsonMatch  `json:"denied_by,omitempty"`
}

type jsonAtoms struct {
	Variable string `json:"variable"`
	Atoms    int    `json:"atoms"`
}

type jsonStats struct {
	States    int         `json:"states"`
	Decisions int         `json:"decisions"`
	Atoms     []jsonAtoms `json:"atoms"`
}

type analysisOutput struct {
	Command string       `json:"command"`
	Verdict string       `json:"verdict"`
	Error   string       `json:"error,omitempty"`
	Reasons []jsonReason `json:"reasons"`
	Stats   jsonStats    `json:"stats"`
}

func runAnalysis(c *command, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet(c.name, flag.ContinueOnError)
	var actions, resources, ctxs, single listFlag
	catalogue := fs.String("catalogue", "", "")
	arnShape := fs.Bool("arn-shape", false, "")
	fs.Var(&single, "single-valued", "")
	states := fs.Int("states", 0, "")
	decisions := fs.Int("decisions", 0, "")
	asJSON := fs.Bool("json", false, "")
	if c != diffCmd {
		fs.Var(&actions, "action", "")
		fs.Var(&resources, "resource", "")
	}
	if c == checkAlwaysAllowsCmd {
		fs.Var(&ctxs, "context", "")
	}
	pos, code, done := parseFlags(fs, c.usage, args, stdout, stderr)
	if done {
		return code
	}
	switch {
	case c == diffCmd && len(pos) != 2:
		return usageError(stderr, c.name, "give exactly two policies, OLD and NEW")
	case c != diffCmd && len(pos) == 0:
		return usageError(stderr, c.name, "give at least one policy")
	case c != diffCmd && len(actions) == 0:
		return usageError(stderr, c.name, "--action is required")
	case *states < 0 || *decisions < 0:
		return usageError(stderr, c.name, "budgets must not be negative")
	}
	u := analysis.Universe{ARNShape: *arnShape}
	if *catalogue != "" {
		data, err := fileinput.Read(*catalogue, maxCatalogueBytes)
		if err != nil {
			fmt.Fprintf(stderr, "ramauthz %s: %s: %s\n", c.name, *catalogue, readMessage(err))
			return exitUsage
		}
		for _, line := range strings.Split(string(data), "\n") {
			if i := strings.IndexByte(line, '#'); i >= 0 {
				line = line[:i]
			}
			if line = strings.TrimSpace(line); line != "" {
				u.Actions = append(u.Actions, line)
			}
		}
		if len(u.Actions) == 0 {
			fmt.Fprintf(stderr, "ramauthz %s: %s: the catalogue names no action\n", c.name, *catalogue)
			return exitUsage
		}
	}
	if len(single) > 0 {
		u.Keys = map[string]analysis.KeySpec{}
		for _, k := range single {
			u.Keys[k] = analysis.KeySpec{SingleValued: true}
		}
	}
	var fixed map[string][]string
	for _, kv := range ctxs {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return usageError(stderr, c.name, fmt.Sprintf("--context wants KEY=VALUE; got %q", kv))
		}
		if fixed == nil {
			fixed = map[string][]string{}
		}
		if v == "" {
			fixed[k] = fixed[k][:0:0]
			continue
		}
		fixed[k] = append(fixed[k], v)
	}
	lim := analysis.Limits{States: *states, Decisions: *decisions}

	sets := make([]*analysis.Set, 0, 2)
	if c == diffCmd {
		for _, name := range pos {
			s, err := loadSet(name)
			if err != nil {
				fmt.Fprintf(stderr, "ramauthz %s: %v\n", c.name, err)
				return exitUsage
			}
			sets = append(sets, s)
		}
	} else {
		var ps []evaluator.Policy
		for _, name := range pos {
			p, err := loadPolicy(name)
			if err != nil {
				fmt.Fprintf(stderr, "ramauthz %s: %v\n", c.name, err)
				return exitUsage
			}
			ps = append(ps, p)
		}
		s, err := analysis.Compile(ps...)
		if err != nil {
			fmt.Fprintf(stderr, "ramauthz %s: %v\n", c.name, err)
			return exitUsage
		}
		sets = append(sets, s)
	}
	ctx := context.Background()
	var res analysis.Result
	switch c {
	case diffCmd:
		res = analysis.NoNewAccess(ctx, sets[1], sets[0], u, lim)
	case checkNotGrantedCmd:
		res = analysis.AccessNotGranted(ctx, sets[0], actions, resources, u, lim)
	default:
		res = analysis.AlwaysAllows(ctx, sets[0], actions, resources, fixed, u, lim)
	}
	if *asJSON {
		writeJSON(stdout, jsonResult(c.name, res))
	} else {
		printResult(stdout, c, res)
	}
	switch res.Verdict {
	case analysis.VerdictHolds:
		return exitOK
	case analysis.VerdictFails:
		return exitFail
	}
	return exitUsage
}

func loadPolicy(name string) (evaluator.Policy, error) {
	if sys, ok := strings.CutPrefix(name, "system:"); ok {
		sp, found := system.Get(sys)
		if !found {
			return evaluator.Policy{}, fmt.Errorf("unknown system policy %q (shipped: %s)", sys, strings.Join(system.Names(), ", "))
		}
		return evaluator.Policy{ID: sys, Document: sp.Document}, nil
	}
	data, err := readPolicyFile(name)
	if err != nil {
		return evaluator.Policy{}, fmt.Errorf("%s: %s", name, readMessage(err))
	}
	doc, err := casefile.ParsePolicy(data, policy.Identity, name)
	if err != nil {
		return evaluator.Policy{}, err
	}
	return evaluator.Policy{ID: name, Document: doc}, nil
}

func loadSet(name string) (*analysis.Set, error) {
	p, err := loadPolicy(name)
	if err != nil {
		return nil, err
	}
	return analysis.Compile(p)
}

func jsonResult(cmd string, res analysis.Result) analysisOutput {
	out := analysisOutput{Command: cmd, Verdict: res.Verdict.String(), Reasons: []jsonReason{}}
	if res.Verdict == analysis.VerdictUnknown && res.Err != nil {
		out.Error = res.Err.Error()
	}
	for _, r := range res.Reasons {
		jr := jsonReason{Policy: r.Statement.Policy, Statement: r.Statement.Index, Sid: r.Statement.Sid, Path: r.Statement.Path(),
			Left: r.Left.String(), Right: r.Right.String(),
			Witness: jsonWitness{Action: r.Witness.Action, Resource: r.Witness.Resource}}
		if r.Statement.Valid() {
			jr.Effect = r.Statement.Effect.String()
		}
		if d := r.DeniedBy; d.Valid() {
			jr.DeniedBy = &jsonMatch{Policy: d.Policy, Statement: d.Index, Sid: d.Sid, Effect: d.Effect.String(), Path: d.Path()}
		}
		if len(r.Context) > 0 {
			jr.Witness.Context = map[string][]string{}
			for _, kv := range r.Context {
				jr.Witness.Context[kv.Key] = kv.Values
			}
		}
		if p := r.Witness.Principal; p.Type != evaluator.PrincipalNone {
			jr.Witness.Principal = &jsonPrincipal{Type: p.Type.String(), AccountID: p.AccountID, ARN: p.ARN}
		}
		out.Reasons = append(out.Reasons, jr)
	}
	out.Stats = jsonStats{States: res.Stats.States, Decisions: res.Stats.Decisions, Atoms: []jsonAtoms{}}
	for _, v := range res.Stats.Variables {
		out.Stats.Atoms = append(out.Stats.Atoms, jsonAtoms{Variable: v.Variable, Atoms: v.Atoms})
	}
	return out
}

func printResult(w io.Writer, c *command, res analysis.Result) {
	switch res.Verdict {
	case analysis.VerdictHolds:
		switch c {
		case diffCmd:
			fmt.Fprintln(w, "Holds: NEW grants nothing OLD does not")
		case checkNotGrantedCmd:
			fmt.Fprintln(w, "Holds: no such request is ever allowed")
		default:
			fmt.Fprintln(w, "Holds: every such request is allowed")
		}
		return
	case analysis.VerdictUnknown:
		fmt.Fprintf(w, "Unknown: %v\n", res.Err)
		return
	}
	fmt.Fprintf(w, "Fails: %d reason(s)\n", len(res.Reasons))
	for _, r := range res.Reasons {
		fmt.Fprintf(w, "  %s\n", r.Statement)
		fmt.Fprintf(w, "    action %s\n    resource %s\n", strconv.Quote(r.Witness.Action), strconv.Quote(r.Witness.Resource))
		for _, kv := range r.Context {
			fmt.Fprintf(w, "    context %s=%s\n", kv.Key, strings.Join(quoteAll(kv.Values), ","))
		}
		if p := r.Witness.Principal; p.Type != evaluator.PrincipalNone {
			fmt.Fprintf(w, "    principal %s %s\n", p.Type, p.ARN)
		}
		switch c {
		case diffCmd:
			fmt.Fprintf(w, "    NEW: %s, OLD: %s", r.Left, r.Right)
			if r.DeniedBy.Valid() {
				fmt.Fprintf(w, " (%s)", r.DeniedBy)
			}
			fmt.Fprintln(w)
		default:
			fmt.Fprintf(w, "    decision: %s\n", r.Left)
		}
	}
}

func quoteAll(vs []string) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = strconv.Quote(v)
	}
	return out
}
