package directory

import (
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ramauthz/ramauthz/internal/pmap"

	"github.com/ramauthz/ramauthz/policy"
	"github.com/ramauthz/ramauthz/policy/system"
	"github.com/ramauthz/ramauthz/principal"
)

// ImportOptions configure ImportWith.
type ImportOptions struct {
	// Force imports a document taken at a revision older than the state
	// it replaces (ErrOutdated otherwise). Revocations survive even then.
	Force bool
	// PerAccount lets a directory on a store (Open) import a document of
	// scope "directory" that changes several accounts (or an account and
	// the token keys) as one store batch per account, in order: not
	// atomic, since a batch that fails leaves the ones before it
	// committed (each account whole). Without it such an import fails
	// with ErrNotAtomic and changes nothing. Restoring a whole directory
	// into an empty store needs it. A directory from New ignores it: its
	// imports are always atomic.
	PerAccount bool
}

// Import is ImportWith with the zero ImportOptions: an outdated export is
// refused with ErrOutdated.
func (d *Directory) Import(data []byte) (Revision, error) {
	return d.ImportWith(data, ImportOptions{})
}

// ImportWith reads a document written by Export or ExportAccount and makes
// it the state of the next revision (revisions never go back: the imported
// state gets the current revision plus one). A document of scope
// "directory" replaces everything, token keys included; one of scope
// "account" replaces (or adds) that one account and keeps the rest.
//
// A restore never undoes a revocation. The document's Revision is the
// revision it was taken at: a document older than what it replaces (for
// scope "account", the last revision that changed the account; for scope
// "directory", the current revision of a directory holding any account) is
// refused with ErrOutdated unless opts.Force is set. Even when forced, or
// when the document is newer, access keys deleted from this directory are
// not revived (they are left out of the imported users), an access key
// this directory holds as Inactive stays Inactive whatever the document
// says (deactivation is a revocation; UpdateAccessKey reactivates), a role's
// RevokeSessions cut-off only moves forward (the later of the document's
// and the current one, by RoleId), and a role deleted since the export
// refuses every session issued before its deletion. Keys and roles the
// import removes count as deleted from then on.
//
// Import checks everything the live API checks, and reports the first
// problem with its place in the document (Error.Subject, such as
// Accounts[0].Users[3].Groups[1]): the strict JSON reader's rules
// (Error.Cause is then the *strictjson.Error with line and column), names,
// IDs and kinds, UTF-8 and lengths of descriptions, policy and trust
// documents (policy.Parse), limits (Options.Limits), durations, version
// IDs and counters, times within the years 0001–9999 (spec D28), group
// memberships agreeing on both sides, attachments naming existing
// policies, unique AccessKeyIds and RoleIds, and that every sealed secret
// opens under this directory's key-encryption key (ErrSealed otherwise).
// On any error nothing changes. Errors: ErrInvalid, ErrLimit, ErrSealed,
// ErrOutdated; on a store (Open) also ErrConflict, ErrUnavailable and
// ErrNotAtomic. On a store every import is one batch, so atomic, when it
// changes one account (an account document always does; a directory
// document when it changes one account and keeps the token keys); a
// directory document that changes more fails with ErrNotAtomic unless
// opts.PerAccount is set (see ImportOptions).
func (d *Directory) ImportWith(data []byte, opts ImportOptions) (Revision, error) {
	doc, err := readExport(data)
	if err != nil {
		return 0, err
	}
	return d.commit("Import", func(t *txn) error {
		t.oneBatch = doc.Scope == "directory" && !opts.PerAccount
		im := &importer{d: d, t: t, uids: map[uint64]bool{}, roleIDs: map[string]bool{}, keyIDs: map[string]bool{},
			restore: true, cutoffs: map[string]time.Time{}, inactive: map[string]bool{}}
		if doc.NextUID > maxNextUID {
			return im.fail("NextUID", ErrInvalid, "at most 4294967296 (token key IDs are 32-bit)")
		}
		if doc.NextUID > t.s.nextUID {
			t.s.nextUID = doc.NextUID
		}
		old := t.s // the state the import replaces
		for _, a := range old.accounts.All {
			for _, r := range a.roles.All {
				im.cutoffs[r.roleID] = r.revokedBefore
			}
		}
		for id, ko := range old.keys.All {
			if ko.key.status == KeyInactive {
				im.inactive[id] = true
			}
		}
		switch doc.Scope {
		case "directory":
			if !opts.Force && old.accounts.Len() > 0 && Revision(doc.Revision) < old.rev {
				return errf("Import", "Revision", ErrOutdated, fmt.Sprintf("the export was taken at revision %d; the directory is at %d (ImportOptions.Force imports it anyway)", doc.Revision, old.rev))
			}
			keys, err := im.tokenKeys(doc.TokenKeys)
			if err != nil {
				return err
			}
			if keys, err = im.liveTokenKeys(old, keys); err != nil {
				return err
			}
			t.s.tokenKeys = keys
			t.s.accounts = pmap.Map[*account]{}
			t.s.keys = pmap.Map[keyOwner]{}
			t.accts = map[string]*account{}
			t.all = true
		case "account":
			if len(doc.Accounts) != 1 || len(doc.TokenKeys) != 0 {
				return im.fail("Accounts", ErrInvalid, "an account document holds one account and no token keys")
			}
			uid := doc.Accounts[0].ID
			if rev, _ := old.acctRevs.Get(uid); !opts.Force && old.account(uid) != nil && Revision(doc.Revision) < rev {
				return errf("Import", uid, ErrOutdated, fmt.Sprintf("the export was taken at revision %d; the account changed at revision %d (ImportOptions.Force imports it anyway)", doc.Revision, rev))
			}
			im.skipAccount = uid
			if old := t.account(uid); old != nil {
				for _, u := range old.users.Sorted {
					for _, k := range u.keys {
						t.s.keys = t.s.keys.Delete(k)
					}
				}
			}
			im.collectOthers()
		default:
			return im.fail("Scope", ErrInvalid, `Scope must be "directory" or "account"`)
		}
		seen := map[string]bool{}
		for i, ea := range doc.Accounts {
			p := "Accounts[" + strconv.Itoa(i) + "]"
			if seen[ea.ID] {
				return im.fail(p+".ID", ErrInvalid, "duplicate account")
			}
			seen[ea.ID] = true
			a, err := im.account(p, &ea)
			if err != nil {
				return err
			}
			if t.accts == nil {
				t.accts = map[string]*account{}
			}
			t.accts[a.uid] = a
		}
		for u := range im.uids {
			if u >= t.s.nextUID {
				t.s.nextUID = u + 1
			}
		}
		// What the import removed counts as deleted from now on.
		for uid, a := range old.accounts.Sorted {
			if doc.Scope == "account" && uid != im.skipAccount {
				continue
			}
			na := t.accts[uid]
			for _, u := range a.users.Sorted {
				for _, k := range u.keys {
					if _, ok := t.s.keys.Get(k); !ok {
						t.bury(uid, kindDeadKey, k)
					}
				}
			}
			for _, r := range a.roles.Sorted {
				if na == nil || !hasRoleID(na, r.roleID) {
					t.bury(uid, kindDeadRole, r.roleID)
				}
			}
		}
		return nil
	})
}

