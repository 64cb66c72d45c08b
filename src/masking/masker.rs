//! The masker: a set of secret values (stored zeroize-on-drop), compiled lazily
//! into one Aho-Corasick automaton over every value and its encodings.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use aho_corasick::{AhoCorasick, AhoCorasickKind, Input, MatchKind};
use zeroize::Zeroizing;

use super::encode::{for_each_binary_form, for_each_form, Origin};
use crate::error::SgError;

/// A stored secret value or pattern: zeroed when dropped, hashable by content.
#[derive(PartialEq, Eq)]
struct Stored(Zeroizing<Vec<u8>>);

impl Hash for Stored {
    fn hash<H: Hasher>(&self, h: &mut H) {
        self.0.as_slice().hash(h)
    }
}

impl Borrow<[u8]> for Stored {
    fn borrow(&self) -> &[u8] {
        self.0.as_slice()
    }
}

#[derive(Clone, Debug)]
pub struct MaskOptions {
    /// Replacement for each masked region.
    pub censor: String,
    /// Register the derived encodings (base64, hex, JSON, URL, XML, lines...).
    pub encodings: bool,
    /// Minimum length in characters of a new value (refused below) and of any
    /// derived form (dropped below). Raising it later does not stop masking a
    /// value that was accepted under a lower minimum: each value keeps the
    /// minimum it was registered with (see `Masker::compile`).
    pub min_length: usize,
    /// `partial`: reveal at most this many trailing characters of a raw value (0 = off).
    pub keep_last: usize,
    /// What precedes the revealed suffix in partial mode.
    pub partial_mask: String,
    /// How long a retired value stays masked.
    pub grace: Duration,
}

impl Default for MaskOptions {
    fn default() -> Self {
        MaskOptions {
            censor: "[REDACTED]".into(),
            encodings: true,
            min_length: 4,
            keep_last: 0,
            partial_mask: "****".into(),
            grace: Duration::from_secs(3600),
        }
    }
}

/// The compiled automaton plus what masking needs to know per pattern.
pub struct Compiled {
    ac: Option<AhoCorasick>,
    raw: Vec<bool>,
    censor: Vec<u8>,
    keep_last: usize,
    partial_mask: Vec<u8>,
    pub patterns: usize,
}

/// What the masker knows about one value.
#[derive(Clone, Copy, Debug)]
struct State {
    /// Retirement deadline (None while active).
    deadline: Option<Instant>,
    /// The lowest minLength in force when the value was registered: its
    /// derived forms are filtered with min(this, current minLength).
    min_len: usize,
}

pub struct Masker {
    opts: MaskOptions,
    /// value (UTF-8 text, or binary bytes from the cache) -> state.
    secrets: HashMap<Stored, State>,
    next_expiry: Option<Instant>,
    compiled: Option<Arc<Compiled>>,
}

fn char_len(v: &str) -> usize {
    v.chars().count()
}

impl Masker {
    pub fn new(opts: MaskOptions) -> Self {
        Masker { opts, secrets: HashMap::new(), next_expiry: None, compiled: None }
    }

    pub fn options(&self) -> &MaskOptions {
        &self.opts
    }

    pub fn set_options(&mut self, opts: MaskOptions) {
        self.opts = opts;
        self.compiled = None;
    }

    /// Register a value. Refuses values shorter than `min_length` (code
    /// VALUE_TOO_SHORT; the message never contains the value). Returns whether
    /// the value was new (re-adding a retired value makes it active again).
    pub fn add(&mut self, value: &str) -> Result<bool, SgError> {
        let n = char_len(value);
        // A known value (accepted under a lower minLength) is not refused.
        if n < self.opts.min_length && !self.secrets.contains_key(value.as_bytes()) {
            return Err(SgError::new(
                "VALUE_TOO_SHORT",
                format!(
                    "refusing to mask a value of {} character(s): minLength is {} (short values would mask ordinary text)",
                    n, self.opts.min_length
                ),
            ));
        }
        Ok(self.insert(value.as_bytes()))
    }

