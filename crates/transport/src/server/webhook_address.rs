//! Where a validation webhook may be called: the URL rules, checked when a project is made
//! and before each call, and the check of every address a call may connect to.
//!
//! A webhook URL must be `https`, except `http` to a loopback address (a partner's receiver
//! on the same machine as a sandbox). Link-local, cloud metadata, unspecified, multicast and
//! broadcast addresses are always refused; private ranges (10/8, 172.16/12, 192.168/16,
//! 100.64/10, fc00::/7) unless the server allows them. A host name is checked on what it
//! resolves to at the moment of the call: the resolver hands the connector only allowed
//! addresses, so a name that resolves elsewhere later (DNS rebinding) gains nothing.

use std::future::Future;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::pin::Pin;
use std::sync::Arc;

use reqwest::Url;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use url::Host;

/// The longest webhook URL, in bytes.
const URL_MAX_BYTES: usize = 2048;

/// Why `ip` may not be called, or `None` when it may. `allow_private` admits the private
/// ranges; nothing admits the others.
pub fn refused_address(ip: IpAddr, allow_private: bool) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => refused_v4(v4, allow_private),
        IpAddr::V6(v6) => match embedded_v4(v6) {
            Some(v4) => refused_v4(v4, allow_private),
            None => refused_v6(v6, allow_private),
        },
    }
}

/// The IPv4 address an IPv6 address stands for: IPv4-mapped (`::ffff:a.b.c.d`), NAT64's
/// well-known prefix (`64:ff9b::/96`) and 6to4 (`2002:aabb:ccdd::/48`). Each reaches the IPv4
/// address, so each is judged as it.
fn embedded_v4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    let s = ip.segments();
    let v4 = |hi: u16, lo: u16| Ipv4Addr::from((u32::from(hi) << 16) | u32::from(lo));
    if let Some(v4) = ip.to_ipv4_mapped() {
        Some(v4)
    } else if s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        Some(v4(s[6], s[7]))
    } else if s[0] == 0x2002 {
        Some(v4(s[1], s[2]))
    } else {
        None
    }
}

fn refused_v4(ip: Ipv4Addr, allow_private: bool) -> Option<&'static str> {
    let [a, b, ..] = ip.octets();
    if ip == Ipv4Addr::new(169, 254, 169, 254) || ip == Ipv4Addr::new(100, 100, 100, 200) {
        Some("a cloud metadata address")
    } else if ip.is_link_local() {
        Some("a link-local address")
    } else if a == 0 {
        Some("an unspecified address")
    } else if ip.is_multicast() || ip.is_broadcast() || a >= 240 {
        Some("a multicast, broadcast or reserved address")
    } else if !allow_private && (ip.is_private() || (a == 100 && (64..128).contains(&b))) {
        Some("a private address (serve --allow-private-webhooks admits it)")
    } else {
        None
    }
}

fn refused_v6(ip: Ipv6Addr, allow_private: bool) -> Option<&'static str> {
    let first = ip.segments()[0];
    if ip == Ipv6Addr::new(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254) {
        Some("a cloud metadata address")
    } else if first & 0xffc0 == 0xfe80 {
        Some("a link-local address")
    } else if ip.is_unspecified() {
        Some("an unspecified address")
    } else if ip.is_multicast() {
        Some("a multicast, broadcast or reserved address")
    } else if !allow_private && first & 0xfe00 == 0xfc00 {
        Some("a private address (serve --allow-private-webhooks admits it)")
    } else {
        None
    }
}

/// Checks a webhook URL against the rules: `https`, or `http` to a loopback address, and no
/// refused address written in it. A host name passes here; what it resolves to is checked
/// at each call.
///
/// ```
/// use fitmate_transport::server::check_webhook_url;
///
/// assert!(check_webhook_url("https://hooks.clinic.example/fitmate", false).is_ok());
/// assert!(check_webhook_url("http://127.0.0.1:9000/hook", false).is_ok());
/// assert!(check_webhook_url("http://hooks.clinic.example/fitmate", false).is_err());
/// assert!(check_webhook_url("https://169.254.169.254/latest/meta-data", true).is_err());
/// assert!(check_webhook_url("https://10.1.2.3/hook", false).is_err());
/// assert!(check_webhook_url("https://10.1.2.3/hook", true).is_ok());
/// ```
pub fn check_webhook_url(url: &str, allow_private: bool) -> Result<(), String> {
    if url.len() > URL_MAX_BYTES {
        return Err(format!("the URL is longer than {URL_MAX_BYTES} bytes"));
    }
    let parsed = Url::parse(url).map_err(|e| format!("{url:?} is not a URL: {e}"))?;
    let host = parsed
        .host()
        .ok_or_else(|| format!("{url:?} has no host"))?;
    let ip = match host {
        Host::Ipv4(v4) => Some(IpAddr::V4(v4)),
        Host::Ipv6(v6) => Some(IpAddr::V6(v6)),
        Host::Domain(_) => None,
    };
    let loopback = match (&host, ip) {
        (_, Some(ip)) => ip.is_loopback() || ip.to_canonical().is_loopback(),
        (Host::Domain(name), None) => name.eq_ignore_ascii_case("localhost"),
        _ => false,
    };
    match parsed.scheme() {
        "https" => {}
        "http" if loopback => {}
        "http" => {
            return Err(format!(
                "{url:?} is plain http to a host that is not loopback: use https"
            ));
        }
        other => return Err(format!("{url:?} is {other}: a webhook URL is https")),
    }
    if let Some(why) = ip.and_then(|ip| refused_address(ip, allow_private)) {
        return Err(format!("{url:?} names {why}"));
    }
    Ok(())
}

