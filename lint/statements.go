package lint

import (
	"slices"
	"strconv"
	"strings"

	"github.com/ramauthz/ramauthz/evaluator"
	"github.com/ramauthz/ramauthz/policy"
)

// escalationActions let their holder give itself, or an identity it
// controls, more permissions (new policy versions, attachments, keys,
// passwords, group membership, role trust).
var escalationActions = []string{
	"ram:CreatePolicyVersion", "ram:SetDefaultPolicyVersion",
	"ram:AttachPolicyToUser", "ram:AttachPolicyToGroup", "ram:AttachPolicyToRole",
	"ram:AddUserToGroup", "ram:UpdateRole", "ram:CreateAccessKey",
	"ram:CreateLoginProfile", "ram:UpdateLoginProfile", "ram:PassRole",
}

// ossDataActions are the OSS object actions that carry data.
var ossDataActions = []string{"oss:GetObject", "oss:PutObject", "oss:ListObjects", "oss:DeleteObject"}

func (c *checker) checkSids() {
	seen := map[string]bool{}
	for i := range c.stmts {
		sv := &c.stmts[i]
		if sv.st.Sid == "" {
			continue
		}
		if seen[sv.st.Sid] {
			m := sv.members["Sid"]
			c.add(UniqueSidsRecommended, "Sid "+quote(sv.st.Sid)+" is already used by an earlier statement; give every statement its own Sid so that findings and explanations name one statement", sv.path+".Sid", m.value)
		}
		seen[sv.st.Sid] = true
	}
}

// anyPattern reports whether the list has a pattern that matches every
// well-formed entry: "*" for resources, "*" or "*:*" for actions.
func anyPattern(list []string, action bool) bool {
	for _, p := range list {
		if p == "*" || action && strings.Trim(p, "*:") == "" && strings.Contains(p, ":") {
			return true
		}
	}
	return false
}

func (c *checker) checkGrants(sv *stmtView) {
	st := sv.st
	if st.Effect != policy.Allow {
		return
	}
	if st.NotAction != nil {
		w := c.witness(sv, c.notListed(st.NotAction, []string{"ecs:DeleteInstance", "ram:CreateUser", "oss:DeleteBucket", "zzz:Zzz"}, true), "")
		c.addWitness(AllowWithNotAction, "Allow with NotAction grants every action not listed, including actions services add later; list the actions to grant under Action instead", sv.path+".NotAction", sv, w)
	}
	if st.NotResource != nil {
		w := c.witness(sv, "", c.notListed(st.NotResource, []string{"acs:ecs:cn-hangzhou:" + c.account() + ":instance/i-zzz", "acs:oss:*:" + c.account() + ":zzz-bucket"}, false))
		c.addWitness(AllowWithNotResource, "Allow with NotResource grants every resource not listed, including resources created later; list the resources to grant under Resource instead", sv.path+".NotResource", sv, w)
	}
	allActions := st.Action != nil && anyPattern(st.Action, true)
	allResources := st.Resource != nil && anyPattern(st.Resource, false)
	if allActions && allResources {
		msg := "the statement allows every action on every resource: an administrator grant; grant the actions and resources the job needs"
		if len(st.Condition) > 0 {
			msg = "the statement allows every action on every resource whenever its conditions hold: an administrator grant; grant the actions and resources the job needs"
		}
		c.addWitness(FullAdmin, msg, sv.path, sv, c.witness(sv, "ram:AttachPolicyToUser", "acs:ram::"+c.account()+":user/anyone"))
		return
	}
	if len(st.Condition) > 0 || !c.coversEveryResource(st) {
		return
	}
	var granted []string
	for _, a := range escalationActions {
		if c.actionGranted(st, a) {
			granted = append(granted, a)
		}
	}
	if len(granted) > 0 {
		c.addWitness(PrivilegeEscalation, "the statement allows "+strings.Join(granted, ", ")+" on every resource without conditions, which lets the holder raise its own permissions; limit the resources or add conditions", sv.path, sv, c.witness(sv, granted[0], "acs:ram::"+c.account()+":user/anyone"))
	}
}

// coversEveryResource reports whether the statement applies to every
// resource: Resource "*" (or absent in a trust policy) and no NotResource.
func (c *checker) coversEveryResource(st *policy.Statement) bool {
	if st.NotResource != nil {
		return false
	}
	return st.Resource == nil || anyPattern(st.Resource, false)
}