func hasRoleID(a *account, id string) bool {
	for _, r := range a.roles.All {
		if r.roleID == id {
			return true
		}
	}
	return false
}

type importer struct {
	d           *Directory
	t           *txn
	skipAccount string
	uids        map[uint64]bool
	roleIDs     map[string]bool
	keyIDs      map[string]bool
	// restore is set for Import (not for loading a store): tombstoned
	// AccessKeys are dropped and RevokeSessions cut-offs only move forward.
	restore bool
	// cutoffs maps a RoleId to the cut-off the current state holds for it.
	cutoffs map[string]time.Time
	// inactive holds the AccessKeyIds the current state holds as Inactive:
	// a restore never reactivates them.
	inactive map[string]bool
	// docs and trusts reuse what an account being rebuilt already parsed:
	// identity documents by text, trust sets by text.
	docs   map[string]*policy.Document
	trusts map[string]*policySet
	// tok lets the maps this import builds grow in place (pmap.SetIn): they
	// are new, or t's own copies, and nobody reads them before the commit.
	tok *pmap.Token
}

func (im *importer) token() *pmap.Token {
	if im.tok == nil {
		im.tok = pmap.NewToken()
	}
	return im.tok
}

// reuse lets the importer take parsed documents from old.
func (im *importer) reuse(old *account) {
	im.docs, im.trusts = map[string]*policy.Document{}, map[string]*policySet{}
	for _, p := range old.policies.All {
		for _, v := range p.versions {
			im.docs[v.text] = v.doc
		}
	}
	for _, r := range old.roles.All {
		im.trusts[r.trustText] = r.trust
	}
}

