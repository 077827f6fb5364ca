//! Remembering keys the store accepted, so a request costs no database read to authenticate.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use fitmate_store::{KeyInfo, Project, Store, StoreError};
use sha2::{Digest, Sha256};

/// Keys remembered at most; past this the memory is cleared and refilled from the store.
const CAPACITY: usize = 10_000;

/// Accepted keys, with their project's settings, for a short while, by SHA-256 (never the
/// key in clear). Only accepted keys are remembered: an unknown key always asks the store.
/// A key revoked by `fitmate keys revoke` (another process) stops working once its entry
/// is older than `ttl`.
#[derive(Debug)]
pub(crate) struct KeyCache {
    ttl: Duration,
    entries: Mutex<HashMap<[u8; 32], (Accepted, Instant)>>,
}

/// A live key and its project.
pub(crate) type Accepted = (KeyInfo, Arc<Project>);

impl KeyCache {
    pub(crate) fn new(ttl: Duration) -> Self {
        KeyCache {
            ttl,
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// The live key `presented` is and its project, if it was accepted less than `ttl` ago;
    /// `None` when the store must be asked.
    pub(crate) fn cached(&self, presented: &str) -> Option<Accepted> {
        if self.ttl.is_zero() {
            return None;
        }
        let digest: [u8; 32] = Sha256::digest(presented.as_bytes()).into();
        let entries = self.entries.lock().ok()?;
        let (info, at) = entries.get(&digest)?;
        (at.elapsed() < self.ttl).then(|| info.clone())
    }

    /// The live key `presented` is and its project, from memory if it was accepted less
    /// than `ttl` ago.
    pub(crate) async fn authenticate<S: Store>(
        &self,
        store: &S,
        presented: &str,
    ) -> Result<Option<Accepted>, StoreError> {
        if self.ttl.is_zero() {
            return lookup(store, presented).await;
        }
        let digest: [u8; 32] = Sha256::digest(presented.as_bytes()).into();
        let now = Instant::now();
        if let Ok(entries) = self.entries.lock()
            && let Some((info, at)) = entries.get(&digest)
            && now.duration_since(*at) < self.ttl
        {
            return Ok(Some(info.clone()));
        }
        let found = lookup(store, presented).await?;
        if let Ok(mut entries) = self.entries.lock() {
            match &found {
                Some(info) => {
                    if entries.len() >= CAPACITY {
                        entries.clear();
                    }
                    entries.insert(digest, (info.clone(), now));
                }
                None => {
                    entries.remove(&digest);
                }
            }
        }
        Ok(found)
    }
}

async fn lookup<S: Store>(store: &S, presented: &str) -> Result<Option<Accepted>, StoreError> {
    let Some(info) = store.authenticate(presented).await? else {
        return Ok(None);
    };
    let project = store
        .project(&info.project)
        .await?
        .ok_or(StoreError::NotFound("project"))?;
    Ok(Some((info, Arc::new(project))))
}