    /// Like `add`, but silently skips values that are too short. Returns whether anything changed.
    pub fn learn(&mut self, value: &str) -> bool {
        self.learn_bytes(value.as_bytes())
    }

    /// `learn` for a value that may not be UTF-8 (a binary secret from the
    /// cache); its length is counted in characters when it is UTF-8, else in bytes.
    pub fn learn_bytes(&mut self, value: &[u8]) -> bool {
        let n = std::str::from_utf8(value).map(char_len).unwrap_or(value.len());
        if n < self.opts.min_length && !self.secrets.contains_key(value) {
            return false;
        }
        self.insert(value)
    }

    fn insert(&mut self, value: &[u8]) -> bool {
        let min_len = self.opts.min_length;
        match self.secrets.get_mut(value) {
            Some(state) => {
                if state.min_len > min_len {
                    // Re-registered under a lower minimum: its short derived forms now count.
                    state.min_len = min_len;
                    self.compiled = None;
                }
                if state.deadline.is_some() {
                    state.deadline = None;
                    self.recompute_next_expiry();
                }
                false
            }
            None => {
                self.secrets.insert(Stored(Zeroizing::new(value.to_vec())), State { deadline: None, min_len });
                self.compiled = None;
                true
            }
        }
    }

    /// Is `value` registered and active (not retired)?
    pub fn contains_active(&self, value: &str) -> bool {
        self.contains_active_bytes(value.as_bytes())
    }

    pub fn contains_active_bytes(&self, value: &[u8]) -> bool {
        matches!(self.secrets.get(value), Some(State { deadline: None, .. }))
    }

    /// Forget a value now. Returns whether it was known.
    pub fn remove(&mut self, value: &str) -> bool {
        self.remove_bytes(value.as_bytes())
    }

    pub fn remove_bytes(&mut self, value: &[u8]) -> bool {
        match self.secrets.remove(value) {
            None => false,
            Some(state) => {
                self.compiled = None;
                if state.deadline.is_some() {
                    self.recompute_next_expiry();
                }
                true
            }
        }
    }

    /// Keep masking `value` for `grace` (default: the configured grace), then forget it.
    pub fn retire(&mut self, value: &str, grace: Option<Duration>, now: Instant) -> bool {
        self.retire_bytes(value.as_bytes(), grace, now)
    }

    pub fn retire_bytes(&mut self, value: &[u8], grace: Option<Duration>, now: Instant) -> bool {
        let grace = grace.unwrap_or(self.opts.grace);
        if grace.is_zero() {
            return self.remove_bytes(value);
        }
        match self.secrets.get_mut(value) {
            Some(state) => {
                let deadline = now + grace;
                state.deadline = Some(state.deadline.map_or(deadline, |d| d.min(deadline)));
                self.recompute_next_expiry();
                true
            }
            None => false,
        }
    }

    fn recompute_next_expiry(&mut self) {
        self.next_expiry = self.secrets.values().filter_map(|s| s.deadline).min();
    }

    /// Forget retired values whose grace period has ended.
    pub fn purge(&mut self, now: Instant) {
        if self.next_expiry.is_some_and(|t| t <= now) {
            let before = self.secrets.len();
            self.secrets.retain(|_, s| s.deadline.is_none_or(|t| t > now));
            if self.secrets.len() != before {
                self.compiled = None;
            }
            self.recompute_next_expiry();
        }
    }

    pub fn len(&self) -> usize {
        self.secrets.len()
    }

    pub fn is_empty(&self) -> bool {
        self.secrets.is_empty()
    }

    pub fn clear(&mut self) {
        self.secrets.clear();
        self.next_expiry = None;
        self.compiled = None;
    }

    /// The compiled automaton if it is current at `now`.
    pub fn fresh(&self, now: Option<Instant>) -> Option<&Arc<Compiled>> {
        let c = self.compiled.as_ref()?;
        match (self.next_expiry, now) {
            (Some(t), Some(now)) if t <= now => None,
            (Some(_), None) => None,
            _ => Some(c),
        }
    }

