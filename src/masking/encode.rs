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

/// Call `f` with the raw bytes of a binary (non-UTF-8) value and (when
/// `encodings`) the forms binary data takes in a log: base64 (whole and
/// embedded), hex, percent-encoding, `JSON.stringify(buffer)`'s byte list,
/// `util.inspect(buffer)`'s spaced hex, and the value decoded as text (UTF-8
/// with U+FFFD replacements, as `String(buffer)` does, plus its JSON string
/// body; and Latin-1, as `buffer.toString('binary')` does). A raw pattern
/// that is not UTF-8 can still occur inside UTF-8 text (it may start or end in
/// the middle of a character): the masker widens such a match to whole
/// characters when it masks a string.
pub fn for_each_binary_form(value: &[u8], encodings: bool, min_len: usize, f: &mut dyn FnMut(Zeroizing<Vec<u8>>, Origin)) {
    let mut sink = Sink { min_len, f };
    sink.push(Zeroizing::new(value.to_vec()), Origin::Raw);
    if !encodings {
        return;
    }
    byte_forms(value, &mut sink);
    for (keep, upper, plus) in [(URI_COMPONENT, true, false), (URI_COMPONENT, false, false), (FORM, true, true)] {
        sink.push_string(percent_encode(value, keep, upper, plus), Origin::Derived);
    }
    // JSON.stringify(buffer): {"type":"Buffer","data":[255,70,...]}
    let mut dec = Zeroizing::new(String::with_capacity(value.len() * 4));
    for (i, b) in value.iter().enumerate() {
        if i > 0 {
            dec.push(',');
        }
        dec.push_str(&b.to_string());
    }
    sink.push_string(dec.to_string(), Origin::Derived);
    // util.inspect(buffer): <Buffer ff 46 41 ...> (at most the first 50 bytes shown).
    let mut spaced = Zeroizing::new(String::with_capacity(150));
    for (i, b) in value.iter().take(50).enumerate() {
        if i > 0 {
            spaced.push(' ');
        }
        spaced.push_str(&format!("{b:02x}"));
    }
    sink.push_string(spaced.to_string(), Origin::Derived);
    // As text: String(buffer) (lossy UTF-8) and its JSON string body (a control
    // character or U+FFFD escaped), and Latin-1. Not every encoding of those:
    // a binary value's encodings are of its bytes (above).
    let lossy = Zeroizing::new(String::from_utf8_lossy(value).into_owned());
    sink.push_string(lossy.to_string(), Origin::Derived);
    for ascii in [false, true] {
        let j = Zeroizing::new(json_escape(&lossy, ascii));
        if *j != *lossy {
            sink.push_string(j.to_string(), Origin::Derived);
        }
    }
    let latin1: Zeroizing<String> = Zeroizing::new(value.iter().map(|&b| b as char).collect());
    if *latin1 != *lossy {
        sink.push_string(latin1.to_string(), Origin::Derived);
    }
}

/// The forms of `b` that depend only on its bytes: base64 (whole value and
/// embedded in a larger blob) and hex.
fn byte_forms(b: &[u8], sink: &mut Sink) {
    // base64: whole value, standard and URL-safe, with and without padding.
    for engine in [&STANDARD, &STANDARD_NO_PAD, &URL_SAFE, &URL_SAFE_NO_PAD] {
        sink.push_string(engine.encode(b), Origin::Derived);
    }
    base64_embedded(b, sink);
    // hex, lower and upper case.
    let h = Zeroizing::new(hex::encode(b));
    sink.push_string(h.to_ascii_uppercase(), Origin::Derived);
    sink.push_string(h.to_string(), Origin::Derived);
    // every byte %XX (upper, lower).
    sink.push_string(percent_encode(b, b"", true, false), Origin::Derived);
    sink.push_string(percent_encode(b, b"", false, false), Origin::Derived);
}

/// base64 of `b` embedded in a larger blob (`user:pass` in Basic auth, a secret
/// inside a base64'd JSON document): the value can start at any of the 3 byte
/// offsets of a base64 group. For each offset, the base64 characters whose 6
/// bits all come from the value's bytes do not depend on the surrounding bytes:
/// that run (standard and URL-safe) is registered. What can survive next to the
/// censor is at most one character on each side, which mixes in bits of a
/// neighbouring byte. (GitHub's runner registers whole groups after dropping 1
/// or 2 bytes; the run is that plus the partial characters at both ends, so a
/// 4-byte value yields at least 4 characters at every offset.)
fn base64_embedded(b: &[u8], sink: &mut Sink) {
    for offset in 0..3usize {
        let mut padded = Zeroizing::new(vec![0u8; offset]);
        padded.extend_from_slice(b);
        let enc = Zeroizing::new(STANDARD_NO_PAD.encode(padded.as_slice()));
        let first = (8 * offset).div_ceil(6);
        let last = 8 * (offset + b.len()) / 6;
        if last > first {
            let run = &enc[first..last];
            sink.push_string(run.to_string(), Origin::Derived);
            if run.contains(['+', '/']) {
                sink.push_string(run.replace('+', "-").replace('/', "_"), Origin::Derived);
            }
        }
    }
}