// actionGranted reports whether the statement's Action or NotAction covers
// the literal action a.
func (c *checker) actionGranted(st *policy.Statement, a string) bool {
	if st.Action != nil {
		return slices.ContainsFunc(st.Action, func(p string) bool { return matches(p, a, true) })
	}
	return !slices.ContainsFunc(st.NotAction, func(p string) bool { return matches(p, a, true) })
}

// notListed returns the first candidate that no pattern of list matches.
func (c *checker) notListed(list, candidates []string, fold bool) string {
	for _, cand := range candidates {
		if !slices.ContainsFunc(list, func(p string) bool { return matches(p, cand, fold) }) {
			return cand
		}
	}
	return ""
}

func (c *checker) account() string {
	if c.opts.Account != "" {
		return c.opts.Account
	}
	return "1234567890123456"
}

// witness builds a request for the statement with the given action and
// resource (an empty one is taken from the statement's own first literal
// entry, or a made-up name) and an empty context, and keeps it only when
// the whole document allows it: every witness is confirmed by Decide.
func (c *checker) witness(sv *stmtView, action, resource string) *evaluator.Request {
	st := sv.st
	if action == "" {
		action = firstLiteral(st.Action, "ecs:DescribeInstances")
	}
	if resource == "" {
		resource = firstLiteral(st.Resource, "acs:ecs:cn-hangzhou:"+c.account()+":instance/i-witness")
	}
	if action == "" || resource == "" {
		return nil
	}
	ev, err := evaluator.Compile(evaluator.Policy{ID: "linted", Document: c.doc})
	if err != nil {
		return nil
	}
	r := evaluator.Request{Action: action, Resource: resource}
	if c.opts.Kind == policy.Trust {
		r.Principal = evaluator.Principal{Type: evaluator.PrincipalUser, AccountID: c.account(), ARN: "acs:ram::" + c.account() + ":user/witness"}
	}
	if ev.Decide(r) != evaluator.Allow {
		return nil
	}
	return &r
}

func firstLiteral(list []string, fallback string) string {
	for _, p := range list {
		if !hasWildcard(p) {
			return p
		}
	}
	return fallback
}

func (c *checker) addWitness(code Code, msg, path string, sv *stmtView, w *evaluator.Request) {
	r := sv.raw
	if i := strings.LastIndexByte(path, '.'); i >= 0 && path != sv.path {
		if m, ok := sv.members[path[i+1:]]; ok {
			r = m.value
		}
	}
	c.add(code, msg, path, r)
	c.findings[len(c.findings)-1].Witness = w
}

func (c *checker) checkActions(sv *stmtView) {
	for _, name := range []string{"Action", "NotAction"} {
		entries := c.list(sv, name)
		for i, e := range entries {
			svc, _, _ := strings.Cut(e.raw, ":")
			if name == "Action" && e.raw != "*" && hasWildcard(svc) {
				sev := SecurityWarning
				if sv.st.Effect == policy.Deny {
					sev = Suggestion
				}
				c.addSev(WildcardInServiceName, sev, "the service part "+quote(svc)+" has a wildcard, so the entry reaches into services it does not name; write the service out", e.path, e.res)
			}
			if why := complexity(e.raw); why != "" {
				c.add(ComplexPattern, "the pattern "+why+"; it is slow to match and hard to review: simplify it", e.path, e.res)
			}
			c.redundantEntry(RedundantAction, entries, i, true)
			c.catalogue(e, name == "NotAction")
		}
	}
}

func (c *checker) checkResources(sv *stmtView) {
	for _, name := range []string{"Resource", "NotResource"} {
		entries := c.list(sv, name)
		for i, e := range entries {
			if why := complexity(e.raw); why != "" {
				c.add(ComplexPattern, "the pattern "+why+"; it is slow to match and hard to review: simplify it", e.path, e.res)
			}
			c.redundantEntry(RedundantResource, entries, i, false)
		}
	}
}

// redundantEntry reports entries[i] when another entry of the list covers
// it. Of two equal entries the later one is reported.
func (c *checker) redundantEntry(code Code, entries []valueView, i int, fold bool) {
	e := entries[i]
	for j, o := range entries {
		if j == i || !covers(o.raw, e.raw, fold) {
			continue
		}
		if covers(e.raw, o.raw, fold) && j > i {
			continue // equal in meaning: report the later one only
		}
		c.add(code, quote(e.raw)+" is already covered by "+quote(o.raw)+" in the same list; remove it", e.path, e.res)
		return
	}
}