    pub fn needs_clock(&self) -> bool {
        self.next_expiry.is_some()
    }

    /// Purge expired values and (re)build the automaton if needed.
    pub fn compiled(&mut self, now: Instant) -> Arc<Compiled> {
        self.purge(now);
        if let Some(c) = &self.compiled {
            return c.clone();
        }
        let c = Arc::new(self.compile());
        self.compiled = Some(c.clone());
        c
    }

    fn compile(&self) -> Compiled {
        let mut pats: HashMap<Stored, bool> = HashMap::new();
        for (key, state) in &self.secrets {
            // A value accepted under a lower minLength stays masked (with the
            // derived forms it had) after minLength is raised: the minimum
            // applies to new values, it never silently unmasks known ones.
            let min_len = state.min_len.min(self.opts.min_length);
            let mut add = |bytes: Zeroizing<Vec<u8>>, origin: Origin| {
                let raw = origin == Origin::Raw;
                let e = pats.entry(Stored(bytes)).or_insert(false);
                *e |= raw;
            };
            match std::str::from_utf8(&key.0) {
                Ok(v) => for_each_form(v, self.opts.encodings, min_len, &mut add),
                Err(_) => for_each_binary_form(&key.0, self.opts.encodings, min_len, &mut add),
            }
        }
        let (list, raw): (Vec<Stored>, Vec<bool>) = pats.into_iter().unzip();
        let ac = if list.is_empty() {
            None
        } else {
            let total: usize = list.iter().map(|p| p.0.len()).sum();
            let mut b = AhoCorasick::builder();
            b.match_kind(MatchKind::LeftmostLongest);
            // A DFA is the fastest to search; it costs ~(states x byte classes x 4)
            // bytes, so use it while the pattern set is modest and let the crate
            // pick (contiguous NFA) for large sets.
            if total <= 200_000 {
                b.kind(Some(AhoCorasickKind::DFA));
            }
            b.build(list.iter().map(|p| p.0.as_slice())).ok().or_else(|| {
                AhoCorasick::builder()
                    .match_kind(MatchKind::LeftmostLongest)
                    .build(list.iter().map(|p| p.0.as_slice()))
                    .ok()
            })
        };
        Compiled {
            ac,
            patterns: raw.len(),
            raw,
            censor: self.opts.censor.as_bytes().to_vec(),
            keep_last: self.opts.keep_last,
            partial_mask: self.opts.partial_mask.as_bytes().to_vec(),
        }
    }
}

impl Compiled {
    /// No patterns: masking returns its input.
    pub fn is_empty(&self) -> bool {
        self.ac.is_none()
    }

    /// Mask bytes (a Buffer): matches are byte-exact. Returns None when nothing
    /// matched (the caller can reuse its input).
    ///
    /// Leftmost-longest matches; after each match the search resumes one byte
    /// after the match *start*, so a secret starting inside another one and
    /// running past its end is found too. Overlapping and adjacent matches are
    /// merged into one censored region.
    pub fn mask_bytes(&self, hay: &[u8]) -> Option<Vec<u8>> {
        self.mask_impl(hay, false)
    }

    /// Mask UTF-8 text: like `mask_bytes`, but a censored region that starts or
    /// ends inside a character (only a binary value's raw bytes can match that
    /// way) is widened to whole characters, so the output is UTF-8 too.
    /// `hay` must be UTF-8; so is the output (the input's characters and the
    /// censors, cut only at character boundaries).
    pub fn mask_text(&self, hay: &[u8]) -> Option<Vec<u8>> {
        self.mask_impl(hay, true)
    }

