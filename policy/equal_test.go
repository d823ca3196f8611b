package policy

import "reflect"

func equalDocs(a, b *Document) bool { return reflect.DeepEqual(a, b) }
