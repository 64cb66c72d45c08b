//! JS exports of the env-file capability.

use napi::bindgen_prelude::{Buffer, Either};

use crate::error::{Result, SgError};
use crate::env_file::parse;

/// Append `s` to `out` as the body of a JSON string.
fn json_escape_into(out: &mut String, s: &str) {
    let b = s.as_bytes();
    let mut start = 0;
    for (i, &c) in b.iter().enumerate() {
        let esc: Option<&str> = match c {
            b'"' => Some("\\\""),
            b'\\' => Some("\\\\"),
            b'\n' => Some("\\n"),
            b'\r' => Some("\\r"),
            b'\t' => Some("\\t"),
            0..=0x1f => None,
            _ => continue,
        };
        out.push_str(&s[start..i]);
        match esc {
            Some(e) => out.push_str(e),
            None => out.push_str(&format!("\\u{:04x}", c)),
        }
        start = i + 1;
    }
    out.push_str(&s[start..]);
}

pub(crate) fn pairs_to_json(pairs: &[(String, String)]) -> String {
    let cap: usize = pairs.iter().map(|(k, v)| k.len() + v.len() + 6).sum::<usize>() + 2;
    let mut out = String::with_capacity(cap);
    out.push('{');
    for (i, (k, v)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push('"');
        out.push_str(k); // keys are [A-Za-z0-9_.-]+: nothing to escape
        out.push_str("\":\"");
        json_escape_into(&mut out, v);
        out.push('"');
    }
    out.push('}');
    out
}

/// Parse `.env` source (string or UTF-8 Buffer) with dotenv's rules. Returns the
/// result as JSON text; `index.js` turns it into an object with `JSON.parse`,
/// which builds a plain object faster than property-by-property napi calls.
#[napi(catch_unwind)]
pub fn parse_to_json(src: Either<String, Buffer>) -> Result<String> {
    let pairs = match &src {
        Either::A(s) => parse::parse(s),
        Either::B(buf) => {
            let text = std::str::from_utf8(buf).map_err(|e| {
                SgError::new(
                    "INVALID_UTF8",
                    format!("input is not valid UTF-8 (first bad byte at offset {})", e.valid_up_to()),
                )
            })?;
            parse::parse(text)
        }
    };
    Ok(pairs_to_json(&pairs))
}
