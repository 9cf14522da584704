//! Command-line arguments of `faq`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Parser, Debug)]
#[command(
    name = "faq",
    version,
    about = "Japanese FAQ search: ask a question in plain Japanese, get the right FAQ entry first.",
    after_help = "Exit codes: 0 = answered, 1 = not answered (nothing found, or no hit confident enough), 2 = error.\n\
                  Environment: FAQ_CORPUS, FAQ_INDEX, FAQ_SYNONYMS, FAQ_IPADIC_DIR (IPADIC source instead of the built-in one), FAQ_DICT_CACHE, FAQ_WEIGHTS, NO_COLOR."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Build (or rebuild) the index from the corpus.
    Index(Location),
    /// Search the FAQ for a free-text question.
    #[command(after_help = "Examples:\n  \
      faq search 領収書を出してほしいと言われた       the best entries for a question\n  \
      faq search --json --limit 3 キャンセル 返金    the JSON contract, three hits\n  \
      faq search --batch queries.txt > runs.jsonl   one JSON line per input line\n\n\
      Exit codes: 0 = answered, 1 = not answered (nothing found, or no hit confident enough), 2 = error.")]
    Search(SearchArgs),
    /// Show one entry in full.
    Show(ShowArgs),
    /// Show how a text is analysed: one token per line with its part of speech.
    Tokenize(TokenizeArgs),
    /// Evaluate ranking against graded judgments (nDCG@10, Recall@10, MRR@10, Recall@1) and
    /// the answered decision (answered rate, top-1 precision; false answers out of scope).
    Eval(EvalArgs),
    /// Write the parsed corpus as JSONL (one entry per line), e.g. to import elsewhere.
    Export(ExportArgs),
    /// Serve the JSON API and the search page over HTTP.
    Serve(ServeArgs),
    /// What sellers asked: searches, answered rate, top and unanswered questions, entries.
    Report(ReportArgs),
}

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080", env = "FAQ_ADDR")]
    pub addr: std::net::SocketAddr,
    /// Rebuild and swap the index when the corpus folder changes (SIGHUP always does).
    #[arg(long)]
    pub watch: bool,
    /// Origin allowed to call the API from a browser and to frame the page, e.g.
    /// https://portal.example.com (repeat, or comma-separate in FAQ_ALLOWED_ORIGINS).
    #[arg(long = "allow-origin", value_name = "ORIGIN", env = "FAQ_ALLOWED_ORIGINS", value_delimiter = ',')]
    pub allowed_origins: Vec<String>,
    /// Seconds before a request is answered 503.
    #[arg(long, default_value_t = 10)]
    pub timeout_secs: u64,
    /// Seconds a connection has to send a request head (and may stay idle between requests).
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub header_timeout_secs: u64,
    /// Seconds shutdown waits for connections to finish before dropping them.
    #[arg(long, default_value_t = 10)]
    pub shutdown_grace_secs: u64,
    /// Where the page points a seller whose question the FAQ does not answer, e.g.
    /// https://portal.example.com/contact or mailto:support@example.com [default: no link]
    #[arg(long, value_name = "URL", env = "FAQ_CONTACT_URL")]
    pub contact_url: Option<String>,
    /// The text of that link.
    #[arg(long, value_name = "TEXT", env = "FAQ_CONTACT_LABEL", requires = "contact_url", default_value = "お問い合わせ窓口")]
    pub contact_label: String,
    /// Where searches, opened answers and feedback are recorded for `faq report`: a SQLite
    /// file, or a PostgreSQL database that a fleet of replicas shares (a postgres:// URL or a
    /// key=value connection string; its password is never printed). Search never waits for
    /// it: if it cannot be opened, the server serves and retries in the background
    /// [default: <index>.analytics.sqlite beside the index folder]
    #[arg(long, value_name = "PATH|URL", env = "FAQ_ANALYTICS", hide_env_values = true, conflicts_with = "no_analytics")]
    pub analytics: Option<String>,
    /// Record nothing.
    #[arg(long)]
    pub no_analytics: bool,
    /// Days of analytics kept; older events are deleted.
    #[arg(long, default_value_t = faq_analytics::recorder::DEFAULT_RETENTION_DAYS, value_parser = clap::value_parser!(u32).range(1..=36500))]
    pub retention_days: u32,
    /// Events (opened answers, feedback) and logged searches each client may record a
    /// second, by its address; past it events get 429 and searches are answered unrecorded.
    #[arg(long, default_value_t = 10, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub analytics_rate: u32,
    /// How many a client may record at once before its rate applies.
    #[arg(long, default_value_t = 40, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub analytics_burst: u32,
    /// Events recorded per day (UTC) at most, all clients together; past it they are refused.
    #[arg(long, default_value_t = 200_000, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub analytics_max_per_day: u64,
    /// Megabytes the analytics may take; past it the oldest days are deleted.
    #[arg(long, default_value_t = 1024, value_name = "MB", value_parser = clap::value_parser!(u64).range(1..))]
    pub analytics_max_mb: u64,
    /// Turns on the owner's page at /admin, for requests that carry this token (a bearer
    /// token, or typed into its login form). At least 16 random characters: make one with
    /// `openssl rand -hex 24`. [default: no /admin]
    #[arg(long, value_name = "TOKEN", env = "FAQ_ADMIN_TOKEN", hide_env_values = true)]
    pub admin_token: Option<String>,
    #[command(flatten)]
    pub location: Location,
}

