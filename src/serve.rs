//! `faq serve`: the HTTP service on a socket, with logs to stderr (off the request path), hot reload on SIGHUP and
//! (with `--watch`) on corpus changes, and graceful shutdown on SIGINT/SIGTERM.

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, anyhow};
use faq_server::{AppState, Config, Loader};

use crate::cli::ServeArgs;
use crate::locate;

pub fn run(args: ServeArgs) -> Result<()> {
    // Logs are written by a background thread, so a request never waits on stderr; when
    // nobody reads stderr and the buffer fills, lines are dropped and counted
    // (`faq_log_lines_dropped_total`), never waited for. The guard flushes at exit.
    let (log_writer, _flush_logs) = tracing_appender::non_blocking::NonBlockingBuilder::default().lossy(true).finish(std::io::stderr());
    let dropped_lines = log_writer.error_counter();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,tantivy=warn")),
        )
        .with_writer(log_writer)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let contact = args
        .contact_url
        .as_deref()
        .map(|url| faq_server::Contact::new(url, Some(&args.contact_label)))
        .transpose()
        .map_err(|e| anyhow!(e))?;
    let origins = faq_server::Origins::parse(&args.allowed_origins).map_err(|e| anyhow!(e))?;
    let location = args.location.clone();
    let loader: Loader = Arc::new(move || locate::open_searcher(&location).map_err(faq_server::BoxError::from));
    let mut state = AppState::load(loader)?;
    if !args.no_analytics {
        // Only a location that cannot mean anything stops the start; a store that cannot be
        // opened is the recorder's to retry while search serves.
        let location = locate::analytics_location(args.analytics.as_deref(), &locate::resolve(&args.location))?;
        let limits = faq_analytics::recorder::Limits {
            retention_days: args.retention_days,
            max_events_per_day: args.analytics_max_per_day,
            max_bytes: args.analytics_max_mb.saturating_mul(1 << 20),
        };
        tracing::info!(analytics = %location.name(), ?limits, rate = args.analytics_rate, burst = args.analytics_burst, "recording analytics");
        let rates = faq_server::intake::Rates { per_second: args.analytics_rate, burst: args.analytics_burst };
        state = state.with_analytics(faq_analytics::Recorder::start(location.clone(), limits), location, rates);
    }
    let config = Config {
        origins,
        request_timeout: Duration::from_secs(args.timeout_secs),
        contact,
        admin_token: args.admin_token.as_deref().map(faq_server::admin::AdminToken::new).transpose().map_err(|e| anyhow!(e))?,
        ..Config::default()
    };
    let corpus = locate::resolve(&args.location).corpus;
    // Every connection is a file descriptor: lift the soft limit, and keep the connection
    // cap under what is left.
    let fd_limit = faq_server::serve::raise_fd_limit();
    let limits = faq_server::serve::ServeLimits {
        shutdown_grace: Duration::from_secs(args.shutdown_grace_secs),
        header_timeout: Duration::from_secs(args.header_timeout_secs),
        ..faq_server::serve::ServeLimits::for_fd_limit(fd_limit)
    };
    tracing::info!(fd_limit, max_connections = limits.max_connections, "connection limits");
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(args.addr).await.with_context(|| format!("listening on {}", args.addr))?;
        let address = listener.local_addr()?;
        faq_server::reload::spawn_on_sighup(state.clone());
        // Indexes too large to verify while opening are verified now, off the workers.
        state.verify_in_background();
        let metrics = state.metrics.clone();
        let intake = state.intake.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(1));
            for n in 0u64.. {
                tick.tick().await;
                metrics.log_lines_dropped.set(dropped_lines.dropped_lines() as i64);
                if n % 60 == 59 {
                    intake.forget_idle();
                }
            }
        });
        let _watcher = match (&corpus, args.watch) {
            (Some(corpus), true) => {
                Some(faq_server::reload::watch(state.clone(), corpus).with_context(|| format!("watching {}", corpus.display()))?)
            }
            _ => None,
        };
        tracing::info!(%address, entries = state.engine().searcher.len(), watch = args.watch, "serving on http://{address}/");
        let app = faq_server::router(state.clone(), config);
        faq_server::serve::serve(listener, app, limits, faq_server::shutdown_signal()).await;
        // The recorder writes what is queued, for a bounded time, off the async workers.
        if let Some(recorder) = state.analytics.clone() {
            let _ = tokio::task::spawn_blocking(move || recorder.close()).await;
        }
        Ok(())
    })
}
