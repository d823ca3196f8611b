package memstore_test

import (
	"testing"

	"github.com/ramauthz/ramauthz/store"
	"github.com/ramauthz/ramauthz/store/memstore"
	"github.com/ramauthz/ramauthz/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, storetest.Harness{New: func(*testing.T) store.Backend { return memstore.New() }})
}