    fn mask_impl(&self, hay: &[u8], text: bool) -> Option<Vec<u8>> {
        let ac = self.ac.as_ref()?;
        let first = ac.find(Input::new(hay))?;
        let is_cont = |b: u8| (0x80..0xC0).contains(&b);
        let snap_start = |mut i: usize| {
            while text && i > 0 && i < hay.len() && is_cont(hay[i]) {
                i -= 1;
            }
            i
        };
        let snap_end = |mut i: usize| {
            while text && i < hay.len() && is_cont(hay[i]) {
                i += 1;
            }
            i
        };
        let mut out = Vec::with_capacity(hay.len());
        let mut copied = 0;
        let (mut rs, mut re) = (snap_start(first.start()), snap_end(first.end()));
        let mut first_m = first;
        // Whether another match started inside the current region.
        let mut merged = false;
        let mut last_start = first.start();
        loop {
            let next = if last_start < hay.len() { ac.find(Input::new(hay).range(last_start + 1..)) } else { None };
            match next {
                Some(m) if m.start() <= re => {
                    re = snap_end(re.max(m.end()));
                    last_start = m.start();
                    merged = true;
                }
                other => {
                    out.extend_from_slice(&hay[copied..rs]);
                    let single_raw =
                        !merged && (rs, re) == (first_m.start(), first_m.end()) && self.raw[first_m.pattern().as_usize()];
                    self.censor_into(&mut out, hay, rs, re, single_raw);
                    copied = re;
                    match other {
                        None => break,
                        Some(m) => {
                            rs = snap_start(m.start());
                            re = snap_end(m.end());
                            first_m = m;
                            last_start = m.start();
                            merged = false;
                        }
                    }
                }
            }
        }
        out.extend_from_slice(&hay[copied..]);
        Some(out)
    }

    /// Partial format: `partial_mask` followed by the last N characters, where
    /// N = min(keep_last, chars / 4) — never more than keep_last and never more
    /// than a quarter of the value; only for a region that is exactly one raw
    /// value with no other pattern inside it (never for encodings or merged
    /// regions: the revealed suffix could be, or be part of, another secret).
    fn censor_into(&self, out: &mut Vec<u8>, hay: &[u8], rs: usize, re: usize, single_raw: bool) {
        let region = &hay[rs..re];
        // Matches starting after `rs` were merged (and cleared `single_raw`); a
        // shorter pattern starting at `rs` itself (a secret that is a prefix of
        // this one) is not reported by a leftmost-longest search: look for it.
        let prefix_secret = || {
            re - rs > 1 && self.ac.as_ref().is_some_and(|ac| ac.find(Input::new(hay).range(rs..re - 1)).is_some())
        };
        if single_raw && self.keep_last > 0 && !prefix_secret() {
            if let Ok(s) = std::str::from_utf8(region) {
                let n = s.chars().count();
                let shown = self.keep_last.min(n / 4);
                if shown > 0 {
                    let start = s.char_indices().nth(n - shown).map(|(i, _)| i).unwrap_or(s.len());
                    out.extend_from_slice(&self.partial_mask);
                    out.extend_from_slice(&s.as_bytes()[start..]);
                    return;
                }
            }
        }
        out.extend_from_slice(&self.censor);
    }
}

/// A masker shared between threads (the napi class and the process-wide default).
pub type Shared = Arc<RwLock<Masker>>;

