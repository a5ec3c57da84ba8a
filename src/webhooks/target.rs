//! Where a webhook may point. An admin's URL must not turn pacer into a way into the network it
//! runs in: https only, no credentials in the URL, and no host that is, or resolves to, a
//! loopback, private, link-local (cloud metadata), shared (CGNAT), unique-local, multicast,
//! broadcast or unspecified address, however it is written (IPv4-mapped IPv6, NAT64, 6to4,
//! decimal or hex IPv4). `PACER_WEBHOOK_ALLOW_PRIVATE` lifts the address rule and allows plain
//! http, for receivers on the operator's own network. The check runs when a hook is added and
//! again before every delivery, on the addresses the request is then pinned to.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Longest URL a hook may have.
pub const MAX_URL_CHARS: usize = 2048;

/// Why a URL or address is refused, in words for the admin who typed it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("the URL is longer than {MAX_URL_CHARS} characters")]
    TooLong,
    #[error("`{0}` is not a URL; give the full address, like https://hooks.example.com/pacer")]
    NotAUrl(String),
    #[error("the URL must start with https:// (not {0}://)")]
    Scheme(String),
    #[error(
        "the URL must not carry a user name or password; put credentials in the receiver's check of the signature instead"
    )]
    Credentials,
    #[error("the URL has no host")]
    NoHost,
    #[error("{0} is this machine (localhost); webhooks go to other hosts")]
    Localhost(String),
    #[error("{host} is {why} ({ip}); webhooks only go to public addresses")]
    Address {
        host: String,
        ip: IpAddr,
        why: &'static str,
    },
    #[error("{0} could not be resolved to an address")]
    Unresolved(String),
}

/// A URL that passed the checks that need no DNS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub url: url::Url,
    /// The host as the URL names it (brackets removed from an IPv6 literal).
    pub host: String,
    pub port: u16,
}

/// Check a URL as typed: its form, scheme, credentials and (when it is an address or
/// `localhost`) its host. Names are resolved separately ([`check_addresses`]).
pub fn check_url(text: &str, allow_private: bool) -> Result<Target, Refusal> {
    let text = text.trim();
    if text.chars().count() > MAX_URL_CHARS {
        return Err(Refusal::TooLong);
    }
    let shown = || text.chars().take(80).collect::<String>();
    let url = url::Url::parse(text).map_err(|_| Refusal::NotAUrl(shown()))?;
    match url.scheme() {
        "https" => {}
        "http" if allow_private => {}
        other => return Err(Refusal::Scheme(other.to_string())),
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Refusal::Credentials);
    }
    let (host, ip) = match url.host() {
        None => return Err(Refusal::NoHost),
        Some(url::Host::Domain(d)) => (d.trim_end_matches('.').to_ascii_lowercase(), None),
        Some(url::Host::Ipv4(v4)) => (v4.to_string(), Some(IpAddr::V4(v4))),
        Some(url::Host::Ipv6(v6)) => (v6.to_string(), Some(IpAddr::V6(v6))),
    };
    if host.is_empty() {
        return Err(Refusal::NoHost);
    }
    if !allow_private {
        if host == "localhost" || host.ends_with(".localhost") {
            return Err(Refusal::Localhost(host));
        }
        if let Some(ip) = ip {
            check_ip(&host, ip)?;
        }
    }
    let port = url.port_or_known_default().unwrap_or(443);
    Ok(Target { url, host, port })
}

/// Check every address a host resolved to: one refused address refuses the host, so a name
/// cannot mix a public address with an internal one.
pub fn check_addresses(host: &str, addrs: &[IpAddr], allow_private: bool) -> Result<(), Refusal> {
    if addrs.is_empty() {
        return Err(Refusal::Unresolved(host.to_string()));
    }
    if allow_private {
        return Ok(());
    }
    addrs.iter().try_for_each(|ip| check_ip(host, *ip))
}

/// How long a lookup may take: `webhook add` answers within a chat platform's few seconds.
pub const LOOKUP_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);

