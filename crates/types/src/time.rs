//! RFC 3339 UTC timestamps with whole seconds (`2026-11-21T22:18:46Z`), as protocol §5 writes them.

use ::time::format_description::well_known::Rfc3339;
use ::time::OffsetDateTime;

/// Formats Unix seconds; `None` outside the years 0000–9999.
pub fn format_rfc3339(unix_seconds: i64) -> Option<String> {
    let at = OffsetDateTime::from_unix_timestamp(unix_seconds).ok()?;
    let at = at.replace_nanosecond(0).ok()?;
    at.format(&Rfc3339).ok()
}

/// Parses an RFC 3339 timestamp (any offset) to Unix seconds.
pub fn parse_rfc3339(text: &str) -> Option<i64> {
    OffsetDateTime::parse(text, &Rfc3339)
        .ok()
        .map(|at| at.unix_timestamp())
}

/// The current Unix time in seconds from the system clock.
pub fn now_unix() -> i64 {
    OffsetDateTime::now_utc().unix_timestamp()
}
