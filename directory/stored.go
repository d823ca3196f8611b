package directory

import (
	"encoding/json"
	"errors"
	"maps"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ramauthz/ramauthz/internal/pmap"
	"github.com/ramauthz/ramauthz/internal/strictjson"
	"github.com/ramauthz/ramauthz/store"
)

// How the state lies in a store (Open): one store.Key per entity, so a
// commit writes only the entities it changed.
//
//	Account  Kind       Name         Value (JSON, the export's shape)
//	<uid>    account    meta         {"Created": ...}: the account exists
//	<uid>    user       <name>       the user with its sealed access keys
//	<uid>    group      <name>       the group with its members
//	<uid>    policy     <name>       the custom policy with its versions
//	<uid>    role       <name>       the role with its trust policy and cut-off
//	<uid>    deadkey    <KeyId>      {"At": ...}: a deleted AccessKey (kept forever)
//	<uid>    deadrole   <RoleId>     {"At": ...}: a deleted role (kept forever)
//	directory tokenkey  <ID>         a token key, sealed
//	directory deadtokenkey <ID>-<fp> {"At": ...}: a retired token key (kept forever)
//
// Secrets and token keys are stored sealed under the key-encryption key,
// exactly as in an export. The store's account revision of <uid> guards
// every batch on that account; the pseudo-account "directory" (not a
// 16-digit ID, so never a RAM account) holds what is shared by all.
const (
	dirAccount   = "directory"
	kindMeta     = "account"
	kindUser     = "user"
	kindGroup    = "group"
	kindPolicy   = "policy"
	kindRole     = "role"
	kindDeadKey  = "deadkey"
	kindDeadRole = "deadrole"
	// kindDeadTokenKey tombstones a retired token key by ID and fingerprint
	// (tokenKeyTombstone), so that no restore revives it.
	kindDeadTokenKey = "deadtokenkey"
	kindTokenKey     = "tokenkey"
	metaName         = "meta"
)

type storedMeta struct {
	Created time.Time `json:"Created,required"`
}

type storedDeath struct {
	At time.Time `json:"At,required"`
}

// deadKey is the key of a tombstone in state.dead.
func deadKey(kind, id string) string {
	switch kind {
	case kindDeadKey:
		return "k/" + id
	case kindDeadTokenKey:
		return "t/" + id
	}
	return "r/" + id
}

// opSink collects the ops of a commit, per account.
type opSink struct {
	order []string
	ops   map[string][]store.Op
	err   error
}

func (o *opSink) put(acct, kind, name string, v any) {
	var b []byte
	if v != nil {
		var err error
		if b, err = json.Marshal(v); err != nil && o.err == nil {
			o.err = err
		}
	}
	o.raw(acct, kind, name, b)
}

func (o *opSink) raw(acct, kind, name string, b []byte) {
	if o.ops == nil {
		o.ops = map[string][]store.Op{}
	}
	if _, ok := o.ops[acct]; !ok {
		o.order = append(o.order, acct)
	}
	o.ops[acct] = append(o.ops[acct], store.Op{Key: store.Key{Account: acct, Kind: kind, Name: name}, Value: b})
}

// batches turns the difference between base and next (the state t built)
// into store batches, one per account, each guarded by the account's
// revision in base.
func (d *Directory) batches(base, next *state, t *txn) ([]store.Batch, error) {
	var sink opSink
	touched := map[string]bool{}
	for uid := range t.accts {
		touched[uid] = true
	}
	if t.all {
		for uid := range base.accounts.All {
			touched[uid] = true
		}
		for uid := range next.accounts.All {
			touched[uid] = true
		}
	}
	moved := keysMoved(base, next)
	for _, uid := range slices.Sorted(maps.Keys(touched)) {
		diffAccount(&sink, base, next, base.account(uid), next.account(uid), uid, moved[uid])
	}
	for _, b := range t.buried {
		at, _ := next.dead.Get(deadKey(b.kind, b.id))
		sink.put(b.account, b.kind, b.id, storedDeath{At: at})
	}
	oldKeys := map[uint32]*tokenKey{}
	for _, k := range base.tokenKeys {
		oldKeys[k.id] = k
	}
	for _, k := range next.tokenKeys {
		if ok := oldKeys[k.id]; ok == nil || exportTokenKeyOf(ok) != exportTokenKeyOf(k) {
			sink.put(dirAccount, kindTokenKey, strconv.FormatUint(uint64(k.id), 10), exportTokenKeyOf(k))
		}
		delete(oldKeys, k.id)
	}
	for _, id := range slices.Sorted(maps.Keys(oldKeys)) {
		sink.raw(dirAccount, kindTokenKey, strconv.FormatUint(uint64(id), 10), nil)
	}
	if sink.err != nil {
		return nil, sink.err
	}
	var out []store.Batch
	for _, acct := range sink.order {
		exp, _ := base.acctRevs.Get(acct)
		out = append(out, store.Batch{Account: acct, Expected: exp, Ops: sink.ops[acct], Actor: d.opts.Actor, Reason: t.op})
	}
	return out, nil
}

