package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/ramauthz/ramauthz/authztest/casefile"
	"github.com/ramauthz/ramauthz/evaluator"
	"github.com/ramauthz/ramauthz/policy"
	"github.com/ramauthz/ramauthz/policy/system"
	"github.com/ramauthz/ramauthz/principal"
)

var evalCmd = &command{
	name:    "eval",
	summary: "decide one request",
	usage: `Usage: ramauthz eval (--policy FILE | --system NAME)... --action ACTION --resource ARN
                     [--context KEY=VALUE]... [--principal ID] [--explain] [--json]

Compiles the given policies into one policy set and decides one request
against it, printing the decision: Allow, ExplicitDeny or ImplicitDeny.

Flags:
  --policy FILE       a policy document; repeat for several. Extra arguments
                      after the flags are policy files too, so
                      "--policy dir/*.json" works. A document with a
                      Principal element is read as a trust policy, any other
                      as an identity policy.
  --system NAME       a shipped system policy, such as AliyunARMSReadOnlyAccess;
                      repeat for several.
  --action ACTION     the action, such as arms:GetTrace (required):
                      SERVICE:NAME in letters, digits, '-', '_' and '.'
  --resource ARN      the resource, such as acs:arms:cn-hangzhou:1234567890123456:dashboard/d1
                      (required): "*" or acs:SERVICE:REGION:ACCOUNT:RELATIVE-ID
  --context KEY=VALUE a condition key of the request, such as
                      acs:SourceIp=10.0.0.1; repeat a key for a multi-valued key.
                      Key names ignore case before the first '/', so two
                      spellings of one key (acs:SourceIp, acs:sourceip) are
                      a usage error
  --principal ID      who makes the request, for trust policies: an account
                      (acs:ram::<uid>:root), user, role or role session ARN,
                      a saml-provider or oidc-provider ARN, or a service
                      name such as ecs.aliyuncs.com
  --explain           also print the statements that applied and the near
                      misses (statements stopped only by a condition)
  --json              print one JSON object (see below)

Exit codes: 0 Allow; 1 ExplicitDeny or ImplicitDeny; 2 usage error (including
a malformed --action or --resource), or a policy that cannot be read, parsed
or compiled, or an unknown system policy. Policy files are read as validate
reads them (regular files of at most 1 MiB).

JSON output (--json):
  {"decision": "Allow" | "ExplicitDeny" | "ImplicitDeny",
   "request": {"action": A, "resource": R, "context": {KEY: [VALUES]},
               "principal": {"type": T, "account_id": ID, "arn": ARN}},
   "matched": [{"policy": ID, "statement": N, "sid": SID, "effect": "Allow"|"Deny",
                "path": "Statement[N]"}],
   "near_misses": [{"policy": ID, "statement": N, "sid": SID, "effect": E,
                    "path": P, "operator": OP, "key": KEY, "reason": TEXT}]}
"context" and "principal" are present only when given; "matched" and
"near_misses" only with --explain (then always as lists, possibly empty).
Policy IDs are the file names given to --policy and the names given to
--system.
`,
}

func init() { evalCmd.run = runEval }

type jsonPrincipal struct {
	Type      string `json:"type"`
	AccountID string `json:"account_id,omitempty"`
	ARN       string `json:"arn"`
}

type jsonRequest struct {
	Action    string              `json:"action"`
	Resource  string              `json:"resource"`
	Context   map[string][]string `json:"context,omitempty"`
	Principal *jsonPrincipal      `json:"principal,omitempty"`
}

type jsonMatch struct {
	Policy    string `json:"policy"`
	Statement int    `json:"statement"`
	Sid       string `json:"sid,omitempty"`
	Effect    string `json:"effect"`
	Path      string `json:"path"`
}

type jsonNearMiss struct {
	jsonMatch
	Operator string `json:"operator,omitempty"`
	Key      string `json:"key,omitempty"`
	Reason   string `json:"reason"`
}

type evalOutput struct {
	Decision   string          `json:"decision"`
	Request    jsonRequest     `json:"request"`
	Matched    *[]jsonMatch    `json:"matched,omitempty"`
	NearMisses *[]jsonNearMiss `json:"near_misses,omitempty"`
}