fn encoded_forms(v: &str, sink: &mut Sink) {
    let b = v.as_bytes();
    byte_forms(b, sink);

    // JSON string bodies: as JSON.stringify writes them, ASCII-only (\uXXXX), and
    // escaped twice (a JSON document logged as a string inside JSON).
    let j = Zeroizing::new(json_escape(v, false));
    if j.as_str() != v {
        sink.push_string(j.to_string(), Origin::Derived);
        sink.push_string(json_escape(&j, false), Origin::Derived);
        // A base64'd JSON document holds the escaped form (`"` -> `\"`).
        base64_embedded(j.as_bytes(), sink);
    }
    let ja = Zeroizing::new(json_escape(v, true));
    if *ja != *j {
        sink.push_string(ja.to_string(), Origin::Derived);
        base64_embedded(ja.as_bytes(), sink);
    }

    // Percent-encoding: encodeURIComponent (upper and lower hex), form encoding
    // (URLSearchParams: space as '+'), the WHATWG URL userinfo set (what
    // `url.password = v` writes), and encodeURI.
    let mut seen: Vec<Zeroizing<String>> = Vec::new();
    for (keep, upper, plus) in [
        (URI_COMPONENT, true, false),
        (URI_COMPONENT, false, false),
        (FORM, true, true),
        (USERINFO, true, false),
        (URI, true, false),
    ] {
        let e = Zeroizing::new(percent_encode(b, keep, upper, plus));
        if *e != v && !seen.contains(&e) {
            sink.push_string(e.to_string(), Origin::Derived);
            seen.push(e);
        }
    }

    // XML / HTML escaped, in the styles serializers use: full (&quot; with
    // &apos;, &#39; or &#x27;; &#34; with &#39;), and minimal (only & and <, as
    // XML text content needs; & < >, as Python's html.escape(quote=False)).
    seen.clear();
    for (gt, quot, apos) in [
        (true, Some("&quot;"), Some("&apos;")),
        (true, Some("&quot;"), Some("&#39;")),
        (true, Some("&quot;"), Some("&#x27;")),
        (true, Some("&#34;"), Some("&#39;")),
        (false, None, None),
        (true, None, None),
    ] {
        let x = Zeroizing::new(xml_escape(v, gt, quot, apos));
        if *x != v && !seen.contains(&x) {
            sink.push_string(x.to_string(), Origin::Derived);
            seen.push(x);
        }
    }
}

/// Unreserved characters of encodeURIComponent besides ASCII alphanumerics.
const URI_COMPONENT: &[u8] = b"-_.!~*'()";
/// Unreserved characters of application/x-www-form-urlencoded (URLSearchParams).
const FORM: &[u8] = b"*-._";
/// Characters the WHATWG URL userinfo percent-encode set leaves alone
/// (`url.username = v`, `url.password = v`): note `%` and `+` stay.
const USERINFO: &[u8] = b"!$%&'()*+,-._~";
/// Characters encodeURI leaves alone.
const URI: &[u8] = b"-_.!~*'();,/?:@&=+$#";

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

