//! The integration tests of faq-analytics, one test binary (each file a module).

mod postgres;
