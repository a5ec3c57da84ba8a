//! The sandbox has no login, so it answers only this machine: a loopback `Host`, and writes
//! only from its own page (same-origin `Origin`).

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// The sandbox has no login: it answers only requests addressed to this machine by a loopback
/// name (a page on another site reaching it by DNS rebinding, or a proxy or tunnel publishing
/// it, sends another Host), and takes writes only from its own page (same-origin `Origin`).
pub(super) async fn local_only(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    if let Err(why) = check_local(request.headers(), request.method()) {
        return (StatusCode::FORBIDDEN, why).into_response();
    }
    next.run(request).await
}

fn check_local(
    headers: &axum::http::HeaderMap,
    method: &axum::http::Method,
) -> Result<(), &'static str> {
    let header = |name: axum::http::HeaderName| headers.get(name).and_then(|v| v.to_str().ok());
    let Some(host) = header(axum::http::header::HOST).filter(|h| loopback_host(h)) else {
        return Err(
            "the sandbox answers only on this machine (http://127.0.0.1 or http://localhost)",
        );
    };
    let read_only = matches!(*method, axum::http::Method::GET | axum::http::Method::HEAD);
    let same_origin = header(axum::http::header::ORIGIN)
        .is_some_and(|o| o == format!("http://{host}") || o == format!("https://{host}"));
    if read_only || same_origin {
        Ok(())
    } else {
        Err("the sandbox takes changes only from its own page")
    }
}

/// `localhost`, `127.x.x.x` or `[::1]`, with or without a port.
fn loopback_host(host: &str) -> bool {
    let name = if let Some(rest) = host.strip_prefix('[') {
        match rest.split_once(']') {
            Some((ip, port))
                if port.is_empty() || port[1..].parse::<u16>().is_ok() && port.starts_with(':') =>
            {
                ip
            }
            _ => return false,
        }
    } else {
        match host.rsplit_once(':') {
            Some((name, port)) if port.parse::<u16>().is_ok() => name,
            Some(_) => return false,
            None => host,
        }
    };
    name.eq_ignore_ascii_case("localhost")
        || name
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod host_tests {
    use super::loopback_host;

    #[test]
    fn only_loopback_names_are_local() {
        for ok in [
            "127.0.0.1:3000",
            "localhost:3000",
            "LOCALHOST",
            "[::1]:3000",
            "[::1]",
            "127.0.0.2",
        ] {
            assert!(loopback_host(ok), "{ok}");
        }
        for bad in [
            "evil.example:3000",
            "127.0.0.1.nip.io:3000",
            "localhost.evil.example",
            "10.0.0.5:3000",
            "[::2]:3000",
            "127.0.0.1:notaport",
            "[::1]x",
            "",
        ] {
            assert!(!loopback_host(bad), "{bad}");
        }
    }
}
