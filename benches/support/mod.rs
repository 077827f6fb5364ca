//! What the bench binaries share.

/// The number in environment variable `name`, or `default` when unset or not a number.
pub(crate) fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The `p` quantile (0 to 1) of latencies in microseconds sorted ascending, in milliseconds;
/// NaN when there are none.
pub(crate) fn percentile_ms(sorted_us: &[u32], p: f64) -> f64 {
    if sorted_us.is_empty() {
        return f64::NAN;
    }
    let index = ((sorted_us.len() as f64 - 1.0) * p).round() as usize;
    f64::from(sorted_us[index]) / 1000.0
}