// diffAccount writes the entities of account uid that differ between old
// (in base) and nw (in next); nil means absent. moved names the users of
// the account whose AccessKeys changed (keysMoved). The maps of nw share
// everything a commit did not touch with those of old, so pmap.Diff makes
// the cost follow the change, not the size of the account; the names are
// sorted so that a batch lists its ops in one order.
func diffAccount(sink *opSink, base, next *state, old, nw *account, uid string, moved map[string]bool) {
	if nw == nil {
		if old == nil {
			return
		}
		sink.raw(uid, kindMeta, metaName, nil)
		for n := range old.users.All {
			sink.raw(uid, kindUser, n, nil)
		}
		for n := range old.groups.All {
			sink.raw(uid, kindGroup, n, nil)
		}
		for n := range old.policies.All {
			sink.raw(uid, kindPolicy, n, nil)
		}
		for n := range old.roles.All {
			sink.raw(uid, kindRole, n, nil)
		}
		return
	}
	if old == nil || !old.created.Equal(nw.created) {
		sink.put(uid, kindMeta, metaName, storedMeta{Created: nw.created})
	}
	if old == nil {
		old = &account{}
	}
	users := changedNames(old.users, nw.users)
	for n := range moved {
		if !slices.Contains(users, n) {
			users = append(users, n)
		}
	}
	slices.Sort(users)
	// A copy with the same stored form (an attachment copies the policy
	// for its holder index; a recompiled set copies its holder; an import
	// rebuilds everything) is not written.
	for _, n := range users {
		u, ou := nw.user(n), old.user(n)
		switch {
		case u == nil:
			sink.raw(uid, kindUser, n, nil)
		case ou == nil:
			sink.put(uid, kindUser, n, exportUserOf(next, u))
		default:
			sink.changed(uid, kindUser, n, exportUserOf(base, ou), exportUserOf(next, u))
		}
	}
	for _, n := range changedNames(old.groups, nw.groups) {
		if g, og := nw.group(n), old.group(n); g == nil {
			sink.raw(uid, kindGroup, n, nil)
		} else if og == nil {
			sink.put(uid, kindGroup, n, exportGroupOf(g))
		} else {
			sink.changed(uid, kindGroup, n, exportGroupOf(og), exportGroupOf(g))
		}
	}
	for _, n := range changedNames(old.roles, nw.roles) {
		if r, or := nw.role(n), old.role(n); r == nil {
			sink.raw(uid, kindRole, n, nil)
		} else if or == nil {
			sink.put(uid, kindRole, n, exportRoleOf(r))
		} else {
			sink.changed(uid, kindRole, n, exportRoleOf(or), exportRoleOf(r))
		}
	}
	for _, n := range changedNames(old.policies, nw.policies) {
		if p, op := nw.policy(n), old.policy(n); p == nil {
			sink.raw(uid, kindPolicy, n, nil)
		} else if op == nil {
			sink.put(uid, kindPolicy, n, exportPolicyOf(p))
		} else {
			sink.changed(uid, kindPolicy, n, exportPolicyOf(op), exportPolicyOf(p))
		}
	}
}

// changed writes nw under the key unless its stored form equals old's.
func (o *opSink) changed(acct, kind, name string, old, nw any) {
	nb, err := json.Marshal(nw)
	if err != nil {
		if o.err == nil {
			o.err = err
		}
		return
	}
	if ob, err := json.Marshal(old); err == nil && string(ob) == string(nb) {
		return
	}
	o.raw(acct, kind, name, nb)
}

// changedNames returns, sorted, the keys whose values differ between old
// and nw or that only one of them holds.
func changedNames[V comparable](old, nw pmap.Map[V]) []string {
	var out []string
	pmap.Diff(old, nw, func(n string, _ V, _ bool, _ V, _ bool) bool {
		out = append(out, n)
		return true
	})
	slices.Sort(out)
	return out
}

