//! Compiles the thesaurus (`data/thesaurus.txt`: one group per line, members separated by
//! `, `, a member's analysed terms joined by `+`) into static tables, so that no process
//! parses or allocates it when it starts: the groups, and each member's first term with the
//! groups it starts a member of, sorted for binary search.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::Path;

fn main() {
    println!("cargo:rerun-if-changed=data/thesaurus.txt");
    let text = std::fs::read_to_string("data/thesaurus.txt").expect("data/thesaurus.txt");
    let groups: Vec<Vec<Vec<&str>>> = text
        .lines()
        .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
        .map(|line| line.split(", ").map(|member| member.split('+').collect()).collect())
        .collect();
    let mut index: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (number, group) in groups.iter().enumerate() {
        for member in group {
            let entry = index.entry(member[0]).or_default();
            if entry.last() != Some(&number) {
                entry.push(number);
            }
        }
    }
    let mut out = String::from("pub static GROUPS: &[&[&[&str]]] = &[\n");
    for group in &groups {
        let members: Vec<String> = group.iter().map(|member| format!("&{member:?}")).collect();
        writeln!(out, "&[{}],", members.join(", ")).unwrap();
    }
    out.push_str("];\npub static BY_FIRST_TERM: &[(&str, &[u32])] = &[\n");
    for (term, numbers) in &index {
        writeln!(out, "({term:?}, &{numbers:?}),").unwrap();
    }
    out.push_str("];\n");
    let path = Path::new(&std::env::var("OUT_DIR").unwrap()).join("thesaurus.rs");
    std::fs::write(path, out).unwrap();
}
