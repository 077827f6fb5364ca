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
    /// Every key accepted since start (by digest, at most [`CAPACITY`]), however long ago:
    /// a client address past its rate of unknown keys still gets these looked up, so a
    /// partner sharing an address with a guesser is not locked out.
    ever: Mutex<std::collections::HashSet<[u8; 32]>>,
}

/// A live key and its project.
pub(crate) type Accepted = (KeyInfo, Arc<Project>);

impl KeyCache {
    pub(crate) fn new(ttl: Duration) -> Self {
        KeyCache {
            ttl,
            entries: Mutex::new(HashMap::new()),
            ever: Mutex::new(std::collections::HashSet::new()),
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

    /// Whether `presented` was accepted at some point since the server started (it may have
    /// been revoked since: the store still decides).
    pub(crate) fn accepted_before(&self, presented: &str) -> bool {
        let digest: [u8; 32] = Sha256::digest(presented.as_bytes()).into();
        self.ever.lock().is_ok_and(|ever| ever.contains(&digest))
    }

    /// The live key `presented` is and its project, from memory if it was accepted less
    /// than `ttl` ago.
    pub(crate) async fn authenticate<S: Store>(
        &self,
        store: &S,
        presented: &str,
    ) -> Result<Option<Accepted>, StoreError> {
        let digest: [u8; 32] = Sha256::digest(presented.as_bytes()).into();
        if self.ttl.is_zero() {
            let found = lookup(store, presented).await?;
            self.remember(digest, found.is_some());
            return Ok(found);
        }
        let now = Instant::now();
        if let Ok(entries) = self.entries.lock()
            && let Some((info, at)) = entries.get(&digest)
            && now.duration_since(*at) < self.ttl
        {
            return Ok(Some(info.clone()));
        }
        let found = lookup(store, presented).await?;
        self.remember(digest, found.is_some());
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

impl KeyCache {
    fn remember(&self, digest: [u8; 32], accepted: bool) {
        if accepted && let Ok(mut ever) = self.ever.lock() {
            if ever.len() >= CAPACITY {
                ever.clear();
            }
            ever.insert(digest);
        }
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
