package directory

import (
	"encoding/base64"
	"encoding/json"
	"time"

	"github.com/ramauthz/ramauthz/internal/strictjson"
)

// ExportFormat names the export document; ExportVersion is its version.
// Import reads exactly this version.
const (
	ExportFormat  = "ramauthz.directory"
	ExportVersion = 2
)

// The export document. Every field is written; Import reads it with the
// strict JSON reader (exact member names, no duplicates, no unknown
// members, no trailing data) and then checks everything the live API
// checks. Secrets and token keys appear only sealed under the
// key-encryption key.
type exportDoc struct {
	Format    string          `json:"Format,required"`
	Version   int             `json:"Version,required"`
	Scope     string          `json:"Scope,required"` // "directory" or "account"
	Revision  uint64          `json:"Revision,required"`
	NextUID   uint64          `json:"NextUID,required"`
	TokenKeys []exportKey     `json:"TokenKeys,required"` // empty for one account
	Accounts  []exportAccount `json:"Accounts,required"`
}

type exportKey struct {
	ID      uint32    `json:"ID,required"`
	Sealed  string    `json:"Sealed,required"` // base64
	Created time.Time `json:"Created,required"`
	Rotated time.Time `json:"Rotated,required"`
}

type exportAccount struct {
	ID       string         `json:"ID,required"`
	Created  time.Time      `json:"Created,required"`
	Policies []exportPolicy `json:"Policies,required"`
	Groups   []exportGroup  `json:"Groups,required"`
	Users    []exportUser   `json:"Users,required"`
	Roles    []exportRole   `json:"Roles,required"`
}

type exportAttached struct {
	System []string `json:"System,required"` // in attachment order
	Custom []string `json:"Custom,required"`
}

type exportPolicy struct {
	Name           string          `json:"Name,required"`
	Description    string          `json:"Description,required"`
	Created        time.Time       `json:"Created,required"`
	DefaultVersion string          `json:"DefaultVersion,required"`
	NextVersion    int             `json:"NextVersion,required"`
	Versions       []exportVersion `json:"Versions,required"`
}

type exportVersion struct {
	ID       string    `json:"ID,required"`
	UID      uint64    `json:"UID,required"`
	Document string    `json:"Document,required"`
	Created  time.Time `json:"Created,required"`
}

type exportGroup struct {
	Name     string         `json:"Name,required"`
	Created  time.Time      `json:"Created,required"`
	Members  []string       `json:"Members,required"` // in join order
	Policies exportAttached `json:"Policies,required"`
}

type exportUser struct {
	Name       string            `json:"Name,required"`
	Created    time.Time         `json:"Created,required"`
	Groups     []string          `json:"Groups,required"` // in join order
	Policies   exportAttached    `json:"Policies,required"`
	AccessKeys []exportAccessKey `json:"AccessKeys,required"`
}

type exportAccessKey struct {
	ID      string    `json:"ID,required"`
	Sealed  string    `json:"Sealed,required"` // base64 of the sealed secret
	Status  string    `json:"Status,required"` // "Active" or "Inactive"
	Created time.Time `json:"Created,required"`
}

type exportRole struct {
	Name               string         `json:"Name,required"`
	RoleID             string         `json:"RoleID,required"`
	Description        string         `json:"Description,required"`
	Created            time.Time      `json:"Created,required"`
	TrustPolicy        string         `json:"TrustPolicy,required"`
	MaxSessionDuration int            `json:"MaxSessionDuration,required"` // seconds
	ServiceLinked      bool           `json:"ServiceLinked,required"`
	Policies           exportAttached `json:"Policies,required"`
	RevokedBefore      time.Time      `json:"RevokedBefore,required"` // zero: never
}