/// Resolve a target's host and check its addresses; the addresses to connect to. A lookup
/// that fails or takes over [`LOOKUP_TIMEOUT`] leaves the host unresolved.
pub async fn resolve(target: &Target, allow_private: bool) -> Result<Vec<IpAddr>, Refusal> {
    let addrs: Vec<IpAddr> = match target.host.parse::<IpAddr>() {
        Ok(ip) => vec![ip],
        Err(_) => {
            let lookup = tokio::net::lookup_host((target.host.as_str(), target.port));
            match tokio::time::timeout(LOOKUP_TIMEOUT, lookup).await {
                Ok(Ok(found)) => found.map(|a| a.ip()).collect(),
                _ => Vec::new(),
            }
        }
    };
    check_addresses(&target.host, &addrs, allow_private)?;
    Ok(addrs)
}

fn check_ip(host: &str, ip: IpAddr) -> Result<(), Refusal> {
    match forbidden(ip) {
        Some(why) => Err(Refusal::Address {
            host: host.to_string(),
            ip,
            why,
        }),
        None => Ok(()),
    }
}

/// Why an address is not a public one, or `None` when it is.
pub fn forbidden(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => forbidden_v4(v4),
        IpAddr::V6(v6) => forbidden_v6(v6),
    }
}

fn forbidden_v4(ip: Ipv4Addr) -> Option<&'static str> {
    let [a, b, ..] = ip.octets();
    if ip.is_loopback() {
        Some("a loopback address")
    } else if ip.is_unspecified() || a == 0 {
        Some("an unspecified address")
    } else if ip.is_private() {
        Some("a private address")
    } else if ip.is_link_local() {
        Some("a link-local address (such as a cloud metadata service)")
    } else if a == 100 && (64..128).contains(&b) {
        Some("a shared (carrier-grade NAT) address")
    } else if ip.is_broadcast() {
        Some("the broadcast address")
    } else if ip.is_multicast() {
        Some("a multicast address")
    } else if a >= 240 {
        Some("a reserved address")
    } else if a == 192 && b == 0 && ip.octets()[2] == 0 {
        Some("an IETF protocol address")
    } else {
        None
    }
}

fn forbidden_v6(ip: Ipv6Addr) -> Option<&'static str> {
    let seg = ip.segments();
    if ip.is_loopback() {
        return Some("a loopback address");
    }
    if ip.is_unspecified() {
        return Some("an unspecified address");
    }
    // An IPv4 address carried in IPv6 (mapped, compatible, NAT64, 6to4) is judged as itself.
    if let Some(v4) = embedded_v4(ip) {
        return forbidden_v4(v4);
    }
    match seg[0] {
        s if s & 0xfe00 == 0xfc00 => Some("a unique-local address"),
        s if s & 0xffc0 == 0xfe80 => Some("a link-local address"),
        s if s & 0xffc0 == 0xfec0 => Some("a site-local address"),
        s if s & 0xff00 == 0xff00 => Some("a multicast address"),
        _ => None,
    }
}