// keysMoved returns, by account, the names of the users whose AccessKeys
// changed between base and next without the user changing (a status change
// copies the key, not the user): their stored entity, which holds the
// keys, is written again.
func keysMoved(base, next *state) map[string]map[string]bool {
	var out map[string]map[string]bool
	pmap.Diff(base.keys, next.keys, func(_ string, _ keyOwner, _ bool, ko keyOwner, inNext bool) bool {
		if !inNext {
			return true // removed from its user, whose key list changed
		}
		if out == nil {
			out = map[string]map[string]bool{}
		}
		if out[ko.account] == nil {
			out[ko.account] = map[string]bool{}
		}
		out[ko.account][ko.key.user] = true
		return true
	})
	return out
}

// overlay is one account's stored entities, decoded, while a batch or a
// snapshot is applied to it.
type overlay struct {
	uid      string
	meta     *storedMeta
	policies map[string]exportPolicy
	groups   map[string]exportGroup
	users    map[string]exportUser
	roles    map[string]exportRole
}

func newOverlay(uid string) *overlay {
	return &overlay{uid: uid, policies: map[string]exportPolicy{}, groups: map[string]exportGroup{},
		users: map[string]exportUser{}, roles: map[string]exportRole{}}
}

func (o *overlay) from(ea exportAccount) {
	o.meta = &storedMeta{Created: ea.Created}
	for _, p := range ea.Policies {
		o.policies[p.Name] = p
	}
	for _, g := range ea.Groups {
		o.groups[g.Name] = g
	}
	for _, u := range ea.Users {
		o.users[u.Name] = u
	}
	for _, r := range ea.Roles {
		o.roles[r.Name] = r
	}
}

// put applies one stored write (value nil: a delete) to o.
func (o *overlay) put(kind, name string, value []byte) error {
	del := len(value) == 0
	switch kind {
	case kindMeta:
		if del {
			o.meta = nil
			return nil
		}
		var m storedMeta
		if err := strictjson.Unmarshal(value, &m); err != nil {
			return err
		}
		o.meta = &m
	case kindUser:
		return decodeInto(o.users, name, value)
	case kindGroup:
		return decodeInto(o.groups, name, value)
	case kindPolicy:
		return decodeInto(o.policies, name, value)
	case kindRole:
		return decodeInto(o.roles, name, value)
	default:
		return errf("Open", o.uid+"/"+kind+"/"+name, ErrInvalid, "unknown kind of stored entity")
	}
	return nil
}

func decodeInto[V any](m map[string]V, name string, value []byte) error {
	if len(value) == 0 {
		delete(m, name)
		return nil
	}
	var v V
	if err := decodeStored(value, &v); err != nil {
		return err
	}
	m[name] = v
	return nil
}

func sortedValues[V any](m map[string]V) []V {
	out := make([]V, 0, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		out = append(out, m[k])
	}
	return out
}

func (o *overlay) account() exportAccount {
	return exportAccount{ID: o.uid, Created: o.meta.Created, Policies: sortedValues(o.policies),
		Groups: sortedValues(o.groups), Users: sortedValues(o.users), Roles: sortedValues(o.roles)}
}

// storedError wraps a failure to rebuild the state from stored entities.
func storedError(where string, err error) error {
	if e, ok := err.(*Error); ok {
		return e
	}
	return &Error{Op: "Open", Subject: where, Err: ErrInvalid, Msg: "stored entity does not decode", Cause: err}
}

// build makes ea account uid of t.s (or removes the account when ea is
// nil: its account entity is gone), replacing the access keys of the old
// account.
func (d *Directory) build(t *txn, uid string, ea *exportAccount, old *account, tok *pmap.Token) error {
	// The old account's keys: those the rebuilt account does not set
	// again are removed afterwards (one Delete per removed key, not per key).
	var oldKeys []keyOwner
	if old != nil {
		for _, u := range old.users.All {
			for _, k := range u.keys {
				if ko, ok := t.s.keys.Get(k); ok {
					oldKeys = append(oldKeys, ko)
				}
			}
		}
	}
	defer func() {
		for _, ko := range oldKeys {
			if cur, ok := t.s.keys.Get(ko.key.id); ok && cur.key == ko.key {
				t.s.keys = t.s.keys.Delete(ko.key.id)
			}
		}
	}()
	if ea == nil {
		t.s.accounts = t.s.accounts.Delete(uid)
		return nil
	}
	im := &importer{d: d, t: t, uids: map[uint64]bool{}, roleIDs: map[string]bool{}, keyIDs: map[string]bool{}, tok: tok}
	if old != nil {
		im.reuse(old)
	}
	a, err := im.account("store "+uid, ea)
	if err != nil {
		return err
	}
	t.s.accounts = t.s.accounts.SetIn(tok, uid, a)
	for u := range im.uids {
		if u >= t.s.nextUID {
			t.s.nextUID = u + 1
		}
	}
	return nil
}

