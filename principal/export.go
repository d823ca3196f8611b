package principal

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The export format. Format names the document type; Version is bumped on
// any incompatible change, and Import refuses versions it does not know.
const (
	ExportFormat  = "ramauthz.directory"
	ExportVersion = 1
)

type exportDoc struct {
	Format   string          `json:"format"`
	Version  int             `json:"version"`
	Accounts []exportAccount `json:"accounts"`
}

type exportAccount struct {
	ID       string         `json:"id"`
	Users    []exportUser   `json:"users"`
	Groups   []exportGroup  `json:"groups"`
	Policies []exportPolicy `json:"policies"`
	Roles    []exportRole   `json:"roles"`
}

type exportAttachment struct {
	Type string `json:"type"`
	Name string `json:"name"`
}

type exportUser struct {
	Name       string             `json:"name"`
	Created    time.Time          `json:"created"`
	Groups     []string           `json:"groups"`
	Policies   []exportAttachment `json:"policies"`
	AccessKeys []exportKey        `json:"accessKeys"`
}

type exportKey struct {
	ID           string    `json:"id"`
	SecretSHA256 string    `json:"secretSha256"`
	Status       string    `json:"status"`
	Created      time.Time `json:"created"`
}

type exportGroup struct {
	Name     string             `json:"name"`
	Created  time.Time          `json:"created"`
	Policies []exportAttachment `json:"policies"`
}

type exportPolicy struct {
	Name           string          `json:"name"`
	Description    string          `json:"description"`
	Created        time.Time       `json:"created"`
	DefaultVersion string          `json:"defaultVersion"`
	NextVersion    int             `json:"nextVersion"`
	Versions       []exportVersion `json:"versions"`
}

type exportVersion struct {
	ID       string    `json:"id"`
	Document string    `json:"document"`
	Created  time.Time `json:"created"`
}

type exportRole struct {
	Name               string             `json:"name"`
	RoleID             string             `json:"roleId"`
	Description        string             `json:"description"`
	Created            time.Time          `json:"created"`
	TrustPolicy        string             `json:"trustPolicy"`
	MaxSessionDuration int                `json:"maxSessionDuration"`
	ServiceLinked      bool               `json:"serviceLinked"`
	Policies           []exportAttachment `json:"policies"`
	RevokedBefore      time.Time          `json:"revokedBefore"`
	Sessions           []exportSession    `json:"sessions"`
}

type exportSession struct {
	Name          string    `json:"name"`
	AssumedRoleID string    `json:"assumedRoleId"`
	Caller        string    `json:"caller"`
	AccessKeyID   string    `json:"accessKeyId"`
	SecretSHA256  string    `json:"secretSha256"`
	TokenSHA256   string    `json:"tokenSha256"`
	Policy        string    `json:"policy"`
	Issued        time.Time `json:"issued"`
	Expires       time.Time `json:"expires"`
}

// Export returns the whole directory as a versioned JSON document (format
// ExportFormat, version ExportVersion): accounts, users, access keys (hashes
// of their secrets, never the secrets), groups, memberships, custom policies
// with every version, attachments, roles and live role sessions (again only
// hashes of their credentials). Entities are sorted by name, so equal
// directories export to equal bytes. Import(Export()) restores an equivalent
// directory: the round trip is lossless.
func (d *Directory) Export() ([]byte, error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	doc := exportDoc{Format: ExportFormat, Version: ExportVersion, Accounts: []exportAccount{}}
	for _, id := range sortedKeys(d.accounts) {
		doc.Accounts = append(doc.Accounts, exportOne(d.accounts[id]))
	}
	return marshalExport(&doc)
}

// ExportAccount is Export restricted to one account. Sessions of the
// account's roles are included even when their callers belong to other
// accounts. Errors: ErrInvalid, ErrNotFound.
func (d *Directory) ExportAccount(uid string) ([]byte, error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	a, err := d.account("ExportAccount", uid)
	if err != nil {
		return nil, err
	}
	doc := exportDoc{Format: ExportFormat, Version: ExportVersion, Accounts: []exportAccount{exportOne(a)}}
	return marshalExport(&doc)
}

func marshalExport(doc *exportDoc) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return nil, &Error{Op: "Export", Err: ErrInvalid, Cause: err}
	}
	return buf.Bytes(), nil
}

func exportAtt(s attachSet) []exportAttachment {
	out := []exportAttachment{}
	for _, a := range s.attachments() {
		out = append(out, exportAttachment{Type: a.Type.String(), Name: a.Name})
	}
	return out
}

