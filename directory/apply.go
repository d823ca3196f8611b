package directory

import (
	"maps"
	"slices"
	"strings"

	"github.com/ramauthz/ramauthz/policy"

	"github.com/ramauthz/ramauthz/internal/pmap"
	"github.com/ramauthz/ramauthz/store"
)

// A replica applies a committed batch at the cost of the batch: patch
// decodes only the entities the batch writes, rebuilds only those (and
// the identity sets of the holders of a policy whose default version
// changed), and shares everything else with the previous state. Holders
// whose attachments and policies did not change keep their compiled sets,
// so an unrelated change costs an identity nothing. build (the whole
// account from its stored entities) stays the path for a new or deleted
// account and for loading a snapshot; a test checks patch against it.

// patchSet is one account's entity writes in a batch, decoded: the last
// value written per name, nil for a delete.
type patchSet struct {
	uid      string
	meta     bool // the batch writes the account entity itself
	users    map[string]*exportUser
	groups   map[string]*exportGroup
	policies map[string]*exportPolicy
	roles    map[string]*exportRole
}

func newPatchSet(uid string) *patchSet {
	return &patchSet{uid: uid, users: map[string]*exportUser{}, groups: map[string]*exportGroup{},
		policies: map[string]*exportPolicy{}, roles: map[string]*exportRole{}}
}

// put records one stored write (value empty: a delete).
func (ps *patchSet) put(op *store.Op) error {
	switch op.Key.Kind {
	case kindMeta:
		ps.meta = true
		return nil
	case kindUser:
		return decodePatch(ps.users, op, func(v *exportUser) string { return v.Name })
	case kindGroup:
		return decodePatch(ps.groups, op, func(v *exportGroup) string { return v.Name })
	case kindPolicy:
		return decodePatch(ps.policies, op, func(v *exportPolicy) string { return v.Name })
	case kindRole:
		return decodePatch(ps.roles, op, func(v *exportRole) string { return v.Name })
	}
	return errf("Sync", ps.uid+"/"+op.Key.Kind+"/"+op.Key.Name, ErrInvalid, "unknown kind of stored entity")
}

func decodePatch[V any](m map[string]*V, op *store.Op, name func(*V) string) error {
	if op.IsDelete() {
		m[op.Key.Name] = nil
		return nil
	}
	v := new(V)
	if err := decodeStored(op.Value, v); err != nil {
		return err
	}
	if name(v) != op.Key.Name {
		return errf("Sync", op.Key.Account+"/"+op.Key.Kind+"/"+op.Key.Name, ErrInvalid, "the stored value names another entity")
	}
	m[op.Key.Name] = v
	return nil
}

