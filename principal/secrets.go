package principal

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
)

const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// randomString returns prefix followed by n characters drawn uniformly from
// letters and digits with crypto/rand.
func randomString(prefix string, n int) (string, error) {
	b := make([]byte, 0, len(prefix)+n)
	b = append(b, prefix...)
	var buf [64]byte
	for len(b) < len(prefix)+n {
		if _, err := rand.Read(buf[:]); err != nil {
			return "", err
		}
		for _, c := range buf {
			// 248 = 4*62: rejecting larger bytes keeps the draw uniform.
			if c < 248 && len(b) < len(prefix)+n {
				b = append(b, alphabet[int(c)%len(alphabet)])
			}
		}
	}
	return string(b), nil
}

func hashSecret(secret string) [32]byte { return sha256.Sum256([]byte(secret)) }

// hashEqual reports whether secret hashes to h, comparing in constant time.
func hashEqual(h [32]byte, secret string) bool {
	g := hashSecret(secret)
	return subtle.ConstantTimeCompare(h[:], g[:]) == 1
}
