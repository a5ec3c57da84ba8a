//! Reading a list's query string: only the filters the route documents (the names come from
//! the same `IntoParams` struct the OpenAPI document is made of), each given once, each value
//! checked; and the opaque cursor that continues a list.

use std::collections::HashMap;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, NaiveDate};
use serde::de::DeserializeOwned;
use utoipa::IntoParams;
use utoipa::openapi::path::ParameterIn;

use super::error::ApiError;
use crate::domain::Status;
use crate::store::PageAfter;

pub const DEFAULT_LIMIT: i64 = 50;
pub const MAX_LIMIT: i64 = 200;

/// The names a params struct documents, in order.
pub fn accepted<P: IntoParams>() -> Vec<String> {
    P::into_params(|| Some(ParameterIn::Query))
        .into_iter()
        .map(|p| p.name)
        .collect()
}

/// The query string as `P`, refusing unknown and repeated filters.
pub fn parse<P: IntoParams + DeserializeOwned>(raw: Option<&str>) -> Result<P, ApiError> {
    let raw = raw.unwrap_or("");
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(raw)
        .map_err(|_| ApiError::bad_request("the query string is not URL-encoded"))?;
    let names = accepted::<P>();
    let mut seen: HashMap<&str, ()> = HashMap::new();
    for (key, _) in &pairs {
        if !names.iter().any(|n| n == key) {
            return Err(ApiError::unknown_filter(key, names));
        }
        if seen.insert(key.as_str(), ()).is_some() {
            return Err(ApiError::bad_request(format!("`{key}` is given twice")));
        }
    }
    serde_urlencoded::from_str(raw).map_err(|e| ApiError::bad_request(e.to_string()))
}

/// Where a list continues: after the key in `cursor` (made by [`next_cursor`] for the same
/// list), `limit` rows.
pub fn page(list: &str, cursor: Option<&str>, limit: Option<&str>) -> Result<PageAfter, ApiError> {
    let limit = match limit {
        None => DEFAULT_LIMIT,
        Some(text) => match text.parse::<i64>() {
            Ok(n) if (1..=MAX_LIMIT).contains(&n) => n,
            _ => {
                return Err(ApiError::bad_request(format!(
                    "`limit` is a whole number from 1 to {MAX_LIMIT}, not `{}`",
                    text.chars().take(40).collect::<String>()
                )));
            }
        },
    };
    let after = match cursor {
        None => 0,
        Some(c) => decode_cursor(list, c).ok_or_else(|| {
            ApiError::bad_request(
                "`cursor` is not one this list gave; pass `next_cursor` as it came",
            )
        })?,
    };
    Ok(PageAfter { after, limit })
}

fn decode_cursor(list: &str, cursor: &str) -> Option<i64> {
    let bytes = URL_SAFE_NO_PAD.decode(cursor.as_bytes()).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let (kind, key) = text.split_once(':')?;
    let key: i64 = key.parse().ok()?;
    (kind == list && key >= 0).then_some(key)
}

/// The page's rows (at most `limit`) and the cursor of the next page, if there is one: the
/// store fetched one row more than the page to tell.
pub fn next_cursor<T>(
    list: &str,
    mut rows: Vec<T>,
    page: PageAfter,
    key: impl Fn(&T) -> i64,
) -> (Vec<T>, Option<String>) {
    let limit = page.limit as usize;
    if rows.len() <= limit {
        return (rows, None);
    }
    rows.truncate(limit);
    let cursor = rows
        .last()
        .map(|last| URL_SAFE_NO_PAD.encode(format!("{list}:{}", key(last))));
    (rows, cursor)
}

/// `status=` as statuses: a comma-separated list, `active` for the three open ones.
pub fn statuses(text: Option<&str>) -> Result<Vec<Status>, ApiError> {
    let Some(text) = text else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for word in text.split(',').map(str::trim) {
        if word.eq_ignore_ascii_case("active") {
            out.extend(Status::ALL.into_iter().filter(|s| s.is_active()));
            continue;
        }
        let s = word.parse::<Status>().map_err(|_| {
            ApiError::bad_request(format!(
                "`{}` is not a status; use on-track, at-risk, off-track, done, dropped or active",
                word.chars().take(40).collect::<String>()
            ))
        })?;
        out.push(s);
    }
    out.dedup();
    Ok(out)
}

/// `state=` as whether the row is open: `open` or `closed`.
pub fn open_or_closed(text: Option<&str>) -> Result<Option<bool>, ApiError> {
    match text {
        None => Ok(None),
        Some("open") => Ok(Some(true)),
        Some("closed") => Ok(Some(false)),
        Some(_) => Err(ApiError::bad_request("`state` is `open` or `closed`")),
    }
}

/// `from` and `to` as `[from, to)` in Unix seconds: a date (UTC) or an RFC 3339 instant. A
/// date `to` includes its whole day.
pub fn window(
    from: Option<&str>,
    to: Option<&str>,
) -> Result<(Option<i64>, Option<i64>), ApiError> {
    let from = from.map(|t| instant("from", t, false)).transpose()?;
    let to = to.map(|t| instant("to", t, true)).transpose()?;
    if let (Some(f), Some(t)) = (from, to)
        && f >= t
    {
        return Err(ApiError::bad_request("`from` must be before `to`"));
    }
    Ok((from, to))
}

fn instant(name: &str, text: &str, end_of_day: bool) -> Result<i64, ApiError> {
    if let Ok(d) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        let day = if end_of_day {
            d.succ_opt().unwrap_or(d)
        } else {
            d
        };
        return Ok(day
            .and_hms_opt(0, 0, 0)
            .unwrap_or_default()
            .and_utc()
            .timestamp());
    }
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.timestamp())
        .map_err(|_| {
            ApiError::bad_request(format!(
                "`{name}` is a date like 2026-11-30 or an RFC 3339 time like 2026-11-30T09:00:00Z, not `{}`",
                text.chars().take(40).collect::<String>()
            ))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_continues_only_its_own_list() {
        let page1 = PageAfter { after: 0, limit: 2 };
        let (rows, cursor) = next_cursor("p", vec![3, 5, 9], page1, |n| *n);
        assert_eq!(rows, vec![3, 5]);
        let cursor = cursor.expect("a next page");
        assert_eq!(page("p", Some(&cursor), Some("2")).unwrap().after, 5);
        assert!(page("c", Some(&cursor), None).is_err());
        assert!(page("p", Some("bm9wZQ"), None).is_err());
        assert!(page("p", Some("!!"), None).is_err());
        let (_, none) = next_cursor("p", vec![1, 2], page1, |n| *n);
        assert_eq!(none, None);
    }

    #[test]
    fn limits_and_windows_are_checked() {
        assert_eq!(page("p", None, None).unwrap().limit, DEFAULT_LIMIT);
        for bad in ["0", "-1", "201", "1e3", "99999999999999999999"] {
            assert!(page("p", None, Some(bad)).is_err(), "{bad}");
        }
        let (f, t) = window(Some("2026-11-01"), Some("2026-11-01")).unwrap();
        assert_eq!(t.unwrap() - f.unwrap(), 86_400);
        assert!(window(Some("2026-11-02"), Some("2026-11-01")).is_err());
        assert!(window(Some("yesterday"), None).is_err());
        assert!(window(Some("2026-11-01T09:00:00Z"), None).is_ok());
        assert_eq!(statuses(Some("active")).unwrap().len(), 3);
        assert!(statuses(Some("on-track,late")).is_err());
    }
}
