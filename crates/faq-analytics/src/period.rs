//! The period a report covers, as the owner types it (`7d`, `24h`, `90m`, `2026-11-01`), and
//! days as dates: the same for `faq report --since` and the owner's page.

/// Milliseconds in a day.
pub const DAY_MS: i64 = 86_400_000;

/// A period that is neither a span nor a date; it says what is expected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{given:?}: expected 7d, 24h, 90m or a date like 2026-11-01")]
pub struct PeriodError {
    pub given: String,
}

/// The start of the period `since` ends at `now_ms`: `7d`, `24h`, `90m` back from now, or
/// from a date (`2026-11-01`, midnight UTC).
pub fn since_ms(since: &str, now_ms: i64) -> Result<i64, PeriodError> {
    let bad = || PeriodError { given: since.to_string() };
    let since = since.trim();
    if let Some((number, unit)) = since.char_indices().last().map(|(at, unit)| (&since[..at], unit)) {
        let scale = match unit {
            'd' => Some(DAY_MS),
            'h' => Some(3_600_000),
            'm' => Some(60_000),
            _ => None,
        };
        if let (Some(scale), Ok(n)) = (scale, number.parse::<i64>()) {
            return Ok(now_ms - n.clamp(0, 1_000_000) * scale);
        }
    }
    let parts: Vec<&str> = since.split('-').collect();
    let [y, m, d] = parts.as_slice() else { return Err(bad()) };
    let (Ok(y), Ok(m), Ok(d)) = (y.parse::<i64>(), m.parse::<i64>(), d.parse::<i64>()) else { return Err(bad()) };
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) || !(1970..=9999).contains(&y) {
        return Err(bad());
    }
    Ok(days_from_civil(y, m, d) * DAY_MS)
}

/// Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The UTC date (`2026-11-01`) of a time in milliseconds since the epoch.
pub fn date(at_ms: i64) -> String {
    let z = at_ms.div_euclid(DAY_MS) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_and_dates() {
        let now = since_ms("2026-12-02", 0).unwrap() + 5 * 3_600_000;
        assert_eq!(date(now), "2026-12-02");
        assert_eq!(date(since_ms("7d", now).unwrap()), "2026-11-25");
        assert_eq!(since_ms("24h", now).unwrap(), now - DAY_MS);
        assert_eq!(date(since_ms("2024-02-29", now).unwrap()), "2024-02-29");
        assert_eq!(date(0), "1970-01-01");
        for bad in ["", "7", "x7d", "2026-13-01", "2026-1", "yesterday"] {
            assert!(since_ms(bad, now).is_err(), "{bad:?}");
        }
    }
}
