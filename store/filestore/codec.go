package filestore

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"time"

	"github.com/ramauthz/ramauthz/store"
)

// On-disk formats. All integers are little-endian or unsigned varints; strings and byte strings
// are a uvarint length followed by the bytes.
//
// Log file  = logMagic (16 bytes) | epoch (16) | generation (uint64) | CRC-32C of the 40 bytes
// before (uint32), then records.
// Record    = frameMagic (4 bytes) | payload length (uint32) | CRC-32C of the length's 4 bytes
// and the payload (uint32) | payload. The CRC covers the length so a damaged length is caught.
// Payload   = format version 1 | rev | group (the first revision written by the same write and
// fsync: group commit) | At (varint Unix nanoseconds) | account | expected |
// actor | reason | request id | op count | ops, each kind | name | value (empty: delete).
// Snapshot  = snapMagic (16 bytes) | epoch (16) | generation | rev | compacted | account count |
// (account, rev)... | entry count | (account, kind, name, value, modrev)... | CRC-32C of
// everything before (uint32).
var (
	logMagic   = []byte("ramauthz-log\x00\x00\x00\x01")
	snapMagic  = []byte("ramauthz-snap\x00\x00\x01")
	frameMagic = []byte{0xa5, 'r', 'z', 0x01}
	castagnoli = crc32.MakeTable(crc32.Castagnoli)
)

const (
	logHeaderLen   = 16 + 16 + 8 + 4
	frameHeaderLen = 12
	payloadVersion = 1
	// maxPayload bounds a record's length field: a valid batch is at most store.MaxBatchBytes
	// plus its framing, so anything longer is damage.
	maxPayload = store.MaxBatchBytes + 1<<20
)

var errShort = errors.New("truncated data")

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func appendBytes(b []byte, v []byte) []byte {
	b = binary.AppendUvarint(b, uint64(len(v)))
	return append(b, v...)
}

func encodeLogHeader(epoch store.Epoch, gen uint64) []byte {
	b := make([]byte, 0, logHeaderLen)
	b = append(b, logMagic...)
	b = append(b, epoch[:]...)
	b = binary.LittleEndian.AppendUint64(b, gen)
	return binary.LittleEndian.AppendUint32(b, crc32.Checksum(b, castagnoli))
}

// decodeLogHeader returns the epoch and generation of a log header, or ok=false for anything
// that is not one.
func decodeLogHeader(b []byte) (epoch store.Epoch, gen uint64, ok bool) {
	if len(b) < logHeaderLen || !bytes.Equal(b[:16], logMagic) ||
		crc32.Checksum(b[:logHeaderLen-4], castagnoli) != binary.LittleEndian.Uint32(b[logHeaderLen-4:]) {
		return store.Epoch{}, 0, false
	}
	copy(epoch[:], b[16:32])
	return epoch, binary.LittleEndian.Uint64(b[32:40]), true
}

// appendRecord appends c's framed record to b; group is the first revision of the records
// written and fsynced together with it.
func appendRecord(b []byte, c *store.Change, group store.Revision) []byte {
	start := len(b)
	b = append(b, frameMagic...)
	b = append(b, 0, 0, 0, 0, 0, 0, 0, 0) // length and CRC, filled below
	p := len(b)
	b = append(b, payloadVersion)
	b = binary.AppendUvarint(b, uint64(c.Rev))
	b = binary.AppendUvarint(b, uint64(group))
	b = binary.AppendVarint(b, c.At.UnixNano())
	bt := &c.Batch
	b = appendString(b, bt.Account)
	b = binary.AppendUvarint(b, uint64(bt.Expected))
	b = appendString(b, bt.Actor)
	b = appendString(b, bt.Reason)
	b = appendString(b, bt.RequestID)
	b = binary.AppendUvarint(b, uint64(len(bt.Ops)))
	for _, op := range bt.Ops {
		b = appendString(b, op.Key.Kind)
		b = appendString(b, op.Key.Name)
		b = appendBytes(b, op.Value)
	}
	binary.LittleEndian.PutUint32(b[start+4:], uint32(len(b)-p))
	crc := crc32.Update(0, castagnoli, b[start+4:start+8])
	crc = crc32.Update(crc, castagnoli, b[p:])
	binary.LittleEndian.PutUint32(b[start+8:], crc)
	return b
}

