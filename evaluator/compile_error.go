package evaluator

import (
	"strconv"
	"strings"
)

// CompileError reports a document that Compile cannot use. Path is the JSON
// path of the offending element inside the document, in the form policy
// errors use ("Statement[3].Action[0]",
// `Statement[0].Condition.IpAddress."acs:SourceIp"[1]`); it is empty when
// the document as a whole is at fault. Err is one of policy's sentinel
// errors: policy.ErrMissing, policy.ErrInvalid, policy.ErrConflict,
// policy.ErrDuplicateKey, policy.ErrUnknownElement or policy.ErrLimit.
type CompileError struct {
	PolicyID string // the ID of the policy at fault
	Index    int    // the position of that policy in Compile's arguments
	Path     string // JSON path of the element inside the document
	Err      error  // sentinel: what is wrong
	Msg      string // details, for people
}

// Error formats the error as `policy "ID": PATH: sentinel: message`.
func (e *CompileError) Error() string {
	var b strings.Builder
	b.WriteString("policy ")
	b.WriteString(strconv.Quote(e.PolicyID))
	b.WriteString(": ")
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	if e.Err != nil {
		b.WriteString(e.Err.Error())
	} else {
		b.WriteString("error")
	}
	if e.Msg != "" {
		b.WriteString(": ")
		b.WriteString(e.Msg)
	}
	return b.String()
}

// Unwrap returns the sentinel error.
func (e *CompileError) Unwrap() error { return e.Err }
