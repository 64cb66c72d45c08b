//! `.env` parsing with exactly the semantics of the `dotenv` npm package
//! (its default, regex-based `parse`):
//!
//! ```text
//! /(?:^|^)\s*(?:export\s+)?([\w.-]+)(?:\s*=\s*?|:\s+?)(\s*'(?:\\'|[^'])*'|\s*"(?:\\"|[^"])*"|\s*`(?:\\`|[^`])*`|[^#\r\n]+)?\s*(?:#.*)?(?:$|$)/mg
//! ```
//!
//! The regex is not run: it is emulated by a linear scanner whose every step is
//! derived from the backtracking order of that regex (see the comments on each
//! function). What JavaScript calls `\s` (Unicode white space, line terminators
//! and U+FEFF) and its line terminators (`\n`, U+2028, U+2029; `\r` is
//! normalised away first) are reproduced on UTF-8 bytes. The differential test in
//! `__test__/dotenv-differential.test.js` checks the result against the real
//! package on generated inputs.

use std::borrow::Cow;

/// One `KEY=value` pair in file order (duplicates are kept here; the caller
/// applies "last wins").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pair<'a> {
    pub key: &'a str,
    pub value: Cow<'a, str>,
}

/// Length in bytes of the JS `\s` character starting at `i`, or 0.
/// Byte classes: bit 0 = ASCII white space, bit 1 = key character `[\w.-]`.
const WS: u8 = 1;
const KEY: u8 = 2;
static CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        if matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r') {
            t[i] |= WS;
        }
        if b.is_ascii_alphanumeric() || b == b'_' || b == b'.' || b == b'-' {
            t[i] |= KEY;
        }
        i += 1;
    }
    t
};

#[inline]
fn ws_len(s: &[u8], i: usize) -> usize {
    let b = s[i];
    if b < 0x80 {
        return (CLASS[b as usize] & WS) as usize;
    }
    match b {
        0xC2 => (s.get(i + 1) == Some(&0xA0)) as usize * 2,
        0xE1 => (s.get(i + 1) == Some(&0x9A) && s.get(i + 2) == Some(&0x80)) as usize * 3,
        0xE2 => match (s.get(i + 1), s.get(i + 2)) {
            (Some(0x80), Some(c)) if (0x80..=0x8A).contains(c) || matches!(c, 0xA8 | 0xA9 | 0xAF) => 3,
            (Some(0x81), Some(0x9F)) => 3,
            _ => 0,
        },
        0xE3 => (s.get(i + 1) == Some(&0x80) && s.get(i + 2) == Some(&0x80)) as usize * 3,
        0xEF => (s.get(i + 1) == Some(&0xBB) && s.get(i + 2) == Some(&0xBF)) as usize * 3,
        _ => 0,
    }
}

/// Length of the JS line terminator at `i` (`\n`, U+2028, U+2029), or 0.
#[inline]
fn lt_len(s: &[u8], i: usize) -> usize {
    match s[i] {
        b'\n' => 1,
        0xE2 if s.get(i + 1) == Some(&0x80) && matches!(s.get(i + 2), Some(0xA8) | Some(0xA9)) => 3,
        _ => 0,
    }
}

/// Does a line terminator end exactly at `i` (JS multiline `^` holds at `i`)?
#[inline]
fn line_start(s: &[u8], i: usize) -> bool {
    i == 0
        || s[i - 1] == b'\n'
        || (i >= 3 && s[i - 3] == 0xE2 && s[i - 2] == 0x80 && matches!(s[i - 1], 0xA8 | 0xA9))
}

#[inline]
fn is_key_byte(b: u8) -> bool {
    CLASS[b as usize] & KEY != 0
}

