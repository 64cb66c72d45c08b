//! JS exports of the env-file capability.

use std::os::raw::c_char;
use std::ptr;

use napi::bindgen_prelude::{Buffer, Either, ToNapiValue, TypeName, ValueType};
use napi::sys;

use crate::env_file::parse;
use crate::error::{Result, SgError};

/// Source text handed to JS as a plain object built in one go: every value
/// string is created from a borrowed slice and all properties are defined with
/// a single `napi_define_properties` call (no JSON round trip, no per-pair
/// Rust allocation).
pub struct EnvObject {
    src: Either<String, Buffer>,
}

impl TypeName for EnvObject {
    fn type_name() -> &'static str {
        "Record<string, string>"
    }
    fn value_type() -> ValueType {
        ValueType::Object
    }
}

fn check(status: sys::napi_status, what: &str) -> napi::Result<()> {
    if status == sys::Status::napi_ok {
        Ok(())
    } else {
        Err(napi::Error::new(napi::Status::GenericFailure, format!("napi call failed: {what}")))
    }
}

impl ToNapiValue for EnvObject {
    unsafe fn to_napi_value(env: sys::napi_env, val: Self) -> napi::Result<sys::napi_value> {
        let text: &str = match &val.src {
            Either::A(s) => s.as_str(),
            // validated in `parse_env` before this conversion runs
            Either::B(b) => std::str::from_utf8(b).unwrap_or(""),
        };
        // Keys as NUL-terminated strings in one buffer; descriptors point into it
        // once it is complete.
        let mut keys: Vec<u8> = Vec::with_capacity(256);
        let mut spans: Vec<(usize, sys::napi_value)> = Vec::with_capacity(64);
        let mut failed = None;
        parse::for_each_pair(text, |k, v| {
            if failed.is_some() {
                return;
            }
            let mut jsv = ptr::null_mut();
            let st = unsafe { sys::napi_create_string_utf8(env, v.as_ptr() as *const c_char, v.len() as isize, &mut jsv) };
            if st != sys::Status::napi_ok {
                failed = Some(st);
                return;
            }
            spans.push((keys.len(), jsv));
            keys.extend_from_slice(k.as_bytes());
            keys.push(0);
        });
        if let Some(st) = failed {
            check(st, "napi_create_string_utf8")?;
        }
        let mut obj = ptr::null_mut();
        check(unsafe { sys::napi_create_object(env, &mut obj) }, "napi_create_object")?;
        if spans.is_empty() {
            return Ok(obj);
        }
        let attrs = sys::PropertyAttributes::writable | sys::PropertyAttributes::enumerable | sys::PropertyAttributes::configurable;
        let descs: Vec<sys::napi_property_descriptor> = spans
            .iter()
            .map(|&(off, value)| sys::napi_property_descriptor {
                utf8name: keys[off..].as_ptr() as *const c_char,
                name: ptr::null_mut(),
                method: None,
                getter: None,
                setter: None,
                value,
                attributes: attrs,
                data: ptr::null_mut(),
            })
            .collect();
        check(unsafe { sys::napi_define_properties(env, obj, descs.len(), descs.as_ptr()) }, "napi_define_properties")?;
        Ok(obj)
    }
}

/// Parse `.env` source (string or UTF-8 Buffer) with dotenv's rules into a
/// plain object. A Buffer that is not valid UTF-8 throws `INVALID_UTF8`.
#[napi(catch_unwind)]
pub fn parse_env(src: Either<String, Buffer>) -> Result<EnvObject> {
    if let Either::B(buf) = &src {
        if let Err(e) = std::str::from_utf8(buf) {
            return Err(SgError::new(
                "INVALID_UTF8",
                format!("input is not valid UTF-8 (first bad byte at offset {})", e.valid_up_to()),
            )
            .into());
        }
    }
    Ok(EnvObject { src })
}
