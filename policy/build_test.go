package policy

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// stringBlock gives n empty strings whatever the branch it takes, and its
// spare room never goes past the size class the allocator gives a slice of
// n strings (16 bytes each): 272 to 512 bytes round up to 288, 320, ...,
// 512.
func TestStringBlock(t *testing.T) {
	for n := 0; n <= 70; n++ {
		b := stringBlock(n)
		assert.Len(t, b, n)
		for _, s := range b {
			assert.Equal(t, "", s)
		}
		if n > 16 && n <= 32 {
			assert.Equal(t, (n+1)/2*2, cap(b), "n=%d: the size class of %d bytes holds %d strings", n, 16*n, (n+1)/2*2)
		}
	}
}

// Documents of 2 to 40 strings (n-1 actions and a resource), both sides of every stringBlock branch:
// the readers build the same document and no list has spare capacity
// (checkFastAgrees).
func TestFastAgreesOnStringBlockSizes(t *testing.T) {
	for n := 2; n <= 40; n++ {
		actions := make([]string, n-1)
		for i := range actions {
			actions[i] = `"svc:Act` + itoa(i) + `*"`
		}
		d := []byte(doc(`{"Effect":"Allow","Action":[` + strings.Join(actions, ",") + `],"Resource":"*"}`))
		checkFastAgrees(t, d)
		got := fast(d)
		if assert.NotNil(t, got, "n=%d", n) {
			st := got.Statements[0]
			assert.Equal(t, n, len(st.Action)+len(st.NotAction)+len(st.Resource), "n=%d", n)
		}
	}
}

// newDocument gives n zero statements with no spare capacity, on both
// sides of its one-allocation limit, and a zero Document.
func TestNewDocument(t *testing.T) {
	for n := 1; n <= 12; n++ {
		d, stmts := newDocument(n)
		assert.Equal(t, Document{}, *d)
		assert.Len(t, stmts, n)
		assert.Equal(t, n, cap(stmts), "n=%d", n)
		for i := range stmts {
			assert.Equal(t, Statement{}, stmts[i])
		}
	}
}

// Documents of 1 to 12 statements: the readers build the same document,
// and appending a statement to one does not write into anything else of
// it.
func TestFastAgreesOnStatementCounts(t *testing.T) {
	for n := 1; n <= 12; n++ {
		stmts := make([]string, n)
		for i := range stmts {
			stmts[i] = `{"Sid":"s` + itoa(i) + `","Effect":"Deny","Action":"svc:A` + itoa(i) + `","Resource":"*"}`
		}
		d := []byte(doc(stmts...))
		checkFastAgrees(t, d)
		got := fast(d)
		if !assert.NotNil(t, got, "n=%d", n) {
			continue
		}
		assert.Len(t, got.Statements, n)
		assert.Equal(t, n, cap(got.Statements))
		before := got.Statements
		got.Statements = append(got.Statements, Statement{Sid: "extra"})
		assert.Equal(t, "s0", before[0].Sid)
		assert.Len(t, before, n)
	}
}

// The resource "*" is read as one word (resources); everything near it
// goes the usual way: both readers agree on each, with every padding in
// front so that the word meets every offset, and on every prefix.
func TestFastAgreesOnStarResources(t *testing.T) {
	for _, res := range []string{
		`"*"`, `["*"]`, `["*","*"]`, `[ "*" , "*" ]`, `["acs:ecs:*:*:*","*"]`, `["*","acs:ecs:*:*:*"]`,
		`"**"`, `"*?"`, `"*\u002a"`, `"*\""`, `"*`, `"*"]`, `["*"`, `["*",]`, `"*" "*"`, `"\"*"`, `""`,
	} {
		for pad := range 9 {
			d := []byte(doc(`{"Effect":"Allow","Action":"a:b","Resource":` + strings.Repeat(" ", pad) + res + `}`))
			for _, k := range []Kind{Identity, Session} {
				checkFastAgrees(t, d, WithKind(k))
			}
			for n := range len(d) {
				checkFastAgrees(t, d[:n])
			}
		}
	}
	got := fast([]byte(doc(`{"Effect":"Allow","Action":"a:b","Resource":["*", "*"]}`)))
	if assert.NotNil(t, got) {
		assert.Equal(t, []string{"*", "*"}, got.Statements[0].Resource)
	}
}