/// End of the run of `\s` starting at `i`; also the start of the last line
/// terminator inside that run, if any.
#[inline]
fn ws_run(s: &[u8], mut i: usize) -> (usize, Option<usize>) {
    let mut last_lt = None;
    while i < s.len() {
        let n = ws_len(s, i);
        if n == 0 {
            break;
        }
        if lt_len(s, i) != 0 {
            last_lt = Some(i);
        }
        i += n;
    }
    (i, last_lt)
}

/// Position of the next line terminator at or after `i` (or the end).
#[inline]
fn to_line_end(s: &[u8], mut i: usize) -> usize {
    while i < s.len() {
        if lt_len(s, i) != 0 {
            return i;
        }
        i += 1;
    }
    s.len()
}

/// The regex tail `\s*(?:#.*)?(?:$|$)` matched at `x`: the match end, or None.
/// `\s*` is greedy and may cross lines; backtracking settles on the end of the
/// input, the end of a `#` comment, or the last line terminator of the run.
fn tail(s: &[u8], x: usize) -> Option<usize> {
    let (w, last_lt) = ws_run(s, x);
    if w == s.len() {
        Some(w)
    } else if s[w] == b'#' {
        Some(to_line_end(s, w))
    } else {
        last_lt
    }
}

/// Lazily built index of one quote character: where it occurs unescaped
/// (the previous byte is not a backslash) and where a closing quote would let
/// the regex tail succeed. Keeps quoted-value matching linear overall, even on
/// hostile inputs full of escaped or unterminated quotes.
struct QuoteIndex {
    unescaped: Vec<usize>,
    good: Vec<usize>,
}

impl QuoteIndex {
    fn build(s: &[u8], q: u8) -> Self {
        let mut unescaped = Vec::new();
        let mut good = Vec::new();
        for (i, &b) in s.iter().enumerate() {
            if b != q {
                continue;
            }
            if i == 0 || s[i - 1] != b'\\' {
                unescaped.push(i);
            }
            if tail(s, i + 1).is_some() {
                good.push(i);
            }
        }
        QuoteIndex { unescaped, good }
    }

    /// `q(?:\\q|[^q])*q` after an opening quote at `a`, followed by a
    /// successful tail: the body may contain only escaped quotes, so the closing
    /// quote is at most the first unescaped one; the greedy star tries the
    /// furthest candidate first.
    fn closing(&self, s: &[u8], a: usize) -> Option<usize> {
        let ui = self.unescaped.partition_point(|&p| p <= a);
        let limit = self.unescaped.get(ui).copied().unwrap_or(s.len());
        let gi = self.good.partition_point(|&p| p <= limit);
        if gi == 0 {
            return None;
        }
        let e = self.good[gi - 1];
        (e > a).then_some(e)
    }
}

struct Scanner<'a> {
    src: &'a str,
    s: &'a [u8],
    quotes: [Option<QuoteIndex>; 3],
    /// Per quote kind: (query position, first unescaped quote after it) of the
    /// last forward search, so repeated searches over the same stretch (many
    /// lines with an unterminated quote) stay linear overall.
    next_cache: [Option<(usize, Option<usize>)>; 3],
}

fn quote_slot(q: u8) -> usize {
    match q {
        b'\'' => 0,
        b'"' => 1,
        _ => 2,
    }
}

