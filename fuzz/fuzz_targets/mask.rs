//! Masker: never panics; no registered value survives in the output (up to 6 values per input: the automaton build with all encodings dominates the run time).
#![no_main]
use std::time::Instant;

use libfuzzer_sys::fuzz_target;
use secret_guard_fuzz::masker::{MaskOptions, Masker};

fuzz_target!(|data: &[u8]| {
    // input: value\x00value\x00...\x01haystack (values must be UTF-8; the haystack is any bytes)
    let (vals, hay) = match data.iter().position(|&b| b == 1) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &b""[..]),
    };
    let Ok(vals) = std::str::from_utf8(vals) else { return };
    let mut m = Masker::new(MaskOptions::default());
    let mut added = Vec::new();
    for v in vals.split('\0').take(6) {
        if let Ok(true) = m.add(v) {
            added.push(v);
        }
    }
    let c = m.compiled(Instant::now());
    let out = c.mask_bytes(hay);
    let out = out.as_deref().unwrap_or(hay);
    // A value sharing no byte with the censor cannot be rebuilt from censor text,
    // so any occurrence in the output would be a miss.
    const CENSOR: &[u8] = b"[REDACTED]";
    for v in &added {
        if v.bytes().any(|b| CENSOR.contains(&b)) {
            continue;
        }
        assert!(memchr_find(out, v.as_bytes()).is_none(), "value survived masking");
    }
    // masking with the value removed is the identity
    for v in &added {
        m.remove(v);
    }
    assert!(m.compiled(Instant::now()).mask_bytes(hay).is_none());
});

fn memchr_find(h: &[u8], n: &[u8]) -> Option<usize> {
    if n.is_empty() || n.len() > h.len() {
        return None;
    }
    h.windows(n.len()).position(|w| w == n)
}