// frameAt checks the record framed at b[0:] and returns its payload and total length, or
// ok=false when b does not start with an intact record.
func frameAt(b []byte) (payload []byte, n int, ok bool) {
	if len(b) < frameHeaderLen || !bytes.Equal(b[:4], frameMagic) {
		return nil, 0, false
	}
	l := binary.LittleEndian.Uint32(b[4:8])
	if l > maxPayload || uint64(len(b)-frameHeaderLen) < uint64(l) {
		return nil, 0, false
	}
	crc := crc32.Update(0, castagnoli, b[4:8])
	crc = crc32.Update(crc, castagnoli, b[frameHeaderLen:frameHeaderLen+int(l)])
	if crc != binary.LittleEndian.Uint32(b[8:12]) {
		return nil, 0, false
	}
	return b[frameHeaderLen : frameHeaderLen+int(l)], frameHeaderLen + int(l), true
}

type decoder struct {
	b   []byte
	err error
	// Interning: consecutive records and entries repeat the account and kind.
	lastAccount, lastKind string
}

func (d *decoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.err = errShort
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) varint() int64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.err = errShort
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) raw() []byte {
	n := d.uvarint()
	if d.err != nil {
		return nil
	}
	if n > uint64(len(d.b)) {
		d.err = errShort
		return nil
	}
	v := d.b[:n:n]
	d.b = d.b[n:]
	return v
}

func (d *decoder) str() string { return string(d.raw()) }

func (d *decoder) interned(last *string) string {
	v := d.raw()
	if string(v) == *last { // no allocation for the comparison
		return *last
	}
	*last = string(v)
	return *last
}

// value copies a byte string out of the buffer (nil for an empty one: a delete).
func (d *decoder) value() []byte {
	v := d.raw()
	if len(v) == 0 {
		return nil
	}
	return bytes.Clone(v)
}

func (d *decoder) fixed(n int) []byte {
	if d.err != nil {
		return nil
	}
	if len(d.b) < n {
		d.err = errShort
		return nil
	}
	v := d.b[:n]
	d.b = d.b[n:]
	return v
}

// recordGroup returns the revision and group of an intact record's payload.
func recordGroup(p []byte) (rev, group store.Revision, ok bool) {
	d := decoder{b: p}
	if v := d.fixed(1); d.err != nil || v[0] != payloadVersion {
		return 0, 0, false
	}
	rev = store.Revision(d.uvarint())
	group = store.Revision(d.uvarint())
	return rev, group, d.err == nil
}

func decodeRecord(d *decoder, p []byte) (store.Change, error) {
	d.b, d.err = p, nil
	if v := d.fixed(1); d.err == nil && v[0] != payloadVersion {
		return store.Change{}, errors.New("unknown record version")
	}
	var c store.Change
	c.Rev = store.Revision(d.uvarint())
	if group := store.Revision(d.uvarint()); d.err == nil && (group > c.Rev || group == 0) {
		return store.Change{}, errors.New("record's group follows it")
	}
	c.At = time.Unix(0, d.varint()).UTC()
	c.Batch.Account = d.interned(&d.lastAccount)
	c.Batch.Expected = store.Revision(d.uvarint())
	c.Batch.Actor = d.str()
	c.Batch.Reason = d.str()
	c.Batch.RequestID = d.str()
	n := d.uvarint()
	if d.err == nil && n > uint64(len(d.b)) { // every op takes at least 3 bytes
		d.err = errShort
	}
	if d.err != nil {
		return store.Change{}, d.err
	}
	c.Batch.Ops = make([]store.Op, n)
	for i := range c.Batch.Ops {
		op := &c.Batch.Ops[i]
		op.Key.Account = c.Batch.Account
		op.Key.Kind = d.interned(&d.lastKind)
		op.Key.Name = d.str()
		op.Value = d.value()
	}
	if d.err == nil && len(d.b) != 0 {
		d.err = errors.New("trailing bytes in record")
	}
	return c, d.err
}