func exportOne(a *account) exportAccount {
	ea := exportAccount{ID: a.id, Users: []exportUser{}, Groups: []exportGroup{},
		Policies: []exportPolicy{}, Roles: []exportRole{}}
	for _, n := range sortedKeys(a.users) {
		u := a.users[n]
		eu := exportUser{Name: n, Created: u.created, Groups: append([]string{}, u.groups...),
			Policies: exportAtt(u.att), AccessKeys: []exportKey{}}
		for _, k := range u.keys {
			eu.AccessKeys = append(eu.AccessKeys, exportKey{ID: k.id, SecretSHA256: hex.EncodeToString(k.hash[:]),
				Status: k.status.String(), Created: k.created})
		}
		ea.Users = append(ea.Users, eu)
	}
	for _, n := range sortedKeys(a.groups) {
		g := a.groups[n]
		ea.Groups = append(ea.Groups, exportGroup{Name: n, Created: g.created, Policies: exportAtt(g.att)})
	}
	for _, n := range sortedKeys(a.policies) {
		p := a.policies[n]
		ep := exportPolicy{Name: n, Description: p.description, Created: p.created,
			DefaultVersion: p.defaultV, NextVersion: p.nextV}
		for _, v := range p.versions {
			ep.Versions = append(ep.Versions, exportVersion{ID: v.id, Document: v.text, Created: v.created})
		}
		ea.Policies = append(ea.Policies, ep)
	}
	for _, n := range sortedKeys(a.roles) {
		r := a.roles[n]
		er := exportRole{Name: n, RoleID: r.roleID, Description: r.description, Created: r.created,
			TrustPolicy: r.trustText, MaxSessionDuration: r.maxSession, ServiceLinked: r.serviceLinked,
			Policies: exportAtt(r.att), RevokedBefore: r.revokedBefore, Sessions: []exportSession{}}
		for _, s := range r.sessions {
			er.Sessions = append(er.Sessions, exportSession{Name: s.id.session, AssumedRoleID: s.assumedID,
				Caller: s.caller.String(), AccessKeyID: s.keyID,
				SecretSHA256: hex.EncodeToString(s.secretHash[:]), TokenSHA256: hex.EncodeToString(s.tokenHash[:]),
				Policy: s.policyText, Issued: s.issued, Expires: s.expires})
		}
		ea.Roles = append(ea.Roles, er)
	}
	return ea
}