impl<'a> Scanner<'a> {
    /// Every boundary the scanner produces is next to an ASCII byte or a whole
    /// multi-byte character, so this O(1)-checked slice never fails.
    #[inline]
    fn slice(&self, a: usize, b: usize) -> &'a str {
        &self.src[a..b]
    }

    fn quote_index(&mut self, q: u8) -> &QuoteIndex {
        let s = self.s;
        self.quotes[quote_slot(q)].get_or_insert_with(|| QuoteIndex::build(s, q))
    }

    /// First unescaped `q` after position `a` (the opening quote).
    fn next_unescaped(&mut self, q: u8, a: usize) -> Option<usize> {
        let slot = quote_slot(q);
        if let Some((from, found)) = self.next_cache[slot] {
            if from <= a && found.is_none_or(|u| u > a) {
                return found;
            }
        }
        let s = self.s;
        let mut i = a + 1;
        let found = loop {
            match memchr::memchr(q, &s[i..]) {
                Some(o) => {
                    let p = i + o;
                    if s[p - 1] != b'\\' || p == a + 1 {
                        break Some(p);
                    }
                    i = p + 1;
                }
                None => break None,
            }
        };
        self.next_cache[slot] = Some((a, found));
        found
    }

    /// Closing quote for an opening quote at `a`: the greedy star tries the
    /// first unescaped quote first — the common case, answered by a forward
    /// search — and only when the tail fails there falls back to the index of
    /// earlier (escaped) candidates.
    fn closing(&mut self, q: u8, a: usize) -> Option<usize> {
        if let Some(u) = self.next_unescaped(q, a) {
            if tail(self.s, u + 1).is_some() {
                return Some(u);
            }
        }
        let s = self.s;
        self.quote_index(q).closing(s, a)
    }

    /// Key and separator from `k`: `([\w.-]+)(?:\s*=\s*?|:\s+?)`. Returns
    /// (key end, value start). Only the longest key can be followed by a
    /// separator, and the lazy quantifiers never need to grow because the
    /// value-plus-tail that follows always matches (see `value`).
    fn key_sep(&self, k: usize) -> Option<(usize, usize)> {
        let s = self.s;
        let mut ke = k;
        while ke < s.len() && is_key_byte(s[ke]) {
            ke += 1;
        }
        if ke == k || ke == s.len() {
            return None;
        }
        let (w, _) = ws_run(s, ke);
        if w < s.len() && s[w] == b'=' {
            return Some((ke, w + 1));
        }
        if s[ke] == b':' && ke + 1 < s.len() {
            let n = ws_len(s, ke + 1);
            if n > 0 {
                return Some((ke, ke + 1 + n));
            }
        }
        None
    }

    /// The optional value group and the tail from `v`: (raw value, match end).
    fn value(&mut self, v: usize) -> (&'a str, usize) {
        let s = self.s;
        let (a, _) = ws_run(s, v);
        if a < s.len() && matches!(s[a], b'\'' | b'"' | b'`') {
            let q = s[a];
            if let Some(e) = self.closing(q, a) {
                let end = tail(s, e + 1).expect("good quote has a tail");
                return (self.slice(v, e + 1), end);
            }
        }
        if v < s.len() && s[v] != b'#' && s[v] != b'\n' {
            let f = memchr::memchr2(b'#', b'\n', &s[v..]).map_or(s.len(), |o| v + o);
            let end = tail(s, f).expect("tail after [^#\\n]+ always matches");
            return (self.slice(v, f), end);
        }
        (
            "",
            tail(s, v).expect("tail at # or end of line always matches"),
        )
    }

    /// One regex attempt at line start `p`. Ok(match) or Err(position from
    /// which every later line start up to it would fail the same way).
    fn attempt(&mut self, p: usize) -> Result<(&'a str, &'a str, usize), usize> {
        let s = self.s;
        let (i, _) = ws_run(s, p);
        if i == s.len() {
            return Err(i);
        }
        if s[i..].starts_with(b"export") && i + 6 < s.len() && ws_len(s, i + 6) > 0 {
            let (j, _) = ws_run(s, i + 6);
            if let Some((ke, v)) = self.key_sep(j) {
                let (val, end) = self.value(v);
                return Ok((self.slice(j, ke), val, end));
            }
        }
        match self.key_sep(i) {
            Some((ke, v)) => {
                let (val, end) = self.value(v);
                Ok((self.slice(i, ke), val, end))
            }
            None => Err(i),
        }
    }
}


