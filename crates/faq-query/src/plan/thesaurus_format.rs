//! The compiled thesaurus format (`data/thesaurus.txt`): one group per line, members
//! separated by `, `, a member's analysed terms joined by `+`, `#` starts a comment line.
//! [`crate::plan::synonyms::Synonyms::compile`] writes it; `build.rs` (which includes this file)
//! and the tests read it.

/// Separates the members of a group.
pub const MEMBER_SEPARATOR: &str = ", ";
/// Joins the analysed terms of a member.
pub const TERM_SEPARATOR: char = '+';

/// The groups of a compiled thesaurus, each member as its terms.
pub fn parse(text: &str) -> Vec<Vec<Vec<&str>>> {
    text.lines()
        .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
        .map(|line| line.split(MEMBER_SEPARATOR).map(|member| member.split(TERM_SEPARATOR).collect()).collect())
        .collect()
}

/// The hash of a term in the built-in thesaurus's lookup table (FNV-1a, 64 bits): computed by
/// `build.rs` when it lays the table out and by the lookup, so both agree by construction.
pub fn term_hash(term: &str) -> u64 {
    term.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3))
}
