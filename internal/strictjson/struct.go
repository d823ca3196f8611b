package strictjson

import (
	"reflect"
	"strconv"
	"strings"
	"sync"
)

// field is one JSON member of a struct.
type field struct {
	name     string
	index    []int // for reflect.Value.FieldByIndex
	required bool
}

// structInfo is what decoding a struct type needs, computed once per type.
type structInfo struct {
	fields []field
	byName map[string]int
	byFold map[string]int // Fold(name) -> field, for "did you mean"
	err    string         // why the type cannot be decoded, or ""
}

var structCache sync.Map // reflect.Type -> *structInfo

func infoOf(t reflect.Type) *structInfo {
	if v, ok := structCache.Load(t); ok {
		return v.(*structInfo)
	}
	info := &structInfo{byName: map[string]int{}, byFold: map[string]int{}}
	collectFields(t, nil, info, map[reflect.Type]bool{})
	for i, f := range info.fields {
		if info.err != "" {
			break
		}
		if j, dup := info.byName[f.name]; dup {
			info.err = fieldConflict(t, info.fields[j], f)
			break
		}
		if j, dup := info.byFold[Fold(f.name)]; dup {
			info.err = fieldConflict(t, info.fields[j], f) + " (the names differ only in case, so an object cannot have both)"
			break
		}
		info.byName[f.name] = i
		info.byFold[Fold(f.name)] = i
	}
	v, _ := structCache.LoadOrStore(t, info)
	return v.(*structInfo)
}

func fieldConflict(t reflect.Type, a, b field) string {
	return "struct " + t.String() + " has two fields for member " + strconv.Quote(b.name) + " (" + fieldPath(t, a.index) + " and " + fieldPath(t, b.index) + ")"
}

func fieldPath(t reflect.Type, index []int) string {
	var names []string
	for _, i := range index {
		f := t.Field(i)
		names = append(names, f.Name)
		t = f.Type
	}
	return strings.Join(names, ".")
}

// collectFields lists the JSON fields of struct type t, promoting the
// fields of untagged embedded structs as encoding/json does.
func collectFields(t reflect.Type, prefix []int, info *structInfo, visiting map[reflect.Type]bool) {
	if visiting[t] {
		return
	}
	visiting[t] = true
	defer delete(visiting, t)
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		tag := sf.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		index := append(append([]int(nil), prefix...), i)
		if sf.Anonymous && name == "" {
			ft := sf.Type
			if ft.Kind() == reflect.Struct {
				collectFields(ft, index, info, visiting)
				continue
			}
			if ft.Kind() == reflect.Pointer && ft.Elem().Kind() == reflect.Struct {
				info.err = "struct " + t.String() + " embeds the pointer " + ft.String() + " (embed the struct itself)"
				return
			}
		}
		if !sf.IsExported() {
			continue
		}
		if name == "" {
			name = sf.Name
		}
		f := field{name: name, index: index}
		for _, o := range strings.Split(opts, ",") {
			switch o {
			case "required":
				f.required = true
			case "string":
				info.err = "field " + t.String() + "." + sf.Name + " uses the \",string\" option"
				return
			}
		}
		info.fields = append(info.fields, f)
	}
}

// object decodes the object at s.pos into the struct v.
func (s *state) object(v reflect.Value) *Error {
	start := s.pos
	info := infoOf(v.Type())
	if info.err != "" {
		s.skipValue()
		return s.fail(start, ErrUnsupported, info.err)
	}
	var seen []bool
	if len(info.fields) > 0 {
		seen = make([]bool, len(info.fields))
	}
	e := s.members(nil, func(name string, nameOff int) *Error {
		i, ok := info.byName[name]
		if !ok {
			msg := "no field is named " + strconv.Quote(name)
			if j, near := info.byFold[Fold(name)]; near {
				msg += "; did you mean " + strconv.Quote(info.fields[j].name) + "? (names must match exactly)"
			}
			return s.fail(nameOff, ErrUnknownMember, msg)
		}
		seen[i] = true
		return s.value(fieldByIndex(v, info.fields[i].index))
	})
	if e != nil {
		return e
	}
	for i, f := range info.fields {
		if f.required && !seen[i] {
			return s.fail(start, ErrMissing, "member "+strconv.Quote(f.name)+" is required")
		}
	}
	return nil
}

// fieldByIndex is reflect.Value.FieldByIndex for structs embedded by
// value (the only embedding infoOf accepts), which cannot fail.
func fieldByIndex(v reflect.Value, index []int) reflect.Value {
	for _, i := range index {
		v = v.Field(i)
	}
	return v
}
