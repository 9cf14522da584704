//! The ranker against tantivy's own `BooleanQuery` scores, on in-RAM indexes.

use super::*;

/// A candidate's key orders as the score's `total_cmp` then the lower address, and gives
/// both back exactly.
#[test]
fn candidate_keys_order_as_score_then_address_and_round_trip() {
    let scores = [Score::NEG_INFINITY, -3.5, -1e-30, -0.0, 0.0, 1e-30, 0.5, 2.0, 7.25, 1e30, Score::INFINITY];
    let addresses = [DocAddress::new(0, 0), DocAddress::new(0, 9), DocAddress::new(1, 0), DocAddress::new(u32::MAX, u32::MAX)];
    let mut all = Vec::new();
    for &score in &scores {
        for &address in &addresses {
            let candidate = Candidate::new(score, address, 0b101);
            assert_eq!(candidate.score().to_bits(), score.to_bits());
            assert_eq!((candidate.address(), candidate.words), (address, 0b101));
            all.push((score, address, candidate.key));
        }
    }
    for &(s1, a1, k1) in &all {
        for &(s2, a2, k2) in &all {
            assert_eq!(k1.cmp(&k2), s1.total_cmp(&s2).then(a2.cmp(&a1)), "{s1} {a1:?} / {s2} {a2:?}");
        }
    }
}

/// The best `k` of many candidates (with ties on score), offered in any order and merged
/// from parts, are the first `k` of all of them sorted.
#[test]
fn best_keeps_exactly_the_first_k_of_the_total_order() {
    // Each address once (a document is offered once), scores with many ties.
    let mut seen = std::collections::HashSet::new();
    let candidates: Vec<(Score, DocAddress)> = (0..500u32)
        .map(|i| (((i * 7919) % 37) as Score * 0.5, DocAddress::new(i % 3, (i * 104_729) % 1_000)))
        .filter(|&(_, address)| seen.insert(address))
        .collect();
    // The order spelt out: higher score first (total_cmp), then the lower address.
    let mut sorted = candidates.clone();
    sorted.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    for k in [0, 1, 2, 7, 100, 499, 2_000, usize::MAX] {
        let expected: Vec<(Score, DocAddress)> = sorted.iter().take(k).copied().collect();
        let mut whole = Best::new(k);
        let (mut left, mut right) = (Best::new(k), Best::new(k));
        for (i, &(score, address)) in candidates.iter().enumerate() {
            whole.offer(score, address, 0);
            if i % 2 == 0 { left.offer(score, address, 0) } else { right.offer(score, address, 0) }
        }
        let got: Vec<(Score, DocAddress)> = whole.into_sorted().into_iter().map(|(s, a, _)| (s, a)).collect();
        assert_eq!(got, expected, "k = {k}");
        let merged: Vec<(Score, DocAddress)> = left.merge(right).into_sorted().into_iter().map(|(s, a, _)| (s, a)).collect();
        assert_eq!(merged, expected, "k = {k}, merged");
    }
}
