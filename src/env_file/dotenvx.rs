//! dotenvx-compatible encrypted values: `encrypted:<base64>` where the bytes are
//! ECIES over secp256k1 as the `ecies` crate does it by default (and eciesjs,
//! which dotenvx uses): ephemeral uncompressed public key (65) ‖ nonce (16) ‖
//! tag (16) ‖ AES-256-GCM ciphertext; key = HKDF-SHA256(ephemeral pk ‖ shared
//! point, both uncompressed; no salt, no info).
//!
//! Private keys are 32 bytes as 64 hex digits; public keys are compressed
//! (33 bytes, 66 hex digits) as dotenvx writes them. Every decoded private key
//! lives in a `Zeroizing` buffer and is wiped when dropped. Error messages name
//! keys (variable names), never values.

use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use base64::Engine;
use zeroize::Zeroizing;

use crate::error::SgError;

pub const PREFIX: &str = "encrypted:";

const B64_ENCODE: GeneralPurpose = base64::engine::general_purpose::STANDARD;
/// Decoding accepts padded and unpadded input (Node's Buffer.from(x, 'base64') does too).
const B64_DECODE: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Smallest valid payload: 65 (ephemeral pk) + 16 (nonce) + 16 (tag).
const MIN_PAYLOAD: usize = 65 + 16 + 16;

pub fn is_encrypted(value: &str) -> bool {
    value.starts_with(PREFIX)
}

/// Decode one hex private key (surrounding whitespace ignored) into a wiped-on-drop buffer.
fn decode_private_key(hex_key: &str, key_name: &str) -> Result<Zeroizing<Vec<u8>>, SgError> {
    let t = hex_key.trim();
    if t.len() != 64 {
        return Err(SgError::new(
            "INVALID_PRIVATE_KEY",
            format!("{key_name} must be 64 hex digits (a 32-byte secp256k1 key), got {} characters", t.len()),
        ));
    }
    let mut buf = Zeroizing::new(vec![0u8; 32]);
    hex::decode_to_slice(t, &mut buf[..])
        .map_err(|_| SgError::new("INVALID_PRIVATE_KEY", format!("{key_name} is not valid hex")))?;
    Ok(buf)
}

fn decode_public_key(hex_key: &str, key_name: &str) -> Result<Vec<u8>, SgError> {
    let t = hex_key.trim();
    let bytes = hex::decode(t).map_err(|_| SgError::new("INVALID_PUBLIC_KEY", format!("{key_name} is not valid hex")))?;
    if bytes.len() != 33 && bytes.len() != 65 {
        return Err(SgError::new(
            "INVALID_PUBLIC_KEY",
            format!("{key_name} must be a 33-byte compressed (or 65-byte) secp256k1 public key, got {} bytes", bytes.len()),
        ));
    }
    ecies::PublicKey::parse_slice(&bytes, None)
        .map_err(|_| SgError::new("INVALID_PUBLIC_KEY", format!("{key_name} is not a point on secp256k1")))?;
    Ok(bytes)
}

/// Base64-decode the payload of an `encrypted:` value and check its shape.
fn decode_payload(value: &str, var: &str) -> Result<Vec<u8>, SgError> {
    let b64 = value.strip_prefix(PREFIX).unwrap_or(value).trim();
    let bytes = B64_DECODE.decode(b64).map_err(|_| {
        SgError::new("MALFORMED_ENCRYPTED_DATA", format!("{var}: the encrypted value is not valid base64"))
    })?;
    if bytes.len() < MIN_PAYLOAD {
        return Err(SgError::new(
            "MALFORMED_ENCRYPTED_DATA",
            format!("{var}: the encrypted value is too short ({} bytes, at least {MIN_PAYLOAD} expected)", bytes.len()),
        ));
    }
    if bytes[0] != 0x04 || ecies::PublicKey::parse_slice(&bytes[..65], None).is_err() {
        return Err(SgError::new(
            "MALFORMED_ENCRYPTED_DATA",
            format!("{var}: the encrypted value does not start with a valid ephemeral public key"),
        ));
    }
    Ok(bytes)
}

/// Decrypt one `encrypted:` value of variable `var` with the comma-separated
/// private key(s) from `key_name`, trying each in order. Values without the
/// prefix are returned unchanged.
pub fn decrypt_value(var: &str, value: &str, private_keys: &str, key_name: &str) -> Result<String, SgError> {
    if !is_encrypted(value) {
        return Ok(value.to_string());
    }
    if private_keys.trim().is_empty() {
        return Err(SgError::new(
            "MISSING_PRIVATE_KEY",
            format!("{var} is encrypted but {key_name} is not set (env or .env.keys)"),
        ));
    }
    let payload = decode_payload(value, var)?;
    let mut last = None;
    for (i, k) in private_keys.split(',').enumerate() {
        let name = if private_keys.contains(',') { format!("{key_name} (key #{})", i + 1) } else { key_name.to_string() };
        let sk = match decode_private_key(k, &name) {
            Ok(sk) => sk,
            Err(e) => {
                last = Some(e);
                continue;
            }
        };
        if ecies::SecretKey::parse_slice(&sk).is_err() {
            last = Some(SgError::new("INVALID_PRIVATE_KEY", format!("{name} is not a valid secp256k1 private key")));
            continue;
        }
        match ecies::decrypt(&sk, &payload) {
            Ok(plain) => {
                let plain = Zeroizing::new(plain);
                return String::from_utf8(plain.to_vec()).map_err(|_| {
                    SgError::new("DECRYPTION_FAILED", format!("{var}: decrypted bytes are not valid UTF-8"))
                });
            }
            Err(_) => {
                last = Some(SgError::new(
                    "DECRYPTION_FAILED",
                    format!("could not decrypt {var} with {key_name}: wrong private key or tampered value"),
                ));
            }
        }
    }
    Err(last.unwrap_or_else(|| SgError::new("DECRYPTION_FAILED", format!("could not decrypt {var} with {key_name}"))))
}