func (im *importer) fail(path string, sentinel error, msg string) error {
	return errf("Import", path, sentinel, msg)
}

func (im *importer) cause(path string, err error) error {
	var sentinel = ErrInvalid
	if e, ok := err.(*Error); ok {
		sentinel = e.Err
		return &Error{Op: "Import", Subject: path, Err: sentinel, Limit: e.Limit, Msg: e.Msg, Cause: e.Cause}
	}
	return &Error{Op: "Import", Subject: path, Err: sentinel, Cause: err}
}

// collectOthers records the RoleIds, AccessKeyIds and version UIDs of the
// accounts an account import keeps, so the imported one cannot collide.
func (im *importer) collectOthers() {
	for k, a := range im.t.s.accounts.Sorted {
		if string(k) == im.skipAccount {
			continue
		}
		for _, r := range a.roles.Sorted {
			im.roleIDs[r.roleID] = true
		}
		for _, p := range a.policies.Sorted {
			for _, v := range p.versions {
				im.uids[v.uid] = true
			}
		}
	}
	for k, _ := range im.t.s.keys.Sorted {
		im.keyIDs[string(k)] = true
	}
}

func (im *importer) time(path string, t time.Time) (time.Time, error) {
	if !inRange(t) {
		return time.Time{}, im.fail(path, ErrInvalid, "time outside the years 0001-9999")
	}
	return t.UTC(), nil
}

func (im *importer) tokenKeys(eks []exportKey) ([]*tokenKey, error) {
	if len(eks) == 0 {
		return nil, im.fail("TokenKeys", ErrInvalid, "a directory needs at least one token key")
	}
	var out []*tokenKey
	seen := map[uint32]bool{}
	for i, ek := range eks {
		p := "TokenKeys[" + strconv.Itoa(i) + "]"
		if seen[ek.ID] {
			return nil, im.fail(p+".ID", ErrInvalid, "duplicate token key")
		}
		seen[ek.ID] = true
		sealed, err := base64.StdEncoding.Strict().DecodeString(ek.Sealed)
		if err != nil {
			return nil, im.fail(p+".Sealed", ErrInvalid, "not base64")
		}
		var aad [4]byte
		binary.BigEndian.PutUint32(aad[:], ek.ID)
		raw, err := im.d.unseal(sealed, aad[:])
		if err != nil || len(raw) != 32 {
			return nil, im.fail(p+".Sealed", ErrSealed, "the token key does not open under this directory's key-encryption key")
		}
		aead, _ := newAEAD(raw)
		k := &tokenKey{id: ek.ID, sealed: sealed, aead: aead}
		if k.created, err = im.time(p+".Created", ek.Created); err != nil {
			return nil, err
		}
		if k.rotated, err = im.time(p+".Rotated", ek.Rotated); err != nil {
			return nil, err
		}
		if (i == 0) != k.rotated.IsZero() {
			return nil, im.fail(p+".Rotated", ErrInvalid, "the first key seals (not rotated); every other key is rotated")
		}
		out = append(out, k)
	}
	return out, nil
}

