package civil

import (
	"testing"
	"time"
)

// TestAgainstTime checks both functions against package time for every
// month of years 0 to 9999 (time.Date normalises an out-of-range day, so a
// day one past DaysIn must land in the next month; midnights are whole
// multiples of 86,400 seconds).
func TestAgainstTime(t *testing.T) {
	for year := 0; year <= 9999; year++ {
		for month := 1; month <= 12; month++ {
			n := DaysIn(month, year)
			if next := time.Date(year, time.Month(month), n+1, 0, 0, 0, 0, time.UTC); next.Day() != 1 {
				t.Fatalf("DaysIn(%d, %d) = %d, but day %d exists", month, year, n, n+1)
			}
			for _, day := range []int{1, n / 2, n} {
				want := time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC).Unix() / 86400
				if got := UnixDays(year, month, day); got != want {
					t.Fatalf("UnixDays(%d, %d, %d) = %d, want %d", year, month, day, got, want)
				}
			}
		}
	}
}

func TestKnownDays(t *testing.T) {
	for _, c := range []struct {
		y, m, d int
		want    int64
	}{{1970, 1, 1, 0}, {1969, 12, 31, -1}, {2000, 3, 1, 11017}, {0, 1, 1, -719528}, {9999, 12, 31, 2932896}} {
		if got := UnixDays(c.y, c.m, c.d); got != c.want {
			t.Errorf("UnixDays(%d, %d, %d) = %d, want %d", c.y, c.m, c.d, got, c.want)
		}
	}
}
