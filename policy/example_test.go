package policy_test

import (
	"errors"
	"fmt"

	"github.com/ramauthz/ramauthz/policy"
)

func ExampleParse() {
	doc, err := policy.Parse([]byte(`{
	  "Version": "1",
	  "Statement": [{
	    "Effect": "Allow",
	    "Action": ["ecs:Describe*", "ecs:List*"],
	    "Resource": "acs:ecs:*:*:instance/*",
	    "Condition": {"IpAddress": {"acs:SourceIp": "10.0.0.0/8"}}
	  }]
	}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	s := doc.Statements[0]
	fmt.Println(s.Effect, s.Action, s.Resource)
	fmt.Println(s.Condition[0].Operator, s.Condition[0].Key, s.Condition[0].Values[0].Prefix)
	fmt.Println(doc)
	// Output:
	// Allow [ecs:Describe* ecs:List*] [acs:ecs:*:*:instance/*]
	// IpAddress acs:SourceIp 10.0.0.0/8
	// {"Version":"1","Statement":[{"Effect":"Allow","Action":["ecs:Describe*","ecs:List*"],"Resource":"acs:ecs:*:*:instance/*","Condition":{"IpAddress":{"acs:SourceIp":"10.0.0.0/8"}}}]}
}

func ExampleParseError() {
	_, err := policy.Parse([]byte(`{
  "Version": "1",
  "Statement": [{"Effect": "Allow", "Action": "oss:*", "Resource": "*",
                 "Condition": {"IpAddress": {"acs:SourceIp": ["192.168.0.0/16", "10.0.0.0/33"]}}}]
}`), policy.WithFile("oss.json"))

	var pe *policy.ParseError
	if errors.As(err, &pe) {
		fmt.Println("file:", pe.File)
		fmt.Println("where:", pe.Line, pe.Column, pe.Path)
		fmt.Println("invalid value:", errors.Is(err, policy.ErrInvalid))
	}
	fmt.Println(err)
	// Output:
	// file: oss.json
	// where: 4 81 Statement[0].Condition.IpAddress."acs:SourceIp"[1]
	// invalid value: true
	// oss.json:4:81: Statement[0].Condition.IpAddress."acs:SourceIp"[1]: invalid value: IpAddress value "10.0.0.0/33" is not an IP address or CIDR block
}

func ExampleWithKind() {
	trust := `{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole",
	  "Principal":{"RAM":["acs:ram::1234567890123456:root"]}}]}`
	doc, err := policy.Parse([]byte(trust), policy.WithKind(policy.Trust))
	fmt.Println(err, doc.Statements[0].Principal.RAM)
	_, err = policy.Parse([]byte(trust)) // as an identity policy
	fmt.Println(err)
	// Output:
	// <nil> [acs:ram::1234567890123456:root]
	// 1:29: Statement[0].Resource: missing element: a statement of an identity policy needs Resource or NotResource
}
