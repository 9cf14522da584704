//! What sellers ask, for the FAQ's owner: each search, each answer opened and each
//! 「解決しましたか？」 click, recorded off the request path ([`recorder`]: a bounded queue
//! that drops and counts rather than blocks, a background writer in batches) into an
//! embedded SQLite file or a PostgreSQL database ([`store`], named by a [`location`]), with personal data masked first ([`mask`]); and the
//! report the owner reads ([`report`]). No IP address or other client detail is recorded.

pub mod event;
pub mod location;
pub mod mask;
pub mod period;
pub mod recorder;
pub mod report;
pub mod store;

pub use event::Event;
pub use location::Location;
pub use recorder::Recorder;
pub use report::Report;
pub use store::Store;
