package directory

import (
	"slices"
	"time"

	"github.com/ramauthz/ramauthz/internal/pmap"

	"github.com/ramauthz/ramauthz/principal"
)

// ---- accounts ----

// CreateAccount adds an empty account with the 16-digit ID uid.
// Errors: ErrInvalid (not 16 digits), ErrExists.
func (d *Directory) CreateAccount(uid string) (Revision, error) {
	const op = "CreateAccount"
	if !principal.IsAccountID(uid) {
		return 0, errf(op, uid, ErrInvalid, "the account ID must be 16 digits")
	}
	return d.commit(op, func(t *txn) error {
		if t.account(uid) != nil {
			return errf(op, uid, ErrExists, "")
		}
		if t.accts == nil {
			t.accts = map[string]*account{}
		}
		t.accts[uid] = newAccount(uid, t.now)
		return nil
	})
}

func newAccount(uid string, now time.Time) *account {
	return &account{uid: uid, created: now, users: pmap.Map[*user]{}, groups: pmap.Map[*group]{},
		roles: pmap.Map[*role]{}, policies: pmap.Map[*customPolicy]{}}
}

// DeleteAccount removes account uid with everything it owns. Sessions of
// its roles are refused from the next decision on (ErrTokenRevoked).
// Errors: ErrNotFound.
func (d *Directory) DeleteAccount(uid string) (Revision, error) {
	const op = "DeleteAccount"
	return d.commit(op, func(t *txn) error {
		a := t.account(uid)
		if a == nil {
			return errf(op, uid, ErrNotFound, "no such account")
		}
		for _, u := range a.users.Sorted {
			for _, k := range u.keys {
				t.s.keys = t.s.keys.Delete(k)
			}
		}
		if t.accts == nil {
			t.accts = map[string]*account{}
		}
		t.accts[uid] = nil
		return nil
	})
}

// Accounts returns the IDs of all accounts, in ascending order.
func (d *Directory) Accounts() []string {
	return d.cur.Load().accounts.Keys()
}

// want checks that id is valid and of kind k.
func want(op string, id principal.ID, k principal.Kind) error {
	if id.Kind() != k {
		return errf(op, id.String(), ErrInvalid, "want a "+k.String()+" ID, not a "+id.Kind().String())
	}
	return nil
}

// ---- users ----

// UserInfo describes a RAM user.
type UserInfo struct {
	ID         principal.ID // acs:ram::<uid>:user/<name>
	Created    time.Time    // from the directory's clock, UTC
	Groups     []string     // group names, in join order
	Policies   []PolicyRef  // directly attached policies, system first, each in attachment order
	AccessKeys []AccessKey  // metadata only
	Revision   Revision     // the revision this description was read at
}

func (t *txn) userOf(op string, id principal.ID) (*account, *user, error) {
	if err := want(op, id, principal.KindUser); err != nil {
		return nil, nil, err
	}
	a, err := t.writable(id.Account())
	if err != nil {
		return nil, nil, err
	}
	u := a.user(id.Name())
	if u == nil {
		return nil, nil, errf(op, id.String(), ErrNotFound, "no such user")
	}
	return a, u, nil
}

func putUser(a *account, u *user) { a.users = a.users.Set(u.id.Name(), u) }

func putGroup(a *account, g *group) { a.groups = a.groups.Set(g.id.Name(), g) }

// CreateUser creates the RAM user id (acs:ram::<uid>:user/<name>).
// Errors: ErrInvalid (not a user ID), ErrNotFound (account), ErrExists,
// ErrLimit (LimitUsers).
func (d *Directory) CreateUser(id principal.ID) (Revision, error) {
	const op = "CreateUser"
	if err := want(op, id, principal.KindUser); err != nil {
		return 0, err
	}
	return d.commit(op, func(t *txn) error {
		a, err := t.writable(id.Account())
		if err != nil {
			return err
		}
		if a.user(id.Name()) != nil {
			return errf(op, id.String(), ErrExists, "")
		}
		if a.users.Len() >= d.limits.UsersPerAccount {
			return limitErr(op, id.String(), LimitUsers, d.limits.UsersPerAccount)
		}
		putUser(a, &user{id: id, arn: id.String(), created: t.now})
		return nil
	})
}