// liveTokenKeys drops from keys, read from a document, every token key
// that was retired (a restore never undoes a revocation), tombstones the
// keys of old that keys no longer holds (what the import removed counts as
// retired), and puts a new sealing key first when the document's sealing
// key was dropped.
func (im *importer) liveTokenKeys(old state, keys []*tokenKey) ([]*tokenKey, error) {
	t := im.t
	out := keys[:0:0]
	for _, k := range keys {
		if _, dead := t.s.dead.Get(deadKey(kindDeadTokenKey, tokenKeyTombstone(k))); !dead {
			out = append(out, k)
		}
	}
	kept := map[string]bool{}
	for _, k := range out {
		kept[tokenKeyTombstone(k)] = true
	}
	for _, k := range old.tokenKeys {
		if name := tokenKeyTombstone(k); !kept[name] {
			t.bury(dirAccount, kindDeadTokenKey, name)
		}
	}
	if len(out) == 0 || !out[0].rotated.IsZero() {
		for _, k := range keys {
			if uint64(k.id) >= t.s.nextUID {
				t.s.nextUID = uint64(k.id) + 1
			}
		}
		k, err := im.d.newTokenKey(&t.s, t.now)
		if err != nil {
			return nil, err
		}
		out = append([]*tokenKey{k}, out...)
	}
	return out, nil
}

func (im *importer) account(p string, ea *exportAccount) (*account, error) {
	lim := im.d.limits
	if !principal.IsAccountID(ea.ID) {
		return nil, im.fail(p+".ID", ErrInvalid, "the account ID must be 16 digits")
	}
	created, err := im.time(p+".Created", ea.Created)
	if err != nil {
		return nil, err
	}
	a := newAccount(ea.ID, created)
	checkCount := func(field string, n, max int, limit LimitName) error {
		if n > max {
			return &Error{Op: "Import", Subject: p + "." + field, Err: ErrLimit, Limit: limit, Msg: fmt.Sprintf("at most %d allowed", max)}
		}
		return nil
	}
	if err := checkCount("Policies", len(ea.Policies), lim.PoliciesPerAccount, LimitPolicies); err != nil {
		return nil, err
	}
	if err := checkCount("Groups", len(ea.Groups), lim.GroupsPerAccount, LimitGroups); err != nil {
		return nil, err
	}
	if err := checkCount("Users", len(ea.Users), lim.UsersPerAccount, LimitUsers); err != nil {
		return nil, err
	}
	if err := checkCount("Roles", len(ea.Roles), lim.RolesPerAccount, LimitRoles); err != nil {
		return nil, err
	}
	for i := range ea.Policies {
		if err := im.policy(p+".Policies["+strconv.Itoa(i)+"]", a, &ea.Policies[i]); err != nil {
			return nil, err
		}
	}
	for i := range ea.Groups {
		if err := im.group(p+".Groups["+strconv.Itoa(i)+"]", a, &ea.Groups[i]); err != nil {
			return nil, err
		}
	}
	for i := range ea.Users {
		if err := im.user(p+".Users["+strconv.Itoa(i)+"]", a, &ea.Users[i]); err != nil {
			return nil, err
		}
	}
	// Memberships: both sides list each other exactly once.
	for i, eg := range ea.Groups {
		gp := p + ".Groups[" + strconv.Itoa(i) + "].Members"
		seen := map[string]bool{}
		for j, m := range eg.Members {
			u := a.user(m)
			if seen[m] || u == nil || !slices.Contains(u.groups, eg.Name) {
				return nil, im.fail(gp+"["+strconv.Itoa(j)+"]", ErrInvalid, "member "+strconv.Quote(m)+" is unknown, repeated, or does not list the group")
			}
			seen[m] = true
		}
	}
	for i, eu := range ea.Users {
		for j, gn := range eu.Groups {
			if g := a.group(gn); g == nil || !slices.Contains(g.members, eu.Name) {
				return nil, im.fail(p+".Users["+strconv.Itoa(i)+"].Groups["+strconv.Itoa(j)+"]", ErrInvalid,
					"group "+strconv.Quote(gn)+" is unknown or does not list the user")
			}
		}
	}
	for i := range ea.Roles {
		if err := im.role(p+".Roles["+strconv.Itoa(i)+"]", a, &ea.Roles[i]); err != nil {
			return nil, err
		}
	}
	// Compiled sets, now that every policy is in place.
	for _, g := range a.groups.Sorted {
		g.att.set = im.d.identitySet(a, &g.att)
	}
	for _, u := range a.users.Sorted {
		u.att.set = im.d.identitySet(a, &u.att)
	}
	for _, r := range a.roles.Sorted {
		r.att.set = im.d.identitySet(a, &r.att)
	}
	return a, nil
}