// Export writes the whole directory (every account and the token keys) as
// one JSON document of ExportFormat, version ExportVersion, at the
// current revision. Access-key secrets and token keys are written sealed
// under the key-encryption key; nothing in it is a secret in plaintext.
// Export never fails on a state the API built (every time is in the years
// 0001–9999, spec D28); the error is for completeness (json encoding).
func (d *Directory) Export() ([]byte, error) {
	s := d.cur.Load()
	doc := exportDoc{Format: ExportFormat, Version: ExportVersion, Scope: "directory", Revision: uint64(s.rev),
		NextUID: s.nextUID, TokenKeys: []exportKey{}, Accounts: []exportAccount{}}
	for _, k := range s.tokenKeys {
		doc.TokenKeys = append(doc.TokenKeys, exportKey{ID: k.id, Sealed: base64.StdEncoding.EncodeToString(k.sealed),
			Created: k.created, Rotated: k.rotated})
	}
	for _, a := range s.accounts.Sorted {
		doc.Accounts = append(doc.Accounts, exportOne(s, a))
	}
	return json.MarshalIndent(doc, "", "  ")
}

// ExportAccount writes one account as a document of scope "account": the
// account's users (with sealed keys), groups, policies and roles, without
// the token keys. Errors: ErrNotFound.
func (d *Directory) ExportAccount(uid string) ([]byte, error) {
	s := d.cur.Load()
	a := s.account(uid)
	if a == nil {
		return nil, errf("ExportAccount", uid, ErrNotFound, "no such account")
	}
	doc := exportDoc{Format: ExportFormat, Version: ExportVersion, Scope: "account", Revision: uint64(s.rev),
		NextUID: s.nextUID, TokenKeys: []exportKey{}, Accounts: []exportAccount{exportOne(s, a)}}
	return json.MarshalIndent(doc, "", "  ")
}

func attached(h *holder) exportAttached {
	return exportAttached{System: nonNil(h.system), Custom: nonNil(h.custom)}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func exportOne(s *state, a *account) exportAccount {
	out := exportAccount{ID: a.uid, Created: a.created, Policies: []exportPolicy{}, Groups: []exportGroup{},
		Users: []exportUser{}, Roles: []exportRole{}}
	for _, p := range a.policies.Sorted {
		ep := exportPolicy{Name: p.name, Description: p.description, Created: p.created, DefaultVersion: p.defaultV,
			NextVersion: p.nextV, Versions: []exportVersion{}}
		for _, v := range p.versions {
			ep.Versions = append(ep.Versions, exportVersion{ID: v.id, UID: v.uid, Document: v.text, Created: v.created})
		}
		out.Policies = append(out.Policies, ep)
	}
	for _, g := range a.groups.Sorted {
		out.Groups = append(out.Groups, exportGroup{Name: g.id.Name(), Created: g.created, Members: nonNil(g.members), Policies: attached(&g.att)})
	}
	for _, u := range a.users.Sorted {
		eu := exportUser{Name: u.id.Name(), Created: u.created, Groups: nonNil(u.groups), Policies: attached(&u.att), AccessKeys: []exportAccessKey{}}
		for _, kid := range u.keys {
			if o, ok := s.keys.Get(kid); ok {
				eu.AccessKeys = append(eu.AccessKeys, exportAccessKey{ID: kid, Sealed: base64.StdEncoding.EncodeToString(o.key.sealed),
					Status: o.key.status.String(), Created: o.key.created})
			}
		}
		out.Users = append(out.Users, eu)
	}
	for _, r := range a.roles.Sorted {
		out.Roles = append(out.Roles, exportRole{Name: r.id.Name(), RoleID: r.roleID, Description: r.description, Created: r.created,
			TrustPolicy: r.trustText, MaxSessionDuration: r.maxSession, ServiceLinked: r.serviceLinked,
			Policies: attached(&r.att), RevokedBefore: r.revokedBefore})
	}
	return out
}

// readExport decodes data strictly. Errors: *Error (ErrInvalid) whose Cause
// is the *strictjson.Error with the position.
func readExport(data []byte) (*exportDoc, error) {
	var doc exportDoc
	if err := strictjson.Unmarshal(data, &doc); err != nil {
		return nil, &Error{Op: "Import", Err: ErrInvalid, Msg: "not a valid export document", Cause: err}
	}
	if doc.Format != ExportFormat || doc.Version != ExportVersion {
		return nil, errf("Import", "", ErrInvalid, "want Format "+ExportFormat+" version 2")
	}
	return &doc, nil
}