func runEval(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("eval", flag.ContinueOnError)
	var policies, systems, ctxs listFlag
	fs.Var(&policies, "policy", "")
	fs.Var(&systems, "system", "")
	fs.Var(&ctxs, "context", "")
	action := fs.String("action", "", "")
	resource := fs.String("resource", "", "")
	who := fs.String("principal", "", "")
	explain := fs.Bool("explain", false, "")
	asJSON := fs.Bool("json", false, "")
	extra, code, done := parseFlags(fs, evalCmd.usage, args, stdout, stderr)
	if done {
		return code
	}
	policies = append(policies, extra...)
	switch {
	case len(policies)+len(systems) == 0:
		return usageError(stderr, "eval", "give at least one --policy FILE or --system NAME")
	case *action == "":
		return usageError(stderr, "eval", "--action is required")
	case *resource == "":
		return usageError(stderr, "eval", "--resource is required")
	}
	if msg := checkRequestAction(*action); msg != "" {
		return usageError(stderr, "eval", "--action "+strconv.Quote(*action)+": "+msg)
	}
	if msg := checkRequestResource(*resource); msg != "" {
		return usageError(stderr, "eval", "--resource "+strconv.Quote(*resource)+": "+msg)
	}

	var ps []evaluator.Policy
	for _, name := range policies {
		data, err := readPolicyFile(name)
		if err != nil {
			fmt.Fprintf(stderr, "ramauthz eval: %s: %s\n", name, readMessage(err))
			return exitUsage
		}
		doc, err := casefile.ParsePolicy(data, policy.Identity, name)
		if err != nil {
			fmt.Fprintf(stderr, "ramauthz eval: %v\n", err)
			return exitUsage
		}
		ps = append(ps, evaluator.Policy{ID: name, Document: doc})
	}
	for _, name := range systems {
		sp, ok := system.Get(name)
		if !ok {
			fmt.Fprintf(stderr, "ramauthz eval: unknown system policy %q (shipped: %s)\n", name, strings.Join(system.Names(), ", "))
			return exitUsage
		}
		ps = append(ps, evaluator.Policy{ID: name, Document: sp.Document})
	}
	ev, err := evaluator.Compile(ps...)
	if err != nil {
		fmt.Fprintf(stderr, "ramauthz eval: %v\n", err)
		return exitUsage
	}

	req := evaluator.Request{Action: *action, Resource: *resource}
	jreq := jsonRequest{Action: *action, Resource: *resource}
	if len(ctxs) > 0 {
		values := casefile.Context{}
		var order []string
		for _, kv := range ctxs {
			k, v, ok := strings.Cut(kv, "=")
			if !ok || k == "" {
				return usageError(stderr, "eval", fmt.Sprintf("--context wants KEY=VALUE; got %q", kv))
			}
			if _, seen := values[k]; !seen {
				// Spec §13 D23: keys that differ only in the case of the part
				// before the first '/' are one key; two spellings would leave
				// one value unused, so they are refused (repeat one spelling
				// for a multi-valued key).
				if o := values.Twin(k); o != "" {
					return usageError(stderr, "eval", fmt.Sprintf("--context keys %q and %q are the same key (key names ignore case before the first '/'); spell it one way", o, k))
				}
				order = append(order, k)
			}
			values[k] = append(values[k], v)
		}
		req.Context = new(evaluator.Context)
		for _, k := range order {
			req.Context.Set(k, values[k]...)
		}
		jreq.Context = values
	}
	if *who != "" {
		p, err := requestPrincipal(*who)
		if err != nil {
			return usageError(stderr, "eval", err.Error())
		}
		req.Principal = p
		jreq.Principal = &jsonPrincipal{Type: p.Type.String(), AccountID: p.AccountID, ARN: p.ARN}
	}

	x := ev.Explain(req)
	d := ev.Decide(req)
	if x.Decision != d { // Explain promises to agree; say so loudly if it ever does not
		fmt.Fprintf(stderr, "ramauthz eval: internal error: Decide says %s, Explain says %s\n", d, x.Decision)
		return exitUsage
	}
	switch {
	case *asJSON:
		out := evalOutput{Decision: d.String(), Request: jreq}
		if *explain {
			ms, ns := jsonExplanation(x)
			out.Matched, out.NearMisses = &ms, &ns
		}
		writeJSON(stdout, out)
	case *explain:
		fmt.Fprint(stdout, x.String())
	default:
		fmt.Fprintln(stdout, d)
	}
	if d != evaluator.Allow {
		return exitFail
	}
	return exitOK
}