// applyTokenKeys applies token-key writes to t.s.tokenKeys.
func (d *Directory) applyTokenKeys(t *txn, ops []store.Op) error {
	m := map[uint32]exportKey{}
	for _, k := range t.s.tokenKeys {
		m[k.id] = exportTokenKeyOf(k)
	}
	for _, op := range ops {
		if op.Key.Kind != kindTokenKey {
			return errf("Open", dirAccount+"/"+op.Key.Kind, ErrInvalid, "unknown kind of stored entity")
		}
		id, err := strconv.ParseUint(op.Key.Name, 10, 32)
		if err != nil {
			return storedError(dirAccount+"/"+op.Key.Name, err)
		}
		if op.IsDelete() {
			delete(m, uint32(id))
			continue
		}
		var k exportKey
		if err := strictjson.Unmarshal(op.Value, &k); err != nil {
			return storedError(dirAccount+"/"+op.Key.Name, err)
		}
		m[uint32(id)] = k
	}
	// Newest first: the sealing key (not rotated), then by ID, descending
	// (IDs grow with creation).
	ids := slices.Sorted(maps.Keys(m))
	var eks []exportKey
	for _, id := range ids {
		if m[id].Rotated.IsZero() {
			eks = append(eks, m[id])
		}
	}
	for i := len(ids) - 1; i >= 0; i-- {
		if !m[ids[i]].Rotated.IsZero() {
			eks = append(eks, m[ids[i]])
		}
	}
	if len(eks) == 0 {
		t.s.tokenKeys = nil
		return nil
	}
	im := &importer{d: d, t: t}
	keys, err := im.tokenKeys(eks)
	if err != nil {
		return err
	}
	t.s.tokenKeys = keys
	for _, k := range keys {
		if uint64(k.id) >= t.s.nextUID {
			t.s.nextUID = uint64(k.id) + 1
		}
	}
	return nil
}

// applyBatch applies one committed batch to t.s.
// tok is the build's pmap token: t's maps grow in place.
func (d *Directory) applyBatch(t *txn, b *store.Batch, tok *pmap.Token) error {
	if strings.HasPrefix(b.Account, replicaPrefix) {
		return applyHeartbeat(t, b)
	}
	var keyOps, ents []store.Op
	meta := false
	old := t.s.account(b.Account)
	for _, op := range b.Ops {
		switch op.Key.Kind {
		case kindTokenKey:
			keyOps = append(keyOps, op)
			continue
		case kindDeadKey, kindDeadRole, kindDeadTokenKey:
			var dth storedDeath
			if err := strictjson.Unmarshal(op.Value, &dth); err != nil {
				return storedError(b.Account+"/"+op.Key.Kind+"/"+op.Key.Name, err)
			}
			t.s.dead = t.s.dead.SetIn(tok, deadKey(op.Key.Kind, op.Key.Name), dth.At)
			continue
		}
		meta = meta || op.Key.Kind == kindMeta
		ents = append(ents, op)
	}
	if keyOps != nil {
		if err := d.applyTokenKeys(t, keyOps); err != nil {
			return err
		}
	}
	if len(ents) == 0 {
		return nil
	}
	if old != nil && !meta && !d.rebuildOnApply {
		// An existing account: only the written entities change (apply.go).
		ps := newPatchSet(b.Account)
		for i := range ents {
			if err := ps.put(&ents[i]); err != nil {
				return storedError(b.Account+"/"+ents[i].Key.Kind+"/"+ents[i].Key.Name, err)
			}
		}
		return d.patch(t, old, ps, tok)
	}
	// A new or deleted account (or a changed account entity): the whole
	// account from its stored entities.
	o := newOverlay(b.Account)
	if old != nil {
		o.from(exportOne(&t.s, old))
	}
	for _, op := range ents {
		if err := o.put(op.Key.Kind, op.Key.Name, op.Value); err != nil {
			return storedError(b.Account+"/"+op.Key.Kind+"/"+op.Key.Name, err)
		}
	}
	if o.meta == nil {
		return d.build(t, b.Account, nil, old, tok)
	}
	ea := o.account()
	return d.build(t, b.Account, &ea, old, tok)
}

