// Package interop holds only tests: they point the official Alibaba Cloud
// clients at the library's verifier and STS endpoint, on loopback.
package interop