// patch applies ps to account old (which exists and keeps its account
// entity) in t.s. Errors are those of an import of the changed entities
// (ErrInvalid, ErrLimit, ErrSealed), and ErrInvalid when the change breaks
// a rule between entities (a membership listed on one side only, a deleted
// policy still attached).
func (d *Directory) patch(t *txn, old *account, ps *patchSet, tok *pmap.Token) error {
	uid := old.uid
	a := new(account)
	*a = *old
	im := &importer{d: d, t: t, uids: map[uint64]bool{}, roleIDs: map[string]bool{}, keyIDs: map[string]bool{}, tok: tok}
	where := "store " + uid
	// owned holds the policies this patch copied or built: only those may
	// have their holder index changed.
	owned := map[string]*customPolicy{}
	own := func(n string) *customPolicy {
		if p, ok := owned[n]; ok {
			return p
		}
		p := a.policy(n)
		if p == nil {
			return nil
		}
		cp := new(customPolicy)
		*cp = *p
		owned[n] = cp
		a.policies = a.policies.SetIn(tok, n, cp)
		return cp
	}
	unhold := func(h *holder, hk string) {
		for _, n := range h.custom {
			if p := own(n); p != nil {
				p.holders = p.holders.Delete(hk)
			}
		}
	}
	hold := func(custom []string) {
		for _, n := range custom {
			own(n)
		}
	}

	// Policies first: the attachments of the changed holders refer to them.
	if len(ps.policies) > 0 {
		for _, p := range a.policies.All {
			if _, changed := ps.policies[p.name]; !changed {
				for _, v := range p.versions {
					im.uids[v.uid] = true
				}
			}
		}
	}
	rebuilt := map[string]bool{} // policies whose default document changed
	for _, n := range slices.Sorted(maps.Keys(ps.policies)) {
		ep, op := ps.policies[n], old.policy(n)
		delete(owned, n)
		a.policies = a.policies.Delete(n)
		if ep == nil {
			continue
		}
		im.docs = map[string]*policy.Document{}
		if op != nil {
			for _, v := range op.versions {
				im.docs[v.text] = v.doc
			}
		}
		if err := im.policy(where+".Policies."+n, a, ep); err != nil {
			return err
		}
		cp := a.policy(n)
		if op != nil {
			cp.holders = op.holders
			if op.defaultVersion().uid == cp.defaultVersion().uid {
				owned[n] = cp
				continue
			}
		}
		owned[n] = cp
		rebuilt[n] = true
	}
	im.docs = nil

	// Remove every changed holder (and the access keys of changed users)
	// before adding the new values, so that names and keys may move.
	for n := range ps.users {
		if ou := old.user(n); ou != nil {
			unhold(&ou.att, "u/"+n)
			for _, k := range ou.keys {
				if ko, ok := t.s.keys.Get(k); ok && ko.account == uid && ko.key.user == n {
					t.s.keys = t.s.keys.Delete(k)
				}
			}
			a.users = a.users.Delete(n)
		}
	}
	for n := range ps.groups {
		if og := old.group(n); og != nil {
			unhold(&og.att, "g/"+n)
			a.groups = a.groups.Delete(n)
		}
	}
	for n := range ps.roles {
		if or := old.role(n); or != nil {
			unhold(&or.att, "r/"+n)
			a.roles = a.roles.Delete(n)
		}
	}
	if len(ps.roles) > 0 {
		for _, r := range a.roles.All {
			im.roleIDs[r.roleID] = true
		}
	}

	for _, n := range slices.Sorted(maps.Keys(ps.groups)) {
		if eg := ps.groups[n]; eg != nil {
			hold(eg.Policies.Custom)
			if err := im.group(where+".Groups."+n, a, eg); err != nil {
				return err
			}
		}
	}
	for _, n := range slices.Sorted(maps.Keys(ps.users)) {
		eu := ps.users[n]
		if eu == nil {
			continue
		}
		for _, ek := range eu.AccessKeys {
			if _, taken := t.s.keys.Get(ek.ID); taken {
				return errf("Sync", where+".Users."+n+".AccessKeys", ErrInvalid, "AccessKeyIds start with LTAI and are unique")
			}
		}
		hold(eu.Policies.Custom)
		if err := im.user(where+".Users."+n, a, eu); err != nil {
			return err
		}
	}
	for _, n := range slices.Sorted(maps.Keys(ps.roles)) {
		er := ps.roles[n]
		if er == nil {
			continue
		}
		im.trusts = map[string]*policySet{}
		if or := old.role(n); or != nil {
			im.trusts[or.trustText] = or.trust
		}
		hold(er.Policies.Custom)
		if err := im.role(where+".Roles."+n, a, er); err != nil {
			return err
		}
	}

	lim := d.limits
	switch {
	case a.policies.Len() > lim.PoliciesPerAccount:
		return &Error{Op: "Sync", Subject: where + ".Policies", Err: ErrLimit, Limit: LimitPolicies}
	case a.groups.Len() > lim.GroupsPerAccount:
		return &Error{Op: "Sync", Subject: where + ".Groups", Err: ErrLimit, Limit: LimitGroups}
	case a.users.Len() > lim.UsersPerAccount:
		return &Error{Op: "Sync", Subject: where + ".Users", Err: ErrLimit, Limit: LimitUsers}
	case a.roles.Len() > lim.RolesPerAccount:
		return &Error{Op: "Sync", Subject: where + ".Roles", Err: ErrLimit, Limit: LimitRoles}
	}
	if err := checkMemberships(old, a, ps, where); err != nil {
		return err
	}
	// A deleted policy is attached to nobody.
	for n, ep := range ps.policies {
		if op := old.policy(n); ep == nil && op != nil {
			for hk := range op.holders.All {
				if h := holderOf(a, hk); h != nil && slices.Contains(h.custom, n) {
					return errf("Sync", where+".Policies."+n, ErrInvalid, "a deleted policy is still attached to "+hk)
				}
			}
		}
	}

	// Compiled sets: the changed holders, and the holders of a policy whose
	// default document changed. Everyone else keeps the set it had.
	for n, eg := range ps.groups {
		if eg != nil {
			g := a.group(n)
			g.att.set = d.identitySet(a, &g.att)
		}
	}
	for n, eu := range ps.users {
		if eu != nil {
			u := a.user(n)
			u.att.set = d.identitySet(a, &u.att)
		}
	}
	for n, er := range ps.roles {
		if er != nil {
			r := a.role(n)
			r.att.set = d.identitySet(a, &r.att)
		}
	}
	for pn := range rebuilt {
		for hk := range a.policy(pn).holders.All {
			name := hk[2:]
			switch hk[0] {
			case 'u':
				a.users = recompile(d, a, a.users, ps.users, name, func(u *user) *holder { return &u.att }, tok)
			case 'g':
				a.groups = recompile(d, a, a.groups, ps.groups, name, func(g *group) *holder { return &g.att }, tok)
			case 'r':
				a.roles = recompile(d, a, a.roles, ps.roles, name, func(r *role) *holder { return &r.att }, tok)
			}
		}
	}
	for u := range im.uids {
		if u >= t.s.nextUID {
			t.s.nextUID = u + 1
		}
	}
	t.s.accounts = t.s.accounts.SetIn(tok, uid, a)
	return nil
}