// loadSnapshot builds a whole state from a store snapshot. The entities
// of each account are decoded by GOMAXPROCS workers, in account order,
// while the state is built from the decoded accounts one after the other.
func (d *Directory) loadSnapshot(snap *store.Snapshot) (*state, error) {
	t := &txn{d: d, op: "Open", s: state{accounts: pmap.Map[*account]{}, keys: pmap.Map[keyOwner]{}, nextUID: 1, rev: snap.Rev, epoch: snap.Epoch}}
	tok := pmap.NewToken()
	for _, ar := range snap.Accounts {
		t.s.acctRevs = t.s.acctRevs.SetIn(tok, ar.Account, ar.Rev)
	}
	type group struct {
		es   []store.Entry
		ea   *exportAccount // nil: no account entity
		rest store.Batch    // token keys and tombstones, applied in order
		err  error
		done chan struct{}
	}
	var groups []*group
	es := snap.Entries
	for i := 0; i < len(es); {
		j := i
		for j < len(es) && es[j].Key.Account == es[i].Key.Account {
			j++
		}
		groups = append(groups, &group{es: es[i:j], done: make(chan struct{})})
		i = j
	}
	work := make(chan *group, len(groups))
	for _, g := range groups {
		work <- g
	}
	close(work)
	stop := make(chan struct{})
	defer close(stop)
	for range max(1, min(runtime.GOMAXPROCS(0), len(groups))) {
		go func() {
			for g := range work {
				select {
				case <-stop:
					return
				default:
				}
				g.ea, g.rest, g.err = decodeSnapshotAccount(g.es)
				close(g.done)
			}
		}()
	}
	for _, g := range groups {
		<-g.done
		if g.err != nil {
			return nil, g.err
		}
		if len(g.rest.Ops) > 0 {
			if err := d.applyBatch(t, &g.rest, tok); err != nil {
				return nil, err
			}
		}
		if g.ea != nil {
			if err := d.build(t, g.ea.ID, g.ea, nil, tok); err != nil {
				return nil, err
			}
		}
	}
	return &t.s, nil
}

// decodeSnapshotAccount decodes the entities of one account in a
// snapshot (es, sorted by kind and name as store.Snapshot promises) into
// the account's export form, with its token keys, tombstones and
// heartbeats apart in rest. ea is nil when the account entity is absent.
// Errors: ErrInvalid, for a value that does not decode, names another
// entity, or comes out of order.
func decodeSnapshotAccount(es []store.Entry) (ea *exportAccount, rest store.Batch, err error) {
	acct := es[0].Key.Account
	rest.Account = acct
	a := exportAccount{ID: acct}
	meta := false
	for i := range es {
		e := &es[i]
		switch e.Key.Kind {
		case kindTokenKey, kindDeadKey, kindDeadRole, kindDeadTokenKey, kindHeartbeat:
			rest.Ops = append(rest.Ops, store.Op{Key: e.Key, Value: e.Value})
			continue
		case kindMeta:
			var m storedMeta
			if err = strictjson.Unmarshal(e.Value, &m); err == nil {
				a.Created, meta = m.Created, true
			}
		case kindUser:
			err = appendStored(&a.Users, e, func(v *exportUser) string { return v.Name })
		case kindGroup:
			err = appendStored(&a.Groups, e, func(v *exportGroup) string { return v.Name })
		case kindPolicy:
			err = appendStored(&a.Policies, e, func(v *exportPolicy) string { return v.Name })
		case kindRole:
			err = appendStored(&a.Roles, e, func(v *exportRole) string { return v.Name })
		default:
			return nil, rest, errf("Open", acct+"/"+e.Key.Kind+"/"+e.Key.Name, ErrInvalid, "unknown kind of stored entity")
		}
		if err != nil {
			return nil, rest, storedError(acct+"/"+e.Key.Kind+"/"+e.Key.Name, err)
		}
	}
	if !meta {
		return nil, rest, nil
	}
	return &a, rest, nil
}

// appendStored decodes e onto list, which it keeps in name order.
func appendStored[V any](list *[]V, e *store.Entry, name func(*V) string) error {
	var v V
	if err := decodeStored(e.Value, &v); err != nil {
		return err
	}
	if name(&v) != e.Key.Name {
		return errors.New("the stored value names another entity")
	}
	if n := len(*list); n > 0 && name(&(*list)[n-1]) >= e.Key.Name {
		return errors.New("the snapshot's entities are not in order")
	}
	*list = append(*list, v)
	return nil
}
