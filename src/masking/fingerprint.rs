//! Fingerprints: `sgfp_` + the first 10 hex digits of HMAC-SHA256(key, value).
//! Keyed (not a plain hash) so that a fingerprint in a log cannot be used to
//! confirm a guessed value offline without the key; with no key configured a
//! random per-process key is used (stable within the process only).

use std::sync::LazyLock;

use hmac::{Hmac, Mac};
use sha2::Sha256;
use zeroize::Zeroizing;

static PROCESS_KEY: LazyLock<Zeroizing<[u8; 32]>> = LazyLock::new(|| Zeroizing::new(rand::random::<[u8; 32]>()));

pub const PREFIX: &str = "sgfp_";

/// Fingerprint of `value` keyed by `key` (or the random per-process key).
pub fn fingerprint(value: &[u8], key: Option<&[u8]>) -> String {
    let key: &[u8] = key.unwrap_or(&PROCESS_KEY[..]);
    // HMAC accepts keys of any length.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(value);
    let tag = mac.finalize().into_bytes();
    format!("{}{}", PREFIX, hex::encode(&tag[..5]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stable_and_keyed() {
        let a = fingerprint(b"sk_test_FAKE_1", Some(b"k1"));
        assert_eq!(a, fingerprint(b"sk_test_FAKE_1", Some(b"k1")));
        assert_ne!(a, fingerprint(b"sk_test_FAKE_1", Some(b"k2")));
        assert_ne!(a, fingerprint(b"sk_test_FAKE_2", Some(b"k1")));
        assert_eq!(a.len(), 15);
        assert!(a.starts_with("sgfp_"));
        assert_eq!(fingerprint(b"x", None), fingerprint(b"x", None));
        // RFC 4231 test case 2: HMAC-SHA256("Jefe", "what do ya want for nothing?") = 5bdcc146bf...
        assert_eq!(fingerprint(b"what do ya want for nothing?", Some(b"Jefe")), "sgfp_5bdcc146bf");
    }
}
