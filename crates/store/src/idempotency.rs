//! Idempotency keys: a retried write gets the first attempt's answer instead of a second
//! effect.
//!
//! The first request with a key claims it for a lease; when it ends, its answer is saved
//! and replayed to every retry of the same request until the key expires. A claim whose
//! holder died (its lease ran out with no answer saved) may be taken by a retry of the same
//! request. Which requests are "the same" is the caller's fingerprint.

use jiff::Timestamp;
use uuid::Uuid;

use crate::ProjectId;

/// A request's claim on an idempotency key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyClaim {
    /// The caller's project: keys are scoped to it.
    pub project: ProjectId,
    /// The key as the client sent it.
    pub key: String,
    /// What identifies the request (a hash of its method, path, version and body).
    pub fingerprint: [u8; 32],
    /// What identifies this claim (random): saving and releasing name it.
    pub token: [u8; 16],
    /// Now.
    pub now: Timestamp,
    /// Until when the claim holds while the request runs.
    pub lease_until: Timestamp,
    /// When the key may be used afresh.
    pub expires_at: Timestamp,
}

/// What a claim found.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum IdempotencyState {
    /// The key is this request's now: run it, then save or release.
    Claimed,
    /// Another request holds the key and is still running (its lease is live).
    Running {
        /// That request's fingerprint.
        fingerprint: [u8; 32],
    },
    /// A request with this key was answered; its answer is kept.
    Answered {
        /// That request's fingerprint.
        fingerprint: [u8; 32],
        /// Its status.
        status: u16,
        /// Its body, byte for byte.
        body: Vec<u8>,
        /// The user the answer is about, if any.
        user: Option<Uuid>,
    },
}

/// The answer a claimed request ended with, to replay to its retries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotentAnswer {
    /// The status.
    pub status: u16,
    /// The body, byte for byte.
    pub body: Vec<u8>,
    /// The user the answer is about, so that erasing the user erases the answer.
    pub user: Option<Uuid>,
}
