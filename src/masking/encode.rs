//! The forms a secret value can take in a log line. Every derived form is
//! handed to a callback as zeroize-on-drop bytes; forms shorter than the
//! masker's minimum length (in characters) are dropped so that a 4-char
//! minimum never turns into masking every `ab` in a log.

use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use base64::Engine;
use zeroize::Zeroizing;

/// Where a pattern came from: the raw value itself (the only form `partial`
/// may reveal a suffix of) or a derived encoding / part.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    Raw,
    Derived,
}

fn chars(b: &[u8]) -> usize {
    // Patterns are UTF-8 (every encoding below produces ASCII or the value's own text).
    std::str::from_utf8(b).map(|s| s.chars().count()).unwrap_or(b.len())
}

struct Sink<'a> {
    min_len: usize,
    f: &'a mut dyn FnMut(Zeroizing<Vec<u8>>, Origin),
}

impl Sink<'_> {
    fn push(&mut self, bytes: Zeroizing<Vec<u8>>, origin: Origin) {
        if !bytes.is_empty() && chars(&bytes) >= self.min_len {
            (self.f)(bytes, origin)
        }
    }
    fn push_string(&mut self, s: String, origin: Origin) {
        self.push(Zeroizing::new(s.into_bytes()), origin)
    }
}

/// Call `f` with the raw value and (when `encodings`) every derived form.
pub fn for_each_form(value: &str, encodings: bool, min_len: usize, f: &mut dyn FnMut(Zeroizing<Vec<u8>>, Origin)) {
    let mut sink = Sink { min_len, f };
    sink.push(Zeroizing::new(value.as_bytes().to_vec()), Origin::Raw);
    if !encodings {
        return;
    }
    encoded_forms(value, &mut sink);

    // Surrounding whitespace and quotes trimmed (a value stored as `"abc"`).
    let trimmed = trim_quotes(value);
    if trimmed != value {
        sink.push(Zeroizing::new(trimmed.as_bytes().to_vec()), Origin::Derived);
        encoded_forms(trimmed, &mut sink);
    }

    // Each line of a multi-line value (PEM keys, certificates), minus PEM armor lines.
    if value.contains('\n') {
        for line in value.split('\n') {
            let line = line.trim();
            if line.starts_with("-----BEGIN ") || line.starts_with("-----END ") {
                continue;
            }
            sink.push(Zeroizing::new(line.as_bytes().to_vec()), Origin::Derived);
            let esc = Zeroizing::new(json_escape(line, false));
            if esc.as_str() != line {
                sink.push_string(esc.to_string(), Origin::Derived);
            }
        }
    }

    // JSON secrets: each string (and number) field is a secret in its own right.
    let t = value.trim();
    if (t.starts_with('{') && t.ends_with('}')) || (t.starts_with('[') && t.ends_with(']')) {
        if let Ok(v) = serde_json::from_str::<serde_json::Value>(t) {
            let mut leaves = Vec::new();
            json_leaves(&v, &mut leaves, 0);
            for leaf in leaves {
                let leaf = Zeroizing::new(leaf);
                sink.push(Zeroizing::new(leaf.as_bytes().to_vec()), Origin::Derived);
                encoded_forms(&leaf, &mut sink);
            }
        }
    }
}

fn json_leaves(v: &serde_json::Value, out: &mut Vec<String>, depth: usize) {
    if depth > 32 {
        return;
    }
    match v {
        serde_json::Value::String(s) => out.push(s.clone()),
        serde_json::Value::Array(a) => a.iter().for_each(|x| json_leaves(x, out, depth + 1)),
        serde_json::Value::Object(o) => o.values().for_each(|x| json_leaves(x, out, depth + 1)),
        _ => {}
    }
}

/// Strip surrounding whitespace, then one layer of matching `"` or `'` quotes.
pub fn trim_quotes(v: &str) -> &str {
    let t = v.trim();
    for q in ['"', '\''] {
        if t.len() >= 2 && t.starts_with(q) && t.ends_with(q) {
            return t[1..t.len() - 1].trim();
        }
    }
    t
}