/// Next position >= `x` where `^` holds.
#[inline]
fn next_line_start(s: &[u8], mut x: usize) -> usize {
    while x < s.len() && !line_start(s, x) {
        match memchr::memchr3(b'\n', 0xA8, 0xA9, &s[x..]) {
            Some(o) => x += o + 1,
            None => return s.len() + 1,
        }
    }
    x
}

/// JS `String.prototype.trim` (white space and line terminators).
fn js_trim(v: &str) -> &str {
    let b = v.as_bytes();
    let mut a = 0;
    while a < b.len() {
        let n = ws_len(b, a);
        if n == 0 {
            break;
        }
        a += n;
    }
    let mut e = b.len();
    while e > a {
        // step back over one character
        let mut c = e - 1;
        while c > a && (b[c] & 0xC0) == 0x80 {
            c -= 1;
        }
        if ws_len(b, c) == e - c {
            e = c;
        } else {
            break;
        }
    }
    &v[a..e]
}

/// Does the text hold a JS line terminator (`\n`, U+2028, U+2029)? Both
/// multi-byte ones start with 0xE2, so one two-byte search finds candidates.
fn contains_lt(b: &[u8]) -> bool {
    memchr::memchr2_iter(b'\n', 0xE2, b).any(|i| b[i] == b'\n' || lt_len(b, i) == 3)
}

/// `value.replace(/^(['"`])([\s\S]*)\1$/mg, '$2')`.
fn strip_quotes(v: &str) -> Cow<'_, str> {
    let b = v.as_bytes();
    if !contains_lt(b) {
        // Single line: `^` only at 0 and `$` only at the end.
        if b.len() >= 2 && matches!(b[0], b'\'' | b'"' | b'`') && b[b.len() - 1] == b[0] {
            return Cow::Borrowed(&v[1..v.len() - 1]);
        }
        return Cow::Borrowed(v);
    }
    let mut out = String::with_capacity(v.len());
    let mut copied = 0;
    let mut x = 0;
    while x < b.len() {
        if matches!(b[x], b'\'' | b'"' | b'`') && line_start(b, x) {
            let q = b[x];
            // greedy [\s\S]*: the last q followed by end or a line terminator
            let y = (x + 1..b.len())
                .rev()
                .find(|&y| b[y] == q && (y + 1 == b.len() || lt_len(b, y + 1) != 0));
            if let Some(y) = y {
                out.push_str(&v[copied..x]);
                out.push_str(&v[x + 1..y]);
                copied = y + 1;
                x = y + 1;
                continue;
            }
        }
        x += 1;
    }
    if copied == 0 {
        return Cow::Borrowed(v);
    }
    out.push_str(&v[copied..]);
    Cow::Owned(out)
}

/// `\n` and `\r` escapes of double-quoted values become real characters.
fn unescape_newlines(v: Cow<'_, str>) -> Cow<'_, str> {
    if memchr::memchr(b'\\', v.as_bytes()).is_none() {
        return v;
    }
    let b = v.as_bytes();
    let mut out = String::with_capacity(b.len());
    let mut copied = 0;
    let mut i = 0;
    while i + 1 < b.len() {
        if b[i] == b'\\' && (b[i + 1] == b'n' || b[i + 1] == b'r') {
            out.push_str(&v[copied..i]);
            out.push(if b[i + 1] == b'n' { '\n' } else { '\r' });
            i += 2;
            copied = i;
        } else {
            i += 1;
        }
    }
    if copied == 0 {
        return v;
    }
    out.push_str(&v[copied..]);
    Cow::Owned(out)
}

fn finish_value(raw: &str) -> Cow<'_, str> {
    let t = js_trim(raw);
    let dq = t.as_bytes().first() == Some(&b'"');
    let v = strip_quotes(t);
    if dq {
        unescape_newlines(v)
    } else {
        v
    }
}