/// The IPv4 address inside an IPv4-mapped (`::ffff:a.b.c.d`), IPv4-compatible (`::a.b.c.d`),
/// NAT64 (`64:ff9b::a.b.c.d`) or 6to4 (`2002:aabb:ccdd::`) address.
fn embedded_v4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    let seg = ip.segments();
    let low =
        |hi: u16, lo: u16| Ipv4Addr::new((hi >> 8) as u8, hi as u8, (lo >> 8) as u8, lo as u8);
    match seg {
        [0, 0, 0, 0, 0, 0xffff, hi, lo] | [0, 0, 0, 0, 0, 0, hi, lo] => Some(low(hi, lo)),
        [0x64, 0xff9b, 0, 0, 0, 0, hi, lo] => Some(low(hi, lo)),
        [0x2002, hi, lo, ..] => Some(low(hi, lo)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(url: &str) -> Refusal {
        check_url(url, false).expect_err(url)
    }

    #[test]
    fn internal_addresses_are_refused_however_they_are_written() {
        for url in [
            "https://127.0.0.1/hook",
            "https://127.1.2.3:8443/hook",
            "https://0x7f.1/hook",
            "https://2130706433/hook",
            "https://10.0.0.1/",
            "https://172.16.5.4/",
            "https://192.168.1.1/",
            "https://169.254.169.254/latest/meta-data",
            "https://100.64.0.1/",
            "https://0.0.0.0/",
            "https://255.255.255.255/",
            "https://224.0.0.1/",
            "https://[::1]/",
            "https://[::]/",
            "https://[fc00::1]/",
            "https://[fd12:3456::1]/",
            "https://[fe80::1]/",
            "https://[ff02::1]/",
            "https://[::ffff:127.0.0.1]/",
            "https://[::ffff:10.1.2.3]/",
            "https://[::ffff:169.254.169.254]/",
            "https://[64:ff9b::a9fe:a9fe]/",
            "https://[2002:7f00:1::]/",
        ] {
            assert!(
                matches!(refused(url), Refusal::Address { .. }),
                "{url}: {:?}",
                refused(url)
            );
        }
        for url in [
            "https://localhost/",
            "https://LOCALHOST./x",
            "https://api.localhost/",
        ] {
            assert!(matches!(refused(url), Refusal::Localhost(_)), "{url}");
        }
    }

    #[test]
    fn public_https_urls_pass() {
        for url in [
            "https://hooks.example.com/pacer",
            "https://93.184.216.34/x?y=1",
            "https://[2606:4700::1111]/x",
            "https://example.com:8443/",
        ] {
            let t = check_url(url, false).unwrap_or_else(|e| panic!("{url}: {e}"));
            assert!(!t.host.is_empty());
        }
        assert_eq!(
            check_url("https://[2606:4700::1111]/", false).unwrap().host,
            "2606:4700::1111"
        );
    }

    #[test]
    fn absurd_urls_get_a_reason() {
        assert!(matches!(refused("notaurl"), Refusal::NotAUrl(_)));
        assert!(matches!(refused("ftp://files.example.com/x"), Refusal::Scheme(s) if s == "ftp"));
        assert!(matches!(refused("http://hooks.example.com/"), Refusal::Scheme(s) if s == "http"));
        assert!(matches!(
            refused("https://user:pw@example.com/"),
            Refusal::Credentials
        ));
        assert!(matches!(
            refused("https://user@example.com/"),
            Refusal::Credentials
        ));
        let long = format!("https://example.com/{}", "a".repeat(5000));
        assert_eq!(refused(&long), Refusal::TooLong);
        assert!(matches!(refused("javascript:alert(1)"), Refusal::Scheme(_)));
        assert!(matches!(
            refused("https://"),
            Refusal::NotAUrl(_) | Refusal::NoHost
        ));
    }

    #[test]
    fn the_operator_may_allow_private_receivers_and_plain_http() {
        for url in [
            "http://127.0.0.1:8080/hook",
            "https://localhost/",
            "https://10.0.0.1/",
        ] {
            assert!(check_url(url, true).is_ok(), "{url}");
        }
        assert!(matches!(
            check_url("ftp://10.0.0.1/", true),
            Err(Refusal::Scheme(_))
        ));
        assert!(matches!(
            check_url("http://u:p@10.0.0.1/", true),
            Err(Refusal::Credentials)
        ));
    }

    /// The name rule aside, a name is judged by what it resolves to (here `localhost`, which
    /// every system resolves to loopback); allowed, its addresses are what is connected to.
    #[tokio::test]
    async fn names_are_judged_by_the_addresses_they_resolve_to() {
        let target = Target {
            url: url::Url::parse("https://localhost:8443/").unwrap(),
            host: "localhost".into(),
            port: 8443,
        };
        assert!(matches!(
            resolve(&target, false).await,
            Err(Refusal::Address {
                why: "a loopback address",
                ..
            })
        ));
        let addrs = resolve(&target, true).await.unwrap();
        assert!(addrs.iter().all(|ip| ip.is_loopback()), "{addrs:?}");
        let nowhere = Target {
            host: "no-such-host.invalid".into(),
            ..target
        };
        assert!(matches!(
            resolve(&nowhere, true).await,
            Err(Refusal::Unresolved(_))
        ));
    }

    #[test]
    fn a_name_that_resolves_to_any_internal_address_is_refused() {
        let public: IpAddr = "93.184.216.34".parse().unwrap();
        let metadata: IpAddr = "169.254.169.254".parse().unwrap();
        assert!(check_addresses("x.example", &[public], false).is_ok());
        assert!(check_addresses("x.example", &[public, metadata], false).is_err());
        assert!(check_addresses("x.example", &[metadata], true).is_ok());
        assert_eq!(
            check_addresses("x.example", &[], true),
            Err(Refusal::Unresolved("x.example".into()))
        );
    }
}
