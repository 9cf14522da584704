//! How much a search may spend: a deadline and a cancellation flag, checked between the
//! stages of a search and between hits while explaining, so a search whose request is gone
//! (the client left, the server timed it out) stops instead of running on.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

/// A search's allowance. [`Budget::unlimited`] for the CLI and tests.
#[derive(Clone, Debug, Default)]
pub struct Budget {
    deadline: Option<Instant>,
    cancelled: Option<Arc<AtomicBool>>,
}

impl Budget {
    /// No deadline, never cancelled.
    pub fn unlimited() -> Budget {
        Budget::default()
    }

    /// Stop at `deadline`, or as soon as `cancelled` is set.
    pub fn new(deadline: Option<Instant>, cancelled: Option<Arc<AtomicBool>>) -> Budget {
        Budget { deadline, cancelled }
    }

    /// Whether the search must stop now.
    pub fn exhausted(&self) -> bool {
        self.cancelled.as_ref().is_some_and(|c| c.load(Ordering::Relaxed)) || self.deadline.is_some_and(|d| Instant::now() >= d)
    }
}

/// Sets its flag when dropped: a request handler holds one, so that a search running on
/// another thread learns that nobody waits for it any more.
#[derive(Debug)]
pub struct CancelOnDrop(pub Arc<AtomicBool>);

impl CancelOnDrop {
    pub fn new() -> CancelOnDrop {
        CancelOnDrop(Arc::new(AtomicBool::new(false)))
    }

    /// The flag a [`Budget`] watches.
    pub fn flag(&self) -> Arc<AtomicBool> {
        self.0.clone()
    }
}

impl Default for CancelOnDrop {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_budget_runs_out_at_its_deadline_or_when_its_request_is_dropped() {
        assert!(!Budget::unlimited().exhausted());
        assert!(Budget::new(Some(Instant::now()), None).exhausted());
        let guard = CancelOnDrop::new();
        let budget = Budget::new(None, Some(guard.flag()));
        assert!(!budget.exhausted());
        drop(guard);
        assert!(budget.exhausted());
    }
}
