//! The integration tests of faq-query, one test binary (each file a module).

mod ranker;
mod search;
mod thesaurus;
