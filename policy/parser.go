package policy

// Parse is being written; this placeholder keeps the package building.
func Parse(data []byte, opts ...Option) (*Document, error) {
	return nil, &ParseError{Offset: -1, Err: ErrSyntax, Msg: "parser not written yet"}
}
