//! The integration tests of faq-indexer, one test binary (each file a module).

mod atomic_build;