/// The current automaton of a shared masker: a read lock in the common case,
/// a write lock only to purge expired values or rebuild after add/remove.
pub fn current(shared: &RwLock<Masker>) -> Arc<Compiled> {
    {
        let g = shared.read().unwrap_or_else(|e| e.into_inner());
        let now = if g.needs_clock() { Some(Instant::now()) } else { None };
        if let Some(c) = g.fresh(now) {
            return c.clone();
        }
    }
    let mut g = shared.write().unwrap_or_else(|e| e.into_inner());
    g.compiled(Instant::now())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(opts: MaskOptions, vals: &[&str]) -> Masker {
        let mut m = Masker::new(opts);
        for v in vals {
            m.add(v).unwrap();
        }
        m
    }
    fn run(m: &mut Masker, s: &str) -> String {
        let c = m.compiled(Instant::now());
        c.mask_text(s.as_bytes()).map(|v| String::from_utf8(v).unwrap()).unwrap_or_else(|| s.to_string())
    }

    #[test]
    fn masks_and_merges() {
        let mut k = m(MaskOptions::default(), &["abcdef", "defghi", "zzzz"]);
        assert_eq!(run(&mut k, "x abcdefghi y"), "x [REDACTED] y");
        assert_eq!(run(&mut k, "abcdefzzzz"), "[REDACTED]");
        assert_eq!(run(&mut k, "abcdef zzzz"), "[REDACTED] [REDACTED]");
        assert_eq!(run(&mut k, "nothing here"), "nothing here");
        assert!(k.compiled(Instant::now()).mask_bytes(b"nothing").is_none());
    }

    #[test]
    fn too_short_is_refused_without_value() {
        let mut k = Masker::new(MaskOptions::default());
        let e = k.add("abc").unwrap_err();
        assert_eq!(e.code, "VALUE_TOO_SHORT");
        assert!(!e.message.contains("abc"));
        assert!(!k.learn("abc"));
        assert_eq!(k.len(), 0);
    }

    #[test]
    fn partial_reveals_only_suffix_of_raw() {
        let o = MaskOptions { keep_last: 4, ..Default::default() };
        let mut k = m(o, &["sk_live_FAKE0000WXYZ"]);
        assert_eq!(run(&mut k, "key=sk_live_FAKE0000WXYZ."), "key=****WXYZ.");
        let b64 = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, "sk_live_FAKE0000WXYZ");
        assert_eq!(run(&mut k, &b64), "[REDACTED]");
        let mut k = m(MaskOptions { keep_last: 4, ..Default::default() }, &["short1"]);
        assert_eq!(run(&mut k, "short1"), "****1");
    }

    #[test]
    fn partial_never_reveals_a_secret_inside_the_match() {
        let o = || MaskOptions { keep_last: 4, ..Default::default() };
        // A second secret at the end of the first (the revealed suffix).
        let mut k = m(o(), &["FAKElongprefix00WXYZ", "WXYZ"]);
        assert_eq!(run(&mut k, "a=FAKElongprefix00WXYZ"), "a=[REDACTED]");
        assert_eq!(run(&mut k, "a=WXYZ"), "a=****Z"); // min(4, 4/4) = 1 character
        // Anywhere inside it.
        let mut k = m(o(), &["FAKElongprefix00WXYZ", "gpre"]);
        assert_eq!(run(&mut k, "a=FAKElongprefix00WXYZ"), "a=[REDACTED]");
        // A prefix of it (same start: not reported by the leftmost-longest search).
        let mut k = m(o(), &["FAKElongprefix00WXYZ", "FAKElongprefix00WXY"]);
        assert_eq!(run(&mut k, "a=FAKElongprefix00WXYZ"), "a=[REDACTED]");
        // Alone, each still gets the partial format.
        let mut k = m(o(), &["FAKElongprefix00WXYZ", "other-secret-1234"]);
        assert_eq!(run(&mut k, "a=FAKElongprefix00WXYZ b=other-secret-1234"), "a=****WXYZ b=****1234");
    }

    #[test]
    fn raising_min_length_keeps_known_values_masked() {
        let mut k = m(MaskOptions::default(), &["FAKE12", "FAKE-longer-value"]);
        let mut o = k.options().clone();
        o.min_length = 8;
        k.set_options(o);
        assert_eq!(run(&mut k, "pw=FAKE12"), "pw=[REDACTED]");
        let b64 = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, "FAKE12");
        assert_eq!(run(&mut k, &format!("b={b64}")), "b=[REDACTED]");
        assert_eq!(run(&mut k, "FAKE-longer-value"), "[REDACTED]");
        // The new minimum applies to new values...
        assert_eq!(k.add("FAKE34").unwrap_err().code, "VALUE_TOO_SHORT");
        assert!(!k.learn("FAKE56"));
        assert_eq!(run(&mut k, "FAKE34 FAKE56"), "FAKE34 FAKE56");
        // ...but re-adding a known value is not an error, and un-retires it.
        assert_eq!(k.add("FAKE12").unwrap(), false);
        let t0 = Instant::now();
        k.retire("FAKE12", Some(Duration::from_secs(1)), t0);
        assert!(!k.learn("FAKE12"));
        k.purge(t0 + Duration::from_secs(5));
        assert_eq!(run(&mut k, "pw=FAKE12"), "pw=[REDACTED]");
        // Lowering the minimum again: everything as before.
        let mut o = k.options().clone();
        o.min_length = 4;
        k.set_options(o);
        assert!(k.add("FAKE34").unwrap());
        assert_eq!(run(&mut k, "FAKE12 FAKE34"), "[REDACTED] [REDACTED]");
    }

    #[test]
    fn binary_value_masks_bytes_and_encodings_and_keeps_text_utf8() {
        let v: Vec<u8> = [&[0xffu8][..], b"FAKE-LEAK-CANARY-l6"].concat();
        let mut k = Masker::new(MaskOptions::default());
        assert!(k.learn_bytes(&v));
        assert!(k.contains_active_bytes(&v));
        let c = k.compiled(Instant::now());
        let hay: Vec<u8> = [b"<".as_slice(), &v, b">"].concat();
        assert_eq!(c.mask_bytes(&hay).unwrap(), b"<[REDACTED]>");
        use base64::Engine;
        for enc in [
            base64::engine::general_purpose::STANDARD.encode(&v),
            base64::engine::general_purpose::STANDARD.encode([b"u:".as_slice(), &v].concat()),
            hex::encode(&v),
            String::from_utf8_lossy(&v).into_owned(),
        ] {
            let out = c.mask_text(enc.as_bytes()).map(|o| String::from_utf8(o).unwrap());
            assert!(out.as_deref().is_some_and(|o| o.contains("[REDACTED]") && o.len() <= 16), "{enc}: {out:?}");
        }
        // A raw pattern that is not UTF-8 can match inside UTF-8 text from the
        // middle of a character: the text result widens it to whole characters.
        let tail: Vec<u8> = [&[0xa9u8][..], b"FAKE-tail-value"].concat(); // 0xa9 ends "é" (c3 a9)
        let mut k = Masker::new(MaskOptions { encodings: false, ..Default::default() });
        assert!(k.learn_bytes(&tail));
        let c = k.compiled(Instant::now());
        let text = "x éFAKE-tail-value y";
        assert_eq!(c.mask_text(text.as_bytes()).unwrap(), b"x [REDACTED] y");
        assert_eq!(c.mask_bytes(text.as_bytes()).unwrap(), b"x \xc3[REDACTED] y");
        let head: Vec<u8> = [b"FAKE-head-value".as_slice(), &[0xc3u8]].concat();
        k.learn_bytes(&head);
        let c = k.compiled(Instant::now());
        assert_eq!(c.mask_text("FAKE-head-valueé!".as_bytes()).unwrap(), b"[REDACTED]!");
        // retire / remove by bytes
        assert!(k.retire_bytes(&head, Some(Duration::ZERO), Instant::now()));
        assert!(!k.contains_active_bytes(&head));
    }

    #[test]
    fn retire_then_purge() {
        let mut k = m(MaskOptions::default(), &["value-one"]);
        let t0 = Instant::now();
        assert!(k.retire("value-one", Some(Duration::from_secs(10)), t0));
        assert_eq!(run(&mut k, "value-one"), "[REDACTED]");
        k.purge(t0 + Duration::from_secs(11));
        assert_eq!(k.len(), 0);
        let c = k.compiled(t0 + Duration::from_secs(11));
        assert!(c.mask_bytes(b"value-one").is_none());
    }

    #[test]
    fn relearn_unretires() {
        let mut k = m(MaskOptions::default(), &["value-two"]);
        let t0 = Instant::now();
        k.retire("value-two", Some(Duration::from_secs(1)), t0);
        assert!(!k.learn("value-two"));
        k.purge(t0 + Duration::from_secs(5));
        assert_eq!(k.len(), 1);
    }

    #[test]
    fn overlap_inside_long_match_extends_region() {
        let mut k = m(MaskOptions { encodings: false, ..Default::default() }, &["aaaab", "abzzzz"]);
        assert_eq!(run(&mut k, "-aaaabzzzz-"), "-[REDACTED]-");
    }
}