fn encoded_forms(v: &str, sink: &mut Sink) {
    let b = v.as_bytes();
    // base64: whole value, standard and URL-safe, with and without padding.
    for engine in [&STANDARD, &STANDARD_NO_PAD, &URL_SAFE, &URL_SAFE_NO_PAD] {
        sink.push_string(engine.encode(b), Origin::Derived);
    }
    // base64 of the value embedded in a larger blob (`user:pass` in Basic auth,
    // a secret inside a base64'd JSON document): the value can start at any of
    // the 3 byte offsets of a base64 group. Dropping the first `shift` bytes and
    // keeping only whole 3-byte groups gives characters that do not depend on
    // the surrounding bytes (GitHub's runner registers the shift-1 and shift-2
    // encodings; keeping whole groups also makes the tail context-free).
    for shift in 0..3 {
        if b.len() > shift {
            let rest = &b[shift..];
            let whole = rest.len() / 3 * 3;
            if whole > 0 {
                sink.push_string(STANDARD_NO_PAD.encode(&rest[..whole]), Origin::Derived);
                sink.push_string(URL_SAFE_NO_PAD.encode(&rest[..whole]), Origin::Derived);
            }
        }
    }
    // hex, lower and upper case.
    let h = Zeroizing::new(hex::encode(b));
    sink.push_string(h.to_ascii_uppercase(), Origin::Derived);
    sink.push_string(h.to_string(), Origin::Derived);

    // JSON string bodies: as JSON.stringify writes them, ASCII-only (\uXXXX), and
    // escaped twice (a JSON document logged as a string inside JSON).
    let j = Zeroizing::new(json_escape(v, false));
    if j.as_str() != v {
        sink.push_string(j.to_string(), Origin::Derived);
        sink.push_string(json_escape(&j, false), Origin::Derived);
    }
    let ja = json_escape(v, true);
    if ja != *j {
        sink.push_string(ja, Origin::Derived);
    }

    // Percent-encoding: encodeURIComponent (upper and lower hex), form encoding
    // (URLSearchParams: space as '+'), and every byte %-encoded (upper, lower).
    for (keep, upper, plus) in [(URI_COMPONENT, true, false), (URI_COMPONENT, false, false), (FORM, true, true)] {
        let e = percent_encode(b, keep, upper, plus);
        if e != v {
            sink.push_string(e, Origin::Derived);
        }
    }
    sink.push_string(percent_encode(b, b"", true, false), Origin::Derived);
    sink.push_string(percent_encode(b, b"", false, false), Origin::Derived);

    // XML / HTML escaped: &apos; and &#39; styles.
    for apos in ["&apos;", "&#39;"] {
        let x = xml_escape(v, apos);
        if x != v {
            sink.push_string(x, Origin::Derived);
        }
    }
}

/// Unreserved characters of encodeURIComponent besides ASCII alphanumerics.
const URI_COMPONENT: &[u8] = b"-_.!~*'()";
/// Unreserved characters of application/x-www-form-urlencoded (URLSearchParams).
const FORM: &[u8] = b"*-._";

/// Percent-encode `b`: ASCII alphanumerics and `keep` stay (unless `keep` is
/// empty: then every byte is encoded), the rest becomes %XX in upper or lower
/// hex. (Hand-written rather than the `percent-encoding` crate: that crate only
/// emits upper-case hex and cannot encode alphanumerics.)
pub fn percent_encode(b: &[u8], keep: &[u8], upper: bool, plus_for_space: bool) -> String {
    let digits: &[u8; 16] = if upper { b"0123456789ABCDEF" } else { b"0123456789abcdef" };
    let all = keep.is_empty();
    let mut out = String::with_capacity(b.len() * 3);
    for &c in b {
        if !all && (c.is_ascii_alphanumeric() || keep.contains(&c)) {
            out.push(c as char);
        } else if plus_for_space && c == b' ' {
            out.push('+');
        } else {
            out.push('%');
            out.push(digits[(c >> 4) as usize] as char);
            out.push(digits[(c & 15) as usize] as char);
        }
    }
    out
}

