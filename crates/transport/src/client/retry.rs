//! When to try a request again: a pure decision, so it can be tested without a network.

use std::time::Duration;

/// How requests are retried: exponential backoff with jitter for connection failures, 408
/// (the body arrived too slowly: nothing was changed), 429 and 502/503/504, honouring
/// `Retry-After`; never another 4xx.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included; 1 turns retries off.
    pub max_attempts: u32,
    /// The wait before the first retry, before jitter; it doubles with each retry.
    pub base_delay: Duration,
    /// The longest wait, `Retry-After` included.
    pub max_delay: Duration,
    /// How long a write waits, in all, while the server says its idempotency key is still
    /// held by an earlier attempt (409 `idempotency_key_in_use`). These waits do not count
    /// against `max_attempts`: the earlier attempt may hold the key for twice the server's
    /// request timeout.
    pub key_in_use_patience: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 4,
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(10),
            key_in_use_patience: Duration::from_secs(120),
        }
    }
}

impl RetryPolicy {
    /// No retries at all.
    pub fn never() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        }
    }
}

/// How an attempt ended, as far as retrying is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// No connection could be made: the request was never sent.
    ConnectFailed,
    /// The request may have been sent, but no answer came in time (or the connection broke).
    NoAnswer,
    /// The server answered with this status.
    Status {
        /// The HTTP status.
        status: u16,
        /// The answer's `Retry-After`, if it had one.
        retry_after: Option<Duration>,
    },
}

impl Outcome {
    /// Whether a request with this outcome may be worth sending again.
    pub fn is_retryable(self) -> bool {
        match self {
            Outcome::ConnectFailed | Outcome::NoAnswer => true,
            Outcome::Status { status, .. } => matches!(status, 408 | 429 | 502 | 503 | 504),
        }
    }
}

/// What to do after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Wait this long, then send again.
    RetryAfter(Duration),
    /// Give the outcome to the caller.
    Stop,
}

/// What to do after attempt number `attempt` (1 for the first) ended with `outcome`.
/// `jitter` is a random number in `[0, 1)`: the wait is between half and all of the
/// exponential delay, so clients that failed together do not retry together. A
/// `Retry-After` is honoured as given (capped at `max_delay`), without jitter.
pub fn decide(policy: &RetryPolicy, attempt: u32, outcome: Outcome, jitter: f64) -> Decision {
    if attempt >= policy.max_attempts || !outcome.is_retryable() {
        return Decision::Stop;
    }
    if let Outcome::Status {
        retry_after: Some(wait),
        ..
    } = outcome
    {
        return Decision::RetryAfter(wait.min(policy.max_delay));
    }
    let doublings = attempt.saturating_sub(1).min(20);
    let exponential = policy
        .base_delay
        .saturating_mul(1 << doublings)
        .min(policy.max_delay);
    let share = 0.5 + jitter.clamp(0.0, 1.0) / 2.0;
    Decision::RetryAfter(exponential.mul_f64(share))
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLICY: RetryPolicy = RetryPolicy {
        max_attempts: 4,
        base_delay: Duration::from_millis(100),
        max_delay: Duration::from_secs(1),
        key_in_use_patience: Duration::from_secs(1),
    };

    fn status(status: u16) -> Outcome {
        Outcome::Status {
            status,
            retry_after: None,
        }
    }

    /// The documented bounds: retry `n` waits between half and all of `base_delay`
    /// doubled `n - 1` times (capped at `max_delay`), whatever the jitter.
    #[test]
    fn connection_failures_and_overload_statuses_are_retried_with_growing_waits() {
        for outcome in [
            Outcome::ConnectFailed,
            Outcome::NoAnswer,
            status(408),
            status(429),
            status(502),
            status(503),
            status(504),
        ] {
            for (attempt, full) in [(1, 100), (2, 200), (3, 400)] {
                let full = Duration::from_millis(full);
                for jitter in [0.0, 0.25, 0.5, 0.75, 0.999_999] {
                    let Decision::RetryAfter(wait) = decide(&POLICY, attempt, outcome, jitter)
                    else {
                        panic!("{outcome:?} at attempt {attempt} is not retried");
                    };
                    assert!(
                        wait >= full / 2 && wait <= full,
                        "{outcome:?}, attempt {attempt}, jitter {jitter}: {wait:?} not in [{:?}, {full:?}]",
                        full / 2
                    );
                }
            }
        }
        // The jitter spreads the waits: the least and the most differ.
        assert_ne!(
            decide(&POLICY, 2, Outcome::NoAnswer, 0.0),
            decide(&POLICY, 2, Outcome::NoAnswer, 0.999_999)
        );
    }

    #[test]
    fn other_statuses_are_never_retried() {
        for code in [200, 400, 401, 403, 404, 409, 410, 413, 415, 500, 501] {
            assert_eq!(
                decide(&POLICY, 1, status(code), 0.5),
                Decision::Stop,
                "{code}"
            );
        }
    }

    #[test]
    fn retries_stop_after_the_last_attempt() {
        assert!(matches!(
            decide(&POLICY, 3, Outcome::ConnectFailed, 0.5),
            Decision::RetryAfter(_)
        ));
        assert_eq!(
            decide(&POLICY, 4, Outcome::ConnectFailed, 0.5),
            Decision::Stop
        );
        assert_eq!(
            decide(&RetryPolicy::never(), 1, Outcome::ConnectFailed, 0.5),
            Decision::Stop
        );
    }

    #[test]
    fn waits_are_capped_and_retry_after_is_honoured_up_to_the_cap() {
        assert_eq!(
            decide(&POLICY, 3, Outcome::ConnectFailed, 1.0),
            Decision::RetryAfter(Duration::from_millis(400))
        );
        let long = RetryPolicy {
            max_attempts: 30,
            ..POLICY
        };
        assert_eq!(
            decide(&long, 25, Outcome::ConnectFailed, 1.0),
            Decision::RetryAfter(Duration::from_secs(1))
        );
        let asked = Outcome::Status {
            status: 503,
            retry_after: Some(Duration::from_millis(700)),
        };
        assert_eq!(
            decide(&POLICY, 1, asked, 0.0),
            Decision::RetryAfter(Duration::from_millis(700))
        );
        let too_long = Outcome::Status {
            status: 429,
            retry_after: Some(Duration::from_secs(60)),
        };
        assert_eq!(
            decide(&POLICY, 1, too_long, 0.0),
            Decision::RetryAfter(Duration::from_secs(1))
        );
    }
}