// checkStatementCover reports Allow statements that a Deny always overrides
// and statements that another statement of the same effect already covers.
// Only statements without NotAction and NotResource are compared, and a
// covering statement must have no conditions (or exactly the same ones), so
// every report is certain.
func (c *checker) checkStatementCover(shadowDecided []bool) {
	for i := range c.stmts {
		s := &c.stmts[i]
		if s.st.Action == nil || s.st.NotResource != nil || s.st.Principal != nil {
			continue
		}
		for j := range c.stmts {
			o := &c.stmts[j]
			if i == j || o.st.Action == nil || o.st.NotResource != nil || o.st.Principal != nil || len(o.st.Condition) > 0 && !sameConditions(s.st, o.st) {
				continue
			}
			if !coversAll(o.st.Action, s.st.Action, true) || !coversAll(resourcesOf(o.st), resourcesOf(s.st), false) {
				continue
			}
			if s.st.Effect == policy.Allow && o.st.Effect == policy.Deny {
				if shadowDecided[i] {
					continue // the analysis engine has answered for this statement
				}
				c.add(StatementShadowedByDeny, "this Allow never takes effect: "+o.path+" denies every request it allows; remove it or narrow the Deny", s.path, s.raw)
				break
			}
			if s.st.Effect == o.st.Effect {
				mutual := coversAll(s.st.Action, o.st.Action, true) && coversAll(resourcesOf(s.st), resourcesOf(o.st), false) && (len(s.st.Condition) == 0 || sameConditions(s.st, o.st))
				if mutual && j > i {
					continue // equal statements: report the later one
				}
				verb, done := "allows", "allowed"
				if s.st.Effect == policy.Deny {
					verb, done = "denies", "denied"
				}
				c.add(RedundantStatement, "everything this statement "+verb+" is already "+done+" by "+o.path+"; remove it", s.path, s.raw)
				break
			}
		}
	}
}

func resourcesOf(st *policy.Statement) []string {
	if st.Resource == nil {
		return []string{"*"}
	}
	return st.Resource
}

func sameConditions(a, b *policy.Statement) bool {
	if len(a.Condition) != len(b.Condition) {
		return false
	}
	for i := range a.Condition {
		x, y := a.Condition[i], b.Condition[i]
		if x.Operator != y.Operator || x.IfExists != y.IfExists || x.Key != y.Key || len(x.Values) != len(y.Values) {
			return false
		}
		for k := range x.Values {
			if x.Values[k].Raw != y.Values[k].Raw {
				return false
			}
		}
	}
	return true
}

// checkSensitive reports Allow statements that grant sensitive actions
// without requiring MFA, and OSS data actions without requiring HTTPS.
func (c *checker) checkSensitive(sv *stmtView) {
	st := sv.st
	if st.Effect != policy.Allow || st.Action == nil || c.opts.Kind == policy.Trust {
		return
	}
	sensitive := c.opts.Sensitive
	if sensitive == nil {
		sensitive = DefaultSensitive
	}
	if !c.requiresTrue(st, "acs:MFAPresent") {
		for _, a := range st.Action {
			if slices.ContainsFunc(sensitive, func(s string) bool { return actionsIntersect(s, a) }) {
				c.add(MissingMFAForSensitiveAction, quote(a)+" reaches sensitive actions; add \"Bool\": {\"acs:MFAPresent\": \"true\"} so that they need MFA", sv.path+".Action", sv.members["Action"].value)
				break
			}
		}
	}
	if !c.requiresTrue(st, "acs:SecureTransport") {
		for _, a := range st.Action {
			if slices.ContainsFunc(ossDataActions, func(s string) bool { return matches(a, s, true) }) {
				c.add(MissingSecureTransport, quote(a)+" grants OSS object data; add \"Bool\": {\"acs:SecureTransport\": \"true\"} so that it only travels over HTTPS", sv.path+".Action", sv.members["Action"].value)
				break
			}
		}
	}
}

// requiresTrue reports whether the statement has Bool key = "true" (only).
func (c *checker) requiresTrue(st *policy.Statement, key string) bool {
	for _, cond := range st.Condition {
		if cond.Operator == policy.Bool && !cond.IfExists && equalFold(cond.Key, key, true) {
			return !slices.ContainsFunc(cond.Values, func(v policy.Value) bool { return !v.Bool })
		}
	}
	return false
}

func quote(s string) string { return strconv.Quote(s) }