// Import replaces the whole directory with the content of an export
// document. The document is checked completely first (JSON syntax, no
// duplicate or unknown member names, format and version, every name, ID,
// hash, reference, policy document and limit); if anything is wrong, Import
// returns an *Error with Err ErrInvalid (or ErrLimit) and the directory is
// unchanged. Errors: ErrInvalid, ErrLimit.
func (d *Directory) Import(data []byte) error {
	nd, err := d.decodeImport("Import", data)
	if err != nil {
		return err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.accounts, d.users, d.keys = nd.accounts, nd.users, nd.keys
	d.roles, d.sessKeys, d.sessARNs = nd.roles, nd.sessKeys, nd.sessARNs
	d.changed()
	return nil
}

// ImportAccount adds the single account of an export document, or replaces
// the account with the same ID (with everything it owns). It is checked as
// completely as Import, and also fails without changing anything if an
// access key ID of the document is already used by another account.
// Errors: ErrInvalid, ErrLimit.
func (d *Directory) ImportAccount(data []byte) error {
	const op = "ImportAccount"
	nd, err := d.decodeImport(op, data)
	if err != nil {
		return err
	}
	if len(nd.accounts) != 1 {
		return errf(op, "", ErrInvalid, "the document must hold exactly one account")
	}
	var na *account
	for _, a := range nd.accounts {
		na = a
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	old := d.accounts[na.id]
	for id := range nd.keys {
		if k := d.keys[id]; k != nil && k.owner.acct != old {
			return errf(op, id, ErrInvalid, "access key ID already used by another account")
		}
		if s := d.sessKeys[id]; s != nil && s.role.acct != old {
			return errf(op, id, ErrInvalid, "access key ID already used by another account")
		}
	}
	for id := range nd.sessKeys {
		if k := d.keys[id]; k != nil && k.owner.acct != old {
			return errf(op, id, ErrInvalid, "access key ID already used by another account")
		}
		if s := d.sessKeys[id]; s != nil && s.role.acct != old {
			return errf(op, id, ErrInvalid, "access key ID already used by another account")
		}
	}
	if old != nil {
		for _, u := range old.users {
			d.dropUser(u)
		}
		for _, r := range old.roles {
			d.dropRole(r)
		}
	}
	d.accounts[na.id] = na
	for k, v := range nd.users {
		d.users[k] = v
	}
	for k, v := range nd.keys {
		d.keys[k] = v
	}
	for k, v := range nd.roles {
		d.roles[k] = v
	}
	for k, v := range nd.sessKeys {
		d.sessKeys[k] = v
	}
	for k, v := range nd.sessARNs {
		d.sessARNs[k] = v
	}
	d.changed()
	return nil
}

// decodeImport parses and validates an export document into a fresh
// directory that shares d's configuration.
func (d *Directory) decodeImport(op string, data []byte) (*Directory, error) {
	bad := func(msg string, cause error) error {
		return &Error{Op: op, Err: ErrInvalid, Msg: msg, Cause: cause}
	}
	if err := checkDuplicateKeys(data); err != nil {
		return nil, bad("malformed JSON", err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var doc exportDoc
	if err := dec.Decode(&doc); err != nil {
		return nil, bad("malformed export document", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, bad("trailing data after the export document", nil)
	}
	if doc.Format != ExportFormat {
		return nil, bad("format must be "+strconv.Quote(ExportFormat), nil)
	}
	if doc.Version != ExportVersion {
		return nil, bad("unsupported version "+itoa(doc.Version), nil)
	}
	nd := &Directory{clock: d.clock, limits: d.limits}
	nd.reset()
	for i := range doc.Accounts {
		if err := nd.load(op, &doc.Accounts[i]); err != nil {
			return nil, err
		}
	}
	return nd, nil
}

func parseHash(s string) ([32]byte, bool) {
	var h [32]byte
	if len(s) != 64 || strings.ToLower(s) != s {
		return h, false
	}
	_, err := hex.Decode(h[:], []byte(s))
	return h, err == nil
}

func validKeyID(id, prefix string) bool {
	rest, ok := strings.CutPrefix(id, prefix)
	if !ok || len(rest) < 8 || len(rest) > 124 {
		return false
	}
	for i := 0; i < len(rest); i++ {
		if !isAlnum(rest[i]) {
			return false
		}
	}
	return true
}

func loadAtt(op, subj string, a *account, lim Limits, in []exportAttachment) (attachSet, error) {
	var set attachSet
	for _, e := range in {
		t, err := ParsePolicyType(e.Type)
		if err != nil {
			return set, &Error{Op: op, Subject: subj, Err: ErrInvalid, Cause: err}
		}
		if err := checkPolicyRef(op, a, t, e.Name); err != nil {
			err.(*Error).Err = ErrInvalid
			return set, err
		}
		if set.has(t, e.Name) {
			return set, errf(op, subj, ErrInvalid, "policy "+e.Name+" attached twice")
		}
		l := set.list(t)
		if t == System && len(*l) >= lim.SystemAttached {
			return set, limitErr(op, subj, LimitSystemAttached, lim.SystemAttached)
		}
		if t == Custom && len(*l) >= lim.CustomAttached {
			return set, limitErr(op, subj, LimitCustomAttached, lim.CustomAttached)
		}
		*l = append(*l, e.Name)
	}
	return set, nil
}

// load validates one exported account and adds it to nd (which is private
// to the import, so no lock is needed).
func (nd *Directory) load(op string, ea *exportAccount) error {
	bad := func(subj, msg string, cause error) error {
		return &Error{Op: op, Subject: subj, Err: ErrInvalid, Msg: msg, Cause: cause}
	}
	lim := nd.limits
	if !isAccountID(ea.ID) {
		return bad(ea.ID, "the account ID must be 16 digits", nil)
	}
	if nd.accounts[ea.ID] != nil {
		return bad(ea.ID, "account listed twice", nil)
	}
	a := newAccount(ea.ID)
	if len(ea.Users) > lim.UsersPerAccount {
		return limitErr(op, ea.ID, LimitUsers, lim.UsersPerAccount)
	}
	if len(ea.Groups) > lim.GroupsPerAccount {
		return limitErr(op, ea.ID, LimitGroups, lim.GroupsPerAccount)
	}
	if len(ea.Policies) > lim.PoliciesPerAccount {
		return limitErr(op, ea.ID, LimitPolicies, lim.PoliciesPerAccount)
	}
	if len(ea.Roles) > lim.RolesPerAccount {
		return limitErr(op, ea.ID, LimitRoles, lim.RolesPerAccount)
	}
	// Policies first: attachments refer to them.
	for _, ep := range ea.Policies {
		if err := CheckPolicyName(ep.Name); err != nil {
			return bad(ep.Name, "", err)
		}
		if _, ok := systemPolicy(ep.Name); ok || a.policies[ep.Name] != nil {
			return bad(ep.Name, "duplicate policy name", nil)
		}
		if err := checkText(op, ep.Name, "the description", ep.Description); err != nil {
			return err
		}
		if len([]rune(ep.Description)) > 1024 {
			return limitErr(op, ep.Name, LimitDescription, 1024)
		}
		if err := checkImportTime(op, ep.Name, "created", &ep.Created); err != nil {
			return err
		}
		if len(ep.Versions) == 0 {
			return bad(ep.Name, "a policy needs at least one version", nil)
		}
		if len(ep.Versions) > lim.VersionsPerPolicy {
			return limitErr(op, ep.Name, LimitVersions, lim.VersionsPerPolicy)
		}
		p := &customPolicy{name: ep.Name, description: ep.Description, created: ep.Created,
			defaultV: ep.DefaultVersion, nextV: ep.NextVersion}
		last := 0
		for _, ev := range ep.Versions {
			num, err := strconv.Atoi(strings.TrimPrefix(ev.ID, "v"))
			if err != nil || !strings.HasPrefix(ev.ID, "v") || "v"+strconv.Itoa(num) != ev.ID || num <= last || num > maxVersionNumber {
				return bad(ep.Name+" "+ev.ID, "version IDs must be v1, v2, ... v"+itoa(maxVersionNumber)+" in increasing order", nil)
			}
			if err := checkImportTime(op, ep.Name+" "+ev.ID, "created", &ev.Created); err != nil {
				return err
			}
			last = num
			doc, err := parseIdentity(op, ep.Name+" "+ev.ID, ev.Document)
			if err != nil {
				return err
			}
			p.versions = append(p.versions, &policyVersion{id: ev.ID, text: ev.Document, doc: doc, created: ev.Created})
		}
		if p.nextV <= last || p.nextV > maxVersionNumber+1 {
			return bad(ep.Name, "nextVersion must exceed every version number and be at most "+itoa(maxVersionNumber+1), nil)
		}
		if p.version(p.defaultV) == nil {
			return bad(ep.Name, "the default version does not exist", nil)
		}
		a.policies[p.name] = p
	}
	for _, eg := range ea.Groups {
		id, err := GroupID(ea.ID, eg.Name)
		if err != nil {
			return bad(eg.Name, "", err)
		}
		if a.groups[eg.Name] != nil {
			return bad(id.String(), "duplicate group", nil)
		}
		if err := checkImportTime(op, id.String(), "created", &eg.Created); err != nil {
			return err
		}
		att, err := loadAtt(op, id.String(), a, lim, eg.Policies)
		if err != nil {
			return err
		}
		a.groups[eg.Name] = &group{acct: a, id: id, created: eg.Created, att: att}
	}
	for _, eu := range ea.Users {
		id, err := UserID(ea.ID, eu.Name)
		if err != nil {
			return bad(eu.Name, "", err)
		}
		if a.users[eu.Name] != nil {
			return bad(id.String(), "duplicate user", nil)
		}
		if err := checkImportTime(op, id.String(), "created", &eu.Created); err != nil {
			return err
		}
		u := &user{acct: a, id: id, arn: id.String(), created: eu.Created}
		if u.att, err = loadAtt(op, u.arn, a, lim, eu.Policies); err != nil {
			return err
		}
		if len(eu.Groups) > lim.GroupsPerUser {
			return limitErr(op, u.arn, LimitGroupsPerUser, lim.GroupsPerUser)
		}
		for _, gn := range eu.Groups {
			g := a.groups[gn]
			if g == nil {
				return bad(u.arn, "member of unknown group "+strconv.Quote(gn), nil)
			}
			if slices.Contains(u.groups, gn) {
				return bad(u.arn, "group "+strconv.Quote(gn)+" listed twice", nil)
			}
			u.groups = append(u.groups, gn)
			g.members = append(g.members, eu.Name)
		}
		if len(eu.AccessKeys) > lim.AccessKeysPerUser {
			return limitErr(op, u.arn, LimitAccessKeys, lim.AccessKeysPerUser)
		}
		for _, ek := range eu.AccessKeys {
			if !validKeyID(ek.ID, "LTAI") {
				return bad(ek.ID, "malformed access key ID", nil)
			}
			if nd.keys[ek.ID] != nil || nd.sessKeys[ek.ID] != nil {
				return bad(ek.ID, "duplicate access key ID", nil)
			}
			h, ok := parseHash(ek.SecretSHA256)
			if !ok {
				return bad(ek.ID, "secretSha256 must be 64 lower-case hex digits", nil)
			}
			st, err := ParseKeyStatus(ek.Status)
			if err != nil {
				return bad(ek.ID, "", err)
			}
			if err := checkImportTime(op, ek.ID, "created", &ek.Created); err != nil {
				return err
			}
			k := &accessKey{id: ek.ID, hash: h, status: st, created: ek.Created, owner: u}
			u.keys = append(u.keys, k)
			nd.keys[k.id] = k
		}
		a.users[eu.Name] = u
		nd.users[u.arn] = u
	}
	for _, er := range ea.Roles {
		if err := nd.loadRole(op, a, &er); err != nil {
			return err
		}
	}
	nd.accounts[a.id] = a
	return nil
}

func (nd *Directory) loadRole(op string, a *account, er *exportRole) error {
	bad := func(subj, msg string, cause error) error {
		return &Error{Op: op, Subject: subj, Err: ErrInvalid, Msg: msg, Cause: cause}
	}
	id, err := RoleID(a.id, er.Name)
	if err != nil {
		return bad(er.Name, "", err)
	}
	subj := id.String()
	if a.roles[er.Name] != nil {
		return bad(subj, "duplicate role", nil)
	}
	if len(er.RoleID) != 19 || !allDigits(er.RoleID) {
		return bad(subj, "roleId must be 19 digits", nil)
	}
	if err := checkText(op, subj, "the description", er.Description); err != nil {
		return err
	}
	if len([]rune(er.Description)) > 1024 {
		return limitErr(op, subj, LimitDescription, 1024)
	}
	if err := checkImportTime(op, subj, "created", &er.Created); err != nil {
		return err
	}
	if err := checkImportTime(op, subj, "revokedBefore", &er.RevokedBefore); err != nil {
		return err
	}
	if err := checkMaxSession(op, subj, er.MaxSessionDuration); err != nil {
		return err
	}
	trust, err := parseTrust(op, subj, er.TrustPolicy)
	if err != nil {
		return err
	}
	att, err := loadAtt(op, subj, a, nd.limits, er.Policies)
	if err != nil {
		return err
	}
	r := &role{acct: a, id: id, arn: subj, roleID: er.RoleID, description: er.Description, created: er.Created,
		trustText: er.TrustPolicy, trust: trust, maxSession: er.MaxSessionDuration, serviceLinked: er.ServiceLinked,
		att: att, revokedBefore: er.RevokedBefore}
	for _, es := range er.Sessions {
		s, err := loadSession(op, r, &es)
		if err != nil {
			return err
		}
		if nd.keys[s.keyID] != nil || nd.sessKeys[s.keyID] != nil {
			return bad(s.keyID, "duplicate access key ID", nil)
		}
		r.sessions = append(r.sessions, s)
		nd.sessKeys[s.keyID] = s
		nd.sessARNs[s.arn] = s // sessions are oldest first: the newest wins
	}
	a.roles[er.Name] = r
	nd.roles[r.arn] = r
	return nil
}

// checkImportTime refuses an imported time outside the years 0001 to 9999
// (in UTC, whatever offset the document wrote) and stores it in UTC, as the
// live API does.
func checkImportTime(op, subject, field string, t *time.Time) error {
	if !inRange(*t) {
		return timeErr(op, subject, field, *t)
	}
	*t = t.UTC()
	return nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// checkDuplicateKeys walks a JSON text and rejects any object with two
// members of the same name (encoding/json would silently keep the last).
func checkDuplicateKeys(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	type frame struct {
		obj    bool
		keys   map[string]bool
		expect bool // in an object: the next token is a key
	}
	var stack []*frame
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if top != nil && top.obj && top.expect {
			if key, ok := tok.(string); ok {
				if top.keys[key] {
					return errors.New("duplicate member name " + strconv.Quote(key))
				}
				top.keys[key] = true
				top.expect = false
				continue
			}
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, &frame{obj: true, keys: map[string]bool{}, expect: true})
			continue
		case json.Delim('['):
			stack = append(stack, &frame{})
			continue
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
		}
		// A value (scalar or closed container) ends; an enclosing object
		// expects its next key.
		if len(stack) > 0 && stack[len(stack)-1].obj {
			stack[len(stack)-1].expect = true
		}
	}
}
