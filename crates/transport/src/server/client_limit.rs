//! What a caller without a valid key may cost the server: a rate per client address.
//!
//! Redeeming a magic link, and presenting a key the server does not know, each cost a
//! database read or write before anything says who the caller is. Both draw on one token
//! bucket per client address; past it the caller gets 429 with `Retry-After`, and until
//! then its unknown keys are refused without asking the database. Callers with a valid key
//! are counted by their key instead (see [`super::RateLimit`]).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::extract::FromRequestParts;
use http::request::Parts;

use super::RateLimit;

/// The address a request came from: the connection's peer, or, behind a proxy the server
/// is told to trust, the address the proxy reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ClientAddr(pub(crate) IpAddr);

/// The client's address when the server knows it (always, when served by [`super::serve`]).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Client(pub(crate) Option<IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for Client {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Client(parts.extensions.get::<ClientAddr>().map(|c| c.0)))
    }
}

/// The client address of a request on a connection from `peer`: the last entry of
/// `header` when one is trusted (the one the nearest proxy appended), else the peer's. An
/// entry that is not an address (`unknown`, garbage) falls back to the peer, never to an
/// earlier entry, which the client may have written itself. A port is dropped.
pub(crate) fn client_address(
    peer: IpAddr,
    header: Option<&http::HeaderName>,
    headers: &http::HeaderMap,
) -> IpAddr {
    header
        .and_then(|name| headers.get_all(name).iter().next_back())
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.rsplit(',').next())
        .and_then(|entry| parse_address(entry.trim()))
        .unwrap_or(peer)
}

/// An address as proxies write it: `203.0.113.9`, `203.0.113.9:4711`, `2001:db8::1` or
/// `[2001:db8::1]:4711`.
fn parse_address(entry: &str) -> Option<IpAddr> {
    entry
        .parse::<IpAddr>()
        .ok()
        .or_else(|| entry.parse::<std::net::SocketAddr>().ok().map(|a| a.ip()))
}

/// The bucket an address counts against: IPv4 addresses on their own, IPv6 addresses by
/// their /64, which one subscriber usually holds whole (so rotating addresses within it
/// gains nothing).
fn bucket_of(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V4(_) => address,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let [a, b, c, d, ..] = v6.segments();
                IpAddr::V6(std::net::Ipv6Addr::new(a, b, c, d, 0, 0, 0, 0))
            }
        },
    }
}

/// How many checks pass between two sweeps of forgotten addresses.
const SWEEP_EVERY: u64 = 4096;

/// One token bucket per client address for unauthenticated work.
#[derive(Debug)]
pub(crate) struct ClientLimiter {
    buckets: governor::DefaultKeyedRateLimiter<IpAddr>,
    /// Addresses past their rate, until when.
    blocked: Mutex<HashMap<IpAddr, Instant>>,
    checks: AtomicU64,
    /// Counts the refusals, when metrics are on.
    refused: Option<prometheus_client::metrics::counter::Counter>,
}

impl ClientLimiter {
    /// Buckets of `rate`; each refusal counts on `refused`, if given.
    pub(crate) fn new(
        rate: RateLimit,
        refused: Option<prometheus_client::metrics::counter::Counter>,
    ) -> Self {
        ClientLimiter {
            buckets: governor::RateLimiter::keyed(
                governor::Quota::per_second(rate.per_second).allow_burst(rate.burst),
            ),
            blocked: Mutex::new(HashMap::new()),
            checks: AtomicU64::new(0),
            refused,
        }
    }

    /// `Err` with how long to wait while `client` is past its rate; takes nothing.
    pub(crate) fn still_blocked(&self, client: IpAddr) -> Result<(), Duration> {
        let client = bucket_of(client);
        let now = Instant::now();
        match self
            .blocked
            .lock()
            .ok()
            .and_then(|b| b.get(&client).copied())
        {
            Some(until) if until > now => {
                self.count_refusal();
                Err(until - now)
            }
            _ => Ok(()),
        }
    }

    /// Takes one unit of unauthenticated work for `client`: `Err` with how long to wait
    /// when its bucket is empty, and it stays blocked that long.
    pub(crate) fn take(&self, client: IpAddr) -> Result<(), Duration> {
        let client = bucket_of(client);
        if self.checks.fetch_add(1, Ordering::Relaxed) % SWEEP_EVERY == SWEEP_EVERY - 1 {
            self.sweep();
        }
        self.buckets.check_key(&client).map_err(|not_until| {
            use governor::clock::Clock;
            let wait = not_until.wait_time_from(governor::clock::DefaultClock::default().now());
            if let Ok(mut blocked) = self.blocked.lock() {
                blocked.insert(client, Instant::now() + wait);
            }
            self.count_refusal();
            wait
        })
    }

    fn count_refusal(&self) {
        if let Some(refused) = &self.refused {
            refused.inc();
        }
    }

    /// Forgets addresses whose buckets are full again and whose block has ended, so that
    /// many addresses seen once do not stay in memory.
    fn sweep(&self) {
        self.buckets.retain_recent();
        self.buckets.shrink_to_fit();
        let now = Instant::now();
        if let Ok(mut blocked) = self.blocked.lock() {
            blocked.retain(|_, until| *until > now);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rightmost_forwarded_address_is_the_client_when_the_header_is_trusted() {
        let peer: IpAddr = "10.0.0.2".parse().unwrap();
        let name = http::HeaderName::from_static("x-forwarded-for");
        let mut headers = http::HeaderMap::new();
        headers.insert(&name, "1.2.3.4, 203.0.113.9".parse().unwrap());
        assert_eq!(
            client_address(peer, Some(&name), &headers),
            "203.0.113.9".parse::<IpAddr>().unwrap()
        );
        assert_eq!(client_address(peer, None, &headers), peer);
        assert_eq!(
            client_address(peer, Some(&name), &http::HeaderMap::new()),
            peer
        );
    }

    #[test]
    fn an_address_past_its_rate_is_blocked_until_its_bucket_refills() {
        let refused = prometheus_client::metrics::counter::Counter::default();
        let limiter = ClientLimiter::new(
            RateLimit {
                per_second: std::num::NonZeroU32::new(1).unwrap(),
                burst: std::num::NonZeroU32::new(2).unwrap(),
            },
            Some(refused.clone()),
        );
        let (one, two): (IpAddr, IpAddr) =
            ("192.0.2.1".parse().unwrap(), "192.0.2.2".parse().unwrap());
        assert!(limiter.take(one).is_ok() && limiter.take(one).is_ok());
        assert!(limiter.still_blocked(one).is_ok());
        let wait = limiter.take(one).unwrap_err();
        assert!(
            wait > Duration::ZERO && wait <= Duration::from_secs(1),
            "{wait:?}"
        );
        assert!(limiter.still_blocked(one).is_err());
        assert!(limiter.still_blocked(two).is_ok() && limiter.take(two).is_ok());
        // The refused take and the refused check.
        assert_eq!(refused.get(), 2);
    }
}