func (im *importer) policy(p string, a *account, ep *exportPolicy) error {
	if err := principal.CheckPolicyName(ep.Name); err != nil {
		return im.cause(p+".Name", err)
	}
	if _, sys := system.Get(ep.Name); sys || a.policy(ep.Name) != nil {
		return im.fail(p+".Name", ErrInvalid, "duplicate policy or the name of a system policy")
	}
	if err := checkDescription("Import", p+".Description", ep.Description); err != nil {
		return im.cause(p+".Description", err)
	}
	if ep.NextVersion < 2 || ep.NextVersion > 1<<31 {
		return im.fail(p+".NextVersion", ErrInvalid, "NextVersion must be 2 to 2147483648")
	}
	if len(ep.Versions) == 0 || len(ep.Versions) > im.d.limits.VersionsPerPolicy {
		return &Error{Op: "Import", Subject: p + ".Versions", Err: ErrLimit, Limit: LimitVersions,
			Msg: fmt.Sprintf("1 to %d versions", im.d.limits.VersionsPerPolicy)}
	}
	cp := &customPolicy{name: ep.Name, description: ep.Description, defaultV: ep.DefaultVersion, nextV: ep.NextVersion,
		holders: pmap.Map[struct{}]{}}
	var err error
	if cp.created, err = im.time(p+".Created", ep.Created); err != nil {
		return err
	}
	last := 0
	for j, ev := range ep.Versions {
		vp := p + ".Versions[" + strconv.Itoa(j) + "]"
		n, err := strconv.Atoi(strings.TrimPrefix(ev.ID, "v"))
		if !strings.HasPrefix(ev.ID, "v") || err != nil || n <= last || n >= ep.NextVersion || "v"+strconv.Itoa(n) != ev.ID {
			return im.fail(vp+".ID", ErrInvalid, "version IDs are v<N>, increasing, below NextVersion")
		}
		last = n
		if ev.UID == 0 || ev.UID >= maxNextUID || im.uids[ev.UID] {
			return im.fail(vp+".UID", ErrInvalid, "version UIDs are unique, non-zero and below 4294967296")
		}
		im.uids[ev.UID] = true
		doc := im.docs[ev.Document]
		if doc == nil {
			if doc, err = parseDocument("Import", vp, ev.Document, policy.Identity); err != nil {
				return im.cause(vp+".Document", err)
			}
		}
		v := &version{id: ev.ID, uid: ev.UID, text: ev.Document, doc: doc}
		if v.created, err = im.time(vp+".Created", ev.Created); err != nil {
			return err
		}
		cp.versions = append(cp.versions, v)
	}
	if cp.version(cp.defaultV) == nil {
		return im.fail(p+".DefaultVersion", ErrInvalid, "the default version is not among the versions")
	}
	a.policies = a.policies.SetIn(im.token(), cp.name, cp)
	return nil
}