// encodeSnapshot returns the snapshot file's bytes.
func encodeSnapshot(s *store.Snapshot, gen uint64) []byte {
	n := 64
	for _, e := range s.Entries {
		n += len(e.Key.Account) + len(e.Key.Kind) + len(e.Key.Name) + len(e.Value) + 24
	}
	b := make([]byte, 0, n)
	b = append(b, snapMagic...)
	b = append(b, s.Epoch[:]...)
	b = binary.AppendUvarint(b, gen)
	b = binary.AppendUvarint(b, uint64(s.Rev))
	b = binary.AppendUvarint(b, uint64(s.Compacted))
	b = binary.AppendUvarint(b, uint64(len(s.Accounts)))
	for _, a := range s.Accounts {
		b = appendString(b, a.Account)
		b = binary.AppendUvarint(b, uint64(a.Rev))
	}
	b = binary.AppendUvarint(b, uint64(len(s.Entries)))
	for _, e := range s.Entries {
		b = appendString(b, e.Key.Account)
		b = appendString(b, e.Key.Kind)
		b = appendString(b, e.Key.Name)
		b = appendBytes(b, e.Value)
		b = binary.AppendUvarint(b, uint64(e.ModRev))
	}
	return binary.LittleEndian.AppendUint32(b, crc32.Checksum(b, castagnoli))
}

// decodeSnapshot parses a snapshot file; it returns a reason for anything else.
func decodeSnapshot(b []byte) (s store.Snapshot, gen uint64, reason string) {
	if len(b) < len(snapMagic) || !bytes.Equal(b[:len(snapMagic)], snapMagic) {
		return s, 0, "not a ramauthz snapshot (bad magic)"
	}
	if len(b) < len(snapMagic)+16+4 {
		return s, 0, "truncated snapshot"
	}
	body := b[:len(b)-4]
	if crc32.Checksum(body, castagnoli) != binary.LittleEndian.Uint32(b[len(b)-4:]) {
		return s, 0, "checksum mismatch"
	}
	d := &decoder{b: body[len(snapMagic):]}
	copy(s.Epoch[:], d.fixed(16))
	gen = d.uvarint()
	s.Rev = store.Revision(d.uvarint())
	s.Compacted = store.Revision(d.uvarint())
	na := d.uvarint()
	if d.err == nil && na > uint64(len(d.b)) {
		d.err = errShort
	}
	if d.err == nil {
		s.Accounts = make([]store.AccountRevision, na)
		for i := range s.Accounts {
			s.Accounts[i].Account = d.str()
			s.Accounts[i].Rev = store.Revision(d.uvarint())
		}
	}
	ne := d.uvarint()
	if d.err == nil && ne > uint64(len(d.b)) {
		d.err = errShort
	}
	if d.err == nil {
		s.Entries = make([]store.Entry, ne)
		for i := range s.Entries {
			e := &s.Entries[i]
			e.Key.Account = d.interned(&d.lastAccount)
			e.Key.Kind = d.interned(&d.lastKind)
			e.Key.Name = d.str()
			e.Value = d.value()
			e.ModRev = store.Revision(d.uvarint())
		}
	}
	switch {
	case d.err != nil:
		return store.Snapshot{}, 0, "malformed snapshot: " + d.err.Error()
	case len(d.b) != 0:
		return store.Snapshot{}, 0, "trailing bytes in snapshot"
	case s.Epoch.IsZero():
		return store.Snapshot{}, 0, "zero epoch"
	case s.Compacted > s.Rev:
		return store.Snapshot{}, 0, "compaction point beyond the revision"
	}
	return s, gen, ""
}
