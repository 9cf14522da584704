//! The compiled thesaurus shipped in the binary (`data/thesaurus.txt`) must be what the
//! current analyzer makes of its source (`data/thesaurus.src.txt`): otherwise its terms
//! would silently stop matching the index. `UPDATE_THESAURUS=1` rewrites it.

use faq_core::Analyzer;
use faq_query::synonyms::{COMPILED_THESAURUS, Synonyms, THESAURUS_SOURCE, thesaurus};

#[test]
fn compiled_thesaurus_matches_its_source_under_the_current_analyzer() {
    let analyzer = Analyzer::load().expect("IPADIC dictionary (built in)");
    let compiled = Synonyms::compile(THESAURUS_SOURCE, &analyzer);
    if std::env::var_os("UPDATE_THESAURUS").is_some() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/thesaurus.txt");
        std::fs::write(path, &compiled).unwrap();
        return;
    }
    assert!(
        compiled == COMPILED_THESAURUS,
        "data/thesaurus.txt is stale: run `UPDATE_THESAURUS=1 cargo test -p faq-query --test all thesaurus::`"
    );
    assert!(thesaurus().len() > 2000, "{} groups", thesaurus().len());
}

#[test]
fn everyday_synonyms_expand_both_ways() {
    let analyzer = Analyzer::load().expect("IPADIC dictionary (built in)");
    let added = |q: &str| -> Vec<String> { thesaurus().expand(&analyzer.terms(q)).into_iter().map(|(_, t, _)| t).collect() };
    // 引っ越し ↔ 転居, キャンセル ↔ 取り消し: words a user and a FAQ pick differently.
    let moving = analyzer.terms("引っ越し");
    assert!(added("転居の手続き").contains(&moving[0]), "{:?}", added("転居の手続き"));
    assert!(added("引っ越しの手続き").contains(&"転居".to_string()), "{:?}", added("引っ越しの手続き"));
    assert!(added("あいまいな説明").contains(&"曖昧".to_string()));
    assert!(added("zzqxwv").is_empty());
}

#[test]
fn words_of_the_domain_file_keep_the_domain_sense() {
    let analyzer = Analyzer::load().expect("IPADIC dictionary (built in)");
    let domain = Synonyms::parse("領収書, 領収証\n発送, 送る\n", "synonyms.txt", &analyzer).unwrap();
    let index = tantivy::Index::create_in_ram(faq_core::schema::build_schema());
    let fields = faq_core::schema::prepare(&index, &analyzer).unwrap();
    let thesaurus_words = |query: &str| -> Vec<String> {
        let plan = faq_query::Plan::new(&analyzer.analyze(query), &fields, &faq_query::Weights::default(), &domain, thesaurus());
        plan.clauses.iter().filter(|c| c.path == faq_query::PathKind::Thesaurus).map(|c| plan.term(c.term).to_string()).collect()
    };
    // Alone, the thesaurus reads 領収 (of 領収書) as "receive" and 送る as "transmit".
    assert!(!thesaurus().expand(&analyzer.terms("領収書")).is_empty());
    assert!(thesaurus().expand(&analyzer.terms("送る")).iter().any(|(_, t, _)| t == "送信"));
    // With the domain file, those words keep the seller's sense; others still expand.
    assert_eq!(thesaurus_words("領収書を送ってほしい"), Vec::<String>::new());
    assert!(thesaurus_words("注文をサーチしたい").contains(&"検索".to_string()));
}
