//! The subcommands of `faq`, one file each; [`run`] dispatches. Each is glue: it reads its
//! arguments, calls the libraries, and prints.

mod eval;
mod export;
mod index;
mod report;
mod search;
mod show;
mod tokenize;

use anyhow::Result;

use crate::cli::Command;

/// How a successful command ended: decides the exit code. For a search, found means
/// answered: a question the FAQ does not answer exits 1 even when related entries are shown.
pub enum Outcome {
    Found,
    NothingFound,
}

impl Outcome {
    pub(crate) fn from_found(found: bool) -> Self {
        if found { Outcome::Found } else { Outcome::NothingFound }
    }
}

pub fn run(command: Command) -> Result<Outcome> {
    match command {
        Command::Index(location) => index::run(&location),
        Command::Search(args) if args.batch.is_some() => search::batch(&args),
        Command::Search(args) => search::run(&args),
        Command::Show(args) => show::run(&args),
        Command::Tokenize(args) => tokenize::run(&args),
        Command::Eval(args) => eval::run(&args),
        Command::Export(args) => export::run(&args),
        Command::Serve(args) => crate::serve::run(args).map(|()| Outcome::Found),
        Command::Report(args) => report::run(&args),
    }
}