// attached checks an attachment list and records the holder in each custom
// policy's index.
func (im *importer) attached(p string, a *account, ea exportAttached, hk string) (holder, error) {
	var h holder
	if len(ea.System) > im.d.limits.SystemAttached {
		return h, &Error{Op: "Import", Subject: p + ".System", Err: ErrLimit, Limit: LimitSystemAttached}
	}
	if len(ea.Custom) > im.d.limits.CustomAttached {
		return h, &Error{Op: "Import", Subject: p + ".Custom", Err: ErrLimit, Limit: LimitCustomAttached}
	}
	for j, n := range ea.System {
		if _, ok := system.Get(n); !ok || slices.Contains(ea.System[:j], n) {
			return h, im.fail(p+".System["+strconv.Itoa(j)+"]", ErrInvalid, "unknown or repeated system policy")
		}
	}
	for j, n := range ea.Custom {
		pol := a.policy(n)
		if pol == nil || slices.Contains(ea.Custom[:j], n) {
			return h, im.fail(p+".Custom["+strconv.Itoa(j)+"]", ErrInvalid, "unknown or repeated custom policy")
		}
		pol.holders = pol.holders.SetIn(im.token(), hk, struct{}{}) // pol is this import's own value
	}
	h.system, h.custom = slices.Clone(ea.System), slices.Clone(ea.Custom)
	return h, nil
}

func (im *importer) group(p string, a *account, eg *exportGroup) error {
	id, err := principal.GroupID(a.uid, eg.Name)
	if err != nil {
		return im.cause(p+".Name", err)
	}
	if a.group(eg.Name) != nil {
		return im.fail(p+".Name", ErrInvalid, "duplicate group")
	}
	g := &group{id: id, members: slices.Clone(eg.Members)}
	if g.created, err = im.time(p+".Created", eg.Created); err != nil {
		return err
	}
	if g.att, err = im.attached(p+".Policies", a, eg.Policies, holderKey(id)); err != nil {
		return err
	}
	a.groups = a.groups.SetIn(im.token(), g.id.Name(), g)
	return nil
}

func (im *importer) user(p string, a *account, eu *exportUser) error {
	id, err := principal.UserID(a.uid, eu.Name)
	if err != nil {
		return im.cause(p+".Name", err)
	}
	if a.user(eu.Name) != nil {
		return im.fail(p+".Name", ErrInvalid, "duplicate user")
	}
	u := &user{id: id, arn: id.String(), groups: slices.Clone(eu.Groups)}
	if u.created, err = im.time(p+".Created", eu.Created); err != nil {
		return err
	}
	if len(eu.Groups) > im.d.limits.GroupsPerUser {
		return &Error{Op: "Import", Subject: p + ".Groups", Err: ErrLimit, Limit: LimitGroupsPerUser}
	}
	for j, gn := range eu.Groups {
		if slices.Contains(eu.Groups[:j], gn) {
			return im.fail(p+".Groups["+strconv.Itoa(j)+"]", ErrInvalid, "repeated group")
		}
	}
	if u.att, err = im.attached(p+".Policies", a, eu.Policies, holderKey(id)); err != nil {
		return err
	}
	if len(eu.AccessKeys) > im.d.limits.AccessKeysPerUser {
		return &Error{Op: "Import", Subject: p + ".AccessKeys", Err: ErrLimit, Limit: LimitAccessKeys}
	}
	for j, ek := range eu.AccessKeys {
		kp := p + ".AccessKeys[" + strconv.Itoa(j) + "]"
		if _, dead := im.t.s.dead.Get(deadKey(kindDeadKey, ek.ID)); dead && im.restore {
			continue // deleted since the export: never revived
		}
		if !strings.HasPrefix(ek.ID, "LTAI") || len(ek.ID) > 128 || im.keyIDs[ek.ID] {
			return im.fail(kp+".ID", ErrInvalid, "AccessKeyIds start with LTAI and are unique")
		}
		im.keyIDs[ek.ID] = true
		sealed, err := base64.StdEncoding.Strict().DecodeString(ek.Sealed)
		if err != nil {
			return im.fail(kp+".Sealed", ErrInvalid, "not base64")
		}
		if _, err := im.d.unseal(sealed, []byte(ek.ID)); err != nil {
			return im.fail(kp+".Sealed", ErrSealed, "the secret does not open under this directory's key-encryption key")
		}
		k := &accessKey{id: ek.ID, user: eu.Name, sealed: sealed}
		switch ek.Status {
		case "Active":
			k.status = KeyActive
			if im.inactive[ek.ID] {
				k.status = KeyInactive // deactivated here: a restore never reactivates
			}
		case "Inactive":
			k.status = KeyInactive
		default:
			return im.fail(kp+".Status", ErrInvalid, `Status must be "Active" or "Inactive"`)
		}
		if k.created, err = im.time(kp+".Created", ek.Created); err != nil {
			return err
		}
		u.keys = append(u.keys, ek.ID)
		im.t.s.keys = im.t.s.keys.SetIn(im.token(), ek.ID, keyOwner{account: a.uid, key: k})
	}
	a.users = a.users.SetIn(im.token(), u.id.Name(), u)
	return nil
}

