//! What the service accepts for recording: a token bucket per client (by address) for the
//! events the page sends and another for logged searches, so one client cannot fill the
//! analytics store. Over its bucket, an event is refused (429) and a search is answered but
//! not recorded; both are counted (`faq_analytics_events_refused_total`). The store's own
//! limits (a cap per day, a size budget) are the recorder's ([`faq_analytics::recorder`]).
//! Behind a reverse proxy every seller has the proxy's address: raise the rate there.

use std::net::IpAddr;
use std::num::NonZeroU32;

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

/// Per-client rates: events a second, and how many may come at once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rates {
    pub per_second: u32,
    pub burst: u32,
}

impl Default for Rates {
    /// A seller opens an answer, rates it and searches again: a few events a minute. Ten a
    /// second with bursts of forty leaves room for a shared office address.
    fn default() -> Self {
        Rates { per_second: 10, burst: 40 }
    }
}

/// The client a request came from: its address, set by the accept loop (none in-process).
#[derive(Clone, Copy, Debug)]
pub struct Peer(pub IpAddr);

/// What kind of record a client asks for.
#[derive(Clone, Copy, Debug)]
pub enum Kind {
    /// `POST /api/events`: opened answers and feedback.
    Event,
    /// A search with `log=true`.
    Search,
}

pub struct Intake {
    events: DefaultKeyedRateLimiter<IpAddr>,
    searches: DefaultKeyedRateLimiter<IpAddr>,
}

fn quota(rates: Rates) -> Quota {
    let per_second = NonZeroU32::new(rates.per_second.max(1)).unwrap_or(NonZeroU32::MIN);
    let burst = NonZeroU32::new(rates.burst.max(1)).unwrap_or(NonZeroU32::MIN);
    Quota::per_second(per_second).allow_burst(burst)
}

impl Intake {
    pub fn new(rates: Rates) -> Intake {
        Intake { events: RateLimiter::keyed(quota(rates)), searches: RateLimiter::keyed(quota(rates)) }
    }

    /// Whether `peer` may record one more `kind` now (in-process requests share one bucket).
    pub fn admit(&self, peer: Option<Peer>, kind: Kind) -> bool {
        let key = peer.map_or(IpAddr::from([0, 0, 0, 0]), |p| p.0);
        let limiter = match kind {
            Kind::Event => &self.events,
            Kind::Search => &self.searches,
        };
        limiter.check_key(&key).is_ok()
    }

    /// Forgets clients whose buckets are full again (called every minute).
    pub fn forget_idle(&self) {
        for limiter in [&self.events, &self.searches] {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_past_its_burst_is_refused_and_another_is_not() {
        let intake = Intake::new(Rates { per_second: 1, burst: 5 });
        let one = Some(Peer(IpAddr::from([10, 0, 0, 1])));
        let two = Some(Peer(IpAddr::from([10, 0, 0, 2])));
        let admitted = (0..50).filter(|_| intake.admit(one, Kind::Event)).count();
        assert!((5..=6).contains(&admitted), "{admitted}");
        assert!(intake.admit(two, Kind::Event));
        assert!(intake.admit(one, Kind::Search), "searches have a bucket of their own");
    }
}
