//! JS exports of the env-file capability.

use std::os::raw::c_char;
use std::ptr;

use napi::bindgen_prelude::{Buffer, Either, ToNapiValue, TypeName, ValueType};
use napi::sys;
use zeroize::Zeroizing;

use crate::env_file::parse;
use crate::error::{Result, SgError};

/// The parse result as JSON text (`{"KEY":"value",...}`), which `index.js`
/// turns into the plain object with `JSON.parse`.
///
/// Why text and not an object built through napi: V8 builds an object from
/// JSON text far faster than napi can build it property by property (each
/// `napi_define_properties` entry internalizes its key and migrates the
/// object's map once per property). Measured on a 30-line file, JSON.parse of
/// the result is ~3× quicker than dotenv's own fast parser, while the napi
/// object path was slower than it (see the README's parse benchmark).
///
/// The buffer holds secret values, so it is wiped when dropped; the JS string
/// made from it is a transient copy like the source text itself.
pub struct EnvJson {
    text: Zeroizing<Vec<u8>>,
    ascii: bool,
}

impl TypeName for EnvJson {
    fn type_name() -> &'static str {
        "string"
    }
    fn value_type() -> ValueType {
        ValueType::String
    }
}

impl ToNapiValue for EnvJson {
    unsafe fn to_napi_value(env: sys::napi_env, val: Self) -> napi::Result<sys::napi_value> {
        let mut out = ptr::null_mut();
        let (ptr, len) = (val.text.as_ptr() as *const c_char, val.text.len() as isize);
        // Pure ASCII (the common case) is copied as Latin-1: no UTF-8 decoding.
        let status = if val.ascii {
            unsafe { sys::napi_create_string_latin1(env, ptr, len, &mut out) }
        } else {
            unsafe { sys::napi_create_string_utf8(env, ptr, len, &mut out) }
        };
        if status != sys::Status::napi_ok {
            return Err(napi::Error::new(napi::Status::GenericFailure, "napi_create_string failed"));
        }
        Ok(out)
    }
}

/// A JSON string literal. Text without `"`, `\\` or control characters (most
/// values) needs no escaping and is copied as is; anything else goes through
/// serde_json's escaper. Writing into a Vec cannot fail.
#[inline]
fn write_json_str(out: &mut Vec<u8>, v: &str) {
    if v.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\') {
        write_json_plain(out, v);
    } else {
        let _ = serde_json::to_writer(out, v);
    }
}

/// Text known to need no escaping, quoted.
#[inline]
fn write_json_plain(out: &mut Vec<u8>, v: &str) {
    out.push(b'"');
    out.extend_from_slice(v.as_bytes());
    out.push(b'"');
}

/// A key as a JSON string literal: the parser only produces keys of `[\w.-]+`,
/// which never need escaping.
#[inline]
fn write_json_key(out: &mut Vec<u8>, k: &str) {
    debug_assert!(k.bytes().all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b)));
    write_json_plain(out, k);
}

/// Serialise the pairs of `text` as one JSON object. Duplicate keys are
/// written as they come: `JSON.parse` keeps the last value at the first
/// key's position, exactly as dotenv's `obj[key] = value` does. With `learn`,
/// every value whose key passes the default key rule is taught to the default
/// masker on the way (config()'s learning, without a second pass in JS).
fn to_json(text: &str, learn: bool) -> EnvJson {
    let mut out = Zeroizing::new(Vec::with_capacity(text.len() + text.len() / 4 + 64));
    out.push(b'{');
    parse::for_each_pair(text, |k, v, plain| {
        // Room for the worst case (every byte escaped as \u00XX) before writing,
        // so the Vec never reallocates behind Zeroizing's back (a plain grow
        // would free the old buffer, secrets included, without wiping it).
        let need = 6 * (k.len() + v.len()) + 8;
        if out.capacity() - out.len() < need {
            let mut bigger = Zeroizing::new(Vec::with_capacity((out.len() + need) * 2));
            bigger.extend_from_slice(&out);
            out = bigger; // the old buffer is wiped as it drops
        }
        if out.len() > 1 {
            out.push(b',');
        }
        write_json_key(&mut out, k);
        out.push(b':');
        if plain {
            write_json_plain(&mut out, v); // the scanner saw every byte
        } else {
            write_json_str(&mut out, v);
        }
        if learn && crate::masking::is_secret_key(k) {
            crate::masking::learn_secret(v);
        }
    });
    out.push(b'}');
    EnvJson { text: out, ascii: text.is_ascii() }
}

/// Parse `.env` source (string or UTF-8 Buffer) with dotenv's rules into the
/// JSON text of a plain object (see [`EnvJson`]). A Buffer that is not valid
/// UTF-8 throws `INVALID_UTF8`. `learnSecrets`: teach the default masker the
/// values whose keys look secret (the default key rule; `config()` passes it).
#[napi(catch_unwind, ts_return_type = "string")]
pub fn parse_env_json(src: Either<String, Buffer>, learn_secrets: Option<bool>) -> Result<EnvJson> {
    let learn = learn_secrets.unwrap_or(false);
    match src {
        Either::A(s) => Ok(to_json(&Zeroizing::new(s), learn)),
        Either::B(buf) => match std::str::from_utf8(&buf) {
            Ok(text) => Ok(to_json(text, learn)),
            Err(e) => Err(SgError::new(
                "INVALID_UTF8",
                format!("input is not valid UTF-8 (first bad byte at offset {})", e.valid_up_to()),
            )
            .into()),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::to_json;

    fn json(src: &str) -> String {
        String::from_utf8(to_json(src, false).text.to_vec()).unwrap()
    }

    #[test]
    fn escapes_values_and_keeps_duplicates_for_json_parse() {
        assert_eq!(json("A=1\nB=\"x\\ny\"\nA=2\n"), r#"{"A":"1","B":"x\ny","A":"2"}"#);
        assert_eq!(json("Q='say \"hi\" \\ back'\n"), r#"{"Q":"say \"hi\" \\ back"}"#);
        assert_eq!(json(""), "{}");
        assert_eq!(json("T=\"a\tb\u{1}\"\n"), r#"{"T":"a\tb\u0001"}"#);
        assert_eq!(json("__proto__=x\nK=v"), r#"{"K":"v"}"#);
    }

    #[test]
    fn non_ascii_is_flagged_for_utf8_decoding() {
        assert!(to_json("A=plain", false).ascii);
        let j = to_json("A=héllo ☃", false);
        assert!(!j.ascii);
        assert_eq!(String::from_utf8(j.text.to_vec()).unwrap(), "{\"A\":\"héllo ☃\"}");
    }
}