/// Encrypt `plain` for the (hex) public key: returns `encrypted:<base64>`.
pub fn encrypt_value(public_key: &str, plain: &str, key_name: &str) -> Result<String, SgError> {
    let pk = decode_public_key(public_key, key_name)?;
    let bytes = ecies::encrypt(&pk, plain.as_bytes())
        .map_err(|_| SgError::new("ENCRYPTION_FAILED", format!("could not encrypt with {key_name}")))?;
    Ok(format!("{PREFIX}{}", B64_ENCODE.encode(bytes)))
}

/// A new keypair: (private key hex, compressed public key hex). The caller owns the private hex.
pub fn keypair() -> (Zeroizing<String>, String) {
    let sk = ecies::SecretKey::generate();
    let pk = ecies::PublicKey::from_secret_key(&sk);
    let raw = Zeroizing::new(sk.serialize());
    (Zeroizing::new(hex::encode(&raw[..])), hex::encode(pk.serialize_compressed()))
}

/// The compressed public key (hex) of a hex private key.
pub fn public_key_of(private_key: &str, key_name: &str) -> Result<String, SgError> {
    let raw = decode_private_key(private_key, key_name)?;
    let sk = ecies::SecretKey::parse_slice(&raw)
        .map_err(|_| SgError::new("INVALID_PRIVATE_KEY", format!("{key_name} is not a valid secp256k1 private key")))?;
    Ok(hex::encode(ecies::PublicKey::from_secret_key(&sk).serialize_compressed()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roundtrip_and_key_list() {
        let (sk, pk) = keypair();
        assert_eq!(sk.len(), 64);
        assert_eq!(pk.len(), 66);
        assert_eq!(public_key_of(&sk, "K").unwrap(), pk);
        let enc = encrypt_value(&pk, "sk_test_FAKE_roundtrip", "PK").unwrap();
        assert!(enc.starts_with(PREFIX));
        let payload = B64_DECODE.decode(&enc[PREFIX.len()..]).unwrap();
        assert_eq!(payload.len(), MIN_PAYLOAD + "sk_test_FAKE_roundtrip".len());
        assert_eq!(payload[0], 4);
        assert_eq!(decrypt_value("V", &enc, &sk, "K").unwrap(), "sk_test_FAKE_roundtrip");
        let (other, _) = keypair();
        let both = format!("{},{}", &*other, &*sk);
        assert_eq!(decrypt_value("V", &enc, &both, "K").unwrap(), "sk_test_FAKE_roundtrip");
        let e = decrypt_value("V", &enc, &other, "K").unwrap_err();
        assert_eq!(e.code, "DECRYPTION_FAILED");
        assert!(!e.message.contains(&*other));
    }

    #[test]
    fn bad_inputs_are_typed() {
        let (sk, pk) = keypair();
        assert_eq!(decrypt_value("V", "plain", "", "K").unwrap(), "plain");
        assert_eq!(decrypt_value("V", "encrypted:AAAA", "", "K").unwrap_err().code, "MISSING_PRIVATE_KEY");
        assert_eq!(decrypt_value("V", "encrypted:%%%", &sk, "K").unwrap_err().code, "MALFORMED_ENCRYPTED_DATA");
        assert_eq!(decrypt_value("V", "encrypted:AAAA", &sk, "K").unwrap_err().code, "MALFORMED_ENCRYPTED_DATA");
        let enc = encrypt_value(&pk, "x", "PK").unwrap();
        let truncated = &enc[..enc.len() - 8];
        assert!(decrypt_value("V", truncated, &sk, "K").is_err());
        assert_eq!(decrypt_value("V", &enc, "abcd", "K").unwrap_err().code, "INVALID_PRIVATE_KEY");
        assert_eq!(decrypt_value("V", &enc, &"zz".repeat(32), "K").unwrap_err().code, "INVALID_PRIVATE_KEY");
        assert_eq!(decrypt_value("V", &enc, &"00".repeat(32), "K").unwrap_err().code, "INVALID_PRIVATE_KEY");
        assert_eq!(encrypt_value("02abcd", "x", "PK").unwrap_err().code, "INVALID_PUBLIC_KEY");
    }
}