// recompile gives holder name of m (users, groups or roles of a) a copy
// with its identity set rebuilt, unless the batch wrote the holder itself
// (written: its set was built with it) or the holder is gone.
func recompile[H, E any](d *Directory, a *account, m pmap.Map[*H], written map[string]*E, name string,
	att func(*H) *holder, tok *pmap.Token) pmap.Map[*H] {
	if _, ok := written[name]; ok {
		return m
	}
	h, ok := m.Get(name)
	if !ok || h == nil {
		return m
	}
	nh := *h
	at := att(&nh)
	at.set = d.identitySet(a, at)
	return m.SetIn(tok, name, &nh)
}

// checkMemberships checks that every membership touching a changed user
// or group is listed on both sides in a.
func checkMemberships(old, a *account, ps *patchSet, where string) error {
	check := func(un, gn string) error {
		u, g := a.user(un), a.group(gn)
		inU := u != nil && slices.Contains(u.groups, gn)
		inG := g != nil && slices.Contains(g.members, un)
		if inU != inG {
			return errf("Sync", where+".Groups."+gn, ErrInvalid, "membership of "+un+" is listed on one side only")
		}
		return nil
	}
	for n := range ps.users {
		var gs []string
		if ou := old.user(n); ou != nil {
			gs = ou.groups
		}
		if u := a.user(n); u != nil {
			gs = append(gs[:len(gs):len(gs)], u.groups...)
		}
		for _, gn := range gs {
			if err := check(n, gn); err != nil {
				return err
			}
		}
	}
	for n := range ps.groups {
		var ms []string
		if og := old.group(n); og != nil {
			ms = og.members
		}
		if g := a.group(n); g != nil {
			ms = append(ms[:len(ms):len(ms)], g.members...)
		}
		for _, un := range ms {
			if err := check(un, n); err != nil {
				return err
			}
		}
	}
	return nil
}

// holderOf returns the attachments of the holder named by a holder key
// ("u/", "g/" or "r/" and a name) in a, or nil when it is gone.
func holderOf(a *account, hk string) *holder {
	name, ok := strings.CutPrefix(hk[1:], "/")
	if !ok {
		return nil
	}
	switch hk[0] {
	case 'u':
		if u := a.user(name); u != nil {
			return &u.att
		}
	case 'g':
		if g := a.group(name); g != nil {
			return &g.att
		}
	case 'r':
		if r := a.role(name); r != nil {
			return &r.att
		}
	}
	return nil
}
