//! Masking: a multi-pattern masker (values plus their encodings, matched with
//! one Aho-Corasick automaton), the process-wide default masker, and keyed
//! fingerprints. The cache calls `learn_secret` for every value it serves and
//! `retire_secret` when a value is rotated away.

pub mod encode;
pub mod fingerprint;
pub mod masker;
mod napi;

use std::sync::{Arc, LazyLock, RwLock};
use std::time::Instant;

pub use masker::{MaskOptions, Masker};

/// The process-wide default masker behind the module-level `mask()`/`redact()`.
pub(crate) static DEFAULT: LazyLock<masker::Shared> = LazyLock::new(|| Arc::new(RwLock::new(Masker::new(MaskOptions::default()))));

pub fn default_masker() -> masker::Shared {
    DEFAULT.clone()
}

/// Teach the process-wide default masker a secret value. Values shorter than
/// the default masker's minLength are skipped silently. A retired value that is
/// served again becomes active again.
pub fn learn_secret(value: &str) {
    learn_secret_bytes(value.as_bytes())
}

/// `learn_secret` for a value that may not be UTF-8 (a binary `file:` secret
/// the cache serves as a Buffer): its raw bytes are masked in Buffers, and its
/// base64/hex/percent forms and text decodings in strings (see
/// `encode::for_each_binary_form`). UTF-8 bytes are learned as text.
pub fn learn_secret_bytes(value: &[u8]) {
    {
        // Fast path: the cache calls this for every served value; most are known.
        let g = DEFAULT.read().unwrap_or_else(|e| e.into_inner());
        if g.contains_active_bytes(value) {
            return;
        }
    }
    DEFAULT.write().unwrap_or_else(|e| e.into_inner()).learn_bytes(value);
}

/// The default key rule of `config()`'s learning: does a .env key look like it
/// names a secret? Equal to the JS `DEFAULT_KEY_PATTERN`,
/// `/pass(word)?|secret|token|api[-_]?key|private[-_]?key|authorization|cookie/i`, on ASCII
/// keys (all that the .env parser produces); a non-ASCII key answers `false`
/// here and is left to the RegExp in JS.
pub fn is_secret_key(key: &str) -> bool {
    const WORDS: [&[u8]; 11] = [
        b"pass",
        b"secret",
        b"token",
        b"apikey",
        b"api-key",
        b"api_key",
        b"privatekey",
        b"private-key",
        b"private_key",
        b"authorization",
        b"cookie",
    ];
    let k = key.as_bytes();
    k.is_ascii() && WORDS.iter().any(|w| k.windows(w.len()).any(|win| win.eq_ignore_ascii_case(w)))
}

/// A value was rotated away: keep masking it for the grace period (default
/// 1 hour, `configureMasking({ graceMs })` from JS), then forget it.
pub fn retire_secret(value: &str) {
    retire_secret_bytes(value.as_bytes())
}

/// `retire_secret` for a value that may not be UTF-8.
pub fn retire_secret_bytes(value: &[u8]) {
    DEFAULT.write().unwrap_or_else(|e| e.into_inner()).retire_bytes(value, None, Instant::now());
}

/// Mask `text` with the default masker (for Rust callers, e.g. log lines the addon writes).
pub fn mask_default(text: &str) -> String {
    let c = masker::current(&DEFAULT);
    match c.mask_text(text.as_bytes()) {
        // Output is the input with whole UTF-8 matches replaced by UTF-8 text.
        Some(out) => String::from_utf8(out).unwrap_or_default(),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_key_rule() {
        for k in ["DB_PASSWORD", "pass", "x.Secret.y", "GITHUB_TOKEN", "APIKEY", "my-api-key", "Api_Key", "AUTHORIZATION_HDR", "cookie_jar", "JWT_PRIVATE_KEY", "privateKey", "x.private-key"] {
            assert!(is_secret_key(k), "{k}");
        }
        for k in ["PORT", "API", "api.key", "apiXkey", "PAS", "SECRE", "TOKE", "", "pässword"] {
            assert!(!is_secret_key(k), "{k}");
        }
    }

    #[test]
    fn default_learn_and_retire() {
        learn_secret("abc"); // too short: skipped, no panic
        learn_secret("default-learned-FAKE-1");
        assert_eq!(mask_default("x default-learned-FAKE-1 y"), "x [REDACTED] y");
        retire_secret("default-learned-FAKE-1");
        assert_eq!(mask_default("default-learned-FAKE-1"), "[REDACTED]");
    }

    #[test]
    fn learned_json_secret_masks_each_field() {
        learn_secret(r#"{"username":"svc_user_FAKE","password":"pw-FAKE-0123456789","port":5432}"#);
        assert_eq!(mask_default("login svc_user_FAKE / pw-FAKE-0123456789 on 5432"), "login [REDACTED] / [REDACTED] on 5432");
    }

    #[test]
    fn learn_from_threads_while_masking() {
        let writers: Vec<_> = (0..4)
            .map(|t| {
                std::thread::spawn(move || {
                    for i in 0..200 {
                        learn_secret(&format!("thread-{t}-value-{i:04}-FAKE"));
                    }
                })
            })
            .collect();
        for _ in 0..200 {
            let _ = mask_default("thread-0-value-0000-FAKE and more text");
        }
        for w in writers {
            w.join().unwrap();
        }
        for t in 0..4 {
            let v = format!("thread-{t}-value-0199-FAKE");
            assert_eq!(mask_default(&format!("<{v}>")), "<[REDACTED]>");
        }
    }
}