/// Normalise `\r\n` and lone `\r` to `\n` (borrowing when there is no `\r`).
pub fn normalize_newlines(src: &str) -> Cow<'_, str> {
    if memchr::memchr(b'\r', src.as_bytes()).is_none() {
        return Cow::Borrowed(src);
    }
    let mut out = String::with_capacity(src.len());
    let mut it = src.chars().peekable();
    while let Some(c) = it.next() {
        if c == '\r' {
            out.push('\n');
            if it.peek() == Some(&'\n') {
                it.next();
            }
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// A line in one of the common shapes, recognised without the general
/// machinery (see `simple_line`).
struct SimpleLine {
    key: (usize, usize),
    raw: (usize, usize),
    /// The raw value is a quoted one: trimming/quote stripping/unescaping apply.
    quoted: bool,
    /// The value has no `"`, `\\` or tab: as a JSON string it needs no escaping
    /// (every other byte of the line is printable ASCII).
    plain: bool,
    /// End of the line (its `\n`, or the end of the text).
    eol: usize,
}

/// The common line shapes at line start `p`, printable ASCII and tabs only up
/// to the end of the line:
///
/// - `[export<blanks>]KEY=value`: a plain value, not starting with a blank or
///   a quote, not ending with a blank, without `#`;
/// - `[export<blanks>]KEY=<q>body<q>[<blanks>#comment]`: `q` one of `'"\``,
///   the body without `q` and not ending in a backslash.
///
/// For these the regex's choices are all decided: `export<blanks>` followed by
/// a key and `=` is the first alternative tried and succeeds; a plain value
/// starts with neither white space nor a quote, so the quoted alternatives
/// fail and `[^#\r\n]+` takes the rest of the line; in a quoted value the
/// body has no `q` to stop at or to escape, so the closing quote is the one
/// found, and the tail (blanks, a comment, the end of the line) matches right
/// after it. Trimming, quote stripping and unescaping then run on the raw
/// value as usual (ASCII only: no U+2028 inside, `^` only at its start).
/// Lines the general tail would also consume (blank or comment lines) can
/// never match on their own, so continuing at the next line gives the same
/// pairs.
#[inline]
fn simple_line(s: &[u8], p: usize) -> Option<SimpleLine> {
    // One pass over the line, byte by byte (lines are short: a pass beats
    // several memchr calls), accepting exactly the shapes above.
    let n = s.len();
    let blank = |b: u8| (b == b' ') | (b == b'\t');
    let key_run = |mut i: usize| {
        while i < n && CLASS[s[i] as usize] & KEY != 0 {
            i += 1;
        }
        i
    };
    // The key: a run of key bytes right before `=`, or `export`, blanks, then that.
    let mut k = p;
    let mut eq = key_run(p);
    if eq < n && s[eq] != b'=' {
        if eq - p != 6 || &s[p..eq] != b"export" || !blank(s[eq]) {
            return None;
        }
        k = eq;
        while k < n && blank(s[k]) {
            k += 1;
        }
        eq = key_run(k);
    }
    if eq == k || eq >= n || s[eq] != b'=' {
        return None;
    }
    let v = eq + 1;
    let q = *s.get(v)?;
    if matches!(q, b'\'' | b'"' | b'`') {
        // The body up to the first `q` on this line, then blanks, then the end
        // of the line or a comment.
        let mut c = v + 1;
        let mut esc = false;
        while c < n && s[c] != q && text(s[c]) {
            esc |= needs_json_escape(s[c]);
            c += 1;
        }
        if c >= n || s[c] != q || (c > v + 1 && s[c - 1] == b'\\') {
            return None;
        }
        let mut e = c + 1;
        while e < n && blank(s[e]) {
            e += 1;
        }
        if e < n && s[e] == b'#' {
            while e < n && text(s[e]) {
                e += 1;
            }
        }
        if e < n && s[e] != b'\n' {
            return None;
        }
        return Some(SimpleLine { key: (k, eq), raw: (v, c + 1), quoted: true, plain: !esc, eol: e });
    }
    // A plain value: no leading or trailing blank, no `#`.
    let mut e = v;
    let mut esc = false;
    while e < n && s[e] != b'#' && text(s[e]) {
        esc |= needs_json_escape(s[e]);
        e += 1;
    }
    if e == v || (e < n && s[e] != b'\n') || blank(q) || blank(s[e - 1]) {
        return None;
    }
    Some(SimpleLine { key: (k, eq), raw: (v, e), quoted: false, plain: !esc, eol: e })
}

/// The bytes a fast-path line (or a skipped comment line) may hold: printable
/// ASCII and tab.
#[inline]
fn text(b: u8) -> bool {
    (0x20..=0x7e).contains(&b) | (b == b'\t')
}

/// Of the bytes a fast-path line may hold (printable ASCII and tab), the ones
/// a JSON string must escape. (In a double-quoted value a `\\` may also turn
/// into a newline: it is one of them.)
#[inline]
fn needs_json_escape(b: u8) -> bool {
    (b == b'"') | (b == b'\\') | (b == b'\t')
}

/// A blank line (`\n` right at `p`) or a `#` comment line of printable ASCII
/// and tabs: no match can start on it that would not start on the next line
/// too (the regex's leading `\s*` only adds the blank line's `\n`; a comment
/// fails at its `#`, and has no line start inside). Returns where the next
/// line starts.
#[inline]
fn skippable_line(s: &[u8], p: usize) -> Option<usize> {
    match s[p] {
        b'\n' => Some(p + 1),
        b'#' => {
            let mut e = p + 1;
            while e < s.len() && text(s[e]) {
                e += 1;
            }
            (e >= s.len() || s[e] == b'\n').then_some(e + 1)
        }
        _ => None,
    }
}

/// Scan already-normalised text (no `\r`): every pair in file order, with
/// duplicates, handed to `f` as it is found, with `plain`: true when the value
/// is known to need no JSON escaping (false means: check).
fn scan<'a>(src: &'a str, mut f: impl FnMut(&'a str, Cow<'a, str>, bool)) {
    let s = src.as_bytes();
    let mut sc = Scanner { src, s, quotes: [None, None, None], next_cache: [None, None, None] };
    let mut p = 0;
    while p < s.len() {
        if let Some(l) = simple_line(s, p) {
            let raw = &src[l.raw.0..l.raw.1];
            f(&src[l.key.0..l.key.1], if l.quoted { finish_value(raw) } else { Cow::Borrowed(raw) }, l.plain);
            p = l.eol + 1;
            continue;
        }
        if let Some(next) = skippable_line(s, p) {
            p = next;
            continue;
        }
        match sc.attempt(p) {
            Ok((key, raw, end)) => {
                f(key, finish_value(raw), false);
                p = next_line_start(s, end.max(p + 1));
            }
            Err(stop) => p = next_line_start(s, stop.max(p) + 1),
        }
    }
}

/// Parse already-normalised text (no `\r`) into pairs in file order.
pub fn parse_normalized(src: &str) -> Vec<Pair<'_>> {
    let mut out = Vec::new();
    scan(src, |key, value, _| out.push(Pair { key, value }));
    out
}

