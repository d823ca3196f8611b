package principal

type compiled struct{ gen uint64 }

type sessionEval struct{}