#[derive(Args, Debug)]
pub struct ReportArgs {
    /// Since when: `7d`, `24h`, or a date `2026-11-01` [default: 30d]
    #[arg(long, default_value = "30d")]
    pub since: String,
    /// Write the report as JSON.
    #[arg(long)]
    pub json: bool,
    /// The analytics database, a file, a postgres:// URL or a key=value connection string
    /// [default: the file `faq serve` writes for this corpus]
    #[arg(long, value_name = "PATH|URL", env = "FAQ_ANALYTICS", hide_env_values = true)]
    pub analytics: Option<String>,
    /// Also propose synonyms.txt lines for frequent unanswered questions (each tried: the
    /// question is answered with it) and name the topics no entry covers.
    #[arg(long)]
    pub suggest: bool,
    /// Unanswered groups asked fewer times than this get no suggestion.
    #[arg(long, default_value_t = faq_query::proposals::MIN_COUNT, requires = "suggest")]
    pub min_count: u64,
    #[command(flatten)]
    pub location: Location,
}

#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    /// FAQ corpus: a .md or .jsonl file, or a folder of them
    #[arg(long, value_name = "PATH", env = "FAQ_CORPUS", default_value = "corpus")]
    pub corpus: std::path::PathBuf,
}

/// Where the corpus and the index are.
#[derive(Args, Debug, Clone)]
pub struct Location {
    /// FAQ corpus: a .md or .jsonl file, or a folder of them [default: ./corpus]
    #[arg(long, env = "FAQ_CORPUS", value_name = "PATH")]
    pub corpus: Option<PathBuf>,
    /// Index folder [default: ./index/default for ./corpus, ./index/<name>-<hash> for another corpus]
    #[arg(long, env = "FAQ_INDEX", value_name = "DIR")]
    pub index: Option<PathBuf>,
    /// Synonym groups, read at start (no reindexing) [default: synonyms.txt in the corpus folder]
    #[arg(long, env = "FAQ_SYNONYMS", value_name = "FILE")]
    pub synonyms: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct SearchArgs {
    /// The question (several words are joined with spaces).
    #[arg(required_unless_present = "batch", conflicts_with = "batch")]
    pub query: Vec<String>,
    /// Read one query per line from FILE (`-` for stdin) and write one JSON response per line.
    #[arg(long, value_name = "FILE")]
    pub batch: Option<PathBuf>,
    /// Number of results.
    #[arg(long, short = 'n', default_value_t = 10, allow_negative_numbers = true, value_parser = clap::value_parser!(u16).range(1..=100))]
    pub limit: u16,
    /// Results to skip (for paging).
    #[arg(long, default_value_t = 0, allow_negative_numbers = true)]
    pub offset: usize,
    /// Write the response as JSON (the documented contract).
    #[arg(long)]
    pub json: bool,
    /// Show, for each hit, which terms matched through which path and how much each added.
    #[arg(long)]
    pub explain: bool,
    #[command(flatten)]
    pub location: Location,
    #[command(flatten)]
    pub colour: ColourArg,
}

#[derive(Args, Debug)]
pub struct ShowArgs {
    /// Entry id, as printed by `faq search`.
    pub id: String,
    /// Write the entry as JSON.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub location: Location,
}

#[derive(Args, Debug)]
pub struct TokenizeArgs {
    /// Text to analyse (several words are joined with spaces).
    #[arg(required = true)]
    pub text: Vec<String>,
}

#[derive(Args, Debug)]
#[command(group = clap::ArgGroup::new("judged").required(true).args(["qrels", "out_of_scope"]))]
pub struct EvalArgs {
    /// Queries: `id<TAB>text[<TAB>class]` per line.
    #[arg(long, value_name = "FILE")]
    pub queries: PathBuf,
    /// Judgments: `query_id<TAB>doc_id<TAB>grade` per line.
    #[arg(long, value_name = "FILE")]
    pub qrels: Option<PathBuf>,
    /// The queries are questions the FAQ does not answer: report how many are answered
    /// anyway (the false-answer rate) instead of ranking metrics.
    #[arg(long)]
    pub out_of_scope: bool,
    /// Also write each hit's confidence signals (TSV: query, rank, id, relevant, confidence,
    /// then the model's features), the input of `scripts/calibrate.py`.
    #[arg(long, value_name = "FILE")]
    pub signals: Option<PathBuf>,
    /// Also write the rankings as a run file.
    #[arg(long, value_name = "FILE")]
    pub run: Option<PathBuf>,
    /// Run file layout: `trec` (qid Q0 doc rank score tag) or `tsv` (qid, rank, doc, score; as shared/peers).
    #[arg(long, value_enum, default_value_t = RunFormat::Trec)]
    pub run_format: RunFormat,
    /// Depth of each ranking.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u16).range(1..=100))]
    pub depth: u16,
    /// Also print each query's rank of its first relevant entry (0 = not in the ranking).
    #[arg(long)]
    pub per_query: bool,
    #[command(flatten)]
    pub location: Location,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunFormat {
    Trec,
    Tsv,
}

#[derive(Args, Debug)]
pub struct ColourArg {
    /// Colour matched words: auto (on a terminal, unless NO_COLOR is set), always, never.
    #[arg(long, value_enum, default_value_t = ColourChoice::Auto, value_name = "WHEN")]
    pub color: ColourChoice,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColourChoice {
    Auto,
    Always,
    Never,
}

impl ColourChoice {
    pub fn enabled(self) -> bool {
        use std::io::IsTerminal;
        match self {
            ColourChoice::Always => true,
            ColourChoice::Never => false,
            ColourChoice::Auto => std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && std::io::stdout().is_terminal(),
        }
    }
}