/// Parse `.env` text and hand every pair, in file order and with duplicates,
/// to `f` (the key `__proto__` is skipped, as a plain-object assignment drops
/// it), with `plain`: true when the value certainly needs no JSON escaping
/// (no `"`, `\\` or control character). Borrowing: nothing is copied unless a
/// value needed unescaping.
pub fn for_each_pair(src: &str, mut f: impl FnMut(&str, &str, bool)) {
    let norm = normalize_newlines(src);
    scan(&norm, |key, value, plain| {
        if key != "__proto__" {
            f(key, &value, plain);
        }
    });
}

/// Parse `.env` text into an ordered, de-duplicated list (last value wins, the
/// position of the first occurrence is kept — as with a JS object). The key
/// `__proto__` is dropped, as assigning a string to it on a plain object does.
pub fn parse(src: &str) -> Vec<(String, String)> {
    let norm = normalize_newlines(src);
    let pairs = parse_normalized(&norm);
    let mut out: Vec<(String, String)> = Vec::with_capacity(pairs.len());
    let mut index: std::collections::HashMap<&str, usize> = std::collections::HashMap::with_capacity(pairs.len());
    for p in &pairs {
        if p.key == "__proto__" {
            continue;
        }
        match index.get(p.key) {
            Some(&i) => out[i].1 = p.value.to_string(),
            None => {
                index.insert(p.key, out.len());
                out.push((p.key.to_string(), p.value.to_string()));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get(src: &str, k: &str) -> Option<String> {
        parse(src).into_iter().find(|(key, _)| key == k).map(|(_, v)| v)
    }

    #[test]
    fn basic_and_comments() {
        assert_eq!(get("BASIC=basic", "BASIC").as_deref(), Some("basic"));
        assert_eq!(get("A=1 # c", "A").as_deref(), Some("1"));
        assert_eq!(get("A=1#c", "A").as_deref(), Some("1"));
        assert_eq!(get("A='1 # c'", "A").as_deref(), Some("1 # c"));
        assert_eq!(get("EMPTY=", "EMPTY").as_deref(), Some(""));
        assert_eq!(get("  SPACED  =  with spaces  ", "SPACED").as_deref(), Some("with spaces"));
    }

    #[test]
    fn quotes_and_escapes() {
        assert_eq!(get("A=\"x\\ny\"", "A").as_deref(), Some("x\ny"));
        assert_eq!(get("A='x\\ny'", "A").as_deref(), Some("x\\ny"));
        assert_eq!(get("A=`x`", "A").as_deref(), Some("x"));
        assert_eq!(get("A=\"multi\nline\"", "A").as_deref(), Some("multi\nline"));
        assert_eq!(get("A='abc' def", "A").as_deref(), Some("'abc' def"));
        assert_eq!(get("A=\"unterminated\nB=2", "A").as_deref(), Some("\"unterminated"));
        assert_eq!(get("A=\"unterminated\nB=2", "B").as_deref(), Some("2"));
        assert_eq!(get("A=\"a\\nb", "A").as_deref(), Some("\"a\nb"));
    }

    #[test]
    fn separators_export_and_lines() {
        assert_eq!(get("export A=1", "A").as_deref(), Some("1"));
        assert_eq!(get("export =1", "export").as_deref(), Some("1"));
        assert_eq!(get("A: 1", "A").as_deref(), Some("1"));
        assert_eq!(get("A:1", "A"), None);
        assert_eq!(get("A\r\nB=2\rC=3", "C").as_deref(), Some("3"));
        assert_eq!(get("\u{feff}A=1", "A").as_deref(), Some("1"));
        assert_eq!(get("A=1\nA=2", "A").as_deref(), Some("2"));
        assert_eq!(get("__proto__=x", "__proto__"), None);
        assert_eq!(get("A=$B", "A").as_deref(), Some("$B"));
        // quirks of the regex reproduced on purpose
        assert_eq!(get("A=\n'q'", "A").as_deref(), Some("q"));
        assert_eq!(get("A\n=1", "A").as_deref(), Some("1"));
        assert_eq!(get("A=1\u{2028}B=2", "A").as_deref(), Some("1\u{2028}B=2"));
    }

    #[test]
    fn hostile_inputs_stay_linear() {
        let src = "A='x\\'\n".repeat(20_000);
        // 20,000 lines of escaped quotes: a quadratic scan would not finish in
        // any reasonable test time; the result is checked, not the clock.
        let out = parse(&src);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].1, "x\\");
        let blank = format!("{}junk\n", "\n".repeat(50_000));
        assert!(parse(&blank).is_empty());
    }
}