// GetUser describes user id. Errors: ErrInvalid, ErrNotFound.
func (d *Directory) GetUser(id principal.ID) (UserInfo, error) {
	const op = "GetUser"
	if err := want(op, id, principal.KindUser); err != nil {
		return UserInfo{}, err
	}
	s := d.cur.Load()
	a := s.account(id.Account())
	if a == nil {
		return UserInfo{}, errf(op, id.Account(), ErrNotFound, "no such account")
	}
	u := a.user(id.Name())
	if u == nil {
		return UserInfo{}, errf(op, id.String(), ErrNotFound, "no such user")
	}
	return userInfo(s, u), nil
}

func userInfo(s *state, u *user) UserInfo {
	inf := UserInfo{ID: u.id, Created: u.created, Groups: slices.Clone(u.groups), Policies: u.att.refs(), Revision: s.rev}
	for _, k := range u.keys {
		if o, ok := s.keys.Get(k); ok {
			inf.AccessKeys = append(inf.AccessKeys, o.key.info(u.id))
		}
	}
	return inf
}

// ListUsers describes the users of account uid, sorted by name.
// Errors: ErrNotFound.
func (d *Directory) ListUsers(uid string) ([]UserInfo, error) {
	s := d.cur.Load()
	a := s.account(uid)
	if a == nil {
		return nil, errf("ListUsers", uid, ErrNotFound, "no such account")
	}
	out := make([]UserInfo, 0, a.users.Len())
	for _, u := range a.users.Sorted {
		out = append(out, userInfo(s, u))
	}
	return out, nil
}

// DeleteUser deletes user id. DeleteStrict refuses with ErrInUse while the
// user has attached policies or group memberships, listing every one in
// Error.Blockers; DeleteCascade detaches and leaves them first. Either way
// the user's access keys go with it.
// Errors: ErrInvalid, ErrNotFound, ErrInUse.
func (d *Directory) DeleteUser(id principal.ID, mode DeleteMode) (Revision, error) {
	const op = "DeleteUser"
	return d.commit(op, func(t *txn) error {
		a, u, err := t.userOf(op, id)
		if err != nil {
			return err
		}
		if mode != DeleteCascade {
			var bl []Blocker
			for _, r := range u.att.refs() {
				bl = append(bl, Blocker{"attachment", r.String()})
			}
			for _, g := range u.groups {
				bl = append(bl, Blocker{"membership", g})
			}
			if len(bl) > 0 {
				return &Error{Op: op, Subject: id.String(), Err: ErrInUse, Blockers: bl}
			}
		}
		for _, gn := range u.groups {
			if g := a.group(gn); g != nil {
				ng := *g
				ng.members = remove(g.members, u.id.Name())
				putGroup(a, &ng)
			}
		}
		for _, pn := range u.att.custom {
			t.unhold(a, pn, "u/"+u.id.Name())
		}
		for _, k := range u.keys {
			t.s.keys = t.s.keys.Delete(k)
		}
		a.users = a.users.Delete(u.id.Name())
		return nil
	})
}

// ---- groups ----

// GroupInfo describes a user group.
type GroupInfo struct {
	ID       principal.ID
	Created  time.Time
	Members  []string // user names, in join order
	Policies []PolicyRef
	Revision Revision
}

func (t *txn) groupOf(op string, id principal.ID) (*account, *group, error) {
	if err := want(op, id, principal.KindGroup); err != nil {
		return nil, nil, err
	}
	a, err := t.writable(id.Account())
	if err != nil {
		return nil, nil, err
	}
	g := a.group(id.Name())
	if g == nil {
		return nil, nil, errf(op, id.String(), ErrNotFound, "no such group")
	}
	return a, g, nil
}

// CreateGroup creates group id. Errors: ErrInvalid, ErrNotFound (account),
// ErrExists, ErrLimit (LimitGroups).
func (d *Directory) CreateGroup(id principal.ID) (Revision, error) {
	const op = "CreateGroup"
	if err := want(op, id, principal.KindGroup); err != nil {
		return 0, err
	}
	return d.commit(op, func(t *txn) error {
		a, err := t.writable(id.Account())
		if err != nil {
			return err
		}
		if a.group(id.Name()) != nil {
			return errf(op, id.String(), ErrExists, "")
		}
		if a.groups.Len() >= d.limits.GroupsPerAccount {
			return limitErr(op, id.String(), LimitGroups, d.limits.GroupsPerAccount)
		}
		putGroup(a, &group{id: id, created: t.now})
		return nil
	})
}

