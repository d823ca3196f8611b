package principal

import (
	"slices"
	"time"
)

// ---- groups ----

// GroupInfo describes a user group.
type GroupInfo struct {
	ID          ID
	Created     time.Time
	Members     []string // user names, in join order
	Attachments []Attachment
}

func (g *group) info() GroupInfo {
	return GroupInfo{ID: g.id, Created: g.created, Members: slices.Clone(g.members), Attachments: g.att.attachments()}
}

func (d *Directory) group(op, uid, name string) (*group, error) {
	a, err := d.account(op, uid)
	if err != nil {
		return nil, err
	}
	g := a.groups[name]
	if g == nil {
		if e := CheckGroupName(name); e != nil {
			return nil, &Error{Op: op, Subject: name, Err: ErrInvalid, Cause: e}
		}
		return nil, errf(op, "acs:ram::"+uid+":group/"+name, ErrNotFound, "no such group")
	}
	return g, nil
}

// CreateGroup creates group name in account uid.
// Errors: ErrInvalid, ErrNotFound (account), ErrExists, ErrLimit (LimitGroups).
func (d *Directory) CreateGroup(uid, name string) (GroupInfo, error) {
	const op = "CreateGroup"
	id, err := GroupID(uid, name)
	if err != nil {
		return GroupInfo{}, &Error{Op: op, Subject: name, Err: ErrInvalid, Cause: err}
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	a, err := d.account(op, uid)
	if err != nil {
		return GroupInfo{}, err
	}
	if a.groups[name] != nil {
		return GroupInfo{}, errf(op, id.String(), ErrExists, "")
	}
	if len(a.groups) >= d.limits.GroupsPerAccount {
		return GroupInfo{}, limitErr(op, id.String(), LimitGroups, d.limits.GroupsPerAccount)
	}
	created, err := d.stamp(op, id.String())
	if err != nil {
		return GroupInfo{}, err
	}
	g := &group{acct: a, id: id, created: created}
	a.groups[name] = g
	d.changed()
	return g.info(), nil
}

// GetGroup returns group name of account uid. Errors: ErrInvalid, ErrNotFound.
func (d *Directory) GetGroup(uid, name string) (GroupInfo, error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	g, err := d.group("GetGroup", uid, name)
	if err != nil {
		return GroupInfo{}, err
	}
	return g.info(), nil
}

// ListGroups returns the groups of account uid, sorted by name.
// Errors: ErrInvalid, ErrNotFound.
func (d *Directory) ListGroups(uid string) ([]GroupInfo, error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	a, err := d.account("ListGroups", uid)
	if err != nil {
		return nil, err
	}
	out := make([]GroupInfo, 0, len(a.groups))
	for _, name := range sortedKeys(a.groups) {
		out = append(out, a.groups[name].info())
	}
	return out, nil
}

// DeleteGroup deletes group name. Strict mode fails with ErrInUse while the
// group has members or attached policies (the RAM API rule); Cascade removes
// the members from the group and detaches its policies first (the console
// rule). Errors: ErrInvalid, ErrNotFound, ErrInUse.
func (d *Directory) DeleteGroup(uid, name string, mode DeleteMode) error {
	const op = "DeleteGroup"
	d.mu.Lock()
	defer d.mu.Unlock()
	g, err := d.group(op, uid, name)
	if err != nil {
		return err
	}
	if mode != Cascade {
		if len(g.members) > 0 {
			return errf(op, g.id.String(), ErrInUse, "the group has members")
		}
		if !g.att.empty() {
			return errf(op, g.id.String(), ErrInUse, "the group has attached policies")
		}
	}
	for _, m := range g.members {
		if u := g.acct.users[m]; u != nil {
			u.groups = remove(u.groups, name)
		}
	}
	delete(g.acct.groups, name)
	d.changed()
	return nil
}

// AddUserToGroup makes user a member of group (both in account uid). Adding
// a user that is already a member is a no-op.
// Errors: ErrInvalid, ErrNotFound, ErrLimit (LimitGroupsPerUser).
func (d *Directory) AddUserToGroup(uid, userName, groupName string) error {
	const op = "AddUserToGroup"
	d.mu.Lock()
	defer d.mu.Unlock()
	u, err := d.user(op, uid, userName)
	if err != nil {
		return err
	}
	g, err := d.group(op, uid, groupName)
	if err != nil {
		return err
	}
	if slices.Contains(u.groups, groupName) {
		return nil
	}
	if len(u.groups) >= d.limits.GroupsPerUser {
		return limitErr(op, u.arn, LimitGroupsPerUser, d.limits.GroupsPerUser)
	}
	u.groups = append(u.groups, groupName)
	g.members = append(g.members, userName)
	d.changed()
	return nil
}

// RemoveUserFromGroup removes user from group.
// Errors: ErrInvalid, ErrNotFound (also when the user is not a member).
func (d *Directory) RemoveUserFromGroup(uid, userName, groupName string) error {
	const op = "RemoveUserFromGroup"
	d.mu.Lock()
	defer d.mu.Unlock()
	u, err := d.user(op, uid, userName)
	if err != nil {
		return err
	}
	g, err := d.group(op, uid, groupName)
	if err != nil {
		return err
	}
	if !slices.Contains(u.groups, groupName) {
		return errf(op, u.arn, ErrNotFound, "the user is not a member of "+g.id.String())
	}
	u.groups = remove(u.groups, groupName)
	g.members = remove(g.members, userName)
	d.changed()
	return nil
}
