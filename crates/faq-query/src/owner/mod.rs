//! For the FAQ's owner: offline evaluation against graded judgments ([`eval`]) and the
//! suggestions made from what sellers asked ([`proposals`]).

pub mod eval;
pub mod proposals;