func (im *importer) role(p string, a *account, er *exportRole) error {
	id, err := principal.RoleID(a.uid, er.Name)
	if err != nil {
		return im.cause(p+".Name", err)
	}
	if a.role(er.Name) != nil {
		return im.fail(p+".Name", ErrInvalid, "duplicate role")
	}
	if len(er.RoleID) != 19 || strings.Trim(er.RoleID, "0123456789") != "" || im.roleIDs[er.RoleID] {
		return im.fail(p+".RoleID", ErrInvalid, "RoleIds are 19 digits and unique")
	}
	im.roleIDs[er.RoleID] = true
	if err := checkMaxSession("Import", p, er.MaxSessionDuration); err != nil {
		return im.cause(p+".MaxSessionDuration", err)
	}
	if err := checkDescription("Import", p, er.Description); err != nil {
		return im.cause(p+".Description", err)
	}
	trust := im.trusts[er.TrustPolicy]
	if trust == nil {
		doc, err := parseDocument("Import", p, er.TrustPolicy, policy.Trust)
		if err != nil {
			return im.cause(p+".TrustPolicy", err)
		}
		trust = im.d.trustSet(doc)
	}
	r := &role{id: id, arn: id.String(), roleID: er.RoleID, description: er.Description, trustText: er.TrustPolicy,
		trust: trust, maxSession: er.MaxSessionDuration, serviceLinked: er.ServiceLinked}
	if r.created, err = im.time(p+".Created", er.Created); err != nil {
		return err
	}
	if r.revokedBefore, err = im.time(p+".RevokedBefore", er.RevokedBefore); err != nil {
		return err
	}
	if im.restore {
		// A restore never undoes a revocation: a cut-off only moves
		// forward, and a role deleted since the export refuses every
		// session issued up to and including the instant of its deletion
		// (as RevokeAllSessions: a session issued in the clock reading
		// of the delete was issued before it).
		if c := im.cutoffs[r.roleID]; c.After(r.revokedBefore) {
			r.revokedBefore = c
		}
		if at, dead := im.t.s.dead.Get(deadKey(kindDeadRole, r.roleID)); dead {
			if c := cutAfter(at); c.After(r.revokedBefore) {
				r.revokedBefore = c
			}
		}
	}
	if r.att, err = im.attached(p+".Policies", a, er.Policies, holderKey(id)); err != nil {
		return err
	}
	a.roles = a.roles.SetIn(im.token(), r.id.Name(), r)
	return nil
}
