//! The integration tests of faq-server, one test binary (each file a module).

mod api;