// GetGroup describes group id. Errors: ErrInvalid, ErrNotFound.
func (d *Directory) GetGroup(id principal.ID) (GroupInfo, error) {
	const op = "GetGroup"
	if err := want(op, id, principal.KindGroup); err != nil {
		return GroupInfo{}, err
	}
	s := d.cur.Load()
	a := s.account(id.Account())
	if a == nil {
		return GroupInfo{}, errf(op, id.Account(), ErrNotFound, "no such account")
	}
	g := a.group(id.Name())
	if g == nil {
		return GroupInfo{}, errf(op, id.String(), ErrNotFound, "no such group")
	}
	return GroupInfo{ID: g.id, Created: g.created, Members: slices.Clone(g.members), Policies: g.att.refs(), Revision: s.rev}, nil
}

// DeleteGroup deletes group id. DeleteStrict refuses with ErrInUse while
// it has members or attached policies (every one in Error.Blockers);
// DeleteCascade removes the members and detaches the policies first.
// Errors: ErrInvalid, ErrNotFound, ErrInUse.
func (d *Directory) DeleteGroup(id principal.ID, mode DeleteMode) (Revision, error) {
	const op = "DeleteGroup"
	return d.commit(op, func(t *txn) error {
		a, g, err := t.groupOf(op, id)
		if err != nil {
			return err
		}
		if mode != DeleteCascade {
			var bl []Blocker
			for _, m := range g.members {
				bl = append(bl, Blocker{"member", m})
			}
			for _, r := range g.att.refs() {
				bl = append(bl, Blocker{"attachment", r.String()})
			}
			if len(bl) > 0 {
				return &Error{Op: op, Subject: id.String(), Err: ErrInUse, Blockers: bl}
			}
		}
		for _, m := range g.members {
			if u := a.user(m); u != nil {
				nu := *u
				nu.groups = remove(u.groups, g.id.Name())
				putUser(a, &nu)
			}
		}
		for _, pn := range g.att.custom {
			t.unhold(a, pn, "g/"+g.id.Name())
		}
		a.groups = a.groups.Delete(g.id.Name())
		return nil
	})
}

// AddUserToGroup makes user a member of group (one account). When the user
// already is a member there is nothing to do: no commit, the current
// revision and a nil error (as for every add, remove, attach and detach
// with nothing to do).
// Errors: ErrInvalid, ErrNotFound, ErrLimit (LimitGroupsPerUser).
func (d *Directory) AddUserToGroup(userID, groupID principal.ID) (Revision, error) {
	return d.membership("AddUserToGroup", userID, groupID, true)
}

// RemoveUserFromGroup removes user from group. A user that is not a member
// is nothing to do (see AddUserToGroup).
// Errors: ErrInvalid, ErrNotFound (user or group).
func (d *Directory) RemoveUserFromGroup(userID, groupID principal.ID) (Revision, error) {
	return d.membership("RemoveUserFromGroup", userID, groupID, false)
}

func (d *Directory) membership(op string, userID, groupID principal.ID, add bool) (Revision, error) {
	if userID.Account() != groupID.Account() {
		return 0, errf(op, groupID.String(), ErrInvalid, "the user and the group must be in one account")
	}
	return d.commit(op, func(t *txn) error {
		a, u, err := t.userOf(op, userID)
		if err != nil {
			return err
		}
		_, g, err := t.groupOf(op, groupID)
		if err != nil {
			return err
		}
		member := slices.Contains(u.groups, g.id.Name())
		if member == add {
			return errNoop
		}
		nu, ng := *u, *g
		if add {
			if len(u.groups) >= d.limits.GroupsPerUser {
				return limitErr(op, u.arn, LimitGroupsPerUser, d.limits.GroupsPerUser)
			}
			nu.groups = append(slices.Clip(u.groups), g.id.Name())
			ng.members = append(slices.Clip(g.members), u.id.Name())
		} else {
			nu.groups = remove(u.groups, g.id.Name())
			ng.members = remove(g.members, u.id.Name())
		}
		putUser(a, &nu)
		putGroup(a, &ng)
		return nil
	})
}

// remove returns a new slice without v.
func remove(s []string, v string) []string {
	out := make([]string, 0, len(s))
	for _, x := range s {
		if x != v {
			out = append(out, x)
		}
	}
	return out
}
