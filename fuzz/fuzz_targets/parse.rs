//! .env parser: never panics, its three entry points agree, and a value it
//! calls plain needs no JSON escaping.
#![no_main]
use libfuzzer_sys::fuzz_target;
use secret_guard_fuzz::parse;

fn key_ok(k: &str) -> bool {
    !k.is_empty() && k.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.' || b == b'-')
}

fuzz_target!(|data: &[u8]| {
    let Ok(src) = std::str::from_utf8(data) else { return };
    let pairs = parse::parse(src);
    for (k, _) in &pairs {
        assert!(key_ok(k), "invalid key {k:?}");
    }
    // differential: the streaming API sees the same pairs in the same order
    let mut streamed = Vec::new();
    parse::for_each_pair(src, |k, v, plain| {
        // `plain` promises a value that needs no JSON escaping
        assert!(!plain || v.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\'), "plain value {v:?}");
        streamed.push((k.to_string(), v.to_string()))
    });
    // parse() keeps the last of duplicate keys; compare the deduplicated stream
    let mut last: Vec<(String, String)> = Vec::new();
    for (k, v) in streamed {
        if let Some(p) = last.iter_mut().find(|p| p.0 == k) { p.1 = v } else { last.push((k, v)) }
    }
    let mut a = pairs.clone();
    a.sort();
    last.sort();
    assert_eq!(a, last);
    // normalising newlines first changes nothing (\r\n and \r are normalised internally)
    let norm = parse::normalize_newlines(src);
    let mut b = parse::parse(&norm);
    b.sort();
    assert_eq!(a, b);
});
