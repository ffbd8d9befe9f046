//! Instants as integer milliseconds since the Unix epoch (UTC), with the API's ISO 8601 text form.
//!
//! The engine never reads a clock: every function that needs "now" takes a [`Timestamp`].

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use time::format_description::well_known::Rfc3339;
use time::{Date, OffsetDateTime, UtcOffset};

/// Milliseconds since 1970-01-01T00:00:00Z.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Timestamp(pub i64);

pub const SECOND: i64 = 1_000;
pub const MINUTE: i64 = 60 * SECOND;
pub const HOUR: i64 = 60 * MINUTE;
pub const DAY: i64 = 24 * HOUR;

impl Timestamp {
    pub const fn from_millis(ms: i64) -> Self {
        Self(ms)
    }

    pub const fn millis(self) -> i64 {
        self.0
    }

    /// This instant moved by `ms` milliseconds (negative moves back), saturating at the range ends.
    pub const fn plus(self, ms: i64) -> Self {
        Self(self.0.saturating_add(ms))
    }

    /// Parses the forms the API accepts: a full ISO 8601 / RFC 3339 date-time
    /// (`2021-12-22T10:13:06.487Z`, any offset) or a bare date (`2016-11-16`, midnight UTC).
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        if let Ok(dt) = OffsetDateTime::parse(text, &Rfc3339) {
            return Self::from_datetime(dt);
        }
        let date_format = time::macros::format_description!("[year]-[month]-[day]");
        let date = Date::parse(text, date_format).ok()?;
        Self::from_datetime(date.midnight().assume_utc())
    }

    fn from_datetime(dt: OffsetDateTime) -> Option<Self> {
        let ms = dt.unix_timestamp_nanos() / 1_000_000;
        i64::try_from(ms).ok().map(Self)
    }

    /// `2021-12-22T10:13:06.487Z`: UTC, always three fractional digits, as the API prints it.
    pub fn to_iso(self) -> String {
        let nanos = i128::from(self.0) * 1_000_000;
        let dt = OffsetDateTime::from_unix_timestamp_nanos(nanos)
            .unwrap_or(OffsetDateTime::UNIX_EPOCH)
            .to_offset(UtcOffset::UTC);
        format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
            dt.year(),
            u8::from(dt.month()),
            dt.day(),
            dt.hour(),
            dt.minute(),
            dt.second(),
            dt.millisecond()
        )
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_iso())
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_iso())
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::parse(&text).ok_or_else(|| {
            serde::de::Error::invalid_value(
                serde::de::Unexpected::Str(&text),
                &"an ISO 8601 date-time such as 2021-12-22T10:13:06.487Z",
            )
        })
    }
}

/// Parses a simple ISO 8601 duration (`P1D`, `PT2H30M`, `P1DT12H`, `PT45S`) into milliseconds.
/// Years and months are not accepted: their length depends on the calendar.
pub fn parse_duration(text: &str) -> Option<i64> {
    let rest = text.trim().strip_prefix('P')?;
    let (date_part, time_part) = match rest.split_once('T') {
        Some((d, t)) => (d, Some(t)),
        None => (rest, None),
    };
    let mut total: i64 = 0;
    let mut any = false;
    let mut take = |part: &str, units: &[(char, i64)]| -> Option<()> {
        let mut number = String::new();
        for ch in part.chars() {
            if ch.is_ascii_digit() {
                number.push(ch);
            } else {
                let unit = units.iter().find(|(u, _)| *u == ch)?.1;
                let n: i64 = number.parse().ok()?;
                total = total.checked_add(n.checked_mul(unit)?)?;
                number.clear();
                any = true;
            }
        }
        number.is_empty().then_some(())
    };
    take(date_part, &[('W', 7 * DAY), ('D', DAY)])?;
    if let Some(t) = time_part {
        if t.is_empty() {
            return None;
        }
        take(t, &[('H', HOUR), ('M', MINUTE), ('S', SECOND)])?;
    }
    any.then_some(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_the_api_text_form() {
        let t = Timestamp::parse("2021-12-22T10:13:06.487Z").unwrap();
        assert_eq!(t.to_iso(), "2021-12-22T10:13:06.487Z");
    }

    #[test]
    fn accepts_offsets_and_bare_dates() {
        let a = Timestamp::parse("2021-12-22T12:13:06+02:00").unwrap();
        assert_eq!(a.to_iso(), "2021-12-22T10:13:06.000Z");
        let d = Timestamp::parse("2016-11-16").unwrap();
        assert_eq!(d.to_iso(), "2016-11-16T00:00:00.000Z");
        assert!(Timestamp::parse("yesterday").is_none());
    }

    #[test]
    fn parses_durations() {
        assert_eq!(parse_duration("P1D"), Some(DAY));
        assert_eq!(parse_duration("PT2H30M"), Some(2 * HOUR + 30 * MINUTE));
        assert_eq!(parse_duration("P1DT1S"), Some(DAY + SECOND));
        assert_eq!(parse_duration("P1Y"), None);
        assert_eq!(parse_duration("P"), None);
        assert_eq!(parse_duration("PT"), None);
        assert_eq!(parse_duration("P1"), None);
    }
}
