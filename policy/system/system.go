// Package system ships Alibaba Cloud system policies that ramauthz models,
// embedded in the binary and exposed by name.
//
// System policies are maintained by Alibaba Cloud and cannot be modified by
// users. The copies here are taken from the public policy reference pages;
// each Policy records the version it reproduces.
//
// Each shipped document is parsed once, when the package is initialised.
// Get and All hand out deep copies of it (policy.Document.Clone, and a copy
// of the JSON): a Document's fields are exported slices, so a shared parsed
// document could be changed by any holder and would then change what every
// later caller compiles. A copy costs a few allocations, far less than a
// parse. The package is safe for concurrent use.
package system

import (
	"bytes"
	"embed"
	"slices"

	"github.com/ramauthz/ramauthz/policy"
)

//go:embed *.json
var files embed.FS

// TypeSystem is the PolicyType of every policy in this package, as the RAM
// API spells it (AttachPolicyToUser's PolicyType "System").
const TypeSystem = "System"

// Policy is a system policy.
type Policy struct {
	// Name is the policy name, such as "AliyunARMSReadOnlyAccess".
	Name string
	// Version is the version of the published policy this copy reproduces,
	// such as "v13".
	Version string
	// Description says what the policy grants.
	Description string
	// Type is always TypeSystem.
	Type string
	// Document is the parsed identity policy.
	Document *policy.Document
	// JSON is the policy document exactly as shipped.
	JSON []byte
}

type entry struct {
	name, version, description string
}

// The shipped policies, in name order.
//
// AliyunARMSFullAccess: the published v16 document could be retrieved only up
// to the middle of its sixth statement. Statements 1 to 5 are reproduced
// verbatim; statement 6 grants log:GetMLServiceResults,
// log:GetAgentInstanceConfig and log:UpdateAgentInstanceConfig on "*", which
// is a reconstruction (the Resource is inferred from the read-only policy),
// and any further statements of v16 are missing. The tail of v16 could not be
// verified; check it against the RAM console before relying on the log
// permissions of this copy.
var entries = []entry{
	{"AliyunARMSFullAccess", "v16", "Full access to Application Real-Time Monitoring Service (ARMS). " +
		"Statements 1-5 reproduce v16 verbatim; statement 6 is reconstructed and the rest of v16 is unverified."},
	{"AliyunARMSReadOnlyAccess", "v13", "Read-only access to Application Real-Time Monitoring Service (ARMS)."},
	{"AliyunSTSAssumeRoleAccess", "v1", "Permission to call the AssumeRole operation of Security Token Service (STS)."},
}

// parsed holds each entry's policy, parsed once; never handed out.
var parsed = func() []*Policy {
	out := make([]*Policy, len(entries))
	for i, e := range entries {
		p, err := load(e)
		if err != nil {
			// The embedded documents are part of the library; a document
			// that does not parse is a build defect, caught here and by the
			// package tests.
			panic("ramauthz/policy/system: " + e.name + ": " + err.Error())
		}
		out[i] = p
	}
	return out
}()

func load(e entry) (*Policy, error) {
	data, err := files.ReadFile(e.name + ".json")
	if err != nil {
		return nil, err
	}
	doc, err := policy.Parse(data, policy.WithFile(e.name+".json"))
	if err != nil {
		return nil, err
	}
	return &Policy{
		Name:        e.name,
		Version:     e.version,
		Description: e.description,
		Type:        TypeSystem,
		Document:    doc,
		JSON:        data,
	}, nil
}

// clone returns a copy of p that shares nothing the caller can change.
func (p *Policy) clone() *Policy {
	out := *p
	out.Document = p.Document.Clone()
	out.JSON = bytes.Clone(p.JSON)
	return &out
}

// Get returns the system policy with exactly the given name, as a copy the
// caller owns. It reports false when there is none.
func Get(name string) (*Policy, bool) {
	i := slices.IndexFunc(entries, func(e entry) bool { return e.name == name })
	if i < 0 {
		return nil, false
	}
	return parsed[i].clone(), true
}

// Names returns the names of the shipped system policies, sorted.
func Names() []string {
	names := make([]string, len(entries))
	for i, e := range entries {
		names[i] = e.name
	}
	return names
}

// All returns every shipped system policy, sorted by name, as copies the
// caller owns.
func All() []*Policy {
	out := make([]*Policy, len(parsed))
	for i, p := range parsed {
		out[i] = p.clone()
	}
	return out
}