/// A resolver that errs with this when a name resolves only to refused addresses.
#[derive(Debug)]
pub(crate) struct RefusedAddresses {
    why: &'static str,
}

impl std::fmt::Display for RefusedAddresses {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the webhook's host resolves only to {}", self.why)
    }
}

impl std::error::Error for RefusedAddresses {}

/// What a host name resolves to.
pub(crate) type Lookup = Arc<
    dyn Fn(String) -> Pin<Box<dyn Future<Output = io::Result<Vec<SocketAddr>>> + Send>>
        + Send
        + Sync,
>;

/// The system's resolver, as tokio asks it.
pub(crate) fn system_lookup() -> Lookup {
    Arc::new(|host: String| {
        Box::pin(async move { Ok(tokio::net::lookup_host((host.as_str(), 0)).await?.collect()) })
    })
}

/// Resolves webhook hosts and drops every address a webhook may not be called at; the
/// connector connects only to what is left.
pub(crate) struct GuardedResolver {
    pub(crate) allow_private: bool,
    pub(crate) lookup: Lookup,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let allow_private = self.allow_private;
        let lookup = (self.lookup)(name.as_str().to_owned());
        Box::pin(async move {
            let mut why = "no address";
            let allowed: Vec<SocketAddr> = lookup
                .await?
                .into_iter()
                .filter(|addr| match refused_address(addr.ip(), allow_private) {
                    Some(refused) => {
                        why = refused;
                        false
                    }
                    None => true,
                })
                .collect();
            if allowed.is_empty() {
                return Err(Box::new(RefusedAddresses { why }) as _);
            }
            Ok(Box::new(allowed.into_iter()) as Addrs)
        })
    }
}

/// The refusal somewhere in `error`'s chain of causes, if the resolver refused.
pub(crate) fn refusal_in(error: &(dyn std::error::Error + 'static)) -> Option<String> {
    let mut cause = Some(error);
    while let Some(error) = cause {
        if let Some(refused) = error.downcast_ref::<RefusedAddresses>() {
            return Some(refused.to_string());
        }
        cause = error.source();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_link_local_and_private_addresses_are_refused() {
        for (ip, with_private) in [
            ("169.254.169.254", true),
            ("169.254.1.1", true),
            ("100.100.100.200", true),
            ("0.0.0.0", true),
            ("224.0.0.1", true),
            ("fe80::1", true),
            ("fd00:ec2::254", true),
            ("::ffff:169.254.169.254", true),
            ("64:ff9b::a9fe:a9fe", true),
            ("2002:a9fe:a9fe::1", true),
            ("64:ff9b::a00:1", false),
            ("10.0.0.1", false),
            ("172.20.0.1", false),
            ("192.168.1.10", false),
            ("100.64.0.1", false),
            ("fd12::1", false),
        ] {
            let ip: IpAddr = ip.parse().unwrap();
            assert!(refused_address(ip, false).is_some(), "{ip}");
            assert_eq!(
                refused_address(ip, true).is_some(),
                with_private,
                "{ip} with private ranges allowed"
            );
        }
        for ip in ["127.0.0.1", "::1", "93.184.215.14", "2606:2800:21f:cb07::1"] {
            let ip: IpAddr = ip.parse().unwrap();
            assert_eq!(refused_address(ip, false), None, "{ip}");
        }
    }

    #[test]
    fn urls_are_parsed_not_matched_by_prefix() {
        // Written in hex, the metadata address is still the metadata address.
        assert!(check_webhook_url("https://0xA9FEA9FE/", true).is_err());
        assert!(check_webhook_url("https://[::ffff:a9fe:a9fe]/", true).is_err());
        assert!(check_webhook_url("ftp://hooks.clinic.example/", false).is_err());
        assert!(check_webhook_url("http://localhost:8080/hook", false).is_ok());
        assert!(check_webhook_url("http://[::1]:8080/hook", false).is_ok());
        assert!(check_webhook_url("https://", false).is_err());
    }

    /// The resolver hands the connector only allowed addresses: a name that resolves to a
    /// refused address and to the test's own listener reaches the listener.
    #[tokio::test]
    async fn a_call_connects_only_to_allowed_addresses() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move {
            use tokio::io::{AsyncReadExt, AsyncWriteExt};
            while let Ok((mut socket, _)) = listener.accept().await {
                let mut buffer = [0u8; 1024];
                let _ = socket.read(&mut buffer).await;
                let _ = socket
                    .write_all(b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n")
                    .await;
            }
        });
        let lookup: Lookup = Arc::new(|host: String| {
            Box::pin(async move {
                Ok(match host.as_str() {
                    "metadata.test" => vec!["169.254.169.254:0".parse().unwrap()],
                    _ => vec![
                        "169.254.169.254:0".parse().unwrap(),
                        "127.0.0.1:0".parse().unwrap(),
                    ],
                })
            })
        });
        let client = reqwest::Client::builder()
            .no_proxy()
            .dns_resolver(Arc::new(GuardedResolver {
                allow_private: false,
                lookup,
            }))
            .build()
            .unwrap();
        let reached = client
            .get(format!("http://mixed.test:{port}/"))
            .send()
            .await
            .unwrap();
        assert_eq!(reached.status(), 204);
        let refused = client
            .get(format!("http://metadata.test:{port}/"))
            .send()
            .await
            .unwrap_err();
        assert_eq!(
            refusal_in(&refused).as_deref(),
            Some("the webhook's host resolves only to a cloud metadata address")
        );
    }
}