/// XML/HTML-escape `s`: `&` and `<` always; `>` with `gt`; `"` and `'` when given.
fn xml_escape(s: &str, gt: bool, quot: Option<&str>, apos: Option<&str>) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' if gt => out.push_str("&gt;"),
            '"' if quot.is_some() => out.push_str(quot.unwrap_or_default()),
            '\'' if apos.is_some() => out.push_str(apos.unwrap_or_default()),
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
    fn base64_of_json_document_with_escaped_secret() {
        // The password's `"` and `\` are escaped inside the document: its raw
        // base64 runs cannot match, the escaped form's do.
        for pw in ["FAKE-j\"s\\on-pw-123", "FAKE-ctl\u{1}-pw-123", "FAKE-üñí-\"pw"] {
            let f: Vec<String> = forms(pw, true, 4).into_iter().map(|x| x.0).collect();
            for prefix in ["", "a", "ab"] {
                let doc = format!("{{\"user\":\"x{prefix}\",\"password\":{}}}", serde_json::to_string(pw).unwrap());
                for blob in [STANDARD.encode(&doc), URL_SAFE_NO_PAD.encode(&doc)] {
                    assert!(f.iter().any(|p| p.len() >= 12 && blob.contains(p.as_str())), "{pw} {prefix}");
                }
            }
        }
    }

    #[test]
    fn url_userinfo_encode_uri_and_xml_variants() {
        let v = "FAKE-p@ss+word/x y&<'\"";
        let f: Vec<String> = forms(v, true, 4).into_iter().map(|x| x.0).collect();
        // WHATWG URL userinfo (url.password = v): `+` and `&` and `'` stay.
        assert!(f.contains(&"FAKE-p%40ss+word%2Fx%20y&%3C'%22".to_string()));
        // encodeURI: `@ + / &` stay.
        assert!(f.contains(&"FAKE-p@ss+word/x%20y&%3C'%22".to_string()));
        // XML styles.
        assert!(f.contains(&"FAKE-p@ss+word/x y&amp;&lt;'\"".to_string())); // & and < only
        assert!(f.contains(&"FAKE-p@ss+word/x y&amp;&lt;&#x27;&quot;".to_string()));
        assert!(f.contains(&"FAKE-p@ss+word/x y&amp;&lt;&#39;&#34;".to_string()));
        let v = "FAKE-a>b&c";
        let f: Vec<String> = forms(v, true, 4).into_iter().map(|x| x.0).collect();
        assert!(f.contains(&"FAKE-a>b&amp;c".to_string()));
        assert!(f.contains(&"FAKE-a&gt;b&amp;c".to_string()));
        // No duplicates among the percent and XML variants.
        let v = "FAKE&value";
        let f: Vec<String> = forms(v, true, 4).into_iter().map(|x| x.0).collect();
        assert_eq!(f.iter().filter(|x| x.as_str() == "FAKE&amp;value").count(), 1);
    }

    #[test]
    fn four_byte_value_in_base64_at_every_offset() {
        for v in ["abcd", "\u{e9}ab", "wxyz"] {
            let f: Vec<String> = forms(v, true, 4).into_iter().map(|x| x.0).collect();
            for prefix in ["", "u", "us", "use"] {
                for suffix in ["", "x", "xy", "xyz"] {
                    let blob = STANDARD.encode(format!("{prefix}{v}{suffix}"));
                    assert!(f.iter().any(|p| blob.contains(p.as_str())), "{v}: {prefix}|{suffix}");
                }
            }
        }
    }

    #[test]
    fn embedded_base64_runs_are_exactly_the_value_bits() {
        let v = b"sk_test_FAKE_0123456789";
        let mut runs = Vec::new();
        let mut f = |b: Zeroizing<Vec<u8>>, _| runs.push(String::from_utf8(b.to_vec()).unwrap());
        base64_embedded(v, &mut Sink { min_len: 1, f: &mut f });
        // offset 0: floor(23*8/6) = 30 chars; offset 1: chars 2..32; offset 2: chars 3..33.
        let lens: Vec<usize> = runs.iter().map(|r| r.len()).collect();
        assert_eq!(lens, vec![30, 30, 30]);
        for (o, run) in runs.iter().enumerate() {
            for fill in [0u8, 0xff, b'A'] {
                let mut blob = vec![fill; o];
                blob.extend_from_slice(v);
                blob.extend_from_slice(&[fill; 3]);
                assert!(STANDARD.encode(&blob).contains(run.as_str()), "offset {o} fill {fill}");
            }
        }
    }

    #[test]
    fn binary_value_forms() {
        let v: Vec<u8> = [&[0xffu8][..], b"FAKE-LEAK-CANARY-l6"].concat();
        let mut out: Vec<(Vec<u8>, Origin)> = Vec::new();
        for_each_binary_form(&v, true, 4, &mut |b, o| out.push((b.to_vec(), o)));
        let has = |s: &[u8]| out.iter().any(|(p, _)| p == s);
        assert!(out.iter().any(|(p, o)| *p == v && *o == Origin::Raw));
        assert!(has(STANDARD.encode(&v).as_bytes()));
        assert!(has(URL_SAFE_NO_PAD.encode(&v).as_bytes()));
        assert!(has(hex::encode(&v).as_bytes()));
        assert!(has(hex::encode_upper(&v).as_bytes()));
        // JSON.stringify(buffer).data and util.inspect(buffer)
        assert!(has(v.iter().map(|b| b.to_string()).collect::<Vec<_>>().join(",").as_bytes()));
        assert!(has(v.iter().map(|b| format!("{b:02x}")).collect::<Vec<_>>().join(" ").as_bytes()));
        assert!(has("\u{fffd}FAKE-LEAK-CANARY-l6".as_bytes()));
        assert!(has("\u{ff}FAKE-LEAK-CANARY-l6".as_bytes()));
        let blob = STANDARD.encode([b"user:".as_slice(), &v, b"@host"].concat());
        assert!(out.iter().any(|(p, _)| p.len() >= 20 && blob.as_bytes().windows(p.len()).any(|w| w == p.as_slice())));
        // without encodings: the raw bytes only
        let mut n = 0;
        for_each_binary_form(&v, false, 4, &mut |_, _| n += 1);
        assert_eq!(n, 1);
    }

    #[test]
    fn min_length_applies_to_derived_forms() {
        let f = forms("abcd\nxy\nlonger", true, 4);
        assert!(f.iter().all(|(s, _)| s.chars().count() >= 4));
        assert!(!f.iter().any(|(s, _)| s == "xy"));
    }
}
