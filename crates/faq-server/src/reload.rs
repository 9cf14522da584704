//! What triggers a reload: SIGHUP, and with `--watch` a change under the corpus path. The
//! reload itself is [`AppState::reload`]: build, open, swap, or keep the old index serving
//! when the corpus is broken.
//!
//! Watching never stops and never publishes half a write:
//! * the corpus path is looked at anew every [`POLL`] (the folder may be removed and
//!   recreated, renamed into place or be a symlink swapped to a new release: the usual
//!   deploys), with file-system notifications as a faster trigger, re-armed whenever the
//!   path's identity changes;
//! * each poll `stat`s the files ([`faq_indexer::corpus::fingerprint`]: the inode change
//!   time is in it, so `cp -p` and `rsync -a` show); only when that changed are the contents
//!   read and compared ([`faq_indexer::corpus::content_fingerprint`]), so a touch that
//!   changes nothing is not a reload;
//! * a changed corpus is published only once it has stayed the same for [`QUIET`]: a writer
//!   that pauses mid-file for less than that is waited for. (Writing to a temporary name and
//!   renaming it into place is atomic at any speed.)

use std::path::{Path, PathBuf};
use std::time::Duration;

use notify::{RecursiveMode, Watcher};

use crate::state::AppState;

/// How long a changed corpus must stay unchanged before it is published.
pub const QUIET: Duration = Duration::from_millis(1_000);

/// How often the corpus path is looked at without a notification.
pub const POLL: Duration = Duration::from_secs(1);

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

/// What identifies the corpus path right now: the device and inode it resolves to (a
/// replaced folder or a swapped symlink resolves elsewhere).
fn identity(corpus: &Path) -> Option<(u64, u64)> {
    let meta = std::fs::metadata(corpus).ok()?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        Some((meta.dev(), meta.ino()))
    }
    #[cfg(not(unix))]
    {
        let _ = meta;
        Some((0, 0))
    }
}

/// The corpus' cheap fingerprint (names, sizes, times, inodes: `stat` only) and, when it
/// differs from `known`, its content fingerprint; `None` when the corpus cannot be read.
async fn fingerprints(corpus: &Path, known: Option<(String, String)>) -> Option<(String, String)> {
    let corpus = corpus.to_path_buf();
    tokio::task::spawn_blocking(move || {
        let cheap = faq_indexer::corpus::fingerprint(&corpus).ok()?;
        match known {
            Some((known_cheap, content)) if known_cheap == cheap => Some((cheap, content)),
            _ => Some((cheap, faq_indexer::corpus::content_fingerprint(&corpus).ok()?)),
        }
    })
    .await
    .ok()
    .flatten()
}

/// Watches `corpus` and reloads when its contents change and settle. Runs until the process
/// ends; the returned handle is the task.
pub fn watch(state: AppState, corpus: &Path) -> notify::Result<tokio::task::JoinHandle<()>> {
    let corpus: PathBuf = corpus.to_path_buf();
    let (changed, mut changes) = tokio::sync::mpsc::unbounded_channel::<()>();
    let arm = move |corpus: &Path| -> Option<notify::RecommendedWatcher> {
        let changed = changed.clone();
        let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
            if event.is_ok_and(|e| !e.kind.is_access()) {
                let _ = changed.send(());
            }
        })
        .ok()?;
        watcher.watch(corpus, RecursiveMode::Recursive).ok()?;
        // The folder that holds the corpus sees it replaced, renamed or re-linked.
        if let Some(parent) = corpus.parent().filter(|p| !p.as_os_str().is_empty()) {
            let _ = watcher.watch(parent, RecursiveMode::NonRecursive);
        }
        Some(watcher)
    };
    let mut watcher = arm(&corpus);
    if watcher.is_none() {
        return Err(notify::Error::generic("cannot watch the corpus"));
    }
    Ok(tokio::spawn(async move {
        let mut armed_on = identity(&corpus);
        let mut seen = fingerprints(&corpus, None).await;
        let mut published = seen.as_ref().map(|(_, content)| content.clone());
        loop {
            // A notification or the poll, whichever comes first.
            let _ = tokio::time::timeout(POLL, changes.recv()).await;
            let now = identity(&corpus);
            if now != armed_on || watcher.is_none() {
                tracing::info!(corpus = %corpus.display(), "the corpus path changed identity: watching it anew");
                watcher = arm(&corpus);
                armed_on = now;
            }
            // Contents are read only when `stat` says something changed.
            seen = fingerprints(&corpus, seen).await;
            let Some(content) = seen.as_ref().map(|(_, content)| content.clone()) else { continue };
            if published.as_ref() == Some(&content) {
                continue;
            }
            // Settle: the same contents after a quiet period, or wait for the next change.
            tokio::time::sleep(QUIET).await;
            while changes.try_recv().is_ok() {}
            seen = fingerprints(&corpus, seen).await;
            if seen.as_ref().map(|(_, c)| c) != Some(&content) {
                continue;
            }
            tracing::info!("corpus changed: reloading");
            // A broken corpus is not retried until it changes again (the error is on /healthz).
            let _ = state.reload().await;
            published = Some(content);
        }
    }))
}