/// The body of a JSON string literal for `s` (as JSON.stringify writes it; with
/// `ascii`, non-ASCII characters as lower-case `\uXXXX` like Python's json.dumps).
pub fn json_escape(s: &str, ascii: bool) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for ch in s.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c if ascii && !c.is_ascii() => {
                let mut buf = [0u16; 2];
                for unit in c.encode_utf16(&mut buf) {
                    out.push_str(&format!("\\u{:04x}", unit));
                }
            }
            c => out.push(c),
        }
    }
    out
}

fn xml_escape(s: &str, apos: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str(apos),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn forms(v: &str, enc: bool, min: usize) -> Vec<(String, Origin)> {
        let mut out = Vec::new();
        for_each_form(v, enc, min, &mut |b, o| out.push((String::from_utf8(b.to_vec()).unwrap(), o)));
        out
    }

    #[test]
    fn raw_only_without_encodings() {
        assert_eq!(forms("abcdef", false, 4), vec![("abcdef".to_string(), Origin::Raw)]);
    }

    #[test]
    fn includes_common_encodings() {
        let v = "p@ss w/rd\"<x>";
        let f: Vec<String> = forms(v, true, 4).into_iter().map(|x| x.0).collect();
        assert!(f.contains(&STANDARD.encode(v)));
        assert!(f.contains(&URL_SAFE_NO_PAD.encode(v)));
        assert!(f.contains(&hex::encode(v)));
        assert!(f.contains(&hex::encode_upper(v)));
        assert!(f.contains(&"p@ss w/rd\\\"<x>".to_string()));
        assert!(f.contains(&"p%40ss%20w%2Frd%22%3Cx%3E".to_string()));
        assert!(f.contains(&"p%40ss%20w%2frd%22%3cx%3e".to_string()));
        assert!(f.contains(&"p%40ss+w%2Frd%22%3Cx%3E".to_string()));
        assert!(f.contains(&"p@ss w/rd&quot;&lt;x&gt;".to_string()));
        assert!(f.iter().any(|x| x.starts_with("%70%40")));
        assert!(f.iter().any(|x| x.starts_with("%70%40") && x.contains("%2f")));
    }

    #[test]
    fn shifted_base64_matches_embedded_value() {
        let v = "sk_test_FAKE_0123456789";
        let f: Vec<String> = forms(v, true, 4).into_iter().map(|x| x.0).collect();
        for prefix in ["", "u", "us", "use", "user:"] {
            for suffix in ["", "x", "xy", "@host"] {
                let blob = STANDARD.encode(format!("{prefix}{v}{suffix}"));
                assert!(f.iter().any(|p| p.len() >= 20 && blob.contains(p.as_str())), "{prefix}|{suffix}");
            }
        }
    }

    #[test]
    fn lines_json_fields_and_quotes() {
        let pem = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\nBKcwggSjAgEAAoIBAQC7\n-----END PRIVATE KEY-----\n";
        let f: Vec<String> = forms(pem, true, 4).into_iter().map(|x| x.0).collect();
        assert!(f.contains(&"MIIEvQIBADANBgkqhkiG9w0BAQEFAASC".to_string()));
        assert!(!f.contains(&"-----BEGIN PRIVATE KEY-----".to_string()));
        let f: Vec<String> = forms(r#"{"user":"admin_x","password":"hunter2hunter2","n":1}"#, true, 4).into_iter().map(|x| x.0).collect();
        assert!(f.contains(&"hunter2hunter2".to_string()));
        assert!(f.contains(&hex::encode("hunter2hunter2")));
        let f: Vec<String> = forms("'quoted-value'", true, 4).into_iter().map(|x| x.0).collect();
        assert!(f.contains(&"quoted-value".to_string()));
    }

    #[test]
    fn min_length_applies_to_derived_forms() {
        let f = forms("abcd\nxy\nlonger", true, 4);
        assert!(f.iter().all(|(s, _)| s.chars().count() >= 4));
        assert!(!f.iter().any(|(s, _)| s == "xy"));
    }
}
