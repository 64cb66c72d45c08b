//! JS exports of the env-file extras: expansion (expand.rs) and
//! dotenvx-compatible encryption (dotenvx.rs).

use std::collections::HashMap;

use crate::env_file::{dotenvx, expand};
use crate::error::{Result, SgError};

#[napi(object)]
pub struct ExpandOutput {
    /// Expanded values, same order as the input keys.
    pub values: Vec<String>,
    /// Keys whose expansion ran out of budget (a reference loop).
    pub limited: Vec<String>,
}

/// Expand parsed values (keys/values in JS iteration order) against a snapshot
/// of the target env, with dotenv-expand 12 semantics (bounded).
#[napi(catch_unwind)]
pub fn envx_expand(keys: Vec<String>, values: Vec<String>, process_env: HashMap<String, String>) -> Result<ExpandOutput> {
    if keys.len() != values.len() {
        return Err(SgError::new("INVALID_ARGUMENT", "keys and values differ in length").into());
    }
    let pairs: Vec<(String, String)> = keys.into_iter().zip(values).collect();
    let out = expand::expand(&pairs, &process_env);
    Ok(ExpandOutput { values: out.values, limited: out.limited })
}

/// Decrypt every `encrypted:` value among `values` (named by `keys`) with the
/// comma-separated private key(s) read from `key_name`. Other values pass through.
#[napi(catch_unwind)]
pub fn envx_decrypt_values(keys: Vec<String>, values: Vec<String>, private_keys: String, key_name: String) -> Result<Vec<String>> {
    let private_keys = zeroize::Zeroizing::new(private_keys);
    if keys.len() != values.len() {
        return Err(SgError::new("INVALID_ARGUMENT", "keys and values differ in length").into());
    }
    let mut out = Vec::with_capacity(values.len());
    for (k, v) in keys.iter().zip(values.iter()) {
        out.push(dotenvx::decrypt_value(k, v, &private_keys, &key_name)?);
    }
    Ok(out)
}

/// Encrypt one value for a hex secp256k1 public key: `encrypted:<base64>`.
#[napi(catch_unwind)]
pub fn envx_encrypt_value(public_key: String, value: String, key_name: String) -> Result<String> {
    let value = zeroize::Zeroizing::new(value);
    Ok(dotenvx::encrypt_value(&public_key, &value, &key_name)?)
}

#[napi(object)]
pub struct EnvxKeypair {
    pub public_key: String,
    pub private_key: String,
}

/// A new secp256k1 keypair as dotenvx writes them (hex; compressed public key).
#[napi(catch_unwind)]
pub fn envx_keypair() -> EnvxKeypair {
    let (sk, pk) = dotenvx::keypair();
    EnvxKeypair { public_key: pk, private_key: sk.to_string() }
}

/// The compressed public key (hex) of a hex private key.
#[napi(catch_unwind)]
pub fn envx_public_key(private_key: String, key_name: String) -> Result<String> {
    let private_key = zeroize::Zeroizing::new(private_key);
    Ok(dotenvx::public_key_of(&private_key, &key_name)?)
}
