//! The accept loop: HTTP/1.1 connections with bounded cost, served by the router.
//!
//! `axum::serve` sets no header-read or idle timeout, caps nothing and waits for every
//! connection at shutdown. Here every connection must send its request head within
//! [`ServeLimits::header_timeout`] (also the idle time allowed between requests on a
//! kept-alive connection), may buffer at most [`ServeLimits::max_buffer`] bytes of head, and
//! counts against [`ServeLimits::max_connections`] (past it the loop stops accepting until
//! one closes: the kernel's backlog queues the rest, nobody's memory grows). On shutdown the
//! listener closes, connections finish the request in flight, and whatever is left after
//! [`ServeLimits::shutdown_grace`] is dropped. An accept error (out of file descriptors) is
//! logged and retried after a pause, never fatal. [`raise_fd_limit`] lifts the soft limit on
//! open files to the hard one at start.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

/// What one connection, and all of them, may cost.
#[derive(Clone, Copy, Debug)]
pub struct ServeLimits {
    /// Time to send a request head, from the connection's start or the previous response.
    pub header_timeout: Duration,
    /// Largest request head buffered per connection (bytes); a larger one gets 431.
    pub max_buffer: usize,
    /// Connections served at once.
    pub max_connections: usize,
    /// How long shutdown waits for connections to finish.
    pub shutdown_grace: Duration,
}

impl Default for ServeLimits {
    fn default() -> Self {
        ServeLimits {
            header_timeout: Duration::from_secs(10),
            max_buffer: 96 * 1024,
            max_connections: 2_048,
            shutdown_grace: Duration::from_secs(10),
        }
    }
}

impl ServeLimits {
    /// The defaults, with the connection cap kept under the open-file limit (a quarter of
    /// it is left for the index, logs and the rest of the process).
    pub fn for_fd_limit(fd_limit: u64) -> ServeLimits {
        let defaults = ServeLimits::default();
        let room = (fd_limit.saturating_sub(fd_limit / 4).saturating_sub(64)).max(16) as usize;
        ServeLimits { max_connections: defaults.max_connections.min(room), ..defaults }
    }
}

/// Raises the soft limit on open files to the hard limit; returns the limit now in force
/// (1,024 where it cannot be read).
pub fn raise_fd_limit() -> u64 {
    match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(limit) => limit,
        Err(_) => rlimit::getrlimit(rlimit::Resource::NOFILE).map_or(1_024, |(soft, _)| soft),
    }
}

/// Serves `app` on `listener` until `shutdown` resolves, within `limits`.
pub async fn serve(listener: TcpListener, app: Router, limits: ServeLimits, shutdown: impl Future<Output = ()>) {
    let permits = Arc::new(Semaphore::new(limits.max_connections));
    let graceful = GracefulShutdown::new();
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new()).header_read_timeout(limits.header_timeout).max_buf_size(limits.max_buffer).keep_alive(true);
    tokio::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            permit = permits.clone().acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break,
            },
            () = &mut shutdown => break,
        };
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // EMFILE / ENFILE: wait for connections to close rather than spin.
                    tracing::warn!(%error, "accept failed; retrying in 100 ms");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let (stream, address) = stream;
        let _ = stream.set_nodelay(true);
        // Each request carries its client's address: the per-client buckets key on it.
        let peer = crate::intake::Peer(address.ip());
        let service = tower::ServiceExt::map_request(app.clone(), move |mut request: axum::http::Request<hyper::body::Incoming>| {
            request.extensions_mut().insert(peer);
            request
        });
        let connection = http.serve_connection(TokioIo::new(stream), TowerToHyperService::new(service));
        let watched = graceful.watch(connection);
        tokio::spawn(async move {
            let _ = watched.await;
            drop(permit);
        });
    }
    drop(listener);
    let open = graceful.count();
    tokio::select! {
        () = graceful.shutdown() => tracing::info!(connections = open, "every connection finished"),
        () = tokio::time::sleep(limits.shutdown_grace) => {
            tracing::warn!(grace_secs = limits.shutdown_grace.as_secs(), "shutdown grace over; dropping the connections still open");
        }
    }
}
