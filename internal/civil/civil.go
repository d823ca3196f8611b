// Package civil is the calendar arithmetic shared by the readers of dates
// in policies (package policy), requests (package evaluator) and signed
// requests (package signature): days in a month, and days since the Unix
// epoch, on the proleptic Gregorian calendar of ISO 8601 and RFC 3339.
package civil

// DaysIn returns the number of days of month (1 to 12) in year (leap years:
// divisible by 4, except centuries not divisible by 400).
func DaysIn(month, year int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// UnixDays returns the number of days from 1970-01-01 to year-month-day, a
// valid date (month 1 to 12, day 1 to DaysIn) of years 0 to 9999; negative
// before 1970. The count runs from 400 years earlier so that every division
// is of an unsigned number, with March as the first month of a computing
// year so that the leap day comes last: the days before a computing year y
// are 365y plus its leap days y/4 - y/100 + y/400, three divisions that do
// not wait for one another, and the days before a month in its computing
// year come from a table.
func UnixDays(year, month, day int) int64 {
	y := uint(year) + 400
	if month <= 2 {
		y-- // January and February end the computing year before
	}
	d := y*365 + y/4 - y/100 + y/400 + uint(daysBeforeMonth[uint(month)&15]) + uint(day) - 1
	return int64(d) - daysTo1970
}

// daysBeforeMonth[m] is the number of days from March 1 to the first day of
// month m (1 to 12) in a computing year that starts in March.
var daysBeforeMonth = [16]uint16{1: 306, 2: 337, 3: 0, 4: 31, 5: 61, 6: 92, 7: 122, 8: 153, 9: 184, 10: 214, 11: 245, 12: 275}

// daysTo1970 is UnixDays's count for 1970-01-01 before it is subtracted:
// the days before computing year 2369 (1969 + 400), 2369*365 + 592 - 23 + 5
// = 865,259, and the 306 days from March to January.
const daysTo1970 = 865259 + 306
