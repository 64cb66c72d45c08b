//! dotenvx decryptor: arbitrary ciphertexts and keys give an error, never a
//! panic; encrypt -> decrypt round-trips.
#![no_main]
use libfuzzer_sys::fuzz_target;
use secret_guard_fuzz::dotenvx;

// Fixed test key pair (generated for the fuzzer; not a real secret).
const SK: &str = "4c0a4b1e8a7f0c3d2e6b9a1f5d3c7e9b2a4f6d8c0e1b3a5f7d9c2e4b6a8f0d1c";

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else { return };
    let mut mid = s.len() / 2;
    while !s.is_char_boundary(mid) {
        mid -= 1;
    }
    let (a, b) = s.split_at(mid);
    // 1) arbitrary value with the prefix, fixed valid key
    let _ = dotenvx::decrypt_value("K", &format!("{}{}", dotenvx::PREFIX, s), SK, "DOTENV_PRIVATE_KEY");
    // 2) arbitrary value and arbitrary key list
    let _ = dotenvx::decrypt_value("K", a, b, "DOTENV_PRIVATE_KEY");
    let _ = dotenvx::public_key_of(b, "DOTENV_PRIVATE_KEY");
    // 3) round trip
    let pk = dotenvx::public_key_of(SK, "DOTENV_PRIVATE_KEY").expect("fixed key is valid");
    let enc = dotenvx::encrypt_value(&pk, s, "DOTENV_PUBLIC_KEY").expect("encrypt");
    let dec = dotenvx::decrypt_value("K", &enc, SK, "DOTENV_PRIVATE_KEY").expect("decrypt");
    assert_eq!(dec, s);
});
