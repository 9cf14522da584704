//! `faq`: the command-line front of the FAQ search engine. Glue only: corpus parsing and
//! indexing live in `faq-indexer`, ranking in `faq-query`, analysis in `faq-core`.
//! Results go to stdout, notices and errors to stderr.
//! Exit codes: 0 = found, 1 = nothing found, 2 = error.

mod alloc;
mod cli;
mod commands;
mod errors;
mod locate;
mod render;
mod serve;

use std::process::ExitCode;

use clap::Parser;

/// mimalloc for long-running commands, the system's allocator for one-shot ones (alloc.rs).
#[global_allocator]
static ALLOCATOR: alloc::Chosen = alloc::Chosen;

fn main() -> ExitCode {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let json = errors::wants_json(&args);
    let cli = match cli::Cli::try_parse_from(&args) {
        Ok(cli) => cli,
        // --help and --version are not errors; a usage error with --json is reported as JSON.
        Err(error) if json && error.use_stderr() => {
            let rendered = error.render().to_string();
            let first = rendered.lines().next().unwrap_or_default().trim_start_matches("error: ");
            errors::report("invalid_argument", first, true);
            return ExitCode::from(2);
        }
        Err(error) => error.exit(),
    };
    // A panic (an index damaged where opening does not verify it, or a bug) is an error
    // with exit 2 and a way out, never Rust's panic text and exit 101.
    static PANIC: std::sync::Mutex<String> = std::sync::Mutex::new(String::new());
    std::panic::set_hook(Box::new(|info| {
        let detail = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or("unknown");
        let at = info.location().map(|l| format!(" at {}:{}", l.file(), l.line())).unwrap_or_default();
        *PANIC.lock().unwrap_or_else(|e| e.into_inner()) = format!("{detail}{at}");
    }));
    let outcome = match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| commands::run(cli.command))) {
        Ok(outcome) => outcome,
        Err(_) => {
            let detail = PANIC.lock().unwrap_or_else(|e| e.into_inner()).clone();
            errors::report(
                "index_damaged",
                &format!("the search failed inside the engine ({detail}); the index may be damaged: rebuild it with `faq index`"),
                json,
            );
            return ExitCode::from(2);
        }
    };
    match outcome {
        Ok(commands::Outcome::Found) => ExitCode::from(0),
        Ok(commands::Outcome::NothingFound) => ExitCode::from(1),
        // A closed pipe (`faq search … | head`) is the reader's choice, not an error.
        Err(error) if is_broken_pipe(&error) => ExitCode::from(0),
        Err(error) => {
            errors::report(errors::code(&error), &format!("{error:#}"), json);
            ExitCode::from(2)
        }
    }
}

fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause.downcast_ref::<std::io::Error>().is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
            || cause.downcast_ref::<serde_json::Error>().and_then(|e| e.io_error_kind()) == Some(std::io::ErrorKind::BrokenPipe)
    })
}
