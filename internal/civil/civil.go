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
// before 1970. The count runs from 400 years earlier (146,097 days) so that
// every division is of an unsigned number, with March as the first month of
// a computing year so that the leap day comes last.
func UnixDays(year, month, day int) int64 {
	y, m := uint(year)+400, uint(month)
	if m <= 2 {
		y--
		m += 9 // March is month 0 of the computing year
	} else {
		m -= 3
	}
	era := y / 400
	yoe := y - era*400                     // [0, 399]
	doy := (153*m+2)/5 + uint(day) - 1     // [0, 365]
	doe := yoe*365 + yoe/4 - yoe/100 + doy // [0, 146096]
	return int64(era*146097+doe) - 719468 - 146097
}