func jsonExplanation(x evaluator.Explanation) ([]jsonMatch, []jsonNearMiss) {
	conv := func(m evaluator.Match) jsonMatch {
		return jsonMatch{Policy: m.PolicyID, Statement: m.Statement, Sid: m.Sid, Effect: m.Effect.String(), Path: m.Path}
	}
	ms := make([]jsonMatch, 0, len(x.Matched))
	for _, m := range x.Matched {
		ms = append(ms, conv(m))
	}
	ns := make([]jsonNearMiss, 0, len(x.NearMisses))
	for _, n := range x.NearMisses {
		j := jsonNearMiss{jsonMatch: conv(n.Match), Key: n.Key, Reason: n.Reason}
		if n.Operator.Valid() {
			j.Operator = n.Operator.String()
		}
		ns = append(ns, j)
	}
	return ms, ns
}

// requestPrincipal reads --principal: any identity principal.Parse accepts
// except groups. A role session is seen by policies as its role.
func requestPrincipal(s string) (evaluator.Principal, error) {
	id, err := principal.Parse(s)
	if err != nil {
		return evaluator.Principal{}, fmt.Errorf("--principal: %v", err)
	}
	p := evaluator.Principal{AccountID: id.Account(), ARN: id.String()}
	switch id.Kind() {
	case principal.KindAccount:
		p.Type = evaluator.PrincipalAccount
	case principal.KindUser:
		p.Type = evaluator.PrincipalUser
	case principal.KindRole:
		p.Type = evaluator.PrincipalRole
	case principal.KindSession:
		p.Type, p.ARN = evaluator.PrincipalRole, id.Role().String()
	case principal.KindSAMLProvider, principal.KindOIDCProvider:
		p.Type = evaluator.PrincipalFederated
	case principal.KindService:
		p.Type = evaluator.PrincipalService
	default:
		return evaluator.Principal{}, fmt.Errorf("--principal: a %s cannot make requests", id.Kind())
	}
	return p, nil
}

// checkRequestAction says what is wrong with the action of a request, or
// returns "". A request names one action, SERVICE:NAME (spec §2), so
// wildcards are refused as well as a missing service.
func checkRequestAction(a string) string {
	svc, name, ok := strings.Cut(a, ":")
	switch {
	case !ok || svc == "":
		return "an action is SERVICE:NAME, such as ecs:DescribeInstances; the service is missing"
	case name == "":
		return "an action is SERVICE:NAME, such as ecs:DescribeInstances; the name is missing"
	case strings.ContainsAny(a, "*?"):
		return "a request names one action; '*' and '?' are wildcards for policies"
	case !actionWord(svc) || !actionWord(name):
		return "an action uses letters, digits, '-', '_' and '.' on either side of one ':'"
	}
	return ""
}

func actionWord(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case c == '-', c == '_', c == '.':
		default:
			return false
		}
	}
	return true
}

// checkRequestResource says what is wrong with the resource of a request,
// or returns "": it is "*" or acs:SERVICE:REGION:ACCOUNT:RELATIVE-ID (spec
// §3.1; REGION and ACCOUNT may be empty, RELATIVE-ID may hold ':').
func checkRequestResource(r string) string {
	if r == "*" {
		return ""
	}
	for i := 0; i < len(r); i++ {
		if r[i] < 0x20 || r[i] == 0x7f {
			return "a resource must not contain control characters"
		}
	}
	if !utf8.ValidString(r) {
		return "a resource must be valid UTF-8"
	}
	rest, ok := strings.CutPrefix(r, "acs:")
	if !ok {
		return `a resource is "*" or an ARN acs:SERVICE:REGION:ACCOUNT:RELATIVE-ID`
	}
	parts := strings.SplitN(rest, ":", 4)
	if len(parts) < 4 || parts[0] == "" || parts[3] == "" {
		return "an ARN is acs:SERVICE:REGION:ACCOUNT:RELATIVE-ID (REGION and ACCOUNT may be empty)"
	}
	return ""
}

// writeJSON prints v as indented JSON without HTML escaping.
func writeJSON(w io.Writer, v any) {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v) // the output types cannot fail to encode
}
