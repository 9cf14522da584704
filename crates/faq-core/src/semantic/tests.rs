//! The semantic path's unit tests.

mod unit {
    use super::super::entries::*;
    use super::super::kernels::*;
    use super::super::*;

    #[test]
    fn rounding_to_i8_is_round_then_clamp() {
        let plain = |x: f32| x.round().clamp(-127.0, 127.0) as i8;
        let mut values = vec![
            0.0,
            -0.0,
            0.5,
            -0.5,
            1.5,
            -1.5,
            2.5,
            0.49999997,
            -0.49999997,
            126.5,
            127.49,
            127.5,
            128.0,
            -126.5,
            -127.5,
            -300.0,
            1e9,
            f32::INFINITY,
            f32::NEG_INFINITY,
            f32::NAN,
            f32::MIN_POSITIVE,
            1e-40,
        ];
        // Every f32 from -130 to 130 in steps of 1/1024, and their neighbours.
        for i in -130 * 1024..=130 * 1024 {
            let x = i as f32 / 1024.0;
            values.extend([x, f32::from_bits(x.to_bits().wrapping_add(1)), f32::from_bits(x.to_bits().wrapping_sub(1))]);
        }
        for x in values {
            assert_eq!(round_to_i8(x), plain(x), "{x:?}");
        }
    }

    #[test]
    fn the_table_is_well_formed_and_sorted() {
        let table = table();
        assert!(table.len() > 50_000 && table.rows() > 10_000, "{} keys, {} rows", table.len(), table.rows());
        for i in 1..table.len() {
            assert!(table.term(i - 1).as_bytes() < table.term(i).as_bytes(), "keys sorted and distinct at {i}");
        }
        for i in (0..table.len()).step_by(997) {
            assert_eq!(table.key(table.term(i)), Some(i as u32));
            assert!(table.row_of(i as u32) < table.rows());
        }
        assert_eq!(table.key("この語は表にない"), None);
        // Remembered lookups answer as the table does, the first time and after.
        for _ in 0..2 {
            for i in (0..table.len()).step_by(4_999) {
                assert_eq!(key_of(table.term(i)), Some(i as u32));
            }
            assert_eq!(key_of("この語は表にない"), None);
        }
    }

    #[test]
    fn the_int8_dot_product_is_exact() {
        let a: Vec<i8> = (0..300).map(|i| ((i * 37) % 255 - 127) as i8).collect();
        let b: Vec<i8> = (0..300).map(|i| ((i * 91) % 255 - 127) as i8).collect();
        let naive: i32 = a.iter().zip(&b).map(|(&x, &y)| x as i32 * y as i32).sum();
        assert_eq!(dot_i8(&a, &b), naive);
        assert_eq!(dot_i8_lanes(&a, &b), naive);
        // Every step of the AVX2 kernel: 32 at a time, 16 at a time, one by one.
        for n in [0, 7, 16, 31, 32, 33, 48, 63, 64, 300] {
            let naive = a[..n].iter().zip(&b[..n]).map(|(&x, &y)| x as i32 * y as i32).sum::<i32>();
            assert_eq!(dot_i8(&a[..n], &b[..n]), naive, "{n} components");
        }
        // The extremes: ±127 everywhere, no saturation.
        let (high, low) = (vec![127i8; 320], vec![-127i8; 320]);
        assert_eq!(dot_i8(&high, &high), 127 * 127 * 320);
        assert_eq!(dot_i8(&high, &low), -127 * 127 * 320);
        assert_eq!(stride(300), 320);
    }

    /// Every kernel of the full scan gives exactly the one-by-one similarities, over enough
    /// entries and words that every component takes both signs and large magnitudes.
    #[test]
    fn every_scan_kernel_gives_the_same_similarities() {
        let table = table();
        let entries: Vec<(Vec<u32>, Vec<u32>)> = (0..97u32)
            .map(|i| {
                (
                    (0..5).map(|j| (i * 131 + j * 7919) % table.len() as u32).collect(),
                    (0..9).map(|j| (i * 17 + j * 104_729) % table.len() as u32).collect(),
                )
            })
            .collect();
        let vectors = EntryVectors::build(&entries);
        eprintln!("best kernel on this processor: {:?}", Kernel::best());
        for words in [&[3u32, 5000, 40_000][..], &[12], &[7, 8, 9, 10, 11, 12, 13]] {
            let words: Vec<Word> = words.iter().map(|&key| Word { key: key % table.len() as u32, token: 0 }).collect();
            let query = vectors.query_vector(&words).unwrap();
            let one_by_one: Vec<f32> = (0..vectors.len()).map(|i| vectors.similarity(&query, i)).collect();
            for kernel in [Kernel::Vnni, Kernel::Avx2, Kernel::Portable] {
                let mut out = Vec::new();
                vectors.similarities_with(kernel, &query, &mut out);
                assert_eq!(out, one_by_one, "{kernel:?}");
            }
        }
    }

