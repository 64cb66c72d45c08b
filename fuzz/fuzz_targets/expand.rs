//! Variable expansion: never panics or hangs (budgeted), one output per input.
#![no_main]
use std::collections::HashMap;

use libfuzzer_sys::fuzz_target;
use secret_guard_fuzz::expand;

fuzz_target!(|data: &[u8]| {
    let Ok(src) = std::str::from_utf8(data) else { return };
    // lines "KEY=value"; a line starting with '!' goes to the process environment
    let mut parsed = Vec::new();
    let mut env = HashMap::new();
    for line in src.split('\n') {
        let (is_env, line) = match line.strip_prefix('!') { Some(l) => (true, l), None => (false, line) };
        let (k, v) = line.split_once('=').unwrap_or((line, ""));
        if is_env { env.insert(k.to_string(), v.to_string()); } else { parsed.push((k.to_string(), v.to_string())); }
    }
    let out = expand::expand(&parsed, &env);
    assert_eq!(out.values.len(), parsed.len());
});
