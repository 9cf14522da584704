//! Compiles the thesaurus (`data/thesaurus.txt`: one group per line, members separated by
//! `, `, a member's analysed terms joined by `+`) into static tables, so that no process
//! parses or allocates it when it starts: the groups, and each member's first term with the
//! groups it starts a member of, found by an open-addressing hash table (one probe or two). The layout is described in
//! `src/plan/synonyms.rs` (module `builtin`), which reads it.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::Path;

#[path = "src/plan/thesaurus_format.rs"]
mod thesaurus_format;

fn main() {
    println!("cargo:rerun-if-changed=data/thesaurus.txt");
    println!("cargo:rerun-if-changed=src/plan/thesaurus_format.rs");
    let text = std::fs::read_to_string("data/thesaurus.txt").expect("data/thesaurus.txt");
    let groups = thesaurus_format::parse(&text);
    let mut index: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (number, group) in groups.iter().enumerate() {
        for member in group {
            let entry = index.entry(member[0]).or_default();
            if entry.last() != Some(&number) {
                entry.push(number);
            }
        }
    }
    // Plain integer tables and one string: no pointer in them, so the loader has nothing to
    // relocate when the process starts (tables of `&str` cost one relocation, and a touched
    // page, per string: about 45,000 of them, a third of the startup page faults).
    let mut text = String::new();
    let mut term_ids: BTreeMap<&str, u32> = BTreeMap::new();
    let mut spans: Vec<(u32, u32)> = Vec::new();
    for term in groups.iter().flatten().flatten() {
        if !term_ids.contains_key(term) {
            let start = text.len() as u32;
            text.push_str(term);
            spans.push((start, text.len() as u32));
            term_ids.insert(term, spans.len() as u32 - 1);
        }
    }
    let (mut group_starts, mut member_starts, mut member_terms) = (vec![0u32], vec![0u32], Vec::new());
    for group in &groups {
        for member in group {
            member_terms.extend(member.iter().map(|term| term_ids[term]));
            member_starts.push(member_terms.len() as u32);
        }
        group_starts.push(member_starts.len() as u32 - 1);
    }
    let (mut first_terms, mut first_starts, mut first_groups) = (Vec::new(), vec![0u32], Vec::new());
    for (term, numbers) in &index {
        first_terms.push(term_ids[term]);
        first_groups.extend(numbers.iter().map(|&n| n as u32));
        first_starts.push(first_groups.len() as u32);
    }
    // Slots of first terms: 1 + the term's place in FIRST_TERMS, 0 = empty; at most half
    // full, linear probing from the term's hash.
    let size = (first_terms.len() * 2).next_power_of_two().max(2);
    let mut slots = vec![0u32; size];
    for (i, (term, _)) in index.iter().enumerate() {
        let mut at = thesaurus_format::term_hash(term) as usize & (size - 1);
        while slots[at] != 0 {
            at = (at + 1) & (size - 1);
        }
        slots[at] = i as u32 + 1;
    }
    let mut out = String::new();
    writeln!(out, "pub static TEXT: &str = {text:?};").unwrap();
    let mut table = |name: &str, kind: &str, values: &[String]| {
        writeln!(out, "pub static {name}: [{kind}; {}] = [{}];", values.len(), values.join(",")).unwrap();
    };
    let numbers = |values: &[u32]| values.iter().map(u32::to_string).collect::<Vec<_>>();
    table("TERM_SPANS", "(u32, u32)", &spans.iter().map(|(a, b)| format!("({a},{b})")).collect::<Vec<_>>());
    table("GROUP_STARTS", "u32", &numbers(&group_starts));
    table("MEMBER_STARTS", "u32", &numbers(&member_starts));
    table("MEMBER_TERMS", "u32", &numbers(&member_terms));
    table("FIRST_TERMS", "u32", &numbers(&first_terms));
    table("FIRST_STARTS", "u32", &numbers(&first_starts));
    table("FIRST_GROUPS", "u32", &numbers(&first_groups));
    table("FIRST_SLOTS", "u32", &numbers(&slots));
    let path = Path::new(&std::env::var("OUT_DIR").unwrap()).join("thesaurus.rs");
    std::fs::write(path, out).unwrap();
}