    #[test]
    fn entry_vectors_round_trip_and_refuse_damage() {
        let word = |term: &str| Word { key: table().key(term).unwrap_or_else(|| panic!("{term} has a vector")), token: 0 };
        let words = |terms: &[&str]| Words { words: terms.iter().map(|t| word(t)).collect(), content_words: terms.len() };
        let keys = |terms: &[&str]| terms.iter().map(|t| word(t).key).collect::<Vec<u32>>();
        let entries = vec![
            (keys(&["領収", "発行"]), keys(&["購入", "依頼"])),
            (keys(&["ごみ", "捨てる"]), keys(&["分別", "収集"])),
            (keys(&["配送", "遅れる"]), keys(&["荷物", "届く"])),
        ];
        let vectors = EntryVectors::build(&entries);
        assert_eq!(vectors.len(), 3);
        assert_eq!(vectors.df(word("領収").key), 1);
        let bytes = vectors.to_bytes().to_vec();
        assert_eq!(bytes.len() % 64, 0, "the components start and end on 64-byte boundaries");
        assert_eq!(bytes[bytes.len() - 20..], [0; 20], "each vector is zero-padded from 300 to 320 components");
        assert_eq!(EntryVectors::from_bytes(OwnedBytes::new(bytes.clone())).unwrap(), vectors);
        assert!(EntryVectors::from_bytes(OwnedBytes::new(bytes[..bytes.len() - 1].to_vec())).is_err());
        assert!(EntryVectors::from_bytes(OwnedBytes::new(&b"FAQENT02 but nothing else"[..])).is_err());
        let mut older = bytes.clone();
        older[8] = 3;
        assert!(EntryVectors::from_bytes(OwnedBytes::new(older)).unwrap_err().to_string().contains("version 3"));
        // Meaning, not spelling: 粗大 and 廃棄 share no character with the second entry's
        // words, yet it is the nearest.
        let query = vectors.query_vector(&words(&["粗大", "廃棄"]).words).unwrap();
        let similarities: Vec<f32> = (0..3).map(|i| vectors.similarity(&query, i)).collect();
        let mut scanned = Vec::new();
        vectors.similarities_into(&query, &mut scanned);
        assert_eq!(scanned, similarities, "the scan and one-by-one agree exactly");
        for kernel in [Kernel::Vnni, Kernel::Avx2, Kernel::Portable] {
            let mut out = Vec::new();
            vectors.similarities_with(kernel, &query, &mut out);
            assert_eq!(out, similarities, "{kernel:?}");
        }
        assert!(similarities[1] > similarities[0] && similarities[1] > similarities[2], "{similarities:?}");
    }
}

mod analyzer_tests {
    use super::super::*;

    /// Every key of the table is a term the analyzer produces: analysing it gives it back,
    /// or analysing the word it came from gives it.
    #[test]
    fn every_key_is_a_term_of_the_analyzer() {
        let analyzer = crate::Analyzer::load().expect("IPADIC dictionary (built in)");
        let table = table();
        let sources: std::collections::HashMap<u32, &str> = table.sources().collect();
        assert!(!sources.is_empty() && sources.len() < table.len() / 10, "{} keys with a source", sources.len());
        let wrong: Vec<String> = (0..table.len())
            .filter_map(|i| {
                let term = table.term(i);
                let text = sources.get(&(i as u32)).copied().unwrap_or(term);
                let ok = analyzer.analyze(text).tokens.iter().map(|t| t.term.as_str()).eq([term]);
                (!ok).then(|| format!("{term} (from {text})"))
            })
            .take(10)
            .collect();
        assert!(wrong.is_empty(), "keys the analyzer does not produce: {wrong:?}");
    }
}
