//! What triggers a reload: SIGHUP, and with `--watch` any change under the corpus folder
//! (debounced). The reload itself is [`AppState::reload`]: build, open, swap, or keep the
//! old index serving when the corpus is broken.

use std::path::Path;
use std::time::Duration;

use notify::{RecursiveMode, Watcher};

use crate::state::AppState;

/// Quiet time after the last change before rebuilding (editors write in several steps).
pub const DEBOUNCE: Duration = Duration::from_millis(300);

/// Reloads on every SIGHUP until the process ends.
pub fn spawn_on_sighup(state: AppState) {
    #[cfg(unix)]
    tokio::spawn(async move {
        let Ok(mut hangups) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()) else {
            tracing::warn!("cannot listen for SIGHUP; reload by restarting");
            return;
        };
        while hangups.recv().await.is_some() {
            tracing::info!("SIGHUP: reloading");
            let _ = state.reload().await;
        }
    });
}

/// Watches `corpus` and reloads after changes. Keep the returned watcher alive.
pub fn watch(state: AppState, corpus: &Path) -> notify::Result<notify::RecommendedWatcher> {
    let (changed, mut changes) = tokio::sync::mpsc::unbounded_channel::<()>();
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        if event.is_ok_and(|e| !e.kind.is_access()) {
            let _ = changed.send(());
        }
    })?;
    watcher.watch(corpus, RecursiveMode::Recursive)?;
    tokio::spawn(async move {
        while changes.recv().await.is_some() {
            // Debounce: wait until the folder has been quiet for a moment.
            loop {
                match tokio::time::timeout(DEBOUNCE, changes.recv()).await {
                    Ok(Some(())) => continue,
                    Ok(None) => return,
                    Err(_) => break,
                }
            }
            tracing::info!("corpus changed: reloading");
            let _ = state.reload().await;
        }
    });
    Ok(watcher)
}
