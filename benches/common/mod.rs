//! Shared set-up of the criterion benches: the real dictionary, the seed corpus, and the
//! localgovFAQ corpus and queries when `../shared` is beside the repository.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use faq_core::schema::FaqFields;
use faq_core::{Analyzer, FaqEntry};
use faq_query::{FaqSearcher, Synonyms, Weights};

pub fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

pub fn analyzer() -> Analyzer {
    Analyzer::load().expect("IPADIC dictionary (built in)")
}

pub fn seed_entries() -> Vec<FaqEntry> {
    faq_indexer::corpus::load(&repo().join("corpus")).expect("seed corpus").entries
}

/// The localgovFAQ folder, or None (with a message) when ../shared is absent.
pub fn localgov() -> Option<PathBuf> {
    let data = repo().join("../shared/datasets/localgovfaq");
    if data.join("faq.jsonl").is_file() {
        Some(data)
    } else {
        eprintln!("SKIPPED localgovFAQ benches: {} is absent", data.display());
        None
    }
}

pub fn localgov_entries(data: &Path) -> Vec<FaqEntry> {
    faq_indexer::corpus::load(&data.join("faq.jsonl")).expect("localgovFAQ corpus").entries
}

/// An in-RAM searcher over `entries` with the repository's synonyms.
pub fn searcher(entries: &[FaqEntry], weights: Weights) -> FaqSearcher {
    let analyzer = analyzer();
    let index = faq_indexer::index_in_ram(entries, &analyzer).unwrap();
    let fields = FaqFields::from_schema(&index.schema()).unwrap();
    let synonyms = Synonyms::load(&repo().join("corpus/synonyms.txt"), &analyzer).unwrap();
    FaqSearcher::from_index(index, fields, analyzer).unwrap().with_synonyms(synonyms).with_weights(weights).unwrap()
}

/// Query texts of a TSV queries file (dev split: benches never read test queries).
pub fn queries(path: &Path) -> Vec<String> {
    faq_query::eval::read_queries(path).unwrap().into_iter().map(|q| q.text).collect()
}

/// A one-word, a sentence and a long pasted-mail query.
pub const SHORT: &str = "領収書";
pub const SENTENCE: &str = "領収書を出してほしいと言われた";
pub const LONG: &str = "お世話になっております。先日注文を確定して商品を発送したのですが、購入者の方から商品がまだ到着していないと連絡がありました。配送会社に確認したほうがよいのでしょうか。どのように対応すればよいか教えてください。";

/// The allocator of the `faq` binary, so the benches measure what the product runs.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
